"""A named query in Datadog's formulas-and-functions form: what widget requests and formula monitors'
`options.variables` both carry.

Metric queries are written by `ddquery.render`; log and RUM queries as event query definitions (search,
compute, indexes, group-by facets).
"""

from __future__ import annotations

from typing import Any

from migrate.translate.ddquery import LogQuery, MetricQuery, Query, render


def query_definition(name: str, query: Query) -> dict[str, Any]:
    if isinstance(query, MetricQuery):
        return {"data_source": "metrics", "name": name, "query": render(query)}
    compute: dict[str, Any] = {"aggregation": query.rollup}
    if query.measure is not None:
        compute["metric"] = query.measure
    out: dict[str, Any] = {
        "data_source": "logs" if isinstance(query, LogQuery) else "rum",
        "name": name,
        "search": {"query": query.search},
        "compute": compute,
    }
    if isinstance(query, LogQuery) and query.index is not None:
        out["indexes"] = [query.index]
    if query.group_by:
        out["group_by"] = [{"facet": facet} for facet in query.group_by]
    return out
