"""`ddmigrate plan`: desired resources (a translation directory) against a Datadog state → plan.json.

Offline: the state is a snapshot directory of exported Datadog JSON (see `migrate.runner.state`), or
empty. No Datadog credentials are read. `--detailed-exitcode` follows Terraform: 0 no changes,
2 changes present, 1 error. `--cardinality FILE` (the cardinality.json `ddmigrate bridge` writes) adds the
bridge-mode custom-metrics block to the text output; the plan file itself does not change.

With `--workdir` holding a ledger (or a migration name in its settings), the plan knows its migration
(migrate/runner/scope.py): other migrations' resources in the snapshot are left alone. Without either it
is a preview for a workdir that never applied, and treats every owned resource as its own, as before scopes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from migrate.datadog.ownership import Scope
from migrate.errors import EXIT_OK, EXIT_USAGE
from migrate.fsutil import dumps, write_json
from migrate.report.cardinality import load as load_cardinality
from migrate.report.cardinality import summary_lines as cardinality_lines
from migrate.report.diff_text import Line, paged_of, plan_lines, print_lines
from migrate.runner.journal import STATE_DIR, Journal
from migrate.runner.plan import Plan, compute_plan
from migrate.runner.scope import Ownership, configured_name, ownership_for, selection_of
from migrate.runner.secrets import with_variables
from migrate.runner.state import State, load_snapshot
from migrate.translate.store import read_translation


def other_migration_lines(plan: Plan) -> list[Line]:
    """Other migrations' resources the plan saw and leaves alone (plan_lines lists this migration's)."""
    return [
        (
            "dim",
            f'  owned by another migration, left alone: {o["type"]} "{o["name"]}" (id {o["datadog_id"]}, '
            f"migration {o.get('migration') or 'unknown: made before migrations had names'}"
            + (f", selection {o['selection']}" if o.get("selection") else "")
            + ")",
        )
        for o in plan.other_migrations
    ]


def offline_ownership(workdir: Path | None, selection: str) -> Ownership | None:
    """The migration an offline plan is for, when the workdir says (a ledger, or a configured name)."""
    if workdir is None:
        return None
    if (workdir / STATE_DIR / "state.db").is_file():
        journal = Journal(workdir, create=False)
        try:
            return ownership_for(journal, workdir, journal.bound_site(), selection)
        finally:
            journal.close()
    name = configured_name(workdir)
    return None if name is None else Ownership(Scope(name, selection))


def plan(
    *, translation_dir: Path, state_dir: Path | None = None, out: Path | None = None, workdir: Path | None = None
) -> Plan:
    translation = read_translation(translation_dir)
    own = offline_ownership(workdir, selection_of(translation.meta, translation_dir))
    mine = own.mine if own is not None else None
    state = State.empty() if state_dir is None else load_snapshot(state_dir, mine)
    scope = {e.ref.source for e in translation.ledger} | {
        ref.source for res in translation.resources for ref in res.source_refs
    }
    resources = with_variables(translation.resources)  # and the global variables its tests reference
    desired = own.stamp(resources) if own is not None else resources
    migration = own.scope if own is not None else None
    result = compute_plan(desired, state, scope=scope, translation=translation.meta, migration=migration)
    if out is not None:
        write_json(out, result.to_dict())
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--translation",
        type=Path,
        required=True,
        metavar="DIR",
        help="translation directory written by `ddmigrate translate`",
    )
    parser.add_argument(
        "--state",
        type=Path,
        metavar="DIR",
        help="Datadog state snapshot: monitors/, dashboards/, synthetics/ JSON exports "
        "(default: empty, everything is a create)",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="FILE", help="where to write the JSON plan")
    parser.add_argument(
        "--detailed-exitcode", action="store_true", help="exit 2 when changes are present, 0 when none (1 on error)"
    )
    parser.add_argument("--json", action="store_true", help="print the JSON plan instead of the readable diff")
    parser.add_argument(
        "--cardinality",
        type=Path,
        metavar="FILE",
        help="cardinality.json from `ddmigrate bridge` (--preview or --series-counts): show how many "
        "custom metrics bridge mode would create and which instances exceed the Agent's limit",
    )
    live = parser.add_argument_group("live planning")
    live.add_argument(
        "--live",
        action="store_true",
        help="plan against the live Datadog org three ways (desired / last applied / live): drift and "
        "adopt candidates shown; the plan file can be applied with `apply --plan`. Reads "
        "DD_API_KEY, DD_APP_KEY and DD_SITE or DD_API_URL",
    )
    live.add_argument(
        "--workdir",
        type=Path,
        default=Path(),
        metavar="DIR",
        help="where the ledger DB lives (default: current directory); with --live it is required, offline "
        "it names the migration, so other migrations' resources in the snapshot are left alone",
    )
    live.add_argument("--phases", type=Path, metavar="FILE", help="with --live: phases.yaml (needed with --phase)")
    live.add_argument("--phase", metavar="NAME", help="with --live: plan this phase only")


def run(args: argparse.Namespace) -> int:
    preview = load_cardinality(args.cardinality) if getattr(args, "cardinality", None) else None  # fail early
    bridge_block = (
        [("", "")] + [("yellow" if "warning:" in line else "", line) for line in cardinality_lines(preview)]
        if preview
        else []
    )
    if getattr(args, "live", False):
        from migrate.commands.apply import run_plan_live  # noqa: PLC0415 (offline plans never import the client)

        code = run_plan_live(args)
        if not args.json:
            print_lines(bridge_block)
        return code
    result = plan(translation_dir=args.translation, state_dir=args.state, out=args.out, workdir=args.workdir)
    if args.json:
        sys.stdout.write(dumps(result.to_dict()))
    else:
        print_lines(
            [
                *plan_lines(result, paged_of(read_translation(args.translation).resources)),
                *other_migration_lines(result),
                *bridge_block,
                ("", f"Plan written to {args.out} ({result.plan_hash})"),
            ]
        )
    return EXIT_USAGE if args.detailed_exitcode and result.has_changes else EXIT_OK
