"""Pingdom source: `ddmigrate collect pingdom (--from-api | --from-files PATH...) --out DIR`.

Object kinds: `uptime_check`, `transaction_check`, `contact`, `team`, `maintenance_window`, `probe`.
From the API 3.1 (`api.py`, token from `PINGDOM_API_TOKEN`) or from JSON files shaped like its answers
(`files.py`); both fill one `Account` (`account.py`), normalised by `normalize.py` after the checks'
credentials became named references (`secrets.py`). A check whose detail could not be read is kept
from the list, named in the inventory's `problems`, and makes `collect` exit non-zero.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from migrate.errors import UsageError
from migrate.inventory import Inventory
from migrate.sources import add_where_arguments
from migrate.sources.pingdom.account import Account
from migrate.sources.pingdom.api import client_from_env, collect_api
from migrate.sources.pingdom.files import collect_files
from migrate.sources.pingdom.normalize import SOURCE, inventory_objects


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_where_arguments(
        parser,
        files_help="JSON answers of the Pingdom API 3.1 (GET /checks, /checks/{id}, /tms/check, /alerting/contacts, "
        "/alerting/teams, /maintenance, /probes) or directories of them (recursive; told apart by content)",
        api_help="the live API at PINGDOM_API_URL (default https://api.pingdom.com/api/3.1) with the bearer "
        "token in PINGDOM_API_TOKEN",
    )


def collect(options: Mapping[str, Any]) -> Inventory:
    """Files when `from_files` is given, else the API (`env`, `session`, `clock`, `page_size` for tests)."""
    files = [Path(p) for p in options.get("from_files") or []]
    if bool(files) == bool(options.get("from_api")):
        raise UsageError("give exactly one of --from-files PATH... or --from-api")
    if files:
        account = collect_files(files)
    else:
        extra = {k: options[k] for k in ("session", "clock") if options.get(k) is not None}
        client = client_from_env(options.get("env"), **extra)
        account = collect_api(client, page_size=options.get("page_size"))
    return to_inventory(account)


def to_inventory(account: Account) -> Inventory:
    return Inventory(
        path=None,
        source=SOURCE,
        origin=account.origin,
        collected_at="",
        objects=inventory_objects(account),
        warnings=account.warnings,
        problems=account.problems,
    )


__all__ = ["SOURCE", "add_arguments", "collect", "collect_api", "collect_files", "to_inventory"]
