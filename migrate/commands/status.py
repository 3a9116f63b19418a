"""`ddmigrate status`: each phase's latest state: planned / applied / verified / cut over / rolled back,
and the calls of its latest run that did not succeed.

A call Datadog refused is `failed` (with the HTTP status and Datadog's message: nothing changed, fix the
input and apply again); a call with no outcome is `interrupted` or `open` (the process died, or Datadog's
answer never came: the next apply or rollback looks the resource up). The two are never shown alike.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from migrate.errors import EXIT_OK
from migrate.fsutil import dumps
from migrate.runner.journal import Journal, Op
from migrate.runner.phases import load_phases
from migrate.textsafe import terminal_line

from .apply import add_common

NO_PHASE = "(no phase)"  # applies of a whole translation, without --phase
_WHY = {
    "interrupted": "no outcome recorded (killed, or Datadog's answer never came): the next run looks it up",
    "intent": "no outcome yet (still running, killed, or Datadog's answer left it unknown): the next run looks it up",
}


def when(at: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at)) if at else "-"


def call_line(op: Op) -> str:
    """One call that did not succeed, worded by what it means for the operator."""
    what = f"{op.action} {op.rtype} {op.key}" + (f" ({op.dd_id})" if op.dd_id else "")
    http = f"HTTP {op.http_status}" if op.http_status else ""
    if op.status in _WHY:
        last = f"; last error: {' '.join(p for p in (http, op.error or '') if p)}" if op.error or http else ""
        label = "interrupted" if op.status == "interrupted" else "open"
        return terminal_line(f"{label:<11} {what}: {_WHY[op.status]}{last}")
    detail = ": ".join(p for p in (http, op.error or "") if p) or "no message"
    return terminal_line(f"{op.status:<11} {what}: {detail}")  # Datadog's error may quote a source name


def status(*, workdir: Path, phases_file: Path | None = None) -> list[dict[str, Any]]:
    journal = Journal(workdir, create=False)
    names = [p.name for p in load_phases(phases_file).ordered] if phases_file else []
    names += sorted({e["phase"] for e in journal.phase_events()} - set(names))
    rows = []
    for name in names:
        events = journal.phase_events(name)
        last = events[-1] if events else {}
        run_id = last.get("run_id")
        rows.append(
            {
                "phase": name,
                "status": last.get("status", "not applied"),
                "at": last.get("at"),
                "who": last.get("who"),
                "run_id": run_id,
                "plan_hash": last.get("plan_hash"),
                "calls": journal.unsettled(run_id) if run_id else [],
            }
        )
    unphased = [r for r in journal.runs(verb="apply") if r["phase"] is None and not r["dry_run"]]
    if unphased:
        run = unphased[-1]
        rows.append(
            {
                "phase": NO_PHASE,
                "status": f"apply {run['status']}",
                "applied": applied_counts(run),
                "at": run["finished_at"] or run["started_at"],
                "who": run["who"],
                "run_id": run["id"],
                "plan_hash": run["plan_hash"],
                "calls": journal.unsettled(run["id"]),
            }
        )
    return rows


def applied_counts(run: dict[str, Any]) -> dict[str, int]:
    """What a run did, from its summary (created / updated / deleted / unchanged / failed ...)."""
    summary = json.loads(run["summary"]) if run.get("summary") else {}
    return {str(k): int(v) for k, v in sorted(summary.items()) if isinstance(v, int)}


def op_dict(op: Op) -> dict[str, Any]:
    return {
        "seq": op.seq,
        "action": op.action,
        "type": op.rtype,
        "key": op.key,
        "datadog_id": op.dd_id,
        "status": op.status,
        "http_status": op.http_status,
        "error": op.error,
        "meaning": call_line(op),
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser, translation=False)
    parser.add_argument("--phases", type=Path, metavar="FILE", help="list every phase of this phases.yaml")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of text")


def run(args: argparse.Namespace) -> int:
    rows = status(workdir=args.workdir, phases_file=args.phases)
    if args.json:
        sys.stdout.write(dumps([{**row, "calls": [op_dict(op) for op in row["calls"]]} for row in rows]))
        return EXIT_OK
    for row in rows:
        plan = (row["plan_hash"] or "")[:19]
        # phase names (phases.yaml, the journal) and the user ($USER) are text from outside: one clean line each
        who, run_id = row["who"] or "-", row["run_id"] or ""
        line = f"{row['phase']:<24} {row['status']:<14} {when(row['at'])}  {who}  {run_id} {plan}"
        sys.stdout.write(terminal_line(line) + "\n")
        if row.get("applied"):
            applied = ", ".join(f"{k} {v}" for k, v in row["applied"].items())
            sys.stdout.write(terminal_line(f"    applied: {applied}") + "\n")
        for op in row["calls"]:
            sys.stdout.write(f"    {call_line(op)}\n")
    return EXIT_OK
