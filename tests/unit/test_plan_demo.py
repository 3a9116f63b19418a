"""The Makefile's demo target, run in-process on the bundled sample: collect → translate → plan → bridge → report.

Checks the wiring (each verb's flags as the Makefile writes them) and that the sample Datadog state shows
what it is meant to show: creates, updates, no-ops, a delete, an adopt candidate, unmanaged monitors untouched.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest

from migrate import cli

ROOT = Path(__file__).resolve().parents[2]


def demo_commands(demo: Path) -> list[list[str]]:
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^demo:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe, "Makefile has no demo target"
    commands = []
    for line in recipe.group(1).splitlines():
        words = shlex.split(line.strip().replace("$(DEMO)", str(demo)))
        if words and words[0] == "$(BIN)/ddmigrate":
            commands.append(words[1:])
    return commands


def test_demo_runs_end_to_end_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    for name in list(os.environ):
        if name.startswith("DD_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(ROOT)  # the Makefile's paths are relative to the repository
    demo = tmp_path / "demo"
    commands = demo_commands(demo)
    assert [c[0] for c in commands] == ["collect", "collect", "translate", "plan", "bridge", "report"]
    for argv in commands:
        assert cli.main(argv) == 0, f"ddmigrate {' '.join(argv)} failed:\n{capsys.readouterr().err}"
    out = capsys.readouterr().out

    plan = json.loads((demo / "plan.json").read_text())
    summary = plan["summary"]
    assert summary["create"] > 0 and summary["update"] >= 2 and summary["no-op"] >= 4, summary
    assert summary["delete"] == 1 and summary["adopt_candidates"] == 1, summary
    touched = {c["datadog_id"] for c in plan["changes"] if c["action"] != "no-op"}
    assert not touched & {"39110457", "39110458"}, "an unmanaged monitor was planned for change"
    updates = {c["name"]: {f["path"] for f in c["fields"]} for c in plan["changes"] if c["action"] == "update"}
    assert {"query", "options.thresholds.critical"} <= next(v for k, v in updates.items() if "pool" in k)
    assert {"priority", "tags"} == next(v for k, v in updates.items() if "queue lags" in k)

    assert f"Plan: {summary['create']} to create, {summary['update']} to update, 1 to delete" in out
    assert "Changes planned:" in out and str(demo / "report" / "report.md") in out
    report = json.loads((demo / "report" / "report.json").read_text())
    assert report["plan"]["matches_translation"] is True
    ledger = json.loads((demo / "translation" / "ledger.json").read_text())
    assert report["summary"]["by_outcome"] == ledger["summary"]["by_outcome"]
    kinds = ledger["summary"]["by_kind"]
    assert {"prometheus/alerting_rule", "grafana/dashboard", "grafana/panel"} <= set(kinds), kinds
    assert (demo / "bridge" / "conf.yaml").is_file()
