"""PromQL → Datadog metric queries, on promql-parser's AST.

One walker turns each node into a `_Val`: a formula over named `MetricQuery`s (or a number). Functions
and aggregations mutate the query they apply to while that is exact (`sum by (job) (rate(x[5m]))` is
one query `sum:ns.x.count{*} by {job}.as_rate()`), else wrap the formula (`abs(a)`, `a / b * 100`).
Every lossy step adds a Finding with a stable code; what Datadog cannot express is MANUAL, never
passed through. The tables (names, functions, regex reductions) live in `promql_tables`.

Decisions worth knowing (see also tests/cases/promql.tsv):
- Tag values are lowercased as Datadog stores them; case alone never changes the outcome.
- `rate()` of a counter is exact (`.as_rate()`): Datadog computes the per-second rate of the count
  submitted per interval, so the range only smooths. `irate` is approximate.
- A nested `X >= N` filter is `cutoff_min(X, N)` (exact); `>` is approximate (ties are kept).
- `X or vector(0)` is `default_zero(X)`; all other `and`/`or`/`unless` are manual.
- `on(...)`/`ignoring(...)` are exact when both sides are grouped by the same tags the modifier
  keeps; `group_left`/`group_right` are manual.
- `without (...)` keeps `QueryContext.default_group_by` minus those labels (approximate), or is
  manual when no label list is known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import promql_parser as pp

from migrate.model import Finding, Outcome
from migrate.translate import promql_tables as t
from migrate.translate.ddquery import Filter, MetricQuery, number, tag_value
from migrate.translate.promql_guard import parse as guarded_parse
from migrate.translate.promql_vars import DEFAULTED_RANGES, SENTINEL, substitute
from migrate.translate.query import Comparison, QueryContext, QueryResult

_COMPARISONS = {">", "<", ">=", "<=", "==", "!="}
_FLIP = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}
_ATOM = 9


class _Manual(Exception):
    """Raised inside the walker when the expression cannot be expressed in Datadog at all."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class _Val:
    formula: str = ""
    scalar: float | None = None
    query: MetricQuery | None = None  # the one query functions may still mutate (formula commutes)
    linear: MetricQuery | None = None  # the one query under a linear formula: sum/avg commute with it
    queries: list[MetricQuery] = field(default_factory=list)
    range_s: float | None = None  # set for range vectors (matrix selectors, subqueries)
    prec: int = _ATOM
    group_by: list[str] | None = None  # Datadog tags of the result; None: not aggregated


@dataclass
class _Query(MetricQuery):
    source: str = ""
    kind: str = t.GAUGE
    kind_known: bool = True
    percentile: str = ""  # set by histogram_quantile on a bucket query


@lru_cache(maxsize=1024)
def _parse_rule(expr: str) -> Any:
    """Recording rules are inlined into many alerts: parse each once. (Alert expressions are parsed
    uncached: each is seen once, and keeping their trees alive only costs memory.)"""
    return guarded_parse(expr)


def translate_promql(expr: str, ctx: QueryContext) -> QueryResult:
    """Translate one PromQL expression; gaps and bad input become findings, never exceptions."""
    result = QueryResult(original=expr)
    text, var_findings = substitute(expr, ctx.variables)
    walker = _Walker(ctx)
    walker.findings.extend(var_findings)
    try:
        root = guarded_parse(text)
    except ValueError as exc:
        message = str(exc) or "cannot parse"
        code = "promql.unsupported_function" if message.startswith("unknown function") else "promql.parse_error"
        result.findings = [*var_findings, Finding(code, message, Outcome.MANUAL)]
        return result
    try:
        walker.translate_root(root, result)
    except _Manual as exc:
        walker.findings.append(Finding(exc.code, str(exc), Outcome.MANUAL))
        result.queries, result.formula, result.comparison = {}, "", None
    except RecursionError:
        walker.findings.append(Finding("promql.too_deep", "expression nests too deeply", Outcome.MANUAL))
    result.findings = list(dict.fromkeys(walker.findings))
    result.source_metrics = list(dict.fromkeys(walker.source_metrics))
    return result


def selector_names(expr: str) -> list[str]:
    """Metric names the expression selects (after variable substitution), for `--type` overrides."""
    names: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, pp.VectorSelector) and node.name:
            names.append(node.name)

    try:
        pp.walk(guarded_parse(substitute(expr, {})[0]), visit)
    except ValueError:
        return []
    return list(dict.fromkeys(names))


def _strip(node: Any) -> Any:
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node


