"""`ddmigrate apply`: plan against the live org (or take a saved live plan) and apply it, phase by phase.

The working directory holds the ledger DB (`.ddmigrate/state.db`) and is one migration: its resources
carry its scope (migrate/runner/scope.py), and another migration's are never updated or deleted. A saved
plan is refused when the ledger or the owned resources it read have moved since; a phase whose
dependencies' gates do not hold is refused. Without a reviewed `--plan`, a plan that deletes anything is
applied only once confirmed (a prompt on a terminal, `--yes` in scripts). `--dry-run` runs the same code
with a recording sink and a scratch copy of the ledger.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from migrate.errors import EXIT_ERROR, EXIT_OK, EXIT_USAGE, DDMigrateError, UsageError
from migrate.fsutil import dumps
from migrate.model import DesiredResource
from migrate.report.diff_text import paged_of, plan_lines, print_lines
from migrate.runner.apply import Applier, ApplyResult, check_references, phase_is_cut_over
from migrate.runner.changes import Action
from migrate.runner.journal import Journal, WriterLock
from migrate.runner.live import (
    Connection,
    LivePlan,
    check_bound,
    check_fresh,
    connect,
    plan_live,
    read_live,
    read_live_plan,
    write_live_plan,
)
from migrate.runner.locations import check_locations
from migrate.runner.phases import Phase, load_phases, unmet_gates
from migrate.runner.plan import Plan, desired_hash
from migrate.runner.scope import Ownership, ownership_for, selection_of
from migrate.runner.secrets import check_values, needed, with_variables
from migrate.runner.sinks import DryRunSink
from migrate.textsafe import terminal_line
from migrate.translate.store import read_translation

from .plan import other_migration_lines

# Enough in flight to fill a 50 writes/s limit at 0.3 s per request; the limiter holds them to the limit.
DEFAULT_CONCURRENCY = 16


@dataclass
class Target:
    """The desired resources one command works on: a whole translation, or one phase of it."""

    desired: list[DesiredResource]
    phase: Phase | None
    scope: set[str]
    meta: dict[str, object]
    source: Path = Path()
    selection: str = "all"  # the source selection the translation covers (migrate/runner/scope.py)


def select(translation_dir: Path, phases_file: Path | None, phase_name: str | None) -> Target:
    """The translation's resources (with the global variables its tests reference), or one phase's share."""
    translation = read_translation(translation_dir)
    scope = {e.ref.source for e in translation.ledger} | {
        r.source for res in translation.resources for r in res.source_refs
    }
    selection = selection_of(translation.meta, translation_dir)
    if phase_name is None:
        return Target(with_variables(translation.resources), None, scope, translation.meta, translation_dir, selection)
    if phases_file is None:
        raise DDMigrateError("--phase needs --phases FILE", hint="pass the phases.yaml that defines the phase")
    phase = load_phases(phases_file).get(phase_name)
    chosen = load_phases(phases_file).assign(translation.resources)[phase.name]
    desired = with_variables(chosen, translation.resources)
    return Target(desired, phase, scope, translation.meta, translation_dir, selection)


def scoped(target: Target, conn: Connection, journal: Journal, workdir: Path) -> tuple[Target, Ownership]:
    """The target stamped with this workdir's migration scope; the sink finds only this migration's copies."""
    own = ownership_for(journal, workdir, conn.site, target.selection)
    conn.sink.migration = own.scope.migration
    return replace(target, desired=own.stamp(target.desired)), own


def live_plan_for(conn: Connection, journal: Journal, target: Target, own: Ownership) -> LivePlan:
    check_locations(conn, target.desired)  # before reading the org: a refusal costs one request
    live = read_live(conn, journal)
    return plan_live(
        target.desired,
        live,
        journal,
        phase=target.phase.name if target.phase else None,
        scope=target.scope,
        translation=dict(target.meta),
        site=conn.site,
        ownership=own,
    )


def plan_live_command(
    *,
    workdir: Path,
    translation_dir: Path,
    phases_file: Path | None = None,
    phase: str | None = None,
    out: Path | None = None,
    conn: Connection | None = None,
) -> LivePlan:
    """`plan --live`: the plan `apply` would make now (the same function), written for review; reads only."""
    target = select(translation_dir, phases_file, phase)
    conn = conn or connect()
    journal = Journal(workdir)
    try:
        journal.check_org(conn.site, bind=False)
        target, own = scoped(target, conn, journal, workdir)
        live_plan = live_plan_for(conn, journal, target, own)
    finally:
        journal.close()
    if out is not None:
        write_live_plan(out, live_plan)
    return live_plan


def apply(
    *,
    workdir: Path,
    translation_dir: Path,
    phases_file: Path | None = None,
    phase: str | None = None,
    plan_file: Path | None = None,
    dry_run: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
    conn: Connection | None = None,
    progress: bool | None = None,
    yes: bool = False,
    confirm: Callable[[Plan], bool] | None = None,
) -> tuple[LivePlan, ApplyResult]:
    """`yes` / `confirm(plan)`: a plan made here (no `plan_file`) that deletes anything is applied only when
    `yes` is set or `confirm` answers True; without either it is refused before any call is made."""
    target = select(translation_dir, phases_file, phase)
    conn = conn or connect(concurrency=concurrency)  # settings first: a bad DD_SITE creates no ledger
    journal = Journal(workdir)
    journal.check_org(conn.site, bind=False)
    target, own = scoped(target, conn, journal, workdir)
    if target.phase is not None and phases_file is not None:
        problems = unmet_gates(journal, load_phases(phases_file), target.phase)
        if problems:
            raise DDMigrateError(f"phase {target.phase.name!r} may not be applied yet: " + "; ".join(problems))
    if dry_run:
        with tempfile.TemporaryDirectory(prefix="ddmigrate-dry-run-") as scratch:
            copy = journal.scratch_copy(Path(scratch))
            live_plan = _plan(conn, copy, target, plan_file, own)
            check_values(live_plan.plan.changes, target.desired, os.environ)
            check_references(live_plan.plan.changes, set(copy.applied()))
            sink = DryRunSink(conn.sink)
            result = Applier(copy, sink, concurrency=concurrency, progress=progress).apply(
                live_plan.plan, phase=target.phase, dry_run=True
            )
            result.counts["requests"] = len(sink.requests)
            copy.close()
            return live_plan, result
    with WriterLock(journal, "apply" + (f" --phase {phase}" if phase else "")):
        live_plan = _plan(conn, journal, target, plan_file, own)
        check_values(live_plan.plan.changes, target.desired, os.environ)  # before anything is sent
        check_references(live_plan.plan.changes, set(journal.applied()))
        if plan_file is None and not yes:
            _confirm_deletes(live_plan.plan, confirm)
        journal.check_org(conn.site, bind=True)  # only once the plan is accepted: a refused one binds nothing
        cut = bool(target.phase and phase_is_cut_over(journal, target.phase.name))
        result = Applier(journal, conn.sink, concurrency=concurrency, progress=progress).apply(
            live_plan.plan, phase=target.phase, cut_over=cut
        )
    return live_plan, result


def _confirm_deletes(plan: Plan, confirm: Callable[[Plan], bool] | None) -> None:
    deletes = plan.of(Action.DELETE)
    if not deletes:
        return
    if confirm is None:
        raise DDMigrateError(
            f"the plan deletes {len(deletes)} resource(s) and nobody confirmed it (no terminal to ask on)",
            hint="review it with `ddmigrate plan --live --out FILE` and apply that with `--plan FILE`, or pass --yes",
        )
    if not confirm(plan):
        raise DDMigrateError(f"not applied: the {len(deletes)} delete(s) were not confirmed")


def _plan(conn: Connection, journal: Journal, target: Target, plan_file: Path | None, own: Ownership) -> LivePlan:
    if plan_file is None:
        return live_plan_for(conn, journal, target, own)
    saved = read_live_plan(plan_file)
    check_bound(saved, conn.site, journal, plan_file)  # first: another org or ledger explains everything else
    planned_for = saved.plan.migration
    if planned_for and planned_for != {"migration": own.scope.migration, "selection": own.scope.selection}:
        raise DDMigrateError(
            f"the plan {plan_file} was made for migration {planned_for.get('migration')!r} "
            f"(selection {planned_for.get('selection')!r}), not {own.scope.migration!r} ({own.scope.selection!r})",
            hint="apply it from the workdir and translation it was planned with, or make a new plan",
        )
    phase = target.phase.name if target.phase else None
    if saved.phase != phase:
        raise DDMigrateError(
            f"the plan {plan_file} was made for {_phase_text(saved.phase)}, not {_phase_text(phase)}",
            hint="apply it with the same --phase it was planned with, or make a new plan",
        )
    if saved.plan.desired_hash != desired_hash(target.desired):
        raise DDMigrateError(
            f"the plan {plan_file} was made from other desired resources than {target.source}",
            hint="pass the translation directory it was planned from, or make a new plan",
        )
    check_fresh(saved, read_live(conn, journal), journal, own)
    return saved


def _phase_text(phase: str | None) -> str:
    return f"phase {phase!r}" if phase else "the whole translation (no --phase)"


def add_common(parser: argparse.ArgumentParser, *, translation: bool = True) -> None:
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(),
        metavar="DIR",
        help="where the ledger DB lives (.ddmigrate/state.db; default: current directory)",
    )
    if translation:
        parser.add_argument(
            "--translation",
            type=Path,
            required=True,
            metavar="DIR",
            help="translation directory written by `ddmigrate translate`",
        )
        parser.add_argument("--phases", type=Path, metavar="FILE", help="phases.yaml (needed with --phase)")
        parser.add_argument("--phase", metavar="NAME", help="work on this phase only")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.add_argument(
        "--plan", type=Path, metavar="FILE", help="a saved live plan (`ddmigrate plan --live`); refused when stale"
    )
    parser.add_argument("--dry-run", action="store_true", help="record the requests instead of sending them")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"requests in flight (default {DEFAULT_CONCURRENCY}; the rate limiter keeps them within Datadog's limits)",
    )
    parser.add_argument("--plan-out", type=Path, metavar="FILE", help="also write the plan that was applied")
    parser.add_argument(
        "--yes", action="store_true", help="apply a plan that deletes resources without asking (for scripts)"
    )
    parser.epilog = (
        "Credentials: DD_API_KEY and DD_APP_KEY from the environment; DD_SITE or DD_API_URL. A global variable "
        "NAME that synthetic tests reference ({{ NAME }}) is created as a secure Datadog variable from "
        "DDMIGRATE_SECRET_NAME (the plan lists which); apply refuses while one it must write is not set."
    )


def run(args: argparse.Namespace) -> int:
    live_plan, result = apply(
        workdir=args.workdir,
        translation_dir=args.translation,
        phases_file=args.phases,
        phase=args.phase,
        plan_file=args.plan,
        dry_run=args.dry_run,
        concurrency=args.concurrency,
        yes=args.yes,
        confirm=_ask if sys.stdin.isatty() and sys.stderr.isatty() else None,
    )
    if args.plan_out:
        write_live_plan(args.plan_out, live_plan)
    print_live_plan(live_plan, target_desired(args))
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()))
    mode = "dry run" if args.dry_run else "applied"
    sys.stdout.write(f"\n{mode}: run {result.run_id}: {counts} in {result.seconds:.1f}s\n")
    for failure in result.failures:
        sys.stderr.write(f"failed: {terminal_line(failure)}\n")
    return EXIT_OK if result.ok else EXIT_ERROR


def _ask(plan: Plan) -> bool:
    print_live_plan_stream(plan, sys.stderr)
    sys.stderr.write(f"\nDelete {len(plan.of(Action.DELETE))} resource(s) as shown above? [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def print_live_plan_stream(plan: Plan, stream: TextIO) -> None:
    print_lines([*plan_lines(plan), *other_migration_lines(plan)], stream)


def target_desired(args: argparse.Namespace) -> list[DesiredResource]:
    return select(args.translation, args.phases, args.phase).desired


def print_live_plan(live_plan: LivePlan, desired: list[DesiredResource]) -> None:
    """The plan, then each global variable it writes: the environment variable to set, and whether it is."""
    print_lines([*plan_lines(live_plan.plan, paged_of(desired)), *other_migration_lines(live_plan.plan)])
    for line in needed(live_plan.plan.changes, desired, os.environ):
        sys.stdout.write(line + "\n")
    for item in live_plan.drift:
        sys.stdout.write(
            f"drift: {item['type']} {item['name']!r} ({item['datadog_id']}) was edited in Datadog "
            "since the last apply; the plan overwrites it\n"
        )


def run_plan_live(args: argparse.Namespace) -> int:
    """`ddmigrate plan --live` (arguments parsed by commands/plan.py)."""
    if getattr(args, "state", None) is not None:
        raise UsageError("--live plans against the org itself; it does not take --state")
    live_plan = plan_live_command(
        workdir=args.workdir, translation_dir=args.translation, phases_file=args.phases, phase=args.phase, out=args.out
    )
    if args.json:
        sys.stdout.write(dumps(live_plan.to_dict()))
    else:
        print_live_plan(live_plan, target_desired(args))
        sys.stdout.write(
            f"\nLive plan written to {args.out} ({live_plan.plan_hash}, ledger revision "
            f"{live_plan.ledger_revision}); apply it with `ddmigrate apply --plan {args.out} ...`\n"
        )
    return EXIT_USAGE if args.detailed_exitcode and live_plan.plan.has_changes else EXIT_OK
