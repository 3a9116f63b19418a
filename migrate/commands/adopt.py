"""`ddmigrate adopt TYPE ID KEY`: take an existing, unowned Datadog resource under ddmigrate's management.

Nothing ddmigrate does not own is ever changed without this explicit step. The next apply updates the
resource to the desired payload (adding the ownership marker), keeping its pre-image for rollback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from migrate.datadog.resources import RESOURCES
from migrate.errors import EXIT_OK, DDMigrateError
from migrate.runner.diff import normalize
from migrate.runner.journal import Applied, Journal, WriterLock
from migrate.runner.live import Connection, connect

from .apply import add_common


def adopt(*, workdir: Path, resource_type: str, datadog_id: str, key: str, conn: Connection | None = None) -> None:
    if resource_type not in RESOURCES:
        raise DDMigrateError(f"unknown resource type {resource_type!r}", hint="one of: " + ", ".join(RESOURCES))
    conn = conn or connect()
    journal = Journal(workdir)
    journal.check_org(conn.site, bind=False)
    live = conn.sink.get(resource_type, datadog_id)
    if live is None:
        raise DDMigrateError(f"{resource_type} {datadog_id} not found in Datadog")
    owner = RESOURCES[resource_type].owned_key(live)
    if owner is not None:
        raise DDMigrateError(f"{resource_type} {datadog_id} is already managed by ddmigrate (key {owner})")
    with WriterLock(journal, f"adopt {resource_type} {datadog_id}"):
        journal.check_org(conn.site, bind=True)
        run_id = journal.start_run("adopt", phase=None, plan_hash=None, dry_run=False)
        journal.record_adoption(Applied(resource_type, key, datadog_id, normalize(resource_type, live), None, run_id,
                                        True))
        journal.finish_run(run_id, "ok", {"adopted": 1})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser, translation=False)
    parser.add_argument("type", choices=sorted(RESOURCES), help="resource type")
    parser.add_argument("id", help="its Datadog id (public_id for synthetic tests)")
    parser.add_argument("key", help="the ddmigrate key of the desired resource it becomes (see the plan's adopt "
                        "candidates)")


def run(args: argparse.Namespace) -> int:
    adopt(workdir=args.workdir, resource_type=args.type, datadog_id=args.id, key=args.key)
    sys.stdout.write(f"adopted {args.type} {args.id} as {args.key}; the next apply brings it to the desired state\n")
    return EXIT_OK
