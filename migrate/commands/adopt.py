"""`ddmigrate adopt TYPE ID KEY`: take an existing, unowned Datadog resource under ddmigrate's management.

Nothing ddmigrate does not own is ever changed without this explicit step. The next apply updates the
resource to the desired payload (adding the ownership marker), keeping its pre-image for rollback.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from migrate.datadog.resources import RESOURCES
from migrate.errors import EXIT_OK, DDMigrateError
from migrate.runner.diff import pre_image
from migrate.runner.journal import Applied, Journal, WriterLock
from migrate.runner.live import Connection, connect

from .apply import add_common

_KEY_RE = re.compile(r"[0-9a-f]{12}")


def adopt(*, workdir: Path, resource_type: str, datadog_id: str, key: str, conn: Connection | None = None) -> None:
    if resource_type not in RESOURCES:
        raise DDMigrateError(f"unknown resource type {resource_type!r}", hint="one of: " + ", ".join(RESOURCES))
    if not _KEY_RE.fullmatch(key):
        raise DDMigrateError(
            f"{key!r} is not a ddmigrate key (12 hex digits)", hint="copy desired_key from the plan's adopt candidates"
        )
    conn = conn or connect()
    journal = Journal(workdir)
    journal.check_org(conn.site, bind=False)
    live = conn.sink.get(resource_type, datadog_id)
    if live is None:
        raise DDMigrateError(f"{resource_type} {datadog_id} not found in Datadog")
    owner = RESOURCES[resource_type].owned_key(live)
    if owner is not None:
        scope = RESOURCES[resource_type].marker.scope(live)
        whose = f", migration {scope.migration}" if scope else ""
        raise DDMigrateError(f"{resource_type} {datadog_id} is already managed by ddmigrate (key {owner}{whose})")
    with WriterLock(journal, f"adopt {resource_type} {datadog_id}"):
        journal.check_org(conn.site, bind=True)
        _check_free(journal, resource_type, datadog_id, key)
        run_id = journal.start_run("adopt", phase=None, plan_hash=None, dry_run=False)
        journal.record_adoption(
            Applied(resource_type, key, datadog_id, pre_image(resource_type, live), None, run_id, True)
        )
        journal.finish_run(run_id, "ok", {"adopted": 1})


def _check_free(journal: Journal, resource_type: str, datadog_id: str, key: str) -> None:
    """Refuse a key the ledger already gives to another resource, and a resource already adopted: two live
    resources under one key would make the next plan delete one of them as a duplicate."""
    applied = journal.applied()
    holder = applied.get((resource_type, key))
    if holder is not None and holder.dd_id != datadog_id:
        raise DDMigrateError(
            f"key {key} already belongs to {resource_type} {holder.dd_id}, which ddmigrate manages",
            hint="adopt it under the key of a desired resource that does not exist in Datadog yet",
        )
    other = next(
        (a for a in applied.values() if a.rtype == resource_type and a.dd_id == datadog_id and a.key != key), None
    )
    if other is not None:
        raise DDMigrateError(
            f"{resource_type} {datadog_id} is already adopted as {other.key}",
            hint="roll back or re-plan that key first; one resource has one key",
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser, translation=False)
    parser.add_argument("type", choices=sorted(RESOURCES), help="resource type")
    parser.add_argument("id", help="its Datadog id (public_id for synthetic tests)")
    parser.add_argument(
        "key", help="the ddmigrate key of the desired resource it becomes (see the plan's adopt candidates)"
    )


def run(args: argparse.Namespace) -> int:
    adopt(workdir=args.workdir, resource_type=args.type, datadog_id=args.id, key=args.key)
    sys.stdout.write(f"adopted {args.type} {args.id} as {args.key}; the next apply brings it to the desired state\n")
    return EXIT_OK
