"""The Datadog query tree (`tree`), its one writer (`render`) and its one reader (`parse`), the declared
formula function vocabulary (`functions`) and Datadog's spelling of values (`values`).

Translators build trees; consumers read trees; text exists only at the edges (payloads, live state).
"""

from migrate.translate.ddquery.parse import (
    metric_names,
    parse_expression,
    parse_formula,
    parse_monitor,
    parse_query,
)
from migrate.translate.ddquery.render import render
from migrate.translate.ddquery.scan import QuerySyntaxError
from migrate.translate.ddquery.tree import (
    BINARY_OPS,
    COMPARATORS,
    AsCount,
    AsRate,
    BinOp,
    Call,
    Fill,
    Filter,
    Formula,
    LogQuery,
    MetricQuery,
    Modifier,
    MonitorQuery,
    Node,
    Number,
    Query,
    QueryError,
    Ref,
    Rollup,
    RumQuery,
    ServiceCheckQuery,
    has_modifier,
    queries_in,
    substitute,
    walk,
)
from migrate.translate.ddquery.values import number, tag_value, threshold_text

__all__ = [
    "BINARY_OPS",
    "COMPARATORS",
    "AsCount",
    "AsRate",
    "BinOp",
    "Call",
    "Fill",
    "Filter",
    "Formula",
    "LogQuery",
    "MetricQuery",
    "Modifier",
    "MonitorQuery",
    "Node",
    "Number",
    "Query",
    "QueryError",
    "QuerySyntaxError",
    "Ref",
    "Rollup",
    "RumQuery",
    "ServiceCheckQuery",
    "has_modifier",
    "metric_names",
    "number",
    "parse_expression",
    "parse_formula",
    "parse_monitor",
    "parse_query",
    "queries_in",
    "render",
    "substitute",
    "tag_value",
    "threshold_text",
    "walk",
]
