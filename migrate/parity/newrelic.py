"""The New Relic side of parity: an NRQL query over the window, through NerdGraph's `nrql` field
(docs.newrelic.com apis/nerdgraph/examples/nerdgraph-nrql-tutorial), as series Datadog's can be compared with.

The query is the translated one, re-written from its parsed tree (never by editing the text): its own SINCE,
UNTIL and COMPARE WITH replaced by the window (`SINCE <ms> UNTIL <ms>`) and `TIMESERIES <step> seconds`.
A TIMESERIES answer is one row per bucket (and per facet): `beginTimeSeconds`, `endTimeSeconds`, `facet`
(a value, or a list for several attributes), and one key per SELECT item named after the aggregate
(`count`, `average.duration`) or its alias; percentile() answers an object of one value per percentile.
The values are read in row order, so the i-th value is the i-th Datadog formula the translator made.
Points are stamped with `beginTimeSeconds`: the start of the bucket, as Datadog stamps its rollups.

Limits: NRQL answers at most 366 buckets per TIMESERIES query (docs nrql-syntax-clauses-functions, TIMESERIES),
so a long window is asked in chunks; NRQL over the API is limited to 3,000 queries per account per minute and
New Relic asks for at most five concurrent complex (FACET/TIMESERIES) queries (docs nrql/using-nrql/
rate-limits-nrql-queries): parity asks one query at a time, at most 3,000 a minute, and NerdGraph's
TOO_MANY_REQUESTS and 429 are retried with backoff by the collector's client (nerdgraph.py).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from typing import Any

from migrate.errors import RemoteError
from migrate.parity.fetch import Answer, Series
from migrate.sources.newrelic.nerdgraph import NerdGraph, dig
from migrate.translate.nrql import ast, parse_nrql, to_nrql

MAX_BUCKETS = 366
QUERIES_PER_MINUTE = 3000
DOCUMENT = """query($accountId: Int!, $nrql: Nrql!) {
  actor { account(id: $accountId) { nrql(query: $nrql, timeout: 70) { results } } }
}"""
_META = frozenset({"beginTimeSeconds", "endTimeSeconds", "facet", "timestamp"})


class Pace:
    """At most `per_minute` queries a minute, one at a time (the caller is serial)."""

    def __init__(self, per_minute: int = QUERIES_PER_MINUTE) -> None:
        self.gap = 60.0 / per_minute
        self.last = 0.0

    def wait(self) -> None:
        delay = self.last + self.gap - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self.last = time.monotonic()


PACE = Pace()


def windowed(text: str, start: int, end: int, step: int) -> str:
    """The query over [start, end) in buckets of `step` seconds."""
    tree = parse_nrql(text)
    tree = dataclasses.replace(
        tree,
        since=ast.Epoch(start * 1000),
        until=ast.Epoch(end * 1000),
        compare_with=None,
        timeseries=ast.Timeseries(ast.Duration(step, "second")),
        slide_by=None,
    )
    return to_nrql(tree)


def facet_names(text: str) -> list[str]:
    """The FACET attributes, in order (empty when the query has none, or facets by a function)."""
    names = []
    for item in parse_nrql(text).facet:
        first = item.alternatives[0]
        if not isinstance(first, ast.Identifier):
            return []
        names.append(first.name)
    return names


def nrql_timeseries(
    graph: NerdGraph, account: int, text: str, window: tuple[int, int], step: int, *, facet_tags: Mapping[str, str]
) -> list[Answer]:
    """One Answer per value a row holds (per SELECT item, per percentile), facets named as Datadog tags
    (`facet_tags`: NR attribute -> Datadog tag key, from the translator's rules)."""
    names = facet_names(text)
    start, end = window
    answers: list[dict[str, Series]] = []
    for chunk in range(start, end, MAX_BUCKETS * step):
        PACE.wait()
        query = windowed(text, chunk, min(end, chunk + MAX_BUCKETS * step), step)
        data = graph.query(DOCUMENT, {"accountId": account, "nrql": query}, what=f"NRQL {query[:80]}")
        rows = dig(data, ("actor", "account", "nrql", "results"))
        if not isinstance(rows, list):
            raise RemoteError(f"NerdGraph answered no NRQL results for {query[:200]!r}")
        for row in rows:
            if isinstance(row, dict):
                _add(row, names, facet_tags, answers)
    return [Answer(list(series.values()), step, bucket_start=True) for series in answers]


def _add(
    row: dict[str, Any], names: Sequence[str], facet_tags: Mapping[str, str], out: list[dict[str, Series]]
) -> None:
    begin = row.get("beginTimeSeconds")
    if not isinstance(begin, int | float):
        return
    facet = row.get("facet")
    values = [facet] if isinstance(facet, str | int | float) else list(facet or [])
    labels = {facet_tags.get(n, n): str(v) for n, v in zip(names, values, strict=False)}
    key = ",".join(f"{k}:{v}" for k, v in sorted(labels.items()))
    for i, value in enumerate(_values(row, set(names))):
        while len(out) <= i:
            out.append({})
        series = out[i].setdefault(key, Series(labels))
        if value is not None:
            series.points[int(begin)] = value


def _values(row: dict[str, Any], facets: set[str]) -> list[float | None]:
    found: list[float | None] = []
    for key, value in row.items():
        if key in _META or key in facets:
            continue
        items = list(value.values()) if isinstance(value, dict) else [value]
        found += [float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None for v in items]
    return found
