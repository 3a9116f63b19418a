"""Apply, resume after a crash at 20 points, faults, rollback and stale plans, through the real DatadogSink over
in-memory resource operations (the local Datadog server drives the same code in tests/integration)."""

import itertools
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from migrate.datadog import ownership
from migrate.datadog.client import ServerError
from migrate.datadog.monitors import DuplicateMonitor
from migrate.errors import DDMigrateError
from migrate.model import DesiredResource, SourceRef
from migrate.runner import journal as journal_mod
from migrate.runner.apply import Applier
from migrate.runner.diff import normalize
from migrate.runner.journal import Journal
from migrate.runner.live import check_fresh, plan_live
from migrate.runner.ratelimit import RateLimiter, RetryPolicy
from migrate.runner.rollback import rollback, runs_to_undo
from migrate.runner.sinks import DatadogSink, DryRunSink
from migrate.runner.state import LiveResource


class Org:
    """Datadog in memory: monitors keyed by int id; faults injected per call number."""

    def __init__(self) -> None:
        self.monitors: dict[int, dict[str, Any]] = {}
        self.ids = itertools.count(1000)
        self.calls = 0
        self.drop_after_commit: set[int] = set()  # call numbers whose create commits, then the reply is lost
        self.server_error: set[int] = set()  # call numbers answered 500 before doing anything

    def _tick(self) -> int:
        self.calls += 1
        if self.calls in self.server_error:
            raise ServerError(500, ["internal"], method="GET", path="/api/v1/monitor", ambiguous=False)
        return self.calls


class MonitorOpsFake:
    rtype = type(
        "T",
        (),
        {
            "id_field": "id",
            "owned_key": staticmethod(lambda p: ownership.owned_key("monitor", p)),
            "api_path": "/api/v1/monitor",
        },
    )

    def __init__(self, org: Org) -> None:
        self.org = org

    def create(self, payload: dict[str, Any]) -> dict[str, Any]:
        n = self.org._tick()
        same = [
            i for i, m in self.org.monitors.items() if m["query"] == payload["query"] and m["name"] == payload["name"]
        ]
        if same:
            error = ServerError(400, [f"Duplicate of an existing monitor_id:{same[0]} org_id:1"])
            raise DuplicateMonitor(error, same[0])
        new = {**payload, "id": next(self.org.ids), "overall_state": "OK"}
        self.org.monitors[new["id"]] = new
        if n in self.org.drop_after_commit:
            raise ServerError(502, ["bad gateway"], method="POST", path="/api/v1/monitor", ambiguous=True)
        return dict(new)

    def get(self, dd_id: Any) -> dict[str, Any] | None:
        self.org._tick()
        found = self.org.monitors.get(int(dd_id))
        return dict(found) if found else None

    def update(self, dd_id: Any, payload: dict[str, Any]) -> dict[str, Any]:
        self.org._tick()
        self.org.monitors[int(dd_id)] = {**payload, "id": int(dd_id)}
        return dict(self.org.monitors[int(dd_id)])

    def delete(self, dd_id: Any) -> bool:
        self.org._tick()
        return self.org.monitors.pop(int(dd_id), None) is not None

    def find_by_key(self, key: str, migration: str | None = None) -> dict[str, Any] | None:
        self.org._tick()
        return next((dict(m) for m in self.org.monitors.values() if ownership.owned_key("monitor", m) == key), None)

    def list_all(self) -> list[dict[str, Any]]:
        return [dict(m) for m in self.org.monitors.values()]


def desired(n: int, threshold: int = 90) -> list[DesiredResource]:
    out = []
    for i in range(n):
        ref = SourceRef("prometheus", "alerting_rule", f"rules.yml/g/Alert{i}", f"Alert{i}")
        key = ownership.resource_key("monitor", [ref])
        payload = {
            "type": "query alert",
            "name": f"Alert {i}",
            "query": f"avg(last_5m):avg:m{i}{{*}} > {threshold}",
            "message": "Paging.\n" + ownership.footer(key, [ref]),
            "tags": ownership.ownership_tags(key, [ref]),
            "options": {"thresholds": {"critical": threshold}},
        }
        out.append(DesiredResource("monitor", key, payload, [ref]))
    return out


