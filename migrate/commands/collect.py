"""`ddmigrate collect <source> ... --out DIR`: read a source into an inventory directory.

The sources themselves live in `migrate.sources` (one module each, registered in `SOURCES`); this verb
gives every source the same `--out`, the same atomic write and the same summary.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrate.errors import EXIT_ERROR, EXIT_OK, InputError
from migrate.inventory import Inventory, write_inventory
from migrate.progress import counting_requests, progress_bar, wanted
from migrate.sources import SOURCES, load_source
from migrate.textsafe import terminal_line

_NOT_OPTIONS = {"verb", "debug", "_module", "source", "out"}


@dataclass
class CollectResult:
    inventory: Inventory  # as written; `inventory.path` is the output directory

    def summary(self) -> str:
        inv = self.inventory
        counts = inv.counts()
        width = max((len(k) for k in counts), default=0)
        lines = [f"collected {inv.source} from {inv.origin}"]
        if inv.selection:
            chosen = "; ".join(f"{k}: {', '.join(v)}" for k, v in inv.selection.items() if v)
            lines.append(f"selection: {chosen}")
        lines += [f"  {kind:<{width}}  {n:>5}" for kind, n in counts.items()] or ["  (no objects)"]
        if inv.warnings:
            lines.append(f"warnings ({len(inv.warnings)}):")
            lines += [f"  - {w}" for w in inv.warnings]
        if inv.problems:
            lines.append(f"{len(inv.problems)} object(s) could not be read completely (kept as far as read):")
            lines += [f"  - {p}" for p in inv.problems]
        if inv.unreadable:
            lines.append(f"could not be read ({len(inv.unreadable)}), not collected:")
            lines += [f"  - {u['path']}: {u['reason']}" for u in inv.unreadable]
        lines.append(f"wrote {inv.path} ({len(inv.objects)} objects)")
        # warnings and paths name source objects and files, whatever bytes their names hold
        return "\n".join(terminal_line(line) for line in lines) + "\n"


def collect(source: str, *, out: Path, progress: bool | None = None, **options: Any) -> CollectResult:
    """Collect `source` with its options (the flags of `collect <source>`, as keyword arguments). `progress`:
    the requests made, counted on stderr (None: only when stderr is a terminal, from an API: reading files
    makes no request to count, and is quick)."""
    shown = wanted(progress) and (progress is not None or bool(options.get("from_api")))
    with progress_bar(f"collect {source}", show=shown, unit="requests") as ticker, counting_requests(ticker):
        collected = load_source(source).collect(options)
    written = write_inventory(
        Path(out),
        source=collected.source,
        origin=collected.origin,
        objects=collected.objects,
        warnings=collected.warnings,
        selection=collected.selection,
        problems=collected.problems,
        unreadable=collected.unreadable,
    )
    return CollectResult(inventory=written)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="source", metavar="SOURCE", required=True)
    for name, (_, help_text) in SOURCES.items():
        source_parser = sub.add_parser(name, help=help_text, description=help_text)
        load_source(name).add_arguments(source_parser)
        source_parser.add_argument(
            "--out",
            type=Path,
            required=True,
            metavar="DIR",
            help="inventory directory to write; replaced whole, and left untouched if collection fails",
        )


def run(args: argparse.Namespace) -> int:
    options = {k: v for k, v in vars(args).items() if k not in _NOT_OPTIONS}
    result = collect(args.source, out=args.out, **options)
    sys.stdout.write(result.summary())
    failed = result.inventory.unreadable
    if failed:  # the rest is written, but the collection is incomplete: say so in the exit code
        raise InputError(
            f"{len(failed)} file{'s' if len(failed) > 1 else ''} could not be read (listed above and in "
            f"{result.inventory.path}/manifest.json); the others were collected",
            hint="fix or remove them and collect again; translate reports each as skipped",
        )
    # The inventory is written either way; an object read only in part must not pass for a clean run.
    return EXIT_ERROR if result.inventory.problems else EXIT_OK
