"""Placeholder until its issue lands: the verb is registered so --help lists it."""

from __future__ import annotations

import argparse

from migrate.errors import DDMigrateError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rest", nargs=argparse.REMAINDER)


def run(args: argparse.Namespace) -> int:
    raise DDMigrateError("report is not implemented yet")
