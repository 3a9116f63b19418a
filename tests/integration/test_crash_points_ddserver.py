"""Crashes between a Datadog call and its journal outcome, for the calls the SIGKILL sweep (test_crash_ddserver)
does not reach: delete, and cutover's unmute of a monitor that is gone. The process "dies" in-process: the
sink raises a BaseException right after Datadog answered, so no outcome is written, as with SIGKILL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from migrate.commands.apply import apply, plan_live_command
from migrate.commands.cutover import cutover
from migrate.datadog.downtimes import DowntimeOps
from migrate.runner.journal import Journal
from migrate.runner.live import connect
from migrate.runner.phases import load_phases
from migrate.runner.sinks import DatadogSink
from migrate.testing.ddserver import DatadogTestServer
from tests.support.ddorg import (
    PHASES_YAML,
    assert_org_exactly,
    desired,
    renamed,
    report_all_metrics,
    run_cli,
    variant,
)


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, nothing catches it."""


class DiesAfterDelete(DatadogSink):
    def delete(self, rtype: str, dd_id: str) -> bool:
        super().delete(rtype, dd_id)
        raise Killed


def test_killed_after_a_delete_reached_datadog(translation: Path, tmp_path: Path, dd: DatadogTestServer) -> None:
    phases = tmp_path / "phases.yaml"
    phases.write_text(PHASES_YAML, encoding="utf-8")
    pilot = load_phases(phases).assign(desired(translation))["pilot"]
    dropped = pilot[0]
    v2 = variant(translation, tmp_path / "v2", lambda r: None if r.key == dropped.key else r)
    args: dict[str, Any] = {
        "workdir": tmp_path,
        "phases_file": phases,
        "phase": "pilot",
        "progress": False,
        "yes": True,
    }
    env = {**dd.env, "DD_API_URL": dd.url}
    assert apply(translation_dir=translation, conn=connect(env), **args)[1].ok

    dying = connect(env)
    dying.sink = DiesAfterDelete(dying.ops, dying.limiter)
    with pytest.raises(Killed):
        apply(translation_dir=v2, conn=dying, **args)
    assert ("monitor", dropped.key) in Journal(tmp_path).applied(), "the outcome was never written"

    _, resumed = apply(translation_dir=v2, conn=connect(env), **args)
    assert resumed.ok, resumed.failures
    want = [r for r in pilot if r.key != dropped.key]
    assert_org_exactly(dd, tmp_path, want)  # the ledger no longer names the deleted monitor

    report_all_metrics(dd, want)
    code, out, _ = run_cli("verify", "--workdir", tmp_path, "--translation", v2, "--phases", phases, "--phase", "pilot")
    assert code == 0, out
    assert cutover(workdir=tmp_path, phase="pilot", conn=connect(env)) == len(want)
    assert not [d for d in dd.downtimes.values() if not d.get("canceled") and d["monitor_id"] in dd.monitors]


def test_unmute_of_a_monitor_that_is_gone_cancels_nothing(dd: DatadogTestServer) -> None:
    conn = connect({**dd.env, "DD_API_URL": dd.url})
    downtimes = conn.ops["downtime"]
    assert isinstance(downtimes, DowntimeOps)
    assert downtimes.unmute_monitor(987654) == 0


class DiesAfterUpdate(DatadogSink):
    def update(self, rtype: str, dd_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        super().update(rtype, dd_id, payload)
        raise Killed


def test_killed_after_an_update_reached_datadog(translation: Path, tmp_path: Path, dd: DatadogTestServer) -> None:
    env = {**dd.env, "DD_API_URL": dd.url}
    assert apply(workdir=tmp_path, translation_dir=translation, conn=connect(env), progress=False)[1].ok
    v2 = variant(translation, tmp_path / "v2", lambda r: renamed(r, "[v2] "))
    dying = connect(env)
    dying.sink = DiesAfterUpdate(dying.ops, dying.limiter)
    with pytest.raises(Killed):
        apply(workdir=tmp_path, translation_dir=v2, conn=dying, progress=False, concurrency=1)

    _, resumed = apply(workdir=tmp_path, translation_dir=v2, conn=connect(env), progress=False)
    assert resumed.ok, resumed.failures
    assert_org_exactly(dd, tmp_path, desired(v2))
    again = plan_live_command(workdir=tmp_path, translation_dir=v2, conn=connect(env))
    assert again.drift == [], "the update that reached Datadog is recorded as applied, not reported as drift"
    assert not again.plan.has_changes