def live_of(org: Org, journal: Journal) -> list[LiveResource]:
    adopted = {a.dd_id: a.key for a in journal.applied().values() if a.adopted}
    return [
        LiveResource("monitor", str(i), m, ownership.owned_key("monitor", m) or adopted.get(str(i)))
        for i, m in org.monitors.items()
    ]


def run_apply(tmp_path: Path, org: Org, want: list[DesiredResource], concurrency: int = 4) -> Any:
    journal = Journal(tmp_path)
    sink = DatadogSink({"monitor": MonitorOpsFake(org)}, RateLimiter(), RetryPolicy(base_delay=0))  # type: ignore[dict-item]
    plan = plan_live(want, live_of(org, journal), journal).plan
    result = Applier(journal, sink, concurrency=concurrency, progress=False).apply(plan, phase=None)
    return journal, sink, result


def assert_org_exactly(org: Org, journal: Journal, want: list[DesiredResource]) -> None:
    keys = [ownership.owned_key("monitor", m) for m in org.monitors.values()]
    owned = [k for k in keys if k]
    assert sorted(owned) == sorted(r.key for r in want), "no duplicates, nothing missing"
    applied = journal.applied()
    assert {k for (_, k) in applied} == set(owned), "ledger knows exactly what exists"
    for m in org.monitors.values():
        key = ownership.owned_key("monitor", m)
        if key:
            assert applied[("monitor", key)].dd_id == str(m["id"])
    assert journal.open_intents() == []


def test_faults_complete_without_duplicates(tmp_path: Path) -> None:
    org = Org()
    org.drop_after_commit = set(range(3, 200, 7))
    org.server_error = set(range(5, 200, 10))
    want = desired(40)
    journal, _, result = run_apply(tmp_path, org, want)
    assert result.ok, result.failures
    assert_org_exactly(org, journal, want)
    _, _, again = run_apply(tmp_path, org, want)
    assert again.counts == {"unchanged": 40}, "a second apply has nothing to do"


@pytest.mark.parametrize("crash_at", range(1, 21))
def test_crash_at_any_journal_write_then_resume(tmp_path: Path, crash_at: int, monkeypatch: pytest.MonkeyPatch) -> None:
    class Killed(BaseException):
        pass

    def kill(pid: int, sig: int) -> None:
        raise Killed

    org = Org()
    want = desired(10)
    first = desired(10, threshold=80)[:4]  # some resources exist already and will be updated
    run_apply(tmp_path / "setup", org, first)
    shutil.copytree(tmp_path / "setup" / ".ddmigrate", tmp_path / ".ddmigrate")
    monkeypatch.setattr(os, "kill", kill)
    monkeypatch.setenv(journal_mod.CRASH_ENV, str(crash_at))
    with pytest.raises(Killed):
        run_apply(tmp_path, org, want, concurrency=1)
    monkeypatch.delenv(journal_mod.CRASH_ENV)
    journal, _, result = run_apply(tmp_path, org, want)
    assert result.ok, result.failures
    assert_org_exactly(org, journal, want)
    assert all(m["query"].endswith("> 90") for m in org.monitors.values())


def test_rollback_restores_pre_images_and_spares_unowned(tmp_path: Path) -> None:
    org = Org()
    org.monitors[1] = {"id": 1, "name": "hand made", "query": "avg(last_5m):avg:x{*} > 1", "message": "", "tags": []}
    journal, sink, _ = run_apply(tmp_path, org, desired(3, threshold=80))
    before = {i: dict(m) for i, m in org.monitors.items()}
    journal, sink, result = run_apply(tmp_path, org, [*desired(3), *desired(5)[3:]])
    assert result.counts == {"updated": 3, "created": 2}
    runs = runs_to_undo(journal, run_id=result.run_id)
    undone = rollback(journal, sink, runs, phase=None)
    assert undone.ok, undone.failures
    assert sorted(org.monitors) == sorted(before), "created monitors are gone, nothing else"
    for i, pre in before.items():
        assert normalize("monitor", org.monitors[i]) == normalize("monitor", pre), "updated ones equal their pre-image"
    assert org.monitors[1000]["query"].endswith("> 80")
    assert org.monitors[1]["name"] == "hand made"


