"""Rollback: replay the journal of one run (or every apply run of a phase) backwards.

Created → deleted, updated → pre-image restored, deleted → re-created from its pre-image, muted →
unmuted. Works from the journal alone, including intents a killed run never closed (the resource is
looked up by its ddmigrate key). Nothing without ddmigrate's marker for that key is touched, even when
the journal names it: such an op is recorded as `refused` and the rollback fails. The result is
verified (gone / equal to pre-image / back) before the rollback is reported done.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from migrate.datadog import ownership
from migrate.errors import DDMigrateError
from migrate.runner.apply import Sink, reconcile
from migrate.runner.diff import normalize
from migrate.runner.journal import Applied, Journal, Op
from migrate.runner.phases import ROLLED_BACK

_REVERSIBLE = ("create", "update", "delete", "mute")


@dataclass
class RollbackResult:
    run_id: str
    targets: list[str]
    counts: Counter[str] = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused and not self.failures


def runs_to_undo(journal: Journal, *, phase: str | None = None, run_id: str | None = None) -> list[str]:
    """A run id as given, or every non-dry-run apply of the phase since its last rollback (newest first)."""
    if run_id is not None:
        run = journal.run(run_id)
        if run["verb"] != "apply":
            raise DDMigrateError(f"run {run_id} is a {run['verb']}, not an apply; only applies can be rolled back")
        return [run_id]
    if phase is None:
        raise DDMigrateError("name a phase or a run id to roll back")
    # Every apply that started before the last successful rollback was undone by it, including killed ones,
    # which never wrote a phase event (applies and rollbacks hold the writer lock: they never overlap).
    rollbacks = [e["run_id"] for e in journal.phase_events(phase) if e["status"] == ROLLED_BACK and e["run_id"]]
    since = journal.run(rollbacks[-1])["started_at"] if rollbacks else float("-inf")
    runs = [r["id"] for r in journal.runs(phase=phase, verb="apply") if not r["dry_run"] and r["started_at"] > since]
    return list(reversed(runs))


def rollback(journal: Journal, sink: Sink, targets: list[str], *, phase: str | None) -> RollbackResult:
    interrupted = journal.close_interrupted()
    run_id = journal.start_run("rollback", phase=phase, plan_hash=None, dry_run=False)
    reconcile(journal, sink, run_id, interrupted)
    result = RollbackResult(run_id, targets)
    ops = sorted(
        (op for t in targets for op in journal.ops(t) if op.action in _REVERSIBLE and op.status != "failed"),
        key=lambda o: -o.seq,
    )
    for op in ops:
        try:
            result.counts[_undo(journal, sink, run_id, op, result)] += 1
        except DDMigrateError as exc:
            result.failures.append(f"undo {op.action} {op.rtype} {op.key}: {exc}")
    for op in ops:
        problem = _check(sink, op)
        if problem:
            result.failures.append(f"verify after rollback: {problem}")
    journal.finish_run(
        run_id,
        "ok" if result.ok else "failed",
        {**result.counts, "refused": len(result.refused), "failures": len(result.failures)},
    )
    if phase is not None:
        journal.phase_event(
            phase,
            ROLLED_BACK if result.ok else "rollback_failed",
            run_id=run_id,
            detail="undid runs " + ", ".join(targets),
        )
    return result


def _locate(sink: Sink, op: Op) -> tuple[str | None, dict[str, Any] | None]:
    """Where the resource of `op` is now: by id when the journal has one, else by its ddmigrate key."""
    if op.dd_id:
        return op.dd_id, sink.get(op.rtype, op.dd_id)
    found = sink.find_by_key(op.rtype, op.key)
    if found is None:
        return None, None
    return str(found.get("public_id" if op.rtype == "synthetic_test" else "id")), found


def _refuse(journal: Journal, run_id: str, op: Op, dd_id: str, result: RollbackResult) -> str:
    seq = journal.intent(run_id, op.phase, f"undo-{op.action}", op.rtype, op.key, dd_id=dd_id)
    journal.outcome(seq, "refused", error="no ddmigrate ownership marker for this key")
    result.refused.append(f"{op.rtype} {dd_id} ({op.key}): it does not carry ddmigrate's marker; left untouched")
    return "refused"


def _undo(journal: Journal, sink: Sink, run_id: str, op: Op, result: RollbackResult) -> str:
    if op.action == "mute":
        monitor_id = str((op.payload or {}).get("monitor_id", ""))
        if monitor_id and sink.get("monitor", monitor_id) is not None:
            sink.unmute(monitor_id)
        return "unmuted"
    if op.action == "delete":
        if sink.find_by_key(op.rtype, op.key) is not None or not op.pre_image:
            return "already present"
        seq = journal.intent(run_id, op.phase, "undo-delete", op.rtype, op.key, payload=op.pre_image)
        created = sink.create(op.rtype, op.key, op.pre_image)
        new_id = str(created.get("public_id" if op.rtype == "synthetic_test" else "id"))
        journal.outcome(
            seq, "done", dd_id=new_id, applied=Applied(op.rtype, op.key, new_id, op.pre_image, op.phase, run_id, False)
        )
        return "recreated"
    dd_id, live = _locate(sink, op)
    if live is None or dd_id is None:
        return "already gone" if op.action == "create" else "missing"
    if ownership.owned_key(op.rtype, live) != op.key:
        return _refuse(journal, run_id, op, dd_id, result)
    if op.action == "create":
        seq = journal.intent(
            run_id, op.phase, "undo-create", op.rtype, op.key, dd_id=dd_id, pre_image=normalize(op.rtype, live)
        )
        sink.delete(op.rtype, dd_id)
        journal.outcome(seq, "done", forget=(op.rtype, op.key))
        return "deleted"
    pre = op.pre_image or {}
    seq = journal.intent(
        run_id, op.phase, "undo-update", op.rtype, op.key, dd_id=dd_id, payload=pre, pre_image=normalize(op.rtype, live)
    )
    sink.update(op.rtype, dd_id, pre)
    owned_after = ownership.owned_key(op.rtype, pre) == op.key  # an adopted resource goes back to unowned
    journal.outcome(
        seq,
        "done",
        applied=Applied(op.rtype, op.key, dd_id, pre, op.phase, run_id, False) if owned_after else None,
        forget=None if owned_after else (op.rtype, op.key),
    )
    return "restored"


def _check(sink: Sink, op: Op) -> str | None:
    if op.action == "create":
        live = sink.find_by_key(op.rtype, op.key)
        return f"{op.rtype} {op.key} still exists" if live is not None else None
    if op.action == "delete":
        return None if sink.find_by_key(op.rtype, op.key) is not None else f"{op.rtype} {op.key} was not re-created"
    if op.action == "update" and op.dd_id and op.pre_image is not None:
        live = sink.get(op.rtype, op.dd_id)
        if (
            live is not None
            and ownership.owned_key(op.rtype, live) in (op.key, None)
            and (normalize(op.rtype, live) != normalize(op.rtype, op.pre_image))
        ):
            return f"{op.rtype} {op.dd_id} differs from its pre-image"
    return None