class _Walker:
    def __init__(self, ctx: QueryContext) -> None:
        self.ctx = ctx
        # Read the mappings once per expression (the properties copy their section on every access).
        prom = ctx.mappings.section("prometheus")
        self.label_tags: dict[str, str | None] = prom.get("label_tags") or {}
        self.namespace = str(prom.get("namespace", ""))
        self.distributions = bool(prom.get("histogram_buckets_as_distributions", False))
        self.mapped_types: dict[str, str] = prom.get("metric_types") or {}
        self.server_labels = set(prom.get("server_labels") or ctx.mappings.server_labels)
        self.findings: list[Finding] = []
        self.source_metrics: list[str] = []
        self.queries: list[_Query] = []
        self.inlining: list[str] = []  # recording rules being inlined (cycle detection)
        self.pushed: list[Any] = []  # matchers on a recorded series, pushed into its expression
        self.default_group_by = list(ctx.default_group_by)

    def note(self, code: str, message: str, outcome: Outcome = Outcome.APPROXIMATE) -> None:
        self.findings.append(Finding(code, message, outcome))

    # --- root -------------------------------------------------------------------------------
    def translate_root(self, root: Any, result: QueryResult) -> None:
        node = _strip(root)
        if isinstance(node, pp.Call) and node.func.name in ("absent", "absent_over_time"):
            inner = _strip(node.args[0])
            if isinstance(inner, pp.MatrixSelector):
                inner = inner.vector_selector
            if not isinstance(inner, pp.VectorSelector):
                raise _Manual("promql.absent_expression", f"{node.func.name}() of an expression, not a selector")
            result.no_data_alert = True
            value = self.visit(inner)
        elif isinstance(node, pp.BinaryExpr) and str(node.op) in _COMPARISONS and not _bool(node):
            lhs = _strip(node.lhs)
            if isinstance(lhs, pp.Call) and lhs.func.name == "predict_linear":
                value = self.forecast(lhs, str(node.op), node.rhs, result)
            else:
                value = self.root_comparison(node, result)
        else:
            value = self.visit(node)
        if value.scalar is not None:
            raise _Manual("promql.constant", "the expression is a constant, with no metric to query")
        self.finish(value, result)

    def root_comparison(self, node: Any, result: QueryResult) -> _Val:
        op = str(node.op)
        lhs, rhs = self.visit(node.lhs), self.visit(node.rhs)
        if rhs.scalar is not None and lhs.scalar is None:
            result.comparison = Comparison(op, rhs.scalar)
            return lhs
        if lhs.scalar is not None and rhs.scalar is None:
            result.comparison = Comparison(_FLIP[op], lhs.scalar)
            return rhs
        if lhs.scalar is None and rhs.scalar is None:
            self.vector_matching(node, lhs, rhs)
            self.note("promql.comparison_rewritten", f"X {op} Y between two vectors became X - Y {op} 0 "
                      "(alerts on the same series; the alert value is the difference)")
            result.comparison = Comparison(op, 0.0)
            return self.combine(lhs, "-", rhs)
        raise _Manual("promql.constant", "a comparison between two constants")

    def forecast(self, call: Any, op: str, rhs: Any, result: QueryResult) -> _Val:
        """`predict_linear(v[r], t) <op> N` → a forecast monitor's `forecast(v, 'linear', ...)` (t ahead)."""
        threshold = self.scalar(self.visit(rhs), "predict_linear")
        value = self.visit(call.args[0])
        history = self.range_seconds(value)
        horizon = self.scalar(self.visit(call.args[1]), "predict_linear")
        if horizon <= 0:
            raise _Manual("promql.predict_linear", "predict_linear() into the past has no forecast equivalent")
        if op not in t.FORECAST_COMPARISONS:
            raise _Manual("promql.predict_linear", f"predict_linear() {op} N: a forecast monitor alerts above or "
                          "below a threshold, not on equality")
        interval = next((i for i in t.FORECAST_INTERVALS if history / i >= t.FORECAST_MIN_POINTS),
                        t.FORECAST_INTERVALS[-1])
        formula = (f"forecast({value.formula}, 'linear', 1, interval={interval}, history='{_duration(history)}', "
                   "model='simple')")
        result.comparison = Comparison(t.FORECAST_COMPARISONS[op], threshold)
        result.forecast_seconds = horizon
        self.note("promql.predict_linear_forecast", (
            f"predict_linear() (a least-squares line through the last {_duration(history)}, read {_duration(horizon)} "
            f"ahead) became a forecast monitor ('linear', model 'simple', 1 deviation): it alerts when the "
            f"forecast's confidence bound crosses {number(threshold)} at any time in the next {_duration(horizon)}"
            + ("" if op in (">=", "<=") else f", and `{op}` became `{t.FORECAST_COMPARISONS[op]}`")))
        return _Val(formula=formula, queries=value.queries, group_by=value.group_by)

    def finish(self, value: _Val, result: QueryResult) -> None:
        names: dict[int, str] = {}
        for i, q in enumerate(self.queries):
            if q.kind in t.COUNT_LIKE and not q.percentile and not any(".as_" in f for f in q.functions):
                self.note("promql.raw_counter", f"{q.source} is used as a running total, but the Agent sends "
                          f"{q.metric} as increments per interval")
            if not q.space:
                q.space = "sum" if q.kind in t.COUNT_LIKE else "avg"
                q.group_by = self.default_group_by_tags(q)
                if not result.no_data_alert:  # for a no-data alert only the arrival of data matters
                    self.note("promql.no_aggregation", f"Prometheus evaluates every {q.source} series separately; "
                              f"Datadog aggregates them ({q.space} by {', '.join(q.group_by) or 'nothing'})")
            if q.kind == t.BUCKET and not q.percentile and self.distributions:
                raise _Manual("promql.histogram_buckets", f"{q.source}: with histogram_buckets_as_distributions "
                              "the Agent sends a distribution, not buckets; only histogram_quantile() maps to it")
            name = chr(ord("a") + i) if i < 26 else f"q{i}"
            names[id(q)] = name
            result.queries[name] = q.render()
            result.metrics.append(q.metric)
        result.metrics = list(dict.fromkeys(result.metrics))
        formula = value.formula
        for q in self.queries:  # placeholders were `{id}` so renaming is one pass
            formula = formula.replace(f"\x00{id(q)}\x00", names[id(q)])
        result.formula = formula
        gb = value.group_by if value.group_by is not None else (value.query or self.queries[0]).group_by
        result.group_by = list(gb or [])

    # --- dispatch ---------------------------------------------------------------------------
    def visit(self, node: Any) -> _Val:
        if isinstance(node, pp.NumberLiteral):
            return _Val(formula=number(node.val), scalar=float(node.val))
        if isinstance(node, pp.ParenExpr):
            return self.visit(node.expr)
        if isinstance(node, pp.VectorSelector):
            return self.selector(node)
        if isinstance(node, pp.MatrixSelector):
            value = self.selector(node.vector_selector)
            value.range_s = node.range.total_seconds()
            return value
        if isinstance(node, pp.Call):
            return self.call(node)
        if isinstance(node, pp.AggregateExpr):
            return self.aggregate(node)
        if isinstance(node, pp.BinaryExpr):
            return self.binary(node)
        if isinstance(node, pp.UnaryExpr):
            inner = self.visit(node.expr)
            if inner.scalar is not None:
                return _Val(formula=number(-inner.scalar), scalar=-inner.scalar)
            return _Val(formula=f"-1 * {_wrap(inner, 2)}", queries=inner.queries, prec=2, group_by=inner.group_by,
                        linear=inner.query or inner.linear)
        if isinstance(node, pp.SubqueryExpr):
            value = self.visit(node.expr)
            if node.offset is not None or node.at is not None:
                raise _Manual("promql.subquery_offset", "offset/@ on a subquery")
            self.note("promql.subquery", "a subquery's inner step became Datadog's rollup interval")
            value.range_s = node.range.total_seconds() if node.range is not None else None
            return value
        raise _Manual("promql.unsupported_expression", f"{type(node).__name__} has no Datadog equivalent")

    # --- selectors --------------------------------------------------------------------------
    def selector(self, node: Any) -> _Val:
        matchers = list(node.matchers.matchers)
        name = node.name
        if node.matchers.or_matchers:
            raise _Manual("promql.or_matchers", "`or` inside a selector's braces")
        for m in list(matchers):
            if m.name == "__name__":
                if m.op != pp.MatchOp.Equal:
                    raise _Manual("promql.name_regex", "a selector on the metric name by regex or inequality")
                name = m.value
                matchers.remove(m)
        if not name:
            raise _Manual("promql.name_regex", "a selector without a metric name")
        if node.at is not None:
            raise _Manual("promql.at_modifier", "the @ modifier pins evaluation time; Datadog has no equivalent")
        value = self.inline(name, matchers) if name in self.ctx.recording_rules else self.metric(name, matchers)
        if node.offset is not None:
            value = self.offset(value, node.offset.total_seconds())
        return value

    def metric(self, name: str, matchers: list[Any]) -> _Val:
        if name in t.SERVER_METRICS:
            raise _Manual("promql.server_metric", t.SERVER_METRICS[name])
        self.source_metrics.append(name)
        kind, known = t.resolve_kind(name, self.ctx.metric_types, self.mapped_types)
        if ":" in name:
            self.note("promql.recording_rule_not_found", f"{name} looks like a recording rule but none was given; "
                      "it exists in Datadog only if something sends it under that name")
        q = _Query(metric="", source=name, kind=kind, kind_known=known)
        for m in [*matchers, *self.pushed]:
            term = self.filter_for(m, q)
            if term is not None:
                q.filters.append(term)
        self.queries.append(q)
        self.rename(q)
        return _Val(formula=_ref(q), query=q, queries=[q])

    def rename(self, q: _Query) -> None:
        q.metric = t.datadog_metric(q.source, q.kind, self.namespace, distribution=bool(q.percentile))

    def inline(self, name: str, matchers: list[Any]) -> _Val:
        if name in self.inlining:
            raise _Manual("promql.recording_rule_cycle", " -> ".join([*self.inlining, name]))
        try:
            node = _parse_rule(substitute(self.ctx.recording_rules[name], self.ctx.variables)[0])
        except ValueError as exc:
            raise _Manual("promql.parse_error", f"recording rule {name}: {exc}") from exc
        saved = self.pushed
        self.inlining.append(name)
        self.pushed = [*self.pushed, *matchers]
        try:
            return self.visit(node)
        finally:
            self.inlining.pop()
            self.pushed = saved

    def offset(self, value: _Val, seconds: float) -> _Val:
        if seconds <= 0:
            raise _Manual("promql.offset", "a negative offset looks into the future")
        fn = t.SHIFT_FUNCTIONS.get(seconds)
        formula = f"{fn}({value.formula})" if fn else f"timeshift({value.formula}, -{number(seconds)})"
        return _Val(formula=formula, query=value.query, queries=value.queries, group_by=value.group_by)

    # --- labels and matchers ----------------------------------------------------------------
    def tag_for(self, label: str, q: _Query | None) -> tuple[str | None, str]:
        """(Datadog tag key or None if the label does not exist there, why)."""
        if label == "le" and q is not None and q.kind == t.BUCKET:
            return "upper_bound", ""
        if label in self.label_tags:
            tag = self.label_tags[label]
            if label in self.server_labels:
                if tag is None:
                    return None, f"`{label}` is added by the Prometheus server and does not exist in Datadog"
                return tag, f"`{label}` is added by the Prometheus server; mapped to `{tag}`, whose values differ"
            return tag, ("" if tag is not None else f"`{label}` is mapped to nothing in Datadog")
        if label in self.server_labels:
            return None, f"`{label}` is added by the Prometheus server and has no Datadog mapping"
        return label.lower(), ""

    def filter_for(self, m: Any, q: _Query) -> Filter | None:
        tag, why = self.tag_for(m.name, q)
        if why:
            self.note("promql.server_label" if m.name in self.server_labels else "promql.label_dropped",
                      why + ("" if tag else f"; the matcher {m} was dropped (wider scope)"))
        if tag is None:
            return None
        value, op = m.value, m.op
        var = SENTINEL.match(value)
        if var:
            if op in (pp.MatchOp.Equal, pp.MatchOp.Re):
                return Filter(tag, "var", (f"${var.group(1)}",))
            raise _Manual("promql.template_variable", f"negated template variable in {m}")
        if op in (pp.MatchOp.Equal, pp.MatchOp.NotEqual):
            positive = op == pp.MatchOp.Equal
            if value == "":
                return Filter(tag, "has_not" if positive else "has")
            return Filter(tag, "eq" if positive else "ne", (self.value(value, m),))
        positive = op == pp.MatchOp.Re
        if value in (".*", "^.*$"):
            if positive:
                return None
            raise _Manual("promql.regex_matcher", f"{m} matches nothing")
        if value in (".+", "^.+$"):
            return Filter(tag, "has" if positive else "has_not")
        reduced = t.regex_values(value)
        if reduced is None:
            raise _Manual("promql.regex_matcher", f"the regex matcher {m} has no Datadog tag filter equivalent")
        values, approximate = reduced
        if approximate:
            self.note("promql.regex_matcher", f"{m}: `.` (exactly one character) became `*` (any characters)")
        values = [self.value(v, m) for v in values]
        if len(values) == 1:
            return Filter(tag, "eq" if positive else "ne", (values[0],))
        if any("*" in v for v in values):
            if positive:
                return Filter(tag, "any", tuple(values))
            raise _Manual("promql.regex_matcher", f"{m}: a negated alternation of wildcards")
        return Filter(tag, "in" if positive else "not_in", tuple(values))

    def value(self, value: str, m: Any) -> str:
        converted = tag_value(value)
        if converted != value.lower():
            self.note("promql.tag_value", f"{m}: Datadog stores the value as `{converted}`")
        return converted

    # --- functions --------------------------------------------------------------------------
    def call(self, node: Any) -> _Val:
        fn = node.func.name
        if fn in ("absent", "absent_over_time"):
            raise _Manual("promql.absent_nested", f"{fn}() inside an expression (only a whole-rule absent() "
                          "maps to a no-data alert)")
        if fn == "predict_linear":
            raise _Manual("promql.predict_linear", "predict_linear() inside an expression: Datadog forecasts a "
                          "whole monitor query (`predict_linear(v[r], t) < N` is a forecast monitor)")
        if fn in t.MANUAL_FUNCTIONS:
            raise _Manual(t.MANUAL_FUNCTIONS[fn], f"{fn}() has no Datadog equivalent")
        if fn == "vector":
            return self.visit(node.args[0])
        if fn == "histogram_quantile":
            return self.quantile(node)
        args = [self.visit(a) for a in node.args]
        if fn in ("rate", "irate", "increase"):
            return self.rate(fn, args[0])
        if fn in t.ROLLUPS:
            return self.rollup(args[0], t.ROLLUPS[fn], fn)
        if fn == "last_over_time":
            self.note("promql.last_over_time", "last_over_time(): the latest value is used, without the look-back")
            return _Val(formula=args[0].formula, query=args[0].query, queries=args[0].queries)
        if fn in t.GAUGE_RANGE:
            template, code, message = t.GAUGE_RANGE[fn]
            self.note(code, message)
            r = self.range_seconds(args[0])
            value = self.wrapped(template.format(args[0].formula, r=number(r)), args[0], prec=2)
            value.linear = args[0].query
            return value
        if fn in t.WRAPPERS:
            template, code = t.WRAPPERS[fn]
            if code:
                self.note(code, f"{fn}() has no Datadog function and was left out")
            scalars = [number(self.scalar(a, fn)) for a in args[1:]]
            return self.wrapped(template.format(args[0].formula, *scalars), args[0],
                                prec=args[0].prec if template == "{0}" else (2 if " * " in template else _ATOM))
        if fn == "scalar":
            self.note("promql.scalar", "scalar() became the (single) series itself")
            return args[0]
        raise _Manual("promql.unsupported_function", f"{fn}() is not supported in Datadog")

    def wrapped(self, formula: str, inner: _Val, prec: int = _ATOM) -> _Val:
        keep = inner.query if formula == inner.formula else None
        return _Val(formula=formula, query=keep, queries=inner.queries, prec=prec, group_by=inner.group_by)

    def scalar(self, value: _Val, fn: str) -> float:
        if value.scalar is None:
            raise _Manual("promql.unsupported_function", f"{fn}() with a non-constant parameter")
        return value.scalar

    def range_seconds(self, value: _Val) -> float:
        if value.range_s is None:
            raise _Manual("promql.unsupported_expression", "a range function without a range")
        seconds = round(value.range_s, 3)
        if seconds in DEFAULTED_RANGES:
            seconds = DEFAULTED_RANGES[seconds]
            self.note("promql.interval_variable", f"a range variable without a value became {number(seconds)}s")
        return seconds

    def bare(self, value: _Val, fn: str) -> _Query:
        q = value.query  # set only while the formula around it commutes with query functions (timeshift)
        if not isinstance(q, _Query) or q.functions or q.space:
            raise _Manual("promql.unsupported_expression", f"{fn}() of a computed expression")
        return q

    def rate(self, fn: str, value: _Val) -> _Val:
        r = self.range_seconds(value) if fn == "increase" else None
        if value.range_s is None:
            raise _Manual("promql.unsupported_expression", f"{fn}() without a range")
        q = self.bare(value, fn)
        if q.kind == t.GAUGE and not q.kind_known:
            q.kind = t.COUNTER
            self.rename(q)
            self.note("promql.type_guessed", f"{q.source} has no type metadata; {fn}() implies a counter ({q.metric})")
        if fn == "irate":
            self.note("promql.irate_as_rate", "irate() (last two samples) became the per-second rate per interval")
        if q.kind in t.COUNT_LIKE:
            q.functions.append(".as_rate()" if r is None else f".as_count().rollup(sum, {number(r)})")
            return _Val(formula=value.formula, query=q, queries=[q])
        self.note("promql.rate_of_gauge", f"{fn}() of the gauge {q.source}: per-second change of the gauge, "
                  "without Prometheus' counter-reset handling")
        formula = f"per_second({value.formula})" + ("" if r is None else f" * {number(r)}")
        return _Val(formula=formula, queries=[q], prec=_ATOM if r is None else 2, linear=q)

    def rollup(self, value: _Val, method: str, fn: str) -> _Val:
        r = self.range_seconds(value)
        targets = [value.query] if value.query is not None else value.queries
        if value.query is None:
            self.note("promql.rollup_of_formula", f"{fn}() of a computed expression: each query is rolled up")
        for q in targets:
            q.functions.append(f".rollup({method}, {number(r)})")
        return _Val(formula=value.formula, query=value.query, queries=value.queries, prec=value.prec,
                    group_by=value.group_by)

    def quantile(self, node: Any) -> _Val:
        phi = self.visit(node.args[0])
        value = self.visit(node.args[1])
        q = value.query
        if not isinstance(q, _Query) or q.kind != t.BUCKET or q.percentile:
            raise _Manual("promql.histogram_quantile", "histogram_quantile() over something other than "
                          "(a sum of) the rate of one histogram's buckets")
        if not self.distributions:
            raise _Manual("promql.histogram_quantile", f"{q.source}: Datadog cannot compute percentiles from "
                          "bucket counts; set histogram_buckets_as_distributions and send distributions")
        quantile = self.scalar(phi, "histogram_quantile")
        name = t.PERCENTILES.get(quantile)
        if name is None:
            name = "p" + number(round(quantile * 100, 4))
            self.note("promql.custom_percentile", f"{name} needs advanced percentile queries on the distribution")
        q.percentile = name
        q.space = name
        q.functions = []
        q.filters = [f for f in q.filters if f.key != "upper_bound"]
        if q.group_by is None:
            q.group_by = self.default_group_by_tags(q)
            self.note("promql.no_aggregation", f"histogram_quantile() per {q.source} series became one percentile "
                      f"by {', '.join(q.group_by) or 'nothing'}")
        elif "upper_bound" not in q.group_by:
            raise _Manual("promql.histogram_quantile", "histogram_quantile() over buckets aggregated without `le`")
        else:
            q.group_by = [g for g in q.group_by if g != "upper_bound"]
        self.rename(q)
        return _Val(formula=value.formula, query=q, queries=[q], group_by=q.group_by)

    # --- aggregations -----------------------------------------------------------------------
    def aggregate(self, node: Any) -> _Val:
        op = str(node.op)
        value = self.visit(node.expr)
        if value.scalar is not None:
            raise _Manual("promql.constant", f"{op}() of a constant")
        labels = self.group_labels(node, value)
        if op in ("topk", "bottomk"):
            return self.top(op, node, value)
        if op == "count":
            if labels:
                raise _Manual("promql.count_by", "count by (...): Datadog counts series only across the whole query")
            inner = [q for q in value.queries if not q.space]
            if inner and not self.default_group_by:
                raise _Manual("promql.count_series", "count() of series that are not grouped: no label list to count")
            for q in inner:
                self.set_aggregation(q, "avg", list(self.default_group_by_tags(q)))
                self.note("promql.count_series", f"count() of series became the number of distinct "
                          f"{{{', '.join(q.group_by or [])}}} groups of {q.metric}")
            return _Val(formula=f"count_not_null({value.formula})", queries=value.queries, group_by=[])
        if op not in ("sum", "avg", "min", "max"):
            raise _Manual("promql.unsupported_aggregation", f"{op}() has no Datadog space aggregation")
        self.check_pushed(node)
        single = value.query or (value.linear if op in ("sum", "avg") else None)
        if single is not None:
            self.aggregate_query(single, op, labels)
            return _Val(formula=value.formula, query=value.query, queries=value.queries, prec=value.prec,
                        group_by=single.group_by, linear=value.linear)
        if value.query is not None:
            self.aggregate_query(value.query, op, labels)
            return _Val(formula=value.formula, query=value.query, queries=value.queries, prec=value.prec,
                        group_by=value.query.group_by)
        self.note("promql.aggregation_over_formula", f"{op}() of a computed expression: each query is aggregated "
                  "first, then combined")
        for q in value.queries:
            self.aggregate_query(q, op, labels)
        return _Val(formula=value.formula, queries=value.queries, prec=value.prec, group_by=labels)

    def aggregate_query(self, q: MetricQuery, op: str, labels: list[str]) -> None:
        if not q.space:
            self.set_aggregation(q, op, labels)
            return
        if q.space.startswith("p"):
            raise _Manual("promql.nested_aggregation", f"{op}() of a percentile")
        if (q.space == op and op != "avg") and set(labels) <= set(q.group_by or []):
            q.group_by = labels
            return
        raise _Manual("promql.nested_aggregation", f"{op}() of a {q.space}() with other groups: "
                      "Datadog applies one space aggregation per query")

    def set_aggregation(self, q: MetricQuery, op: str, labels: list[str]) -> None:
        q.space, q.group_by = op, labels

    def default_group_by_tags(self, q: MetricQuery) -> list[str]:
        source = q if isinstance(q, _Query) else None
        tags: list[str] = []
        for label in self.default_group_by:
            tag, why = self.tag_for(label, source)
            if why:
                self.note("promql.server_label" if label in self.server_labels else "promql.label_dropped",
                          why + ("" if tag else "; left out of the grouping"))
            if tag and tag not in tags:
                tags.append(tag)
        return tags

    def group_labels(self, node: Any, value: _Val) -> list[str]:
        modifier = node.modifier
        if modifier is None:
            return []
        q = value.query if isinstance(value.query, _Query) else None
        if modifier.type == pp.AggModifierType.Without:
            if not self.default_group_by:
                raise _Manual("promql.without_clause", f"without ({', '.join(modifier.labels)}) keeps every other "
                              "label, and the label list is unknown")
            self.note("promql.without_clause", f"without ({', '.join(modifier.labels)}) became by the known labels")
            kept = [label for label in self.default_group_by if label not in modifier.labels]
        else:
            kept = list(modifier.labels)
        tags: list[str] = []
        for label in kept:
            tag, why = self.tag_for(label, q)
            if why:
                self.note("promql.server_label" if label in self.server_labels else "promql.label_dropped",
                          why + ("" if tag else f"; dropped from the grouping of {node.op}"))
            if tag and tag not in tags:
                tags.append(tag)
        return tags

    def check_pushed(self, node: Any) -> None:
        if not self.pushed or node.modifier is None:
            return
        kept = set(node.modifier.labels)
        by = node.modifier.type == pp.AggModifierType.By
        lost = [m.name for m in self.pushed if (m.name not in kept) == by]
        if lost:
            self.note("promql.recording_rule_matchers", f"matchers on {', '.join(lost)} were pushed into a recording "
                      "rule that aggregates that label away")

    def top(self, op: str, node: Any, value: _Val) -> _Val:
        n = self.scalar(self.visit(node.param), op)
        limit = next((lim for lim in t.TOP_LIMITS if lim >= n), t.TOP_LIMITS[-1])
        note = f"{op}({number(n)}) became top(.., {limit}, 'mean', ..): Datadog ranks series over the whole window"
        if limit != n:
            note += f" and only allows limits {', '.join(map(str, t.TOP_LIMITS))}"
        self.note("promql.topk_as_top", note)
        direction = "desc" if op == "topk" else "asc"
        return _Val(formula=f"top({value.formula}, {limit}, 'mean', '{direction}')", queries=value.queries,
                    group_by=value.group_by)

    # --- binary operators -------------------------------------------------------------------
    def binary(self, node: Any) -> _Val:
        op = str(node.op)
        if op in ("and", "or", "unless"):
            return self.set_operator(node, op)
        lhs, rhs = self.visit(node.lhs), self.visit(node.rhs)
        if op in _COMPARISONS:
            return self.filter_comparison(node, op, lhs, rhs)
        if lhs.scalar is not None and rhs.scalar is not None:
            return self.fold(op, lhs.scalar, rhs.scalar)
        if lhs.scalar is None and rhs.scalar is None:
            self.vector_matching(node, lhs, rhs)
        if op == "^":
            return _Val(formula=f"pow({lhs.formula}, {rhs.formula})", queries=lhs.queries + rhs.queries,
                        group_by=lhs.group_by if lhs.group_by is not None else rhs.group_by)
        if op not in _PREC:
            raise _Manual("promql.unsupported_operator", f"the {op} operator has no Datadog formula equivalent")
        return self.combine(lhs, op, rhs)

    def combine(self, lhs: _Val, op: str, rhs: _Val) -> _Val:
        prec = _PREC[op]
        formula = f"{_wrap(lhs, prec)} {op} {_wrap(rhs, prec + 1)}"
        return _Val(formula=formula, queries=lhs.queries + rhs.queries, prec=prec,
                    group_by=lhs.group_by if lhs.group_by is not None else rhs.group_by)

    def fold(self, op: str, a: float, b: float) -> _Val:
        ops = {"+": a + b, "-": a - b, "*": a * b}
        if op in ops:
            v = ops[op]
        elif op == "/" and b != 0:
            v = a / b
        elif op == "^":
            v = a**b
        else:
            raise _Manual("promql.unsupported_operator", f"constant {op} has no finite value")
        # `14.4 * 0.001` is 0.014400000000000001 in binary floating point; the author meant 0.0144, and the
        # monitor query and thresholds.critical must show the same number.
        if math.isfinite(v):
            v = float(f"{v:.15g}")
        return _Val(formula=number(v), scalar=v)

    def vector_matching(self, node: Any, lhs: _Val, rhs: _Val) -> None:
        modifier = node.modifier
        if modifier is not None and modifier.card in (pp.VectorMatchCardinality.ManyToOne,
                                                      pp.VectorMatchCardinality.OneToMany):
            raise _Manual("promql.group_modifier", "group_left/group_right (many-to-one matching) has no Datadog "
                          "formula equivalent")
        left, right = _groups(lhs), _groups(rhs)
        matching = modifier.matching if modifier is not None else None
        if matching is None:
            if left is not None and right is not None and left != right:
                self.note("promql.vector_matching", "the two sides are grouped differently; Datadog matches the "
                          "series it can, PromQL would require identical label sets")
            return
        labels = {self.tag_for(label, None)[0] or label for label in matching.labels}
        if left is None or right is None or left != right:
            raise _Manual("promql.vector_matching", "on()/ignoring() between sides with different or unknown labels")
        include = matching.type == pp.LabelModifierType.Include
        if (include and labels != left) or (not include and labels & left):
            raise _Manual("promql.vector_matching", "on()/ignoring() that does not reduce to matching every tag")

    def filter_comparison(self, node: Any, op: str, lhs: _Val, rhs: _Val) -> _Val:
        if _bool(node):
            raise _Manual("promql.bool_comparison", f"{op} bool (0/1 results) has no Datadog equivalent")
        if lhs.scalar is None and rhs.scalar is not None:
            vec, n = lhs, rhs.scalar
        elif rhs.scalar is None and lhs.scalar is not None:
            vec, n, op = rhs, lhs.scalar, _FLIP[op]
        else:
            raise _Manual("promql.nested_comparison", f"a {op} filter between two vectors inside an expression")
        if op in ("==", "!="):
            raise _Manual("promql.nested_comparison", f"a {op} filter inside an expression")
        fn = "cutoff_min" if op in (">", ">=") else "cutoff_max"
        if op in (">", "<"):
            self.note("promql.comparison_filter", f"the {op} {number(n)} filter became {fn}(), which keeps values "
                      f"equal to {number(n)}")
        return _Val(formula=f"{fn}({vec.formula}, {number(n)})", queries=vec.queries, group_by=vec.group_by)

    def set_operator(self, node: Any, op: str) -> _Val:
        rhs = _strip(node.rhs)
        if op == "or" and isinstance(rhs, pp.Call) and rhs.func.name == "vector":
            lhs = self.visit(node.lhs)
            if self.visit(rhs).scalar == 0 and lhs.scalar is None:
                if lhs.group_by:
                    self.note("promql.set_operator", "`or vector(0)` became default_zero(), which fills gaps per "
                              "group instead of adding one unlabelled 0 when everything is missing")
                return _Val(formula=f"default_zero({lhs.formula})", queries=lhs.queries, group_by=lhs.group_by)
        raise _Manual("promql.set_operator", f"`{op}` between vectors has no Datadog formula equivalent")


def _duration(seconds: float) -> str:
    """`6h`, `90m`, `45s`: Datadog's duration text (forecast history), largest whole unit."""
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{number(seconds)}s"


def _bool(node: Any) -> bool:
    return bool(node.modifier is not None and node.modifier.return_bool)


def _groups(value: _Val) -> set[str] | None:
    gb = value.group_by if value.group_by is not None else (value.query.group_by if value.query else None)
    return None if gb is None else set(gb)


def _ref(q: MetricQuery) -> str:
    return f"\x00{id(q)}\x00"


def _wrap(value: _Val, prec: int) -> str:
    return f"({value.formula})" if value.prec < prec else value.formula
