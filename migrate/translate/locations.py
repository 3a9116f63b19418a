"""Source regions → Datadog managed locations, through the `synthetics` mappings.

Pingdom probe regions, New Relic public locations and blackbox-exporter sites are looked up in
`synthetics.locations.<table>`; each Datadog id is checked against `synthetics.managed_locations` (the
default list; the live `GET /api/v1/synthetics/locations` check belongs to plan/apply) unless it is a
private location (`pl:<id>`). A region with no mapping, or a mapped id Datadog does not list, is said in a
finding; a check left with no location at all runs from `default_locations`.
"""

from __future__ import annotations

from collections.abc import Iterable

from migrate.mappings import Mappings
from migrate.model import Finding, Outcome

FALLBACK = ("aws:us-east-1",)  # when the mappings name no default_locations either


def resolve(table: str, regions: Iterable[str], mappings: Mappings) -> tuple[tuple[str, ...], list[Finding]]:
    """(Datadog location ids, findings) for a check that ran from `regions` (empty: the source's default)."""
    section = mappings.section("synthetics")
    known = {str(k).upper(): [str(v) for v in vs] for k, vs in (section.get("locations") or {}).get(table, {}).items()}
    managed = set(section.get("managed_locations") or ())
    default = tuple(section.get("default_locations") or FALLBACK)
    findings: list[Finding] = []
    out: list[str] = []
    for region in regions:
        ids = known.get(region.upper())
        if ids is None:
            findings.append(
                Finding(
                    "synthetics.location_unmapped",
                    f"{table} location {region!r} has no entry in mappings synthetics.locations.{table}",
                    Outcome.APPROXIMATE,
                )
            )
            continue
        for ident in ids:
            if ident.startswith("pl:") or not managed or ident in managed:
                out.append(ident)
            else:
                findings.append(
                    Finding(
                        "synthetics.location_unknown",
                        f"{table} location {region!r} maps to {ident!r}, which is not a Datadog managed location "
                        "(mappings synthetics.managed_locations); left out",
                        Outcome.APPROXIMATE,
                    )
                )
    if not out:
        if findings:
            findings.append(
                Finding(
                    "synthetics.location_default",
                    f"no mapped location left; the test runs from the default locations {', '.join(default)}",
                    Outcome.APPROXIMATE,
                )
            )
        out = list(default)
    return tuple(dict.fromkeys(out)), findings
