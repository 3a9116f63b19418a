"""PromQL → Datadog metric queries, on promql-parser's AST.

One walker turns each node into a `Val`: a query tree expression (ddquery/tree) over named queries (or a
number). Functions
and aggregations mutate the query they apply to while that is exact (`sum by (job) (rate(x[5m]))` is
one query `sum:ns.x.count{*} by {job}.as_rate()`), else wrap the formula (`abs(a)`, `a / b * 100`).
Every lossy step adds a Finding with a stable code; what Datadog cannot express is MANUAL, never
passed through. The tables (names, functions, regex reductions) live in `promql/tables`.

This module is the entry point, the root of an expression (alert comparisons, absent(), forecasts),
the dispatch over node kinds and the naming of the queries. The walker's other parts are mixins over
`promql/walk.WalkerBase`: `promql/selectors`, `promql/functions`, `promql/aggregate`, `promql/binary`.

Decisions worth knowing (see also tests/cases/promql.tsv):
- Tag values are lowercased as Datadog stores them; case alone never changes the outcome.
- `rate()` of a counter is exact (`.as_rate()`): Datadog computes the per-second rate of the count
  submitted per interval, so the range only smooths. `irate` is approximate.
- Range windows (`rate(x[R])`, `*_over_time(x[R])`): a graph shows `.as_rate()` / `.rollup(m, R)` at the
  widget's rollup, the accepted equivalence; a fixed `rate()` range of 15m or more is noted
  (`promql.rate_range_long`), a range variable (`$__rate_interval`) never. For a monitor
  (`QueryContext.monitor`) the window matters: each is kept as `moving_rollup(<query>, R, '<m>')`, and
  `QueryResult.ranges` says which windows the expression keeps and what it computes instead where it does
  not (prometheus/monitor_query.py explains, alerts report `alert.range_window`).
- A nested `X >= N` filter is `cutoff_min(X, N)` (exact); `>` is approximate (ties are kept).
- `X or vector(0)` is `default_zero(X)`; all other `and`/`or`/`unless` are manual.
- `on(...)`/`ignoring(...)` are exact when both sides are grouped by the same tags the modifier
  keeps; `on(...)` between series nothing aggregates groups both sides by its labels (one-to-one matching
  needs one series per label set); `group_left`/`group_right` are manual except info-metric joins, which
  become the info labels as tags of the joined series, copied by bridge mode's `share_labels`
  (promql/info_join).
- `without (...)` keeps `QueryContext.default_group_by` minus those labels (approximate), or is
  manual when no label list is known.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import promql_parser as pp

from migrate.model import Finding, Outcome
from migrate.translate.ddquery import AsCount, AsRate, BinOp, Call, Formula, Node, Number, number
from migrate.translate.ddquery import Query as DDQuery
from migrate.translate.ddquery import substitute as substitute_refs
from migrate.translate.promql import tables as t
from migrate.translate.promql.aggregate import Aggregations, any_passing_shape
from migrate.translate.promql.binary import COMPARISONS, FLIP, Binary, is_bool, without_guard
from migrate.translate.promql.functions import Functions
from migrate.translate.promql.guard import TooComplex
from migrate.translate.promql.guard import parse as guarded_parse
from migrate.translate.promql.selectors import parse_rule
from migrate.translate.promql.vars import substitute
from migrate.translate.promql.walk import Manual, Query, Val, constant, strip, vector_selectors
from migrate.translate.query import Comparison, QueryContext, QueryResult, RangeWindow

_parse_rule = parse_rule


def clear_caches() -> None:
    """Forget what translations share across expressions (parses, names, regex reductions): bench/translate.py
    times each run from cold, so a best-of-N never measures a cache the previous run filled."""
    for cached in (parse_rule, t.datadog_metric, t.reduce_regex):
        cached.cache_clear()


def translate_promql(expr: str, ctx: QueryContext) -> QueryResult:
    """Translate one PromQL expression; gaps and bad input become findings, never exceptions."""
    result = QueryResult(original=expr)
    text, var_findings = substitute(expr, ctx.variables, ctx.variables_closed)
    walker = _Walker(ctx)
    walker.findings.extend(var_findings)
    try:
        root = guarded_parse(text)
    except ValueError as exc:
        message = str(exc) or "cannot parse"
        code = "promql.unsupported_function" if message.startswith("unknown function") else "promql.parse_error"
        code = "promql.too_deep" if isinstance(exc, TooComplex) else code
        result.findings = [*var_findings, Finding(code, message, Outcome.MANUAL)]
        return result
    walker.root, walker.text = root, text
    try:
        walker.translate_root(root, result)
    except Manual as exc:
        walker.findings.append(Finding(exc.code, str(exc), Outcome.MANUAL))
        result.formula, result.comparison = None, None
    except RecursionError:
        walker.findings.append(Finding("promql.too_deep", "expression nests too deeply", Outcome.MANUAL))
    findings = walker.findings
    # Equal findings share code and message: when no two do (nearly always) there is nothing to drop, and the
    # check hashes strings rather than dataclasses and their enum.
    distinct = len({(f.code, f.message) for f in findings}) == len(findings)
    result.findings = list(findings) if distinct else list(dict.fromkeys(findings))
    result.ranges = _unique(walker.ranges)
    result.source_metrics = _unique(walker.source_metrics)
    result.shared_labels = _unique(walker.shared)
    return result


T = TypeVar("T")


def _unique(items: list[T]) -> list[T]:
    """`items` without repeats, in order (most lists have one item or none, which need no hashing)."""
    return list(items) if len(items) < 2 else list(dict.fromkeys(items))


def selector_names(expr: str) -> list[str]:
    """Metric names the expression selects (after variable substitution), for `--type` overrides."""
    try:
        root = guarded_parse(substitute(expr, {})[0])
    except ValueError:
        return []
    return list(dict.fromkeys(n.name for n in vector_selectors(root) if n.name))


class _Walker(Functions, Aggregations, Binary):
    """One expression's walk: the node families' mixins, plus the root and the dispatch."""

    # --- root -------------------------------------------------------------------------------
    def translate_root(self, root: Any, result: QueryResult) -> None:
        node, guard = without_guard(root)
        if guard is not None:
            self.note(
                "promql.guard_dropped",
                f"`and {guard}` only keeps series where that expression over metrics the condition already reads "
                "is above zero (no traffic, no capacity); dropped: a Datadog formula has no value where it divides "
                "by zero (docs monitors/guide/monitor-arithmetic-and-sparse-metrics), but a condition true at "
                "zero may now alert",
            )
        passing = any_passing_shape(node) if self.monitor else None  # a graph shows the passing values themselves
        if passing is not None:
            value = self.any_passing(passing, result)
        elif isinstance(node, pp.Call) and node.func.name in ("absent", "absent_over_time"):
            inner = strip(node.args[0])
            if isinstance(inner, pp.MatrixSelector):
                inner = inner.vector_selector
            if not isinstance(inner, pp.VectorSelector):
                raise Manual("promql.absent_expression", f"{node.func.name}() of an expression, not a selector")
            result.no_data_alert = True
            value = self.visit(inner)
        elif isinstance(node, pp.BinaryExpr) and str(node.op) in COMPARISONS and not is_bool(node):
            lhs = strip(node.lhs)
            if isinstance(lhs, pp.Call) and lhs.func.name == "predict_linear":
                value = self.forecast(lhs, str(node.op), node.rhs, result)
            elif _any_change(node, lhs):
                value = self.any_change(lhs)
                result.comparison = Comparison(">", 0.0)
            else:
                value = self.root_comparison(node, result)
        else:
            value = self.visit(node)
        if value.scalar is not None:
            raise Manual("promql.constant", "the expression is a constant, with no metric to query")
        self.finish(value, result)

    def root_comparison(self, node: Any, result: QueryResult) -> Val:
        op = str(node.op)
        lhs, rhs = self.visit(node.lhs), self.visit(node.rhs)
        if rhs.scalar is not None and lhs.scalar is None:
            result.comparison = Comparison(op, rhs.scalar)
            return lhs
        if lhs.scalar is not None and rhs.scalar is None:
            result.comparison = Comparison(FLIP[op], lhs.scalar)
            return rhs
        if lhs.scalar is None and rhs.scalar is None:
            self.vector_matching(node, lhs, rhs)
            self.note(
                "promql.comparison_rewritten",
                f"X {op} Y between two vectors became X - Y {op} 0 "
                "(alerts on the same series; the alert value is the difference)",
            )
            result.comparison = Comparison(op, 0.0)
            return self.combine(lhs, "-", rhs)
        raise Manual("promql.constant", "a comparison between two constants")

    def forecast(self, call: Any, op: str, rhs: Any, result: QueryResult) -> Val:
        """`predict_linear(v[r], t) <op> N` → a forecast monitor's `forecast(v, 'linear', ...)` (t ahead)."""
        threshold = self.scalar(self.visit(rhs), "predict_linear")
        value = self.visit(call.args[0])
        history = self.range_seconds(value)
        horizon = self.scalar(self.visit(call.args[1]), "predict_linear")
        if horizon <= 0:
            raise Manual("promql.predict_linear", "predict_linear() into the past has no forecast equivalent")
        if op not in t.FORECAST_COMPARISONS:
            raise Manual(
                "promql.predict_linear",
                f"predict_linear() {op} N: a forecast monitor alerts above or below a threshold, not on equality",
            )
        interval = next(
            (i for i in t.FORECAST_INTERVALS if history / i >= t.FORECAST_MIN_POINTS), t.FORECAST_INTERVALS[-1]
        )
        formula = Call(
            "forecast", value.formula, "linear", 1, interval=interval, history=_duration(history), model="simple"
        )
        result.comparison = Comparison(t.FORECAST_COMPARISONS[op], threshold)
        result.forecast_seconds = horizon
        self.note(
            "promql.predict_linear_forecast",
            (
                f"predict_linear() (a least-squares line through the last {_duration(history)}, read "
                f"{_duration(horizon)} "
                f"ahead) became a forecast monitor ('linear', model 'simple', 1 deviation): it alerts when the "
                f"forecast's confidence bound crosses {number(threshold)} at any time in the next {_duration(horizon)}"
                + ("" if op in (">=", "<=") else f", and `{op}` became `{t.FORECAST_COMPARISONS[op]}`")
            ),
        )
        return Val(formula=formula, queries=value.queries, group_by=value.group_by)

    def finish(self, value: Val, result: QueryResult) -> None:
        queries: dict[str, DDQuery] = {}
        moving: dict[str, Node] = {}  # query name -> its moving_rollup() calls, innermost first
        for q in self.queries:
            if (
                q.kind in t.COUNT_LIKE
                and not q.percentile
                and not any(isinstance(m, AsRate | AsCount) for m in q.modifiers)
            ):
                self.note(
                    "promql.raw_counter",
                    f"{q.source} is used as a running total, but the Agent sends {q.metric} as increments per interval",
                )
            if q.moving:
                self.check_moving(q)
            if not q.space:
                self.per_series(q, result)
            if q.kind == t.BUCKET and not q.percentile and self.distributions:
                raise Manual(
                    "promql.histogram_buckets",
                    f"{q.source}: with histogram_buckets_as_distributions "
                    "the Agent sends a distribution, not buckets; only histogram_quantile() maps to it",
                )
            queries[q.name] = q.node()
            result.metrics.append(q.metric)
            result.source_types.setdefault(q.source, t.AGENT_TYPE[q.kind])
            if q.moving:
                node: Node = q.ref
                for m in q.moving:
                    node = Call("moving_rollup", node, m.seconds, m.method)
                moving[q.name] = node
        result.metrics = list(dict.fromkeys(result.metrics))
        result.formula = Formula(queries, substitute_refs(value.formula, moving) if moving else value.formula)
        gb = value.group_by if value.group_by is not None else (value.query or self.queries[0]).group_by
        result.group_by = list(gb or [])

    def per_series(self, q: Query, result: QueryResult) -> None:
        """A query nothing aggregates: Prometheus evaluates each series. A widget shows the aggregate over the
        given labels; a monitor alerts per series, so it is a multi-alert over what identifies one (the labels
        the annotations print, else the matchers' open labels and mappings prometheus.series_labels), never one
        aggregate of the whole fleet."""
        q.space = "sum" if q.kind in t.COUNT_LIKE else "avg"
        labels, chosen = list(self.default_group_by), "the labels the annotations print"
        if not labels and self.monitor and not result.no_data_alert:
            opened = [x for x in q.open_labels if x != "le" and x not in self.series_labels]
            labels = [*opened, *self.series_labels]
            chosen = ("the matchers' open labels and " if opened else "") + "mappings prometheus.series_labels"
        q.group_by = self.tags_for(labels, q, "; left out of the grouping")
        if result.no_data_alert:  # for a no-data alert only the arrival of data matters
            return
        by = ", ".join(q.group_by) or "nothing"
        if self.monitor:
            self.note(
                "promql.no_aggregation",
                f"Prometheus evaluates every {q.source} series separately; the monitor alerts per {q.space} by "
                f"{by} ({chosen})" + ("" if q.group_by else ": one alert for all series"),
            )
        else:
            self.note(
                "promql.no_aggregation",
                f"Prometheus evaluates every {q.source} series separately; Datadog aggregates them ({q.space} by {by})",
            )

    def check_moving(self, q: Query) -> None:
        """A monitor's moving_rollup() wraps the whole query, after its space aggregation; Prometheus takes
        each series' range first. Same result when they commute (t.MOVING_COMMUTES) or nothing aggregates
        the series (promql.no_aggregation covers that); otherwise the difference is the range's."""
        for moving in q.moving:
            differs = q.space and not moving.after_space and q.space not in t.MOVING_COMMUTES[moving.method]
            self.ranges.append(
                RangeWindow(
                    moving.function,
                    moving.seconds,
                    (
                        f"is taken over the {q.space} of the series (moving_rollup after the space aggregation), "
                        "not over "
                        f"each series before {q.space}()"
                    )
                    if differs
                    else "",
                )
            )

    # --- dispatch ---------------------------------------------------------------------------
    def visit(self, node: Any) -> Val:
        # One lookup by the node's class (_VISITS, below the class) rather than a chain of isinstance tests:
        # the dispatch runs for every node of every expression.
        visit = _VISITS.get(type(node))
        if visit is None:
            raise Manual("promql.unsupported_expression", f"{type(node).__name__} has no Datadog equivalent")
        return visit(self, node)

    def number_literal(self, node: Any) -> Val:
        return constant(float(node.val))

    def paren(self, node: Any) -> Val:
        return self.visit(node.expr)

    def matrix(self, node: Any) -> Val:
        value = self.selector(node.vector_selector)
        value.range_s = node.range.total_seconds()
        return value

    def unary(self, node: Any) -> Val:
        inner = self.visit(node.expr)
        if inner.scalar is not None:
            return constant(-inner.scalar)
        return Val(
            formula=_negated(inner.formula),
            queries=inner.queries,
            group_by=inner.group_by,
            linear=inner.query or inner.linear,
        )

    def subquery(self, node: Any) -> Val:
        value = self.visit(node.expr)
        if node.offset is not None or node.at is not None:
            raise Manual("promql.subquery_offset", "offset/@ on a subquery")
        self.note("promql.subquery", "a subquery's inner step became Datadog's rollup interval")
        value.range_s = node.range.total_seconds() if node.range is not None else None
        return value


