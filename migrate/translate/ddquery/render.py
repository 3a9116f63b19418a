"""The one writer of Datadog query text, from the query tree (ddquery/tree).

Scopes: Datadog's symbolic syntax (`a:b,!c:d`) unless a term needs `IN`/`OR`, then the boolean syntax
(`a:b AND NOT c:d AND e IN (x,y)`): Datadog rejects a scope that mixes the two. Formulas: an operand is
parenthesised exactly where reading the text left to right would otherwise group it differently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from migrate.translate.ddquery.tree import (
    BINARY_OPS,
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
    Ref,
    Rollup,
    RumQuery,
    ServiceCheckQuery,
)
from migrate.translate.ddquery.values import number, threshold_text

_ATOM = 9  # precedence of anything that never needs parentheses


def render(node: Node | Formula | MonitorQuery | ServiceCheckQuery) -> str:
    """Datadog's text for a node: a query, an expression, a formula (over its query names) or a monitor query."""
    return _render(node)


def _render(node: Any) -> str:
    writer = _WRITERS.get(type(node))
    if writer is None:
        raise TypeError(f"not a Datadog query node: {node!r}")
    return writer(node)


def _metric(node: MetricQuery) -> str:
    text = f"{node.space}:{node.metric}{{{scope(node.filters)}}}"
    if node.group_by:
        text += " by {" + ",".join(node.group_by) + "}"
    return text + "".join(map(modifier, node.modifiers))


def _logs(node: LogQuery) -> str:
    text = f"logs({quote(node.search)})"
    if node.index is not None:
        text += f".index({quote(node.index)})"
    return text + _event_tail(node.rollup, node.measure, node.group_by)


def _rum(node: RumQuery) -> str:
    return f"rum({quote(node.search)})" + _event_tail(node.rollup, node.measure, node.group_by)


def _event_tail(rollup: str, measure: str | None, group_by: tuple[str, ...]) -> str:
    text = f".rollup({quote(rollup)}" + (f", {quote(measure)})" if measure is not None else ")")
    if group_by:
        text += f".by({quote(','.join(group_by))})"
    return text


def _number(node: Number) -> str:
    return number(node.value)


def _ref(node: Ref) -> str:
    return node.name


def _binop(node: BinOp) -> str:
    prec = BINARY_OPS[node.op]
    return f"{_operand(node.lhs, prec)} {node.op} {_operand(node.rhs, prec + 1)}"


def _operand(node: Node, prec: int) -> str:
    text = _render(node)
    return f"({text})" if isinstance(node, BinOp) and BINARY_OPS[node.op] < prec else text


def _call(node: Call) -> str:
    args = [quote_single(a) if isinstance(a, str) else _render(a) for a in node.args]
    args += [f"{k}={quote_single(v) if isinstance(v, str) else _render(v)}" for k, v in node.kwargs]
    return f"{node.name}({', '.join(args)})"


def _formula(node: Formula) -> str:
    return _render(node.expr)


def _monitor(node: MonitorQuery) -> str:
    tail = f" {node.comparator} {threshold_text(node.threshold)}"
    if isinstance(node.expression, Formula):
        return f"formula({quote(_render(node.expression.expr))}).last({quote(node.window.removeprefix('last_'))}){tail}"
    if node.event:
        return f"{_render(node.expression)}.last({quote(node.window.removeprefix('last_'))}){tail}"
    return f"{node.time_aggregation}({node.window}):{_render(node.expression)}{tail}"


def _service_check(node: ServiceCheckQuery) -> str:
    text = f"{quote(node.check)}.over({_quoted(node.over) or quote('*')})"
    if node.exclude:
        text += f".exclude({_quoted(node.exclude)})"
    return text + f".by({_quoted(node.group_by)}).last({node.last}).count_by_status()"


def _quoted(values: tuple[str, ...]) -> str:
    return ",".join(map(quote, values))


def modifier(m: Modifier) -> str:
    if isinstance(m, AsRate):
        return ".as_rate()"
    if isinstance(m, AsCount):
        return ".as_count()"
    if isinstance(m, Rollup):
        return f".rollup({m.method})" if m.seconds is None else f".rollup({m.method}, {number(m.seconds)})"
    assert isinstance(m, Fill)
    return f".fill({m.kind})" if m.limit is None else f".fill({m.kind}, {number(m.limit)})"


def scope(filters: tuple[Filter, ...] | list[Filter]) -> str:
    """A metric query's scope text (between the braces)."""
    if not filters:
        return "*"
    if any(f.needs_boolean for f in filters):
        return " AND ".join(map(_boolean, filters))
    return ",".join(map(_symbolic, filters))


def _symbolic(f: Filter) -> str:
    if f.op == "eq":
        return f"{f.key}:{f.values[0]}"
    if f.op == "ne":
        return f"!{f.key}:{f.values[0]}"
    if f.op == "has":
        return f"{f.key}:*"
    if f.op == "has_not":
        return f"!{f.key}:*"
    return f.values[0]  # var: a Datadog template variable reference such as `$host`


def _boolean(f: Filter) -> str:
    if f.op == "in":
        return f"{f.key} IN ({','.join(f.values)})"
    if f.op == "not_in":
        return f"{f.key} NOT IN ({','.join(f.values)})"
    if f.op == "any":
        return "(" + " OR ".join(f"{f.key}:{v}" for v in f.values) + ")"
    if f.op in ("ne", "has_not"):
        return "NOT " + _symbolic(f)[1:]
    return _symbolic(f)


def quote(text: str) -> str:
    """A double-quoted string of a log/RUM/service check query."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quote_single(text: str) -> str:
    """A single-quoted formula function argument (`'avg'`, `'6h'`)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


_WRITERS: dict[type, Callable[[Any], str]] = {
    MetricQuery: _metric,
    LogQuery: _logs,
    RumQuery: _rum,
    Number: _number,
    Ref: _ref,
    BinOp: _binop,
    Call: _call,
    Formula: _formula,
    MonitorQuery: _monitor,
    ServiceCheckQuery: _service_check,
}
