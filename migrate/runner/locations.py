"""Synthetic test locations checked against the org being planned for (`GET /api/v1/synthetics/locations`).

Translation maps source regions onto Datadog location ids through mappings (`synthetics.locations`) and checks
them against the default list shipped there; which managed locations a site offers, and which private
locations an org has, only the org knows. A test naming a location the org lacks would be refused by Datadog
in the middle of an apply, after other resources were created, so a live plan refuses it up front.
"""

from __future__ import annotations

from collections.abc import Iterable

from migrate.datadog.synthetics import SyntheticTestOps
from migrate.errors import InputError
from migrate.model import DesiredResource
from migrate.runner.live import Connection
from migrate.runner.ratelimit import call_with_retry


def wanted_locations(desired: Iterable[DesiredResource]) -> dict[str, list[str]]:
    """location id -> keys of the desired resources (API and browser tests) that run from it."""
    wanted: dict[str, list[str]] = {}
    for res in desired:
        for loc in res.payload.get("locations") or []:
            wanted.setdefault(str(loc), []).append(res.key)
    return wanted


def check_locations(conn: Connection, desired: Iterable[DesiredResource]) -> None:
    wanted = wanted_locations(desired)
    ops = next((op for op in conn.ops.values() if isinstance(op, SyntheticTestOps)), None)
    if not wanted or ops is None:
        return
    known = call_with_retry(conn.limiter, "synthetics locations", ops.location_ids)
    unknown = sorted(loc for loc in wanted if loc not in known)
    if unknown:
        uses = "; ".join(f"{loc} ({', '.join(sorted(wanted[loc])[:3])})" for loc in unknown)
        raise InputError(
            f"synthetic tests name locations {conn.site} does not offer: {uses}",
            hint="map the source regions to locations the org has in mappings `synthetics.locations` (or "
            "`synthetics.default_locations`), translate again and plan again",
        )