_VISITS: dict[type, Callable[[_Walker, Any], Val]] = {
    pp.NumberLiteral: _Walker.number_literal,
    pp.ParenExpr: _Walker.paren,
    pp.VectorSelector: _Walker.selector,
    pp.MatrixSelector: _Walker.matrix,
    pp.Call: _Walker.call,
    pp.AggregateExpr: _Walker.aggregate,
    pp.BinaryExpr: _Walker.binary,
    pp.UnaryExpr: _Walker.unary,
    pp.SubqueryExpr: _Walker.subquery,
}


def _any_change(node: Any, lhs: Any) -> bool:
    """`changes(x[R]) > 0` (or `!= 0`, `>= 1`: changes() counts whole changes): the series changed at all."""
    if not (isinstance(lhs, pp.Call) and lhs.func.name == "changes"):
        return False
    rhs = strip(node.rhs)
    if not isinstance(rhs, pp.NumberLiteral):
        return False
    return (str(node.op), float(rhs.val)) in ((">", 0.0), ("!=", 0.0), (">=", 1.0))


def _negated(node: Node) -> Node:
    """`-x` as Datadog writes it, `-1 * x`; into a product (`-1 * a / b`), so the text needs no parentheses."""
    if isinstance(node, BinOp) and node.op in ("*", "/"):
        return BinOp(_negated(node.lhs), node.op, node.rhs)
    return BinOp(Number(-1), "*", node)


def _duration(seconds: float) -> str:
    """`6h`, `90m`, `45s`: Datadog's duration text (forecast history), largest whole unit."""
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{number(seconds)}s"
