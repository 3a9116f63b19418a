"""Phased apply: execute a live plan through a sink, journalling intent before and outcome after each call.

The Datadog sink calls the resource modules (rate limited, retried, never re-sending a create blindly);
the dry-run sink records the requests instead. Both run through the same `Applier`, so `--dry-run`
shows exactly what apply would do. A crashed run is resumed by planning again: what the dead run created
is found by its ddmigrate key and only recorded, and its unfinished intents are closed as `interrupted`.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from migrate.datadog import ownership
from migrate.datadog.base import ResourceOps
from migrate.datadog.downtimes import DowntimeOps
from migrate.datadog.monitors import DuplicateMonitor
from migrate.errors import DDMigrateError, RemoteError
from migrate.runner.changes import Change, Create, Delete, NoOp, Update
from migrate.runner.diff import equivalent, normalize
from migrate.runner.journal import Applied, Journal, Op
from migrate.runner.phases import APPLIED, CUT_OVER, Phase
from migrate.runner.plan import Plan
from migrate.runner.ratelimit import RateLimiter, RetryPolicy, call_with_retry

APPLY_FAILED = "apply_failed"


class Sink(Protocol):
    def get(self, rtype: str, dd_id: str) -> dict[str, Any] | None: ...

    def find_by_key(self, rtype: str, key: str) -> dict[str, Any] | None: ...

    def create(self, rtype: str, key: str, payload: dict[str, Any]) -> dict[str, Any]: ...

    def update(self, rtype: str, dd_id: str, payload: dict[str, Any]) -> dict[str, Any]: ...

    def delete(self, rtype: str, dd_id: str) -> bool: ...

    def mute(self, monitor_id: str, key: str) -> dict[str, Any]: ...

    def unmute(self, monitor_id: str) -> int: ...


class DatadogSink:
    """Every call goes through the rate limiter and the retry policy; creates are never re-sent blindly."""

    def __init__(self, ops: dict[str, ResourceOps], limiter: RateLimiter, policy: RetryPolicy | None = None) -> None:
        self.ops = ops
        self.limiter = limiter
        self.policy = policy or RetryPolicy()

    def _retry(self, route: str, fn: Any, on_ambiguous: Any = None) -> Any:
        return call_with_retry(self.limiter, route, fn, policy=self.policy, on_ambiguous=on_ambiguous)

    def get(self, rtype: str, dd_id: str) -> dict[str, Any] | None:
        return self._retry(f"{rtype} get", lambda: self.ops[rtype].get(_native_id(rtype, dd_id)))  # type: ignore[no-any-return]

    def find_by_key(self, rtype: str, key: str) -> dict[str, Any] | None:
        return self._retry(f"{rtype} list", lambda: self.ops[rtype].find_by_key(key))  # type: ignore[no-any-return]

    def create(self, rtype: str, key: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            created: dict[str, Any] = self._retry(
                f"{rtype} create", lambda: self.ops[rtype].create(payload), lambda: self.find_by_key(rtype, key)
            )
        except DuplicateMonitor as exc:
            # Datadog says we already made it: adopt only our own copy of this very key.
            existing = self.get(rtype, str(exc.monitor_id))
            if existing is not None and ownership.owned_key(rtype, existing) == key:
                return existing
            raise RemoteError(
                f"Datadog refused the create as a duplicate of monitor {exc.monitor_id}, which ddmigrate does not own",
                hint="`ddmigrate adopt` it, or change the source",
            ) from None
        return created

    def update(self, rtype: str, dd_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        # A full replace is idempotent: re-sending after an ambiguous failure is safe.
        return self._retry(  # type: ignore[no-any-return]
            f"{rtype} update",
            lambda: self.ops[rtype].update(_native_id(rtype, dd_id), payload),
        )

    def delete(self, rtype: str, dd_id: str) -> bool:
        return bool(self._retry(f"{rtype} delete", lambda: self.ops[rtype].delete(_native_id(rtype, dd_id))))

    def _downtimes(self) -> DowntimeOps:
        ops = self.ops["downtime"]
        assert isinstance(ops, DowntimeOps)
        return ops

    def mute(self, monitor_id: str, key: str) -> dict[str, Any]:
        """Idempotent: an existing ddmigrate downtime on the monitor is reused (a crash may have left one)."""
        mid = int(monitor_id)
        existing = self._retry("downtime list", lambda: self._downtimes().mutes_for(mid))
        if existing:
            return dict(existing[0])
        return self._retry(  # type: ignore[no-any-return]
            "downtime create",
            lambda: self._downtimes().mute_monitor(mid, key),
            lambda: next(iter(self._downtimes().mutes_for(mid)), None),
        )

    def unmute(self, monitor_id: str) -> int:
        return int(self._retry("downtime delete", lambda: self._downtimes().unmute_monitor(int(monitor_id))))


def _native_id(rtype: str, dd_id: str) -> str | int:
    return int(dd_id) if rtype in ("monitor", "downtime") and dd_id.isdigit() else dd_id


class DryRunSink:
    """Reads go to `reader` (the live org, or nothing); writes are recorded and answered with made-up ids."""

    def __init__(self, reader: Sink | None = None) -> None:
        self.reader = reader
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def _record(self, method: str, rtype: str, dd_id: str | None, payload: dict[str, Any] | None) -> str:
        with self._lock:
            self.requests.append({"method": method, "type": rtype, "id": dd_id, "payload": payload})
            return f"dry-run-{len(self.requests)}"

    def get(self, rtype: str, dd_id: str) -> dict[str, Any] | None:
        return None if self.reader is None or dd_id.startswith("dry-run-") else self.reader.get(rtype, dd_id)

    def find_by_key(self, rtype: str, key: str) -> dict[str, Any] | None:
        return None if self.reader is None else self.reader.find_by_key(rtype, key)

    def create(self, rtype: str, key: str, payload: dict[str, Any]) -> dict[str, Any]:
        fake = self._record("POST", rtype, None, payload)
        return {**payload, ("public_id" if rtype == "synthetic_test" else "id"): fake}

    def update(self, rtype: str, dd_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        self._record("PUT", rtype, dd_id, payload)
        return dict(payload)

    def delete(self, rtype: str, dd_id: str) -> bool:
        self._record("DELETE", rtype, dd_id, None)
        return True

    def mute(self, monitor_id: str, key: str) -> dict[str, Any]:
        return {"id": self._record("POST", "downtime", None, {"monitor_id": monitor_id})}

    def unmute(self, monitor_id: str) -> int:
        self._record("DELETE", "downtime", monitor_id, None)
        return 1


@dataclass
class ApplyResult:
    run_id: str
    counts: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


def _id_of(rtype: str, payload: dict[str, Any]) -> str:
    return str(payload["public_id" if rtype == "synthetic_test" else "id"])


class Applier:
    def __init__(self, journal: Journal, sink: Sink, *, concurrency: int = 8, progress: bool | None = None) -> None:
        self.journal = journal
        self.sink = sink
        self.concurrency = max(1, concurrency)
        self.progress = sys.stderr.isatty() if progress is None else progress

    def apply(self, plan: Plan, *, phase: Phase | None, dry_run: bool = False, cut_over: bool = False) -> ApplyResult:
        j = self.journal
        interrupted = j.close_interrupted()
        phase_name = phase.name if phase else None
        plan_hash = str(plan.to_dict()["plan_hash"])
        run_id = j.start_run("apply", phase=phase_name, plan_hash=plan_hash, dry_run=dry_run)
        reconcile(j, self.sink, run_id, interrupted)
        result = ApplyResult(run_id)
        started = time.monotonic()
        mute = bool(phase and phase.mute_until_cutover and not cut_over)
        lock = threading.Lock()

        def one(change: Change) -> None:
            try:
                outcome = self._apply_one(run_id, phase_name, change, mute)
            except DDMigrateError as exc:
                outcome = "failed"
                with lock:
                    result.failures.append(f"{change.action.value} {change.type} {change.key} ({change.name}): {exc}")
            with lock:
                result.counts[outcome] += 1

        self._run_all(plan.changes, one)
        result.seconds = time.monotonic() - started
        status = "ok" if result.ok else "failed"
        j.finish_run(run_id, status, dict(result.counts))
        if phase_name and not dry_run:
            j.phase_event(
                phase_name,
                APPLIED if result.ok else APPLY_FAILED,
                run_id=run_id,
                plan_hash=plan_hash,
                detail=", ".join(f"{k}={v}" for k, v in sorted(result.counts.items())),
            )
        return result

    def _run_all(self, changes: list[Change], fn: Callable[[Change], None]) -> None:
        if not self.progress:
            with ThreadPoolExecutor(self.concurrency) as pool:
                list(pool.map(fn, changes))
            return
        columns = (
            TextColumn("[bold]apply"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:.1f} changes/s"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, transient=False) as bar:
            task = bar.add_task("apply", total=len(changes), rate=0.0)
            t0 = time.monotonic()

            def tracked(change: Change) -> None:
                fn(change)
                done = bar.tasks[0].completed + 1
                bar.update(task, advance=1, rate=done / max(time.monotonic() - t0, 1e-6))

            with ThreadPoolExecutor(self.concurrency) as pool:
                list(pool.map(tracked, changes))

    def _apply_one(self, run_id: str, phase: str | None, change: Change, mute: bool) -> str:
        j, sink = self.journal, self.sink
        if isinstance(change, Create):
            seq = j.intent(run_id, phase, "create", change.type, change.key, payload=change.payload)
            created = sink.create(change.type, change.key, change.payload)
            dd_id = _id_of(change.type, created)
            j.outcome(
                seq,
                "done",
                dd_id=dd_id,
                applied=Applied(change.type, change.key, dd_id, change.payload, phase, run_id, False),
            )
            self._mute(run_id, phase, change.type, change.key, dd_id, mute=mute)
            return "created"
        assert change.datadog_id is not None
        dd_id = change.datadog_id
        if isinstance(change, Update):
            seq = j.intent(
                run_id,
                phase,
                "update",
                change.type,
                change.key,
                dd_id=dd_id,
                payload=change.after,
                pre_image=change.before,
            )
            sink.update(change.type, dd_id, change.after)
            j.outcome(
                seq,
                "done",
                applied=Applied(change.type, change.key, dd_id, change.after, phase, run_id, self._adopted(change)),
            )
            self._mute(run_id, phase, change.type, change.key, dd_id, mute=mute)
            return "updated"
        if isinstance(change, Delete):
            live = sink.get(change.type, dd_id)
            if live is not None and ownership.owned_key(change.type, live) != change.key:
                raise RemoteError(
                    f"refusing to delete {change.type} {dd_id}: it does not carry ddmigrate's marker for {change.key}"
                )
            seq = j.intent(
                run_id,
                phase,
                "delete",
                change.type,
                change.key,
                dd_id=dd_id,
                pre_image=normalize(change.type, live) if live else change.payload,
            )
            sink.delete(change.type, dd_id)
            # A duplicate copy shares the key with the one we keep: only forget the key when deleting that one.
            keep = j.applied_one(change.type, change.key)
            j.outcome(seq, "done", forget=(change.type, change.key) if keep is None or keep.dd_id == dd_id else None)
            return "deleted"
        assert isinstance(change, NoOp)
        known = j.applied_one(change.type, change.key)
        if known is None or known.dd_id != dd_id:  # e.g. created by a run that was killed before its outcome
            seq = j.intent(run_id, phase, "record", change.type, change.key, dd_id=dd_id)
            current = sink.get(change.type, dd_id) or {}
            j.outcome(
                seq,
                "done",
                applied=Applied(change.type, change.key, dd_id, normalize(change.type, current), phase, run_id, False),
            )
        self._mute(run_id, phase, change.type, change.key, dd_id, mute=mute)
        return "unchanged"

    def _adopted(self, change: Update) -> bool:
        known = self.journal.applied_one(change.type, change.key)
        return bool(known and known.adopted and ownership.owned_key(change.type, change.after) != change.key)

    def _mute(self, run_id: str, phase: str | None, rtype: str, key: str, dd_id: str, *, mute: bool) -> None:
        if not mute or rtype != "monitor":
            return
        seq = self.journal.intent(run_id, phase, "mute", "downtime", key, payload={"monitor_id": dd_id})
        downtime = self.sink.mute(dd_id, key)
        self.journal.outcome(seq, "done", dd_id=str(downtime.get("id")))


def reconcile(journal: Journal, sink: Sink, run_id: str, interrupted: list[Op]) -> None:
    """Settle the last-applied state for intents a killed run left open, where the plan cannot see it.

    A delete that reached Datadog before the kill leaves nothing live for the plan to act on, yet the ledger
    would name the resource for ever (cutover would unmute it, the drift check compare it); an update that
    reached Datadog is a no-op for the plan, yet the ledger would keep the old payload and call it drift.
    Each is looked up by id; only what is certain is recorded (a `forget` or `record` op).
    """
    for op in interrupted:
        if op.action not in ("delete", "undo-create", "update", "undo-update") or not op.dd_id:
            continue
        known = journal.applied().get((op.rtype, op.key))
        if known is None or known.dd_id != op.dd_id:
            continue
        live = sink.get(op.rtype, op.dd_id)
        if op.action in ("delete", "undo-create") and live is None:
            seq = journal.intent(run_id, op.phase, "forget", op.rtype, op.key, dd_id=op.dd_id)
            journal.outcome(seq, "done", forget=(op.rtype, op.key))
        elif (
            op.action in ("update", "undo-update")
            and live is not None
            and op.payload is not None
            and equivalent(op.rtype, op.payload, live)
            and not equivalent(op.rtype, op.payload, known.payload)
        ):
            seq = journal.intent(run_id, op.phase, "record", op.rtype, op.key, dd_id=op.dd_id)
            adopted = known.adopted and ownership.owned_key(op.rtype, op.payload) != op.key
            journal.outcome(
                seq, "done", applied=Applied(op.rtype, op.key, op.dd_id, op.payload, known.phase, known.run_id, adopted)
            )


def phase_is_cut_over(journal: Journal, phase: str) -> bool:
    events = journal.phase_events(phase)
    return bool(events) and events[-1]["status"] == CUT_OVER
