"""The Makefile's demo target, run in-process on the bundled sample: collect → translate → bridge → plan → report.

Checks the wiring (each verb's flags as the Makefile writes them) and that the sample Datadog state shows
what it is meant to show: creates, updates, no-ops, a delete, an adopt candidate, unmanaged monitors untouched.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate import cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "inventories/sample/sources/prometheus"


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


def test_demo_runs_end_to_end_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(os.environ):
        if name.startswith("DD_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(ROOT)  # the Makefile's paths are relative to the repository
    demo = tmp_path / "demo"
    commands = demo_commands(demo)
    verbs = [c[0] for c in commands]  # one collect per sample source (their number grows), then the pipeline
    assert set(verbs[:-4]) == {"collect"} and verbs[-4:] == ["translate", "bridge", "plan", "report"], verbs
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
    check_bridge_and_cardinality(demo, out, report)
    assert (demo / "inventory" / "newrelic" / "manifest.json").is_file()  # Phase 2's source, collected offline


def check_bridge_and_cardinality(demo: Path, out: str, report: dict[str, Any]) -> None:
    """Offline, the recorded targets give real Agent instances and the recorded counts a preview that
    reaches the plan's output and the report."""
    config = yaml.safe_load((demo / "bridge" / "conf.yaml").read_text(encoding="utf-8"))
    endpoints = {i["openmetrics_endpoint"] for i in config["instances"]}
    assert {"http://10.0.1.11:9100/metrics", "http://kube-state-metrics.kube-system.svc:8080/metrics"} <= endpoints
    assert any("/probe?module=http_2xx&target=" in e for e in endpoints)
    pods = yaml.safe_load((demo / "bridge" / "autodiscovery-annotations.yaml").read_text(encoding="utf-8"))
    assert {p.split("/")[0] for p in pods} == {"payments", "billing", "notifications"}

    preview = json.loads((demo / "bridge" / "cardinality.json").read_text(encoding="utf-8"))
    assert preview["source"] == "recorded" and preview["not_recorded"] == [] and preview["no_series"] == []
    recorded = json.loads((SAMPLE / "series-counts.json").read_text(encoding="utf-8"))["queries"]
    assert len(preview["per_metric"]) == len(recorded)  # the recording answers exactly what the preview asks
    over = [t for t in preview["per_target"] if t["over_limit"]]
    assert [t["job"] for t in over] == ["kube-state-metrics"] and over[0]["contexts"] > 2000
    assert report["cardinality"]["total_custom_metrics"] == preview["total_custom_metrics"]
    assert f"Bridge mode: {preview['total_custom_metrics']} custom metrics" in out
    assert out.count("warning: kube-state-metrics/") >= 2  # the plan's block and the report's summary
    assert "## Bridge mode: custom metrics" in (demo / "report" / "report.md").read_text(encoding="utf-8")


def test_sample_targets_carry_the_jobs_the_rules_and_dashboards_select() -> None:
    """The recorded targets are consistent with the sample rules: every `job` a rule selects is scraped."""
    targets = json.loads((SAMPLE / "targets.json").read_text(encoding="utf-8"))["data"]["activeTargets"]
    jobs = {t["labels"]["job"] for t in targets}
    selected = set()
    for path in SAMPLE.glob("*.y*ml"):
        selected |= set(re.findall(r'job="([^"]+)"', path.read_text(encoding="utf-8")))
    assert selected and selected <= jobs, selected - jobs
