"""`ddmigrate verify`: read back what a phase applied, validate every monitor, check every metric has data,
trigger every synthetic test and wait (bounded) for it to pass."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from migrate.errors import EXIT_ERROR, EXIT_OK
from migrate.runner.journal import Journal, WriterLock
from migrate.runner.live import Connection, connect
from migrate.runner.synthetic_verify import DEFAULT_TIMEOUT, Waiting, run_tests, runs_of
from migrate.runner.verify import VerifyResult, metric_query_checker, verify
from migrate.textsafe import terminal_line

from .apply import add_common, scoped, select


def verify_command(
    *,
    workdir: Path,
    translation_dir: Path,
    phases_file: Path | None = None,
    phase: str | None = None,
    check_metrics: bool = True,
    metric_window: int = 3600,
    run_synthetics: bool = True,
    waiting: Waiting | None = None,
    conn: Connection | None = None,
) -> VerifyResult:
    target = select(translation_dir, phases_file, phase)
    conn = conn or connect()
    runs, wait = runs_of(conn.ops), waiting or Waiting()
    journal = Journal(workdir, create=False)
    with WriterLock(journal, "verify" + (f" --phase {phase}" if phase else "")):
        journal.check_org(conn.site, bind=True)
        target, _ = scoped(target, conn, journal, workdir)  # what apply sent: the markers name the scope
        return verify(
            journal,
            conn.sink,
            target.desired,
            phase=phase,
            validate=conn.validate,
            metric_has_data=metric_query_checker(conn.query_metrics, metric_window) if check_metrics else None,
            run_synthetics=(lambda tests: run_tests(runs, tests, wait, conn.limiter)) if run_synthetics else None,
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.add_argument("--no-metrics", action="store_true", help="skip the recent-data check of every metric")
    parser.add_argument(
        "--metric-window",
        type=int,
        default=3600,
        metavar="SECONDS",
        help="a metric must have reported within this many seconds (default 3600)",
    )
    parser.add_argument(
        "--no-synthetics", action="store_true", help="skip triggering each synthetic test and waiting for its result"
    )
    parser.add_argument(
        "--synthetic-timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"how long to wait for the triggered synthetic tests' results (default {DEFAULT_TIMEOUT:g})",
    )


def run(args: argparse.Namespace) -> int:
    result = verify_command(
        workdir=args.workdir,
        translation_dir=args.translation,
        phases_file=args.phases,
        phase=args.phase,
        check_metrics=not args.no_metrics,
        metric_window=args.metric_window,
        run_synthetics=not args.no_synthetics,
        waiting=Waiting(timeout=args.synthetic_timeout),
    )
    for what, problems in sorted(result.problems.items()):
        for problem in problems:
            sys.stdout.write(terminal_line(f"FAIL {what}: {problem}") + "\n")
    for run in result.synthetic_runs.values():
        where = ", ".join(f"{loc} (result {rid})" for loc, rid in zip(run.locations, run.result_ids, strict=True))
        line = f"SYNTHETIC {run.status.upper()} {run.rtype} {run.key} {run.public_id}: {where or '-'}"
        sys.stdout.write(terminal_line(line) + "\n")
    for what, reason in sorted(result.not_checked.items()):
        sys.stdout.write(terminal_line(f"NOT CHECKED {what}: {reason}") + "\n")
    sys.stdout.write(
        f"verify run {result.run_id}: {result.checked} checked, {len(result.problems)} failed, "
        f"{result.metrics_checked} metrics checked, {len(result.not_checked)} without a data check, "
        f"{sum(r.status == 'passed' for r in result.synthetic_runs.values())}/{len(result.synthetic_runs)} "
        "synthetic tests passed\n"
    )
    return EXIT_OK if result.ok else EXIT_ERROR
