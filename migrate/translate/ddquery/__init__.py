"""The Datadog query tree (`tree`), its one writer (`render`) and its one reader (`parse`), the declared
formula function vocabulary (`functions`) and Datadog's spelling of values (`values`).

Translators build trees; consumers read trees; text exists only at the edges (payloads, live state).
"""

from migrate.translate.ddquery.parse import (
    QuerySyntaxError,
    parse_expression,
    parse_formula,
    parse_monitor,
    parse_query,
)
from migrate.translate.ddquery.render import render
from migrate.translate.ddquery.tree import (
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
)
from migrate.translate.ddquery.values import number, tag_value, threshold_text

__all__ = [
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
    "number",
    "parse_expression",
    "parse_formula",
    "parse_monitor",
    "parse_query",
    "render",
    "tag_value",
    "threshold_text",
]
