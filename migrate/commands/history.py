"""`ddmigrate history`: every run (apply, verify, rollback, cutover, adopt) and phase transition, oldest first.

Under each run, its calls that did not succeed: `failed` (Datadog refused: HTTP status and message),
`refused` (no ownership marker), `interrupted` / `open` (no outcome: looked up by the next run).
"""

from __future__ import annotations

import argparse
import json
import sys

from migrate.errors import EXIT_OK
from migrate.fsutil import dumps
from migrate.runner.journal import Journal
from migrate.textsafe import terminal_line

from .apply import add_common
from .status import applied_counts, call_line, op_dict, when


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser, translation=False)
    parser.add_argument("--phase", metavar="NAME", help="only this phase")
    parser.add_argument("--json", action="store_true", help="print runs and phase events as JSON instead of text")


def run(args: argparse.Namespace) -> int:
    journal = Journal(args.workdir, create=False)
    if args.json:
        runs = [
            {
                "id": r["id"],
                "verb": r["verb"],
                "phase": r["phase"],
                "dry_run": bool(r["dry_run"]),
                "status": r["status"],
                "who": r["who"],
                "started_at": r["started_at"],
                "finished_at": r["finished_at"],
                "plan_hash": r["plan_hash"],
                "summary": applied_counts(r),
                "calls": [op_dict(op) for op in journal.unsettled(r["id"])],
            }
            for r in journal.runs(phase=args.phase)
        ]
        sys.stdout.write(dumps({"runs": runs, "phase_events": journal.phase_events(args.phase)}))
        return EXIT_OK
    for r in journal.runs(phase=args.phase):
        summary = json.loads(r["summary"]) if r["summary"] else {}
        counts = ", ".join(f"{k}={v}" for k, v in sorted(summary.items()))
        dry = " (dry run)" if r["dry_run"] else ""
        # phase names, the user ($USER) and details are text from outside: each row is one clean line
        line = (
            f"{when(r['started_at'])}  {r['id']}  {r['verb']}{dry}  phase={r['phase'] or '-'}  "
            f"{r['status']}  {r['who']}  {counts}"
        )
        sys.stdout.write(terminal_line(line) + "\n")
        for op in journal.unsettled(r["id"]):
            sys.stdout.write(f"    {call_line(op)}\n")
    for e in journal.phase_events(args.phase):
        line = (
            f"{when(e['at'])}  phase {e['phase']} -> {e['status']}  run {e['run_id'] or '-'}  "
            f"{e['who']}  {e['plan_hash'] or ''} {e['detail'] or ''}"
        )
        sys.stdout.write(terminal_line(line) + "\n")
    return EXIT_OK
