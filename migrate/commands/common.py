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
