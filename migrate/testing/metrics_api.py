"""The local server's metrics query endpoint, `POST /api/v2/query/timeseries` (docs api/latest/metrics,
"Query timeseries data across multiple products"): the request's queries and formulas are read with
ddquery's one parser and evaluated by metrics_eval.py over a MetricsDb.

Request: `{"data": {"type": "timeseries_request", "attributes": {"from": ms, "to": ms, "interval": ms,
"queries": [{"data_source": "metrics", "name": "a", "query": "sum:x{*}"}], "formulas": [{"formula": "a"}]}}}`.
Response: `{"data": {"type": "timeseries_response", "attributes": {"series": [{"group_tags": [..],
"query_index": i, "unit": null}], "times": [ms, ..], "values": [[v|null, ..], ..]}}}`: one shared time
axis; `query_index` is the formula's index (or the query's when there are no formulas).
"""

from __future__ import annotations

from typing import Any

from migrate.testing.metrics_db import MetricsDb, MetricsDbError
from migrate.testing.metrics_eval import EvalError, Frame, Window, evaluate
from migrate.translate.ddquery import (
    MetricQuery,
    Node,
    QueryError,
    QuerySyntaxError,
    parse_expression,
    parse_query,
    substitute,
)

DEFAULT_INTERVAL_MS = 60_000


def _bad(message: str) -> tuple[int, Any]:
    return 400, {"errors": [message]}


def timeseries_query(db: MetricsDb, body: Any) -> tuple[int, Any]:
    try:
        attributes = body["data"]["attributes"]
        start, end = int(attributes["from"]) // 1000, int(attributes["to"]) // 1000
        interval = max(int(attributes.get("interval") or DEFAULT_INTERVAL_MS) // 1000, 1)
        named = {q["name"]: q["query"] for q in attributes["queries"]}
        formulas = [f["formula"] for f in attributes.get("formulas") or []] or list(named)
    except (KeyError, TypeError, ValueError) as exc:
        return _bad(f"a timeseries_request needs data.attributes from, to, queries[name, query]: {exc}")
    if end <= start:
        return _bad("`to` must be after `from`")
    try:
        queries: dict[str, Node] = {}
        for name, text in named.items():
            query = parse_query(text)
            if not isinstance(query, MetricQuery):
                return _bad(f"query {name}: only metrics queries are emulated")
            queries[name] = query
        frames = [
            evaluate(substitute(parse_expression(f), queries), db, Window(start, end, interval)) for f in formulas
        ]
    except (QuerySyntaxError, QueryError, EvalError, MetricsDbError) as exc:
        return _bad(str(exc))
    return 200, {"data": {"type": "timeseries_response", "attributes": _attributes(frames)}}


def _attributes(frames: list[Frame]) -> dict[str, Any]:
    times = sorted({t for frame in frames for points in frame.series.values() for t in points})
    series, values = [], []
    for index, frame in enumerate(frames):
        for group, points in sorted(frame.series.items()):
            series.append({"group_tags": list(group), "query_index": index, "unit": None})
            values.append([points.get(t) for t in times])
    return {"series": series, "times": [t * 1000 for t in times], "values": values}
