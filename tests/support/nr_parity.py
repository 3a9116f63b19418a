"""The source halves of a New Relic / Pingdom parity run, behind `responses`: NerdGraph's `nrql` field
answering TIMESERIES queries from series held here, and Pingdom's `GET /results/{checkid}`.

Answer shapes as NerdGraph and Pingdom document them (newrelic-pingdom-facts.md; docs nerdgraph-nrql-tutorial):
one row per bucket and facet, `beginTimeSeconds` / `endTimeSeconds`, `facet` and the facet attribute, the
aggregate under its name (`average.cpuPercent`); Pingdom `{"results": [{probeid, time, status, ...}]}`.
A series is picked by a predicate over the parsed query (its FROM and WHERE, as the test wrote them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
import responses

from migrate.translate.nrql import ast, parse_nrql

URL = "https://nerdgraph.test/graphql"
PINGDOM_URL = "https://pingdom.test/api/3.1"
ACCOUNT = 1234567


@dataclass
class NrqlSeries:
    picks: Callable[[ast.Query], bool]
    key: str  # the aggregate's name in a row: `average.cpuPercent`, `count`
    points: dict[tuple[str, ...], dict[int, float]]  # facet values (empty: no FACET) -> {bucket start: value}


@dataclass
class FakeNerdGraph:
    series: list[NrqlSeries] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)  # the NRQL of every request

    def callback(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body or b"{}")
        nrql = str(body["variables"]["nrql"])
        assert body["variables"]["accountId"] == ACCOUNT
        self.asked.append(nrql)
        tree = parse_nrql(nrql)
        assert isinstance(tree.since, ast.Epoch) and isinstance(tree.until, ast.Epoch) and tree.timeseries
        bucket = tree.timeseries.bucket
        assert isinstance(bucket, ast.Duration) and bucket.unit == "second"
        start, end, step = tree.since.millis // 1000, tree.until.millis // 1000, int(bucket.amount)
        assert (end - start) // step <= 366, "NRQL answers at most 366 buckets"
        facets = [item.alternatives[0] for item in tree.facet]
        names = [f.name for f in facets if isinstance(f, ast.Identifier)]
        rows: dict[tuple[int, tuple[str, ...]], dict[str, Any]] = {}
        for s in (s for s in self.series if s.picks(tree)):
            for facet, points in s.points.items():
                for t in range(start, end, step):
                    if t not in points:
                        continue
                    row = rows.setdefault((t, facet), {"beginTimeSeconds": t, "endTimeSeconds": t + step})
                    if names:
                        row["facet"] = facet[0] if len(facet) == 1 else list(facet)
                        row.update(zip(names, facet, strict=True))
                    row[s.key] = points[t]
        results = [rows[k] for k in sorted(rows)]
        return 200, {}, json.dumps({"data": {"actor": {"account": {"nrql": {"results": results}}}}})

    def register(self, mock: responses.RequestsMock) -> None:
        mock.add_callback(responses.POST, URL, callback=self.callback, content_type="application/json")


def pingdom_results(mock: responses.RequestsMock, history: dict[str, list[tuple[int, str]]]) -> None:
    """`history`: check id -> [(time, status)]; every other check answers no results."""

    def callback(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        check = str(request.path_url).split("?")[0].rsplit("/", 1)[1]
        params = dict(re.findall(r"(\w+)=(\w+)", str(request.url).split("?", 1)[1]))
        low, high, limit, offset = (int(params[k]) for k in ("from", "to", "limit", "offset"))
        found = [(t, s) for t, s in sorted(history.get(check, []), reverse=True) if low <= t <= high]
        page = found[offset : offset + limit]
        results = [
            {"probeid": 33, "time": t, "status": s, "responsetime": 91, "statusdesc": "OK", "statusdesclong": "OK"}
            for t, s in page
        ]
        return 200, {}, json.dumps({"results": results, "activeprobes": [33]})

    mock.add_callback(responses.GET, re.compile(rf"{re.escape(PINGDOM_URL)}/results/\d+"), callback=callback)
