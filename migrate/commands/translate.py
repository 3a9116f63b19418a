"""`ddmigrate translate`: inventories + mapping rules → translation directory (desired, ledger, meta)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrate.commands.common import add_mappings_argument
from migrate.errors import StrictFindings
from migrate.fsutil import dumps
from migrate.inventory.store import read_inventory
from migrate.mappings import load_mappings
from migrate.progress import progress_bar, wanted
from migrate.textsafe import one_line, terminal_line
from migrate.translate.run import run_translators
from migrate.translate.store import TRANSLATION_FILES, Translation, write_translation
from migrate.translate.unset_mappings import notices


@dataclass
class TranslateResult:
    out: Path
    translation: Translation
    by_outcome: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, int] = field(default_factory=dict)

    @property
    def strict_failed(self) -> bool:
        return bool(self.by_outcome.get("approximate") or self.by_outcome.get("manual"))

    def summary_lines(self) -> list[str]:
        outcomes = ", ".join(f"{n} {o}" for o, n in self.by_outcome.items())
        types = ", ".join(f"{n} {t}" for t, n in sorted(self.by_type.items())) or "none"
        return [
            f"objects: {sum(self.by_outcome.values())} ({outcomes})",
            f"resources: {types}",
            *notices(self.translation.ledger),
            f"written: {self.out} (desired.json, ledger.json, translation.json)",
        ]

    def to_json(self) -> dict[str, Any]:
        """What `translate --json` prints: the shape README's "Output for scripts" documents (keys are only
        ever added)."""
        entries = list(self.translation.ledger)
        by_code = Counter(f.code for e in entries for f in e.findings)
        return {
            "out": str(self.out),
            "written": [str(self.out / name) for name in TRANSLATION_FILES],
            "objects": sum(self.by_outcome.values()),
            "by_outcome": self.by_outcome,
            "resources": dict(sorted(self.by_type.items())),
            "findings": {
                "total": sum(by_code.values()),
                "objects_with_findings": sum(bool(e.findings) for e in entries),
                "by_code": dict(sorted(by_code.items())),
            },
            "notices": [one_line(n) for n in notices(self.translation.ledger)],
            "strict_failed": self.strict_failed,
        }


def translate(
    *,
    inventories: list[Path],
    out: Path,
    mappings: list[Path] | None = None,
    strict: bool = False,
    progress: bool | None = None,
) -> TranslateResult:
    """Translate and write. With `strict`, raise StrictFindings (exit 3) after writing when any object is
    approximate or manual. `progress`: the objects translated, on stderr (None: only on a terminal)."""
    loaded = [read_inventory(Path(p)) for p in inventories]
    rules = load_mappings(list(mappings or []))
    with progress_bar("translate", show=wanted(progress), unit="objects") as ticker:
        translation = run_translators(loaded, rules, progress=ticker)
    write_translation(Path(out), translation)
    summary = translation.ledger.summary()["by_outcome"]
    result = TranslateResult(
        Path(out), translation, dict(summary), dict(Counter(r.type for r in translation.resources))
    )
    if strict and result.strict_failed:
        raise _strict_error(result)
    return result


def _strict_error(result: TranslateResult) -> StrictFindings:
    return StrictFindings(
        f"{result.by_outcome.get('approximate', 0)} approximate and {result.by_outcome.get('manual', 0)} "
        f"manual outcomes (--strict); the translation was written to {result.out}",
        hint="see ledger.json or `ddmigrate report` for each finding",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--inventory",
        type=Path,
        action="append",
        required=True,
        metavar="DIR",
        help="an inventory directory from `ddmigrate collect` (repeatable)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="the translation directory to write (replaced atomically)",
    )
    add_mappings_argument(parser)
    parser.add_argument(
        "--strict", action="store_true", help="exit 3 (after writing) when any object is approximate or manual"
    )
    parser.add_argument(
        "--json", action="store_true", help="print the summary as one JSON document (counts, files, findings)"
    )


def run(args: argparse.Namespace) -> int:
    # strict is applied here, after the summary is printed, so the operator sees what was written
    shown = False if args.json else None  # --json: stdout is the document and stderr stays quiet
    result = translate(inventories=args.inventory, out=args.out, mappings=args.mappings, strict=False, progress=shown)
    if args.json:
        sys.stdout.write(dumps(result.to_json()))
    else:
        sys.stdout.write("\n".join(terminal_line(line) for line in result.summary_lines()) + "\n")
    if args.strict and result.strict_failed:
        raise _strict_error(result)
    return 0
