"""apply and verify draw their progress line on a terminal only, counting every change and every resource;
off a terminal stderr stays empty (the local Datadog server stands in for the org)."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.runner.phases import load_phases
from migrate.testing.ddserver import DatadogTestServer
from tests.support.ddorg import PHASES_YAML, desired, report_all_metrics, run_cli
from tests.support.terminal import drawn, run_on_terminal


def test_apply_and_verify_progress_on_a_terminal_only(
    translation: Path, tmp_path: Path, dd: DatadogTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    phases = tmp_path / "phases.yaml"
    phases.write_text(PHASES_YAML, encoding="utf-8")
    pilot = load_phases(phases).assign(desired(translation))["pilot"]
    n = len(pilot)
    common = ("--workdir", tmp_path, "--translation", translation, "--phases", phases, "--phase", "pilot")
    code, out, err = run_on_terminal("apply", *common)
    assert code == 0, err
    assert "apply" in drawn(err) and f"{n}/{n}" in drawn(err)
    assert f"created {n}" in out and f"{n}/{n}" not in out
    report_all_metrics(dd, pilot)
    code, out, err = run_on_terminal("verify", *common)
    assert code == 0, out + err
    assert "verify" in drawn(err) and f"{n}/{n}" in drawn(err)
    code, out, err = run_cli("verify", *common)
    assert code == 0 and err == "", "not a terminal: nothing on stderr"