def test_rollback_refuses_what_lost_its_marker(tmp_path: Path) -> None:
    org = Org()
    journal, sink, result = run_apply(tmp_path, org, desired(2))
    victim = next(iter(org.monitors.values()))
    victim["tags"] = []  # someone took it over by hand
    undone = rollback(journal, sink, [result.run_id], phase=None)
    assert not undone.ok
    assert len(undone.refused) == 1 and "marker" in undone.refused[0]
    assert victim["id"] in org.monitors, "refused: still there"
    assert len(org.monitors) == 1


def test_stale_plan_is_refused_with_reason(tmp_path: Path) -> None:
    org = Org()
    journal, _, _ = run_apply(tmp_path, org, desired(2))
    saved = plan_live(desired(2, threshold=70), live_of(org, journal), journal)
    check_fresh(saved, live_of(org, journal), journal)  # fresh: fine
    next(iter(org.monitors.values()))["name"] = "edited in the UI"
    with pytest.raises(DDMigrateError, match="1 owned resource"):
        check_fresh(saved, live_of(org, journal), journal)
    journal2, _, _ = run_apply(tmp_path, org, desired(3))
    with pytest.raises(DDMigrateError, match="ledger is at revision"):
        check_fresh(saved, live_of(org, journal2), journal2)


def test_dry_run_records_requests_and_changes_nothing(tmp_path: Path) -> None:
    org = Org()
    journal = Journal(tmp_path)
    sink = DryRunSink()
    plan = plan_live(desired(3), live_of(org, journal), journal).plan
    result = Applier(journal.scratch_copy(tmp_path / "scratch"), sink, progress=False).apply(
        plan, phase=None, dry_run=True
    )
    assert result.counts == {"created": 3}
    assert [r["method"] for r in sink.requests] == ["POST"] * 3
    assert org.monitors == {}
    assert journal.applied() == {}


def test_plan_is_stale_when_a_look_alike_of_a_planned_create_appeared(tmp_path: Path) -> None:
    """Someone made the monitor by hand between plan and apply: creating ours too would duplicate it."""
    org = Org()
    journal = Journal(tmp_path)
    want = desired(2)
    saved = plan_live(want, live_of(org, journal), journal)
    assert saved.plan.adopt_candidates == []
    org.monitors[7] = {
        "id": 7,
        "type": "query alert",
        "name": "Alert 1",
        "query": "avg(last_5m):avg:m1{*} > 90",
        "message": "by hand",
        "tags": [],
    }
    with pytest.raises(DDMigrateError, match=r"look-alike.*monitor 7.*Alert 1"):
        check_fresh(saved, live_of(org, journal), journal)
    check_fresh(plan_live(want, live_of(org, journal), journal), live_of(org, journal), journal)  # listed: fine


def test_a_crashed_apply_that_was_rolled_back_is_not_undone_again(tmp_path: Path) -> None:
    """A killed apply writes no phase event; after its rollback, the next rollback of the phase must not
    replay it again (its old pre-images would overwrite what later runs did)."""
    journal = Journal(tmp_path)
    crashed = journal.start_run("apply", phase="p", plan_hash="h1", dry_run=False)  # killed: no finish, no event
    journal.close_interrupted()
    assert runs_to_undo(journal, phase="p") == [crashed]
    undo = journal.start_run("rollback", phase="p", plan_hash=None, dry_run=False)
    journal.finish_run(undo, "ok", {})
    journal.phase_event("p", "rolled_back", run_id=undo)
    later = journal.start_run("apply", phase="p", plan_hash="h2", dry_run=False)
    journal.finish_run(later, "ok", {})
    journal.phase_event("p", "applied", run_id=later)
    assert runs_to_undo(journal, phase="p") == [later]


def test_a_re_apply_reads_each_key_not_the_whole_ledger_per_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading every applied row (and its payload) once per change made a no-op re-apply of 2,000 monitors
    take 75 s with no request sent; one keyed lookup per change keeps it linear."""
    org = Org()
    want = desired(40)
    journal, sink, _ = run_apply(tmp_path, org, want)
    full_reads = 0
    real = Journal.applied

    def counting(self: Journal) -> Any:
        nonlocal full_reads
        full_reads += 1
        return real(self)

    monkeypatch.setattr(Journal, "applied", counting)
    plan = plan_live(want, live_of(org, journal), journal).plan
    before = full_reads
    result = Applier(journal, sink, concurrency=4, progress=False).apply(plan, phase=None)
    assert result.counts == {"unchanged": 40}
    assert full_reads - before <= 1
