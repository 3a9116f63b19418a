"""`ddmigrate status`: each phase's latest state: planned / applied / verified / cut over / rolled back."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from migrate.errors import EXIT_OK
from migrate.runner.journal import Journal
from migrate.runner.phases import load_phases

from .apply import add_common


def when(at: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at)) if at else "-"


def status(*, workdir: Path, phases_file: Path | None = None) -> list[dict[str, Any]]:
    journal = Journal(workdir, create=False)
    names = [p.name for p in load_phases(phases_file).ordered] if phases_file else []
    names += sorted({e["phase"] for e in journal.phase_events()} - set(names))
    rows = []
    for name in names:
        events = journal.phase_events(name)
        last = events[-1] if events else {}
        rows.append(
            {
                "phase": name,
                "status": last.get("status", "not applied"),
                "at": last.get("at"),
                "who": last.get("who"),
                "run_id": last.get("run_id"),
                "plan_hash": last.get("plan_hash"),
            }
        )
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser, translation=False)
    parser.add_argument("--phases", type=Path, metavar="FILE", help="list every phase of this phases.yaml")


def run(args: argparse.Namespace) -> int:
    for row in status(workdir=args.workdir, phases_file=args.phases):
        plan = (row["plan_hash"] or "")[:19]
        sys.stdout.write(
            f"{row['phase']:<24} {row['status']:<14} {when(row['at'])}  {row['who'] or '-'}  "
            f"{row['run_id'] or ''} {plan}\n"
        )
    return EXIT_OK
