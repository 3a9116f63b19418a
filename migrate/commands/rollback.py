"""`ddmigrate rollback PHASE|RUN_ID`: undo what the run(s) did, then check the result.

Refuses to touch anything without this migration's ownership marker for the key (another workdir's
migration, or a resource whose marker was edited away), even when the ledger names it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from migrate.errors import EXIT_ERROR, EXIT_OK, DDMigrateError
from migrate.runner.journal import Journal, WriterLock
from migrate.runner.live import Connection, connect
from migrate.runner.rollback import RollbackResult, rollback, runs_to_undo
from migrate.runner.scope import migration_name

from .apply import add_common


def rollback_command(*, workdir: Path, target: str, conn: Connection | None = None) -> RollbackResult:
    journal = Journal(workdir, create=False)
    is_run = any(r["id"] == target for r in journal.runs())
    phase = journal.run(target)["phase"] if is_run else target
    runs = runs_to_undo(journal, run_id=target) if is_run else runs_to_undo(journal, phase=target)
    if not runs:
        raise DDMigrateError(
            f"nothing to roll back for {target!r}: no apply run recorded since its last rollback",
            hint="`ddmigrate history` lists runs and phases",
        )
    conn = conn or connect()
    with WriterLock(journal, f"rollback {target}"):
        journal.check_org(conn.site, bind=True)
        conn.sink.migration = migration_name(workdir, journal.ledger_id(), conn.site)
        return rollback(journal, conn.sink, runs, phase=phase)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser, translation=False)
    parser.add_argument("target", metavar="PHASE|RUN_ID", help="a phase name (all its applies) or one apply run id")


def run(args: argparse.Namespace) -> int:
    result = rollback_command(workdir=args.workdir, target=args.target)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()))
    sys.stdout.write(f"rollback run {result.run_id} of {', '.join(result.targets)}: {counts or 'nothing to undo'}\n")
    for line in [*result.refused, *result.failures]:
        sys.stderr.write(f"not rolled back: {line}\n")
    return EXIT_OK if result.ok else EXIT_ERROR
