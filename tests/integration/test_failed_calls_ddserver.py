"""Calls Datadog refuses: journalled as `failed` with the HTTP status and Datadog's message, shown by `status`
and `history` apart from interrupted ones, left alone by resume, and skipped by rollback (which undoes exactly
what succeeded). Through the CLI and the real client against the local Datadog server, told to answer 400."""

from __future__ import annotations

from pathlib import Path

from migrate.commands.apply import apply
from migrate.ledger import Ledger
from migrate.model import DesiredResource
from migrate.runner.journal import Journal
from migrate.runner.live import connect
from migrate.runner.ratelimit import RetryPolicy
from migrate.testing import synthetic
from migrate.testing.ddserver import DatadogTestServer
from migrate.translate.store import Translation, write_translation
from tests.support.ddorg import renamed, run_cli

REJECTION = "The value provided for parameter 'query' is invalid: metric not found"


def translation(out: Path, resources: list[DesiredResource]) -> Path:
    write_translation(out, Translation(resources, Ledger(), {}))
    return out


def applied(workdir: Path, count: int) -> tuple[list[DesiredResource], tuple[str, Path]]:
    """`count` monitors applied (the first version); returns them and the --workdir arguments."""
    monitors = synthetic.desired_monitors(count)
    wd = ("--workdir", workdir)
    code, _, err = run_cli("apply", *wd, "--translation", translation(workdir / "v1", monitors))
    assert code == 0, err
    return monitors, wd


def apply_ops(workdir: Path) -> list[list[tuple[str, str, str]]]:
    """(action, key, status) of each apply run's calls, oldest run first."""
    journal = Journal(workdir)
    try:
        runs = [r["id"] for r in journal.runs(verb="apply")]
        return [[(o.action, o.key, o.status) for o in journal.ops(run)] for run in runs]
    finally:
        journal.close()


def test_a_refused_create_is_failed_with_status_and_message_and_never_an_interrupted_intent(
    tmp_path: Path, dd: DatadogTestServer
) -> None:
    monitors = synthetic.desired_monitors(3)
    tr = translation(tmp_path / "tr", monitors)
    wd = ("--workdir", tmp_path)
    rejected = monitors[0]  # one at a time, in plan order (by name): "Alert 0" is the first create
    dd.inject("rejected", method="POST", path_prefix="/api/v1/monitor", message=REJECTION)

    code, out, err = run_cli("apply", *wd, "--translation", tr, "--concurrency", "1")
    assert code == 1 and REJECTION in err
    journal = Journal(tmp_path)
    try:
        failed = [o for o in journal.ops(journal.runs()[-1]["id"]) if o.status == "failed"]
        assert [(o.action, o.http_status, o.error) for o in failed] == [("create", 400, REJECTION)]
        assert journal.open_intents() == [], "a refused call is not left open like a crash"
        refused_key = failed[0].key
    finally:
        journal.close()
    assert refused_key == rejected.key
    assert len(dd.monitors) == 2, "nothing was created for the refused call"
    code, out, _ = run_cli("status", *wd)
    assert code == 0
    assert "(no phase)               apply failed" in out
    assert f"    failed      create monitor {refused_key}: HTTP 400: {REJECTION}" in out.splitlines()

    journal = Journal(tmp_path)
    try:  # a killed run: its intent never got an outcome
        killed = journal.start_run("apply", phase=None, plan_hash=None, dry_run=False)
        journal.intent(killed, None, "update", "monitor", "feedfeedfeed", dd_id="4242", payload={})
    finally:
        journal.close()
    code, out, _ = run_cli("status", *wd)
    assert "    open        update monitor feedfeedfeed (4242): no outcome yet" in out
    assert not [line for line in out.splitlines() if line.strip().startswith("failed")], "an open intent is no failure"

    code, out, err = run_cli("apply", *wd, "--translation", tr)  # resume: Datadog accepts it now
    assert code == 0, err
    assert len(dd.monitors) == 3
    first, crashed, resumed = apply_ops(tmp_path)
    assert (("create", refused_key, "failed")) in first, "resume leaves the failed row as it was"
    assert crashed == [("update", "feedfeedfeed", "interrupted")], "only the open intent is closed as interrupted"
    assert ("create", refused_key, "done") in resumed

    code, out, _ = run_cli("history", *wd)
    assert code == 0
    lines = out.splitlines()
    failed_line = next(i for i, line in enumerate(lines) if line.strip().startswith("failed "))
    interrupted_line = next(i for i, line in enumerate(lines) if line.strip().startswith("interrupted "))
    assert f"create monitor {refused_key}: HTTP 400: {REJECTION}" in lines[failed_line]
    assert "update monitor feedfeedfeed (4242): no outcome recorded" in lines[interrupted_line]
    assert failed_line < interrupted_line, "each call is listed under its own run"


