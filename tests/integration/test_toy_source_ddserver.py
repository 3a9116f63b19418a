"""The toy third source (tests/support/toy_checks.py) end to end against the local Datadog server: translate,
plan, apply and rollback of a monitor and a synthetic API test per check, with no Prometheus, PromQL or
Grafana module loaded, which is what makes the core source-neutral."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from migrate.commands.apply import apply
from migrate.commands.rollback import rollback_command
from migrate.testing.ddserver import DatadogTestServer
from migrate.translate.store import read_translation
from tests.support.ddorg import ROOT, assert_org_exactly, owned_keys
from tests.support.toy_checks import translate_toy

SOURCE_MODULES = ("migrate.translate.prometheus", "migrate.translate.promql", "migrate.translate.grafana")


def test_toy_source_translates_applies_and_rolls_back(tmp_path: Path, dd: DatadogTestServer) -> None:
    translation = read_translation(translate_toy(tmp_path))
    assert sorted(r.type for r in translation.resources) == ["monitor", "monitor", "synthetic_test", "synthetic_test"]
    entries = list(translation.ledger)
    outcomes = {e.ref.id: (e.outcome.value, len(e.targets)) for e in entries}
    assert outcomes == {"shop-health": ("exact", 2), "api-ping": ("approximate", 2)}, "one entry per check, 2 targets"
    api_ping = next(r for r in translation.resources if r.type == "synthetic_test" and "api.example" in str(r.payload))
    assert api_ping.payload["options"]["tick_every"] == 60  # 120 s is not an allowed frequency: snapped down ...
    assert [f.code for e in entries for f in e.findings] == ["synthetics.frequency_snapped"]  # ... and said

    _, applied = apply(workdir=tmp_path / "work", translation_dir=tmp_path / "translation", progress=False)
    assert applied.ok, applied.failures
    assert applied.counts["created"] == 4
    assert_org_exactly(dd, tmp_path / "work", translation.resources)
    posted = {r.path for r in dd.requests if r.method == "POST"}
    assert {"/api/v1/monitor", "/api/v1/synthetics/tests/api"} <= posted

    rolled = rollback_command(workdir=tmp_path / "work", target=applied.run_id)
    assert rolled.ok, (rolled.failures, rolled.refused)
    assert owned_keys(dd) == {}, "rollback removed every resource the toy source created"
    assert not dd.monitors and not dd.synthetics


def test_toy_source_loads_no_prometheus_or_grafana_module(tmp_path: Path, dd: DatadogTestServer) -> None:
    """In a fresh interpreter, so no other test's imports count: the whole pipeline runs on the neutral core."""
    proc = subprocess.run(
        [sys.executable, "-m", "tests.support.toy_checks", str(tmp_path)],
        cwd=ROOT,
        env=dict(os.environ),  # the dd fixture pointed DD_API_URL and the keys at the local server
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.splitlines()[-1])
    loaded = [m for m in summary["modules"] if m.startswith(SOURCE_MODULES)]
    assert loaded == [], f"the toy pipeline loaded source front ends: {loaded}"
    assert "migrate.translate.build.synthetic" in summary["modules"]
    assert sorted(summary["plan"]) == [["create", "monitor"]] * 2 + [["create", "synthetic_test"]] * 2
    assert summary["applied"] == {"failures": [], "counts": {"created": 4}}
    assert summary["rolled_back"]["failures"] == [] and summary["rolled_back"]["refused"] == []
    assert owned_keys(dd) == {}
