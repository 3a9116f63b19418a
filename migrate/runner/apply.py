"""Phased apply: execute a live plan through a sink, journalling intent before and outcome after each call.

The sink (sinks.py) is the Datadog org or a dry-run recorder; both run through the same `Applier`, so
`--dry-run` shows exactly what apply would do. A call Datadog refuses (a 400 on create) closes its intent
as `failed` with the HTTP status and Datadog's message (`recorded`); a call whose outcome is unknown (a
5xx or a lost reply after retries) leaves it open, as a crash does. A crashed run is resumed by planning
again: what the dead run created is found by its ddmigrate key and only recorded, and its unfinished
intents are closed as `interrupted`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from migrate.datadog.client import DatadogApiError
from migrate.datadog.downtimes import DOWNTIME
from migrate.datadog.resources import spec
from migrate.errors import DDMigrateError, RemoteError
from migrate.progress import progress_bar, wanted
from migrate.runner.changes import Change, Create, Delete, NoOp, Update, payload_of
from migrate.runner.diff import equivalent, normalize, pre_image
from migrate.runner.journal import Applied, Journal, Op
from migrate.runner.phases import APPLIED, CUT_OVER, Phase
from migrate.runner.plan import Plan
from migrate.runner.sinks import Sink

APPLY_FAILED = "apply_failed"


@dataclass
class ApplyResult:
    run_id: str
    counts: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


@contextmanager
def recorded(journal: Journal, seq: int) -> Iterator[None]:
    """Journal why the call inside failed, then let the error go on.

    Datadog's answer that nothing changed (a 4xx, a refused connection, a 429 that never cleared) closes the
    intent as `failed` with the HTTP status and Datadog's message. An ambiguous failure (a 5xx or a lost
    reply after a mutating call: the change may have been made) only notes the error and leaves the intent
    open, exactly like a crash, so the next apply or rollback looks the resource up before acting again.
    """
    try:
        yield
    except DDMigrateError as exc:
        cause = exc if isinstance(exc, DatadogApiError) else exc.__cause__
        api = cause if isinstance(cause, DatadogApiError) else None
        status = (api.status or None) if api is not None else None  # 0: no answer at all
        # Datadog's own words when it is Datadog's error; ours when ddmigrate turned its answer into a refusal.
        message = ("; ".join(api.errors) if api is exc else "") or exc.message
        if api is not None and api.ambiguous:
            journal.note_error(seq, message, status)
        else:
            journal.outcome(seq, "failed", error=message, http_status=status)
        raise


class Applier:
    def __init__(self, journal: Journal, sink: Sink, *, concurrency: int = 8, progress: bool | None = None) -> None:
        self.journal = journal
        self.sink = sink
        self.concurrency = max(1, concurrency)
        self.progress = wanted(progress)

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

        for wave in waves(plan.changes):
            self._run_all(wave, one)
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
        with progress_bar("apply", len(changes), show=self.progress) as ticker:

            def tracked(change: Change) -> None:
                fn(change)
                ticker.advance()

            with ThreadPoolExecutor(self.concurrency) as pool:
                list(pool.map(tracked, changes))

    def _apply_one(self, run_id: str, phase: str | None, change: Change, mute: bool) -> str:
        j, sink, rtype = self.journal, self.sink, spec(change.type)
        if isinstance(change, Create):
            payload = resolved(j, sink, change.type, change.payload)
            seq = j.intent(run_id, phase, "create", change.type, change.key, payload=payload)
            with recorded(j, seq):
                created = sink.create(change.type, change.key, payload)
            dd_id = rtype.id_of(created)
            j.outcome(
                seq,
                "done",
                dd_id=dd_id,
                applied=Applied(change.type, change.key, dd_id, payload, phase, run_id, False),
            )
            self._mute(run_id, phase, change.type, change.key, dd_id, mute=mute)
            return "created"
        assert change.datadog_id is not None
        dd_id = change.datadog_id
        if isinstance(change, Update):
            after = resolved(j, sink, change.type, change.after)
            seq = j.intent(
                run_id,
                phase,
                "update",
                change.type,
                change.key,
                dd_id=dd_id,
                payload=after,
                pre_image=change.before,
            )
            with recorded(j, seq):
                sink.update(change.type, dd_id, after)
            j.outcome(
                seq,
                "done",
                applied=Applied(change.type, change.key, dd_id, after, phase, run_id, self._adopted(change)),
            )
            self._mute(run_id, phase, change.type, change.key, dd_id, mute=mute)
            return "updated"
        if isinstance(change, Delete):
            live = sink.get(change.type, dd_id)
            if live is not None and not rtype.owned_by(live, change.key, sink.migration):
                raise RemoteError(
                    f"refusing to delete {change.type} {dd_id}: it does not carry this migration's marker "
                    f"for {change.key}"
                )
            seq = j.intent(
                run_id,
                phase,
                "delete",
                change.type,
                change.key,
                dd_id=dd_id,
                pre_image=pre_image(change.type, live) if live else change.payload,
            )
            with recorded(j, seq):
                sink.delete(change.type, dd_id)
            # A duplicate copy shares the key with the one we keep: only forget the key when deleting that one.
            keep = j.applied_one(change.type, change.key)
            j.outcome(seq, "done", forget=(change.type, change.key) if keep is None or keep.dd_id == dd_id else None)
            return "deleted"
        assert isinstance(change, NoOp)
        known = j.applied_one(change.type, change.key)
        if known is None or known.dd_id != dd_id:  # e.g. created by a run that was killed before its outcome
            seq = j.intent(run_id, phase, "record", change.type, change.key, dd_id=dd_id)
            with recorded(j, seq):
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
        return bool(known and known.adopted and spec(change.type).owned_key(change.after) != change.key)

    def _mute(self, run_id: str, phase: str | None, rtype: str, key: str, dd_id: str, *, mute: bool) -> None:
        if not mute or not spec(rtype).muted_in_parallel_run:
            return
        seq = self.journal.intent(run_id, phase, "mute", DOWNTIME.name, key, payload={"monitor_id": dd_id})
        with recorded(self.journal, seq):
            downtime = self.sink.mute(dd_id, key)
        self.journal.outcome(seq, "done", dd_id=str(downtime.get("id")))


def check_references(changes: list[Change], applied: set[tuple[str, str]]) -> None:
    """Refuse, before anything is sent, a plan that writes a resource naming another (a composite's part) that will
    not exist: neither written nor kept by the plan, nor applied before (`applied`: (type, key)), or deleted by it."""
    deleted = {(c.type, c.key) for c in changes if isinstance(c, Delete)}
    there = ({(c.type, c.key) for c in changes} | applied) - deleted
    missing = [
        f"{c.type} {c.key} ({c.name}) names {c.type} {key}"
        for c in changes
        if not isinstance(c, Delete)
        for key in spec(c.type).references(payload_of(c))
        if (c.type, key) not in there
    ]
    if missing:
        raise DDMigrateError(
            "refusing to apply: " + "; ".join(missing) + ", which this plan neither writes nor keeps",
            hint="apply a composite together with its parts (a phase or selection by source keeps a rule's "
            "resources together)",
        )


def resolved(journal: Journal, sink: Sink, rtype: str, payload: dict[str, Any]) -> dict[str, Any]:
    """`payload` with the Datadog id of each resource it names by key (a composite's parts), as they are now:
    created or recorded by an earlier wave of this run, else found live by key (a run killed after the parts
    were made). The journal keeps the payload as sent, ids and all."""
    keys = spec(rtype).references(payload)
    if not keys:
        return payload
    ids: dict[str, str] = {}
    for key in keys:
        known = journal.applied_one(rtype, key)
        found = None if known is not None else sink.find_by_key(rtype, key)
        if known is None and found is None:
            raise DDMigrateError(
                f"{rtype} names {rtype} {key}, which does not exist in Datadog",
                hint="apply the plan that creates it (its parts are created before it), then plan again",
            )
        ids[key] = known.dd_id if known is not None else spec(rtype).id_of(found or {})
    return spec(rtype).resolve(payload, ids)


def waves(changes: list[Change]) -> list[list[Change]]:
    """Changes in the order references need: what others name by id (`apply_first`: global variables) is
    created and updated first and deleted last; everything else runs concurrently in between. When some of
    it names others of its type (`ResourceType.refers`: composite monitors), those are created and updated
    after the rest, and deleted before any delete (Datadog refuses to delete a monitor a composite uses)."""
    first = [c for c in changes if spec(c.type).apply_first and not isinstance(c, Delete)]
    last: list[Change] = [c for c in changes if spec(c.type).apply_first and isinstance(c, Delete)]
    middle = [c for c in changes if not spec(c.type).apply_first]
    if not any(_refers(c) for c in middle):
        return [wave for wave in (first, middle, last) if wave]
    writes = [c for c in middle if not isinstance(c, Delete)]
    deletes: list[Change] = [c for c in middle if isinstance(c, Delete)]
    ordered = (
        first,
        [c for c in writes if not _refers(c)],
        [c for c in writes if _refers(c)],
        [c for c in deletes if _refers(c)],
        [c for c in deletes if not _refers(c)],
        last,
    )
    return [wave for wave in ordered if wave]


def _refers(change: Change) -> bool:
    return spec(change.type).refers(payload_of(change))


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
            adopted = known.adopted and spec(op.rtype).owned_key(op.payload) != op.key
            journal.outcome(
                seq, "done", applied=Applied(op.rtype, op.key, op.dd_id, op.payload, known.phase, known.run_id, adopted)
            )


def phase_is_cut_over(journal: Journal, phase: str) -> bool:
    events = journal.phase_events(phase)
    return bool(events) and events[-1]["status"] == CUT_OVER
