"""The decommission gate on what the real runner records: the sample company applied and verified through
the CLI against the local Datadog-compatible server, then accept, decommission-check and the report."""

from __future__ import annotations

import json
from pathlib import Path

from migrate.testing.ddserver import DatadogTestServer
from migrate.translate.store import read_translation
from tests.support.ddorg import desired, report_all_metrics, run_cli


def test_apply_verify_accept_then_the_gate_passes(translation: Path, tmp_path: Path, dd: DatadogTestServer) -> None:
    common = ("--workdir", tmp_path, "--translation", translation)
    gate = ("decommission-check", "prometheus", *common)
    code, out, _ = run_cli(*gate)
    assert code == 1 and "not_applied (" in out

    assert run_cli("apply", *common)[0] == 0
    code, out, _ = run_cli(*gate)
    assert code == 1 and "not_verified (" in out and "not_applied" not in out

    report_all_metrics(dd, desired(translation))
    assert run_cli("verify", *common)[0] == 0
    code, out, _ = run_cli(*gate)
    ledger = read_translation(translation).ledger
    review = sorted(
        e.ref.key
        for e in ledger
        if e.ref.source == "prometheus" and (e.outcome.value in ("manual", "skipped") or not e.targets)
    )
    assert code == 1
    assert f"needs_acceptance ({len(review)})" in out, out
    assert "not_verified" not in out and "verify_failed" not in out

    code, _, err = run_cli("accept", *review, *common, "--reason", "owners signed off in review 7", "--by", "auditor")
    assert code == 0, err
    code, out, _ = run_cli(*gate)
    assert code == 0, out
    assert "verified or accepted: the decommission gate passes" in out

    assert run_cli("report", *common, "--out", tmp_path / "report")[0] == 0
    data = json.loads((tmp_path / "report" / "report.json").read_text())
    prometheus = next(t for t in data["tools"] if t["tool"] == "prometheus")
    assert prometheus["gate"]["passes"] and prometheus["accepted"] == len(review)
    assert prometheus["verified"] == prometheus["total"] - len(review)
    linked = [t["url"] for group in data["items"].values() for i in group for t in i["datadog"]]
    assert linked and all(u and u.startswith(dd.url) for u in linked), "links on the org the workdir applied to"
    assert [r["verb"] for r in data["history"]["runs"]] == ["apply", "verify"]