def test_rollback_after_a_partly_failed_apply_undoes_exactly_what_succeeded(
    tmp_path: Path, dd: DatadogTestServer
) -> None:
    monitors, wd = applied(tmp_path, 3)
    before = {m["id"]: m["name"] for m in dd.monitors.values()}
    # v2 renames the three monitors and adds a monitor and a dashboard; Datadog refuses one update and the
    # new monitor.
    new_monitor, new_dashboard = synthetic.monitor(7), synthetic.dashboard(1)
    v2 = [renamed(m, "[v2] ") for m in monitors] + [new_monitor, new_dashboard]
    refused_id = min(before)
    dd.inject("rejected", method="PUT", path_prefix=f"/api/v1/monitor/{refused_id}", message="Monitor is locked")
    dd.inject("rejected", method="POST", path_prefix="/api/v1/monitor", message=REJECTION)
    code, out, err = run_cli("apply", *wd, "--translation", translation(tmp_path / "v2", v2))
    assert code == 1 and "Monitor is locked" in err and REJECTION in err
    assert {m["id"]: m["name"] for m in dd.monitors.values() if m["id"] != refused_id} == {
        i: "[v2] " + name for i, name in before.items() if i != refused_id
    }
    assert len(dd.dashboards) == 1
    second = apply_ops(tmp_path)[-1]
    assert sorted(s for _, _, s in second) == ["done"] * 3 + ["failed"] * 2

    mark = len(dd.requests)
    code, out, err = run_cli("rollback", *wd, Journal(tmp_path).runs(verb="apply")[-1]["id"])
    assert code == 0, err
    assert "deleted 1, restored 2" in out, out  # the two updates that went through, and the new dashboard
    assert "already gone" not in out and "missing" not in out
    sent = [(r.method, r.path) for r in dd.requests[mark:] if r.method != "GET"]
    assert ("PUT", f"/api/v1/monitor/{refused_id}") not in sent, "the refused update is not undone"
    assert sorted(m for m, _ in sent) == ["DELETE", "PUT", "PUT"]
    assert {m["id"]: m["name"] for m in dd.monitors.values()} == before
    assert dd.dashboards == {}


def test_an_ambiguous_failure_stays_open_like_a_crash_with_its_error_noted(
    tmp_path: Path, dd: DatadogTestServer
) -> None:
    """A 5xx on an update may have changed the monitor: not `failed`, but an open intent the next run looks up."""
    monitors, wd = applied(tmp_path, 1)
    (monitor_id,) = dd.monitors
    dd.inject("error_after", method="PUT", path_prefix=f"/api/v1/monitor/{monitor_id}")  # committed, then a 503
    v2 = translation(tmp_path / "v2", [renamed(m, "[v2] ") for m in monitors])
    conn = connect(policy=RetryPolicy(attempts=1))
    _, result = apply(workdir=tmp_path, translation_dir=v2, conn=conn, progress=False)
    assert not result.ok and dd.monitors[monitor_id]["name"] == "[v2] Alert 0"
    journal = Journal(tmp_path)
    try:
        (update,) = [o for o in journal.ops(result.run_id) if o.action == "update"]
        assert (update.status, update.http_status, update.error) == ("intent", 503, "Internal Server Error")
    finally:
        journal.close()
    code, out, _ = run_cli("status", *wd)
    assert f"    open        update monitor {update.key} ({monitor_id}): no outcome yet" in out
    assert "last error: HTTP 503 Internal Server Error" in out
    assert not [line for line in out.splitlines() if line.strip().startswith("failed")], "not shown as failed"

    code, out, err = run_cli("apply", *wd, "--translation", v2)  # resume: looked up, found done, recorded
    assert code == 0 and "unchanged 1" in out, err
    journal = Journal(tmp_path)
    try:
        assert journal.ops(result.run_id)[-1].status == "interrupted"
        known = journal.applied_one("monitor", update.key)
        assert known is not None and known.payload["name"] == "[v2] Alert 0", "reconciled from the live copy"
    finally:
        journal.close()
