"""End to end through the CLI verbs and the real datadog-api-client against the local Datadog-compatible server:
apply a translated plan, verify, re-apply (no-op), status/history; faults; `plan --live`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from migrate.commands.apply import apply
from migrate.datadog import ownership
from migrate.runner.journal import Journal
from migrate.runner.live import read_live_plan
from migrate.runner.phases import load_phases
from migrate.testing.ddserver import DatadogTestServer, Faults
from tests.support.ddorg import (
    PHASES_YAML,
    assert_org_exactly,
    assert_untouched,
    desired,
    owned_keys,
    plant_lookalikes,
    point_env,
    renamed,
    report_all_metrics,
    run_cli,
    variant,
)

MUTATING = ("POST", "PUT", "DELETE")


def writes_to_managed(dd: DatadogTestServer, since: int) -> list[str]:
    return [
        f"{r.method} {r.path}" for r in dd.requests[since:] if r.method in MUTATING and not r.path.endswith("/validate")
    ]


def test_apply_verify_reapply_status_history(translation: Path, tmp_path: Path, dd: DatadogTestServer) -> None:
    phases = tmp_path / "phases.yaml"
    phases.write_text(PHASES_YAML, encoding="utf-8")
    pilot = load_phases(phases).assign(desired(translation))["pilot"]
    assert {r.type for r in pilot} == {"monitor"} and len(pilot) >= 5
    common = ("--workdir", tmp_path, "--translation", translation, "--phases", phases, "--phase", "pilot")

    code, out, err = run_cli("apply", *common)
    assert code == 0, err
    assert f"created {len(pilot)}" in out
    assert set(owned_keys(dd)) == {(r.type, r.key) for r in pilot}
    assert len(dd.requests) > 0 and all(r.status == 200 for r in dd.requests if r.method == "POST")

    report_all_metrics(dd, pilot)
    code, out, err = run_cli("verify", *common)
    assert code == 0, out + err
    assert f"{len(pilot)} checked, 0 failed" in out
    validated = [r for r in dd.requests if r.path == "/api/v1/monitor/validate"]
    assert len(validated) == len(pilot), "every monitor goes through Datadog's validate endpoint"
    assert any(r.path == "/api/v1/query" for r in dd.requests), "metrics were checked through the query API"

    before = len(dd.requests)
    code, out, err = run_cli("apply", *common)
    assert code == 0, err
    assert f"unchanged {len(pilot)}" in out and "created" not in out and "updated" not in out
    assert writes_to_managed(dd, before) == [], "a re-apply sends no write at all"
    assert_org_exactly(dd, tmp_path, pilot)

    code, out, _ = run_cli("status", "--workdir", tmp_path, "--phases", phases)
    assert code == 0
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()}
    assert rows == {"pilot": "applied", "rest": "not"}
    runs = Journal(tmp_path).runs(phase="pilot")
    assert [r["verb"] for r in runs] == ["apply", "verify", "apply"]
    assert runs[-1]["plan_hash"][:19] in out

    code, out, _ = run_cli("history", "--workdir", tmp_path, "--phase", "pilot")
    assert code == 0
    for run in runs:
        assert run["id"] in out
    assert "phase pilot -> applied" in out and "phase pilot -> verified" in out

    # The re-apply made the phase `applied` again: its gates (verified, cut_over) block the next phase.
    code, _, err = run_cli(
        "apply", "--workdir", tmp_path, "--translation", translation, "--phases", phases, "--phase", "rest"
    )
    assert code == 1 and "gate verified" in err and "gate cut_over" in err
    assert set(owned_keys(dd)) == {(r.type, r.key) for r in pilot}, "a refused phase changes nothing"


# One-second windows everywhere: a 429 makes the client wait for the window to end, as Datadog asks.
LIMITS: dict[str, tuple[int, float]] = {
    "monitors": (25, 1),
    "dashboards": (50, 1),
    "downtimes": (50, 1),
    "metrics_query": (50, 1),
}


def test_faults_complete_without_duplicates(translation: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    faults = Faults(seed=11, error_rate=0.1, error_after_commit=0.5, drop_after_commit_rate=0.1)
    with DatadogTestServer(faults=faults, rate_limits=LIMITS) as dd:
        point_env(monkeypatch, dd)
        # Besides the random 10%: a 429 burst on creates and on the reads that look resources up, and
        # certain commit-then-fail answers for both resource types.
        dd.inject("rate_limited", 4, method="POST", path_prefix="/api/v1/monitor")
        dd.inject("rate_limited", 3, method="GET", path_prefix="/api/v1/dashboard")
        dd.inject("error_after", 2, method="POST", path_prefix="/api/v1/monitor")
        dd.inject("drop_after", 1, method="POST", path_prefix="/api/v1/dashboard")
        want = desired(translation)
        _, result = apply(workdir=tmp_path, translation_dir=translation, progress=False)
        assert result.ok, result.failures
        seen = Counter(r.fault for r in dd.requests)
        assert seen["error_after"] >= 2 and seen["drop_after"] >= 1 and seen["rate_limited"] >= 7, seen
        assert sum(r.fault is not None for r in dd.requests) >= 0.1 * len(dd.requests) * 0.5, seen
        committed_unanswered = [
            r
            for r in dd.requests
            if r.method == "POST" and "/validate" not in r.path and r.fault in ("error_after", "drop_after")
        ]
        assert committed_unanswered, "some creates were committed by the server without the client seeing it"
        assert_org_exactly(dd, tmp_path, want)

        _, again = apply(workdir=tmp_path, translation_dir=translation, progress=False)
        assert again.ok, again.failures
        assert dict(again.counts) == {"unchanged": len(want)}
        assert_org_exactly(dd, tmp_path, want)


def test_plan_live_three_way(translation: Path, tmp_path: Path, dd: DatadogTestServer) -> None:
    want = desired(translation)
    monitors = sorted((r for r in want if r.type == "monitor"), key=lambda r: r.key)
    first = variant(translation, tmp_path / "v1", lambda r: r if r.key != monitors[0].key else None)
    code, _, err = run_cli("apply", "--workdir", tmp_path, "--translation", first)
    assert code == 0, err
    applied = Journal(tmp_path).applied()
    drifted = applied[("monitor", monitors[1].key)]
    dd.monitors[int(drifted.dd_id)]["name"] = "renamed in the Datadog UI"
    planted = plant_lookalikes(dd, [monitors[0], *monitors[5:9], *(r for r in want if r.type == "dashboard")])
    second = variant(translation, tmp_path / "v2", lambda r: renamed(r, "[v2] ") if r.key == monitors[2].key else r)
    before = len(dd.requests)

    plan_file = tmp_path / "plan.json"
    code, out, err = run_cli(
        "plan", "--live", "--workdir", tmp_path, "--translation", second, "--out", plan_file, "--detailed-exitcode"
    )
    assert code == 2, out + err
    assert writes_to_managed(dd, before) == [], "planning never writes"
    saved = read_live_plan(plan_file)
    by_action = {a: sorted(c.key for c in saved.plan.changes if c.action.value == a) for a in ("create", "update")}
    assert by_action == {"create": [monitors[0].key], "update": sorted([monitors[1].key, monitors[2].key])}
    assert [d["key"] for d in saved.drift] == [monitors[1].key], "drift is reported apart from new changes"
    assert any(line.startswith("drift:") and f"({drifted.dd_id})" in line for line in out.splitlines())
    candidates = {(c.type, c.datadog_id) for c in saved.plan.adopt_candidates}
    assert (("monitor", str(next(k[1] for k in planted if k[0] == "monitor")))) in candidates
    assert "adopt candidate" in out

    dry_plan = tmp_path / "dry-plan.json"
    code, out, err = run_cli(
        "apply", "--workdir", tmp_path, "--translation", second, "--dry-run", "--plan-out", dry_plan
    )
    assert code == 0, err
    assert read_live_plan(dry_plan).plan_hash == saved.plan_hash, "plan --live and apply --dry-run agree"
    assert writes_to_managed(dd, before) == [], "a dry run never writes"

    code, out, err = run_cli("apply", "--workdir", tmp_path, "--translation", second, "--plan", plan_file)
    assert code == 0, err
    assert "created 1" in out and "updated 2" in out
    assert_org_exactly(dd, tmp_path, desired(second))
    assert_untouched(dd, planted)


def test_verify_fails_on_silent_metric_and_live_edit(translation: Path, tmp_path: Path, dd: DatadogTestServer) -> None:
    want = desired(translation)
    code, _, err = run_cli("apply", "--workdir", tmp_path, "--translation", translation)
    assert code == 0, err
    metrics = sorted(report_all_metrics(dd, want))
    silent = metrics[0]
    dd.store.metrics.pop(silent)
    edited = next(m for m in dd.monitors.values() if ownership.owned_key("monitor", m))
    edited["query"] = (
        edited["query"].replace("avg(last_", "min(last_", 1)
        if "avg(last_" in edited["query"]
        else (edited["query"] + " ")
    )
    code, out, _ = run_cli("verify", "--workdir", tmp_path, "--translation", translation)
    assert code == 1
    assert f"metric {silent} has reported no data recently" in out
    service_checks = [r.key for r in want if r.type == "monitor" and r.payload.get("type") == "service check"]
    assert service_checks, "the sample has alerts on `up`, which become service check monitors"
    for key in service_checks:  # no metric to read: said out loud, not passed silently
        assert f"NOT CHECKED monitor {key}: a service check monitor" in out
    composites = [r.key for r in want if r.type == "monitor" and r.payload.get("type") == "composite"]
    assert composites, "the sample has an `and` between two conditions, which becomes a composite monitor"
    for key in composites:  # no data of its own: its parts are checked
        assert f"NOT CHECKED monitor {key}: a composite monitor has no metric data of its own" in out
    assert f"{len(service_checks) + len(composites)} without a data check" in out
    assert "differs at query" in out
    failed = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert len({line.split(":")[0] for line in failed}) >= 2
    results = Journal(tmp_path).verify_results(Journal(tmp_path).runs(verb="verify")[-1]["id"])
    assert sum(1 for _, _, problems in results if problems) >= 2 and len(results) == len(want)
