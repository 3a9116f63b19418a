"""Rollback: replay the journal of one run (or every apply run of a phase) backwards.

Each journal op is rebuilt as the `Change` it made (`applied_change`) and its `reverse()` is carried
out: a Create's reverse deletes, an Update's restores the pre-image, a Delete's re-creates from its
pre-image, a Mute's unmutes. Works from the journal alone, including intents a killed run never closed
(the resource is looked up by its ddmigrate key); calls Datadog refused (`failed`) changed nothing and are
skipped. Nothing without this migration's marker for that key is touched, even when the journal names it:
such an op is recorded as `refused` and the rollback fails. The result is verified (gone / equal to
pre-image / back) before the rollback is reported done.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from migrate.datadog.downtimes import DOWNTIME
from migrate.datadog.resources import spec
from migrate.errors import DDMigrateError
from migrate.runner.apply import reconcile, recorded, resolved
from migrate.runner.changes import Change, Create, Delete, Mute, Unmute, Update
from migrate.runner.diff import normalize, pre_image, restore_payload
from migrate.runner.journal import Applied, Journal, Op
from migrate.runner.phases import ROLLED_BACK
from migrate.runner.sinks import Sink

_REVERSIBLE = ("create", "update", "delete", "mute")


def applied_change(op: Op) -> Change:
    """The change a journal op made, from what the journal keeps (ids, payloads and pre-images)."""
    common: dict[str, Any] = {"type": op.rtype, "key": op.key, "name": "", "datadog_id": op.dd_id}
    if op.action == "create":
        return Create(**common, payload=op.payload or {})
    if op.action == "update":
        return Update(**common, before=op.pre_image or {}, after=op.payload or {})
    if op.action == "delete":
        return Delete(**common, payload=op.pre_image or {})
    if op.action == "mute":
        return Mute(**common, muted_id=str((op.payload or {}).get("monitor_id", "")))
    raise DDMigrateError(f"journal op {op.seq} ({op.action}) is not a change rollback can reverse")


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
    # A failed call changed nothing (Datadog said so): there is nothing to undo.
    ops = sorted(
        (op for t in targets for op in journal.ops(t) if op.action in _REVERSIBLE and op.status != "failed"),
        key=lambda o: -o.seq,
    )
    # A composite re-created from its pre-image names its parts by their old ids; rollback re-creates the parts
    # first (it runs backwards), with new ids: the old ids are read back to keys, and the keys to the ids of now.
    old_keys: dict[str, dict[str, str]] = {}
    for op in ops:
        if op.dd_id:
            old_keys.setdefault(op.rtype, {})[op.dd_id] = op.key
    for op in ops:
        try:
            result.counts[_undo(journal, sink, run_id, op, result, old_keys=old_keys.get(op.rtype, {}))] += 1
        except DDMigrateError as exc:
            result.failures.append(f"undo {op.action} {op.rtype} {op.key}: {exc}")
    for op in ops:
        problem = _check(sink, op, applied_change(op).reverse())
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
    return spec(op.rtype).id_of(found), found


def _refuse(journal: Journal, run_id: str, op: Op, dd_id: str, result: RollbackResult) -> str:
    seq = journal.intent(run_id, op.phase, f"undo-{op.action}", op.rtype, op.key, dd_id=dd_id)
    journal.outcome(seq, "refused", error="no ddmigrate ownership marker for this key")
    result.refused.append(f"{op.rtype} {dd_id} ({op.key}): it does not carry ddmigrate's marker; left untouched")
    return "refused"


def _undo(
    journal: Journal, sink: Sink, run_id: str, op: Op, result: RollbackResult, *, old_keys: dict[str, str]
) -> str:
    """Carry out the reverse of the change `op` made; returns what happened (for the counts)."""
    reverse = applied_change(op).reverse()
    rtype, action = spec(op.rtype), f"undo-{op.action}"
    if isinstance(reverse, Unmute):
        seq = journal.intent(run_id, op.phase, action, DOWNTIME.name, op.key, payload={"monitor_id": reverse.muted_id})
        with recorded(journal, seq):
            if reverse.muted_id:  # on a monitor that is gone, unmute finds no downtime and cancels nothing
                sink.unmute(reverse.muted_id)
        journal.outcome(seq, "done")
        return "unmuted"
    if isinstance(reverse, Create):
        if not reverse.payload or sink.find_by_key(op.rtype, op.key) is not None:
            return "already present"
        payload = resolved(journal, sink, op.rtype, rtype.symbolic(reverse.payload, old_keys))
        seq = journal.intent(run_id, op.phase, action, op.rtype, op.key, payload=payload)
        with recorded(journal, seq):
            created = sink.create(op.rtype, op.key, payload)
        new_id = rtype.id_of(created)
        applied = Applied(op.rtype, op.key, new_id, payload, op.phase, run_id, False)
        journal.outcome(seq, "done", dd_id=new_id, applied=applied)
        return "recreated"
    dd_id, live = _locate(sink, op)
    if live is None or dd_id is None:
        return "already gone" if isinstance(reverse, Delete) else "missing"
    if not rtype.owned_by(live, op.key, sink.migration):  # not ours, or another migration's since
        return _refuse(journal, run_id, op, dd_id, result)
    if isinstance(reverse, Delete):
        seq = journal.intent(
            run_id, op.phase, action, op.rtype, op.key, dd_id=dd_id, pre_image=pre_image(op.rtype, live)
        )
        with recorded(journal, seq):
            sink.delete(op.rtype, dd_id)
        journal.outcome(seq, "done", forget=(op.rtype, op.key))
        return "deleted"
    assert isinstance(reverse, Update)
    pre = reverse.after
    seq = journal.intent(
        run_id, op.phase, action, op.rtype, op.key, dd_id=dd_id, payload=pre, pre_image=pre_image(op.rtype, live)
    )
    with recorded(journal, seq):
        sink.update(op.rtype, dd_id, restore_payload(op.rtype, pre, live))
    owned_after = rtype.owned_key(pre) == op.key  # an adopted resource goes back to unowned
    journal.outcome(
        seq,
        "done",
        applied=Applied(op.rtype, op.key, dd_id, pre, op.phase, run_id, False) if owned_after else None,
        forget=None if owned_after else (op.rtype, op.key),
    )
    return "restored"


def _check(sink: Sink, op: Op, reverse: Change) -> str | None:
    """What is wrong after the reverse of `op` was carried out (None: it took effect)."""
    if isinstance(reverse, Delete):
        live = sink.find_by_key(op.rtype, op.key)
        return f"{op.rtype} {op.key} still exists" if live is not None else None
    if isinstance(reverse, Create):
        return None if sink.find_by_key(op.rtype, op.key) is not None else f"{op.rtype} {op.key} was not re-created"
    if isinstance(reverse, Update) and op.dd_id and op.pre_image is not None:
        live = sink.get(op.rtype, op.dd_id)
        if (
            live is not None
            and spec(op.rtype).owned_key(live) in (op.key, None)
            and (normalize(op.rtype, live) != normalize(op.rtype, reverse.after))
        ):
            return f"{op.rtype} {op.dd_id} differs from its pre-image"
    return None
