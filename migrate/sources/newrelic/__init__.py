"""New Relic collector: `ddmigrate collect newrelic (--from-api | --from-files PATH...) --out DIR`.

API: NerdGraph (nerdgraph.py) with `NEW_RELIC_API_KEY` (a user key, sent as `API-Key`), the account
`NEW_RELIC_ACCOUNT_ID`, `NEW_RELIC_REGION` (US, EU, JP, GOV) or `NEW_RELIC_API_URL`; what is read is in
api.py. Files: dashboards, conditions and recorded NerdGraph answers (files.py). Either way the objects
are normalised by the same modules (dashboards.py, alerts.py, synthetics.py) and then narrowed to the
phase's selection (selection.py), which the inventory manifest records.

Kinds: dashboard, widget, alert_policy, nrql_condition, notification_destination, notification_channel,
workflow, synthetic_monitor, secure_credential (metadata only), apm_application.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from migrate.errors import UsageError
from migrate.inventory.store import Inventory
from migrate.sources import add_where_arguments
from migrate.sources.newrelic.api import Collected, read_account
from migrate.sources.newrelic.dashboards import SOURCE
from migrate.sources.newrelic.files import collect_files
from migrate.sources.newrelic.nerdgraph import NerdGraph, account_id
from migrate.sources.newrelic.selection import Selection, select


def collect_api(options: Mapping[str, Any]) -> Collected:
    """The live account; `env`, `session` and `clock` let tests drive it without a network or real waits."""
    env = os.environ if options.get("env") is None else options["env"]
    account = account_id(env)
    graph = NerdGraph.from_env(env, session=options.get("session"), clock=options.get("clock"))
    return read_account(graph, account, f"{graph.http.display_url} account {account}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_where_arguments(
        parser,
        files_help="dashboard JSON (UI export or quickstart), NRQL condition YAML/JSON, recorded NerdGraph answers, "
        "or directories of them (recursive)",
        api_help="NerdGraph: NEW_RELIC_API_KEY, NEW_RELIC_ACCOUNT_ID, NEW_RELIC_REGION (US, EU, JP, GOV) or "
        "NEW_RELIC_API_URL from the environment",
    )
    parser.add_argument(
        "--service",
        action="append",
        metavar="APPNAME",
        help="only what belongs to this APM service (repeatable); see the README's 'Selecting a service'",
    )
    parser.add_argument("--entity-guid", action="append", metavar="GUID", help="only this entity (repeatable)")
    parser.add_argument("--tag", action="append", metavar="KEY:VALUE", help="only entities with this tag (repeatable)")


def collect(options: Mapping[str, Any]) -> Inventory:
    files = [Path(p) for p in options.get("from_files") or []]
    if bool(files) == bool(options.get("from_api")):
        raise UsageError("give exactly one of --from-files PATH... or --from-api")
    selection = Selection.from_options(options)
    collected = collect_files(files)[0] if files else collect_api(options)
    return Inventory(
        path=None,
        source=SOURCE,
        origin=collected.origin,
        collected_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        objects=select(collected.objects, selection),
        warnings=collected.warnings,
        selection=selection.to_dict() if selection else None,
    )


__all__ = ["SOURCE", "Selection", "add_arguments", "collect", "collect_api", "collect_files"]
