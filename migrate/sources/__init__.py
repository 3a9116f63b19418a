"""Source collectors, one module per source, registered in `SOURCES`.

A source module exposes:
- `add_arguments(parser)`: its own flags under `ddmigrate collect <source>` (`--out` is added by the verb);
- `collect(options) -> Inventory`: reads the source and returns the objects in memory (`path=None`);
  `options` is the argparse namespace as a mapping (`vars(args)`) or the keyword arguments a test passes.
The `collect` verb writes the result with `write_inventory`, so every source gets the same atomic,
scrubbed, checksummed layout. Adding a source is one module plus one line here.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, cast

from migrate.errors import UsageError
from migrate.inventory import Inventory


class SourceModule(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def collect(self, options: Mapping[str, Any]) -> Inventory: ...


# source -> (module, one-line help). Explicit on purpose, like cli.VERBS.
SOURCES: dict[str, tuple[str, str]] = {
    "prometheus": ("migrate.sources.prometheus", "Prometheus rule files, or a live server's rules, metadata, config"),
    "grafana": ("migrate.sources.grafana", "Grafana dashboards from JSON/ConfigMap files or the live HTTP API"),
    "newrelic": ("migrate.sources.newrelic", "New Relic dashboards, alerts, routing, synthetics: NerdGraph or files"),
    "pingdom": ("migrate.sources.pingdom", "Pingdom uptime and transaction checks, contacts, teams (API 3.1 or JSON)"),
}


def add_where_arguments(parser: argparse.ArgumentParser, *, files_help: str, api_help: str) -> None:
    """The shape every source shares: exactly one of `--from-files PATH...` or `--from-api`."""
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--from-files", nargs="+", type=Path, metavar="PATH", help=files_help)
    where.add_argument("--from-api", action="store_true", help=api_help)


def load_source(name: str) -> SourceModule:
    if name not in SOURCES:
        raise UsageError(f"unknown source {name!r}", hint="one of: " + ", ".join(sorted(SOURCES)))
    return cast(SourceModule, importlib.import_module(SOURCES[name][0]))
