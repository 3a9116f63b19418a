"""Argument helpers shared by several verbs."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_mappings_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mappings",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="a directory of mapping rules layered over the defaults (repeatable; later wins per key)",
    )


def add_review_arguments(parser: argparse.ArgumentParser, *, translation_required: bool, phases: bool = True) -> None:
    """--translation, --acceptances (and --phases) as report, accept and decommission-check read them."""
    parser.add_argument(
        "--translation",
        type=Path,
        required=translation_required,
        metavar="DIR",
        help="translation directory written by `ddmigrate translate`",
    )
    parser.add_argument(
        "--acceptances", type=Path, metavar="FILE", help="reviewed exceptions (default: WORKDIR/acceptances.json)"
    )
    if phases:
        parser.add_argument(
            "--phases", type=Path, metavar="FILE", help="phases.yaml: names the phase in suggested commands"
        )
