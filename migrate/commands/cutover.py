"""`ddmigrate cutover PHASE`: end the parallel run: remove the phase's mute downtimes, only after verify passed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from migrate.datadog.downtimes import DOWNTIME
from migrate.datadog.resources import spec
from migrate.errors import EXIT_OK, DDMigrateError
from migrate.runner.journal import Journal, WriterLock
from migrate.runner.live import Connection, connect
from migrate.runner.phases import CUT_OVER, VERIFIED

from .apply import add_common


def cutover(*, workdir: Path, phase: str, conn: Connection | None = None) -> int:
    """Returns how many monitors were unmuted."""
    journal = Journal(workdir, create=False)
    events = journal.phase_events(phase)
    status = events[-1]["status"] if events else "not applied"
    if status != VERIFIED:
        raise DDMigrateError(
            f"phase {phase!r} is {status}: cutover needs a passing verify after the last apply",
            hint=f"run `ddmigrate verify --phase {phase} ...` first",
        )
    conn = conn or connect()
    with WriterLock(journal, f"cutover {phase}"):
        journal.check_org(conn.site, bind=True)
        run_id = journal.start_run("cutover", phase=phase, plan_hash=None, dry_run=False)
        monitors = [a for a in journal.applied().values() if a.phase == phase and spec(a.rtype).muted_in_parallel_run]
        unmuted = 0
        for res in monitors:
            seq = journal.intent(run_id, phase, "unmute", DOWNTIME.name, res.key, payload={"monitor_id": res.dd_id})
            unmuted += conn.sink.unmute(res.dd_id)
            journal.outcome(seq, "done")
        journal.finish_run(run_id, "ok", {"monitors": len(monitors), "downtimes_cancelled": unmuted})
        journal.phase_event(phase, CUT_OVER, run_id=run_id, detail=f"{unmuted} downtimes cancelled")
    return unmuted


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser, translation=False)
    parser.add_argument("phase", metavar="PHASE")


def run(args: argparse.Namespace) -> int:
    count = cutover(workdir=args.workdir, phase=args.phase)
    sys.stdout.write(f"phase {args.phase} cut over: {count} mute downtime(s) cancelled\n")
    return EXIT_OK
