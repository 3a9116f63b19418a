"""NRQL → Datadog queries, on the typed NRQL tree (nrql/ast) and the mapping rules (newrelic.yaml).

The event type picks a family (nrql/family): APM trace metrics (nrql/apm), Agent metrics and dimensional
metrics (nrql/samples), logs and RUM (nrql/events). Each SELECT item becomes one formula over named queries:
aggregations are queries, math stays math, filter() and percentage() are queries with the condition ANDed,
rate() a per-unit rate. FACET is the queries' group by, FACET CASES one formula per case, COMPARE WITH a
time-shifted copy of each formula, LIMIT a top(). Time clauses are recorded for the widget or monitor builder
(nrql/timeframe). Every gap is a finding with a stable code; what Datadog cannot express is manual, with the
reason (nrql/tables), and nothing is passed through.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrate.model import Finding, Outcome
from migrate.translate.ddquery import (
    BinOp,
    Call,
    Formula,
    LogQuery,
    MetricQuery,
    Node,
    Number,
    Query,
    Ref,
    RumQuery,
    number,
)
from migrate.translate.nrql import NrqlSyntaxError, ast, parse_nrql
from migrate.translate.nrql import render as nrql_render
from migrate.translate.nrql import timeframe as tf
from migrate.translate.nrql.apm import Apm
from migrate.translate.nrql.events import Events
from migrate.translate.nrql.family import Agg, Family
from migrate.translate.nrql.findings import Manual, Notes
from migrate.translate.nrql.rules import EventRule, NrqlContext, Rules, rule_example
from migrate.translate.nrql.samples import Dimensional, Samples
from migrate.translate.nrql.tables import AGGREGATIONS, UNSUPPORTED
from migrate.translate.nrql.where import Cond, Term, Var, both, condition
from migrate.translate.promql.tables import TOP_LIMITS
from migrate.translate.query import QueryContext, QueryResult

PARSE_ERROR = "nrql.parse_error"
DEFAULT_FACET_LIMIT = 10  # NRQL shows 10 facets unless LIMIT says otherwise
_MATH = {"+": "+", "-": "-", "*": "*", "/": "/"}


def translate_nrql(text: str, ctx: QueryContext) -> QueryResult:
    """Translate one NRQL query; gaps and bad input become findings, never exceptions."""
    result = QueryResult(original=text)
    try:
        tree = parse_nrql(text)
    except NrqlSyntaxError as exc:
        result.findings = [Finding(PARSE_ERROR, str(exc), Outcome.MANUAL)]
        return result
    notes = Notes()
    try:
        _Translation(ctx, notes).run(tree, result)
    except Manual as exc:
        return QueryResult(original=text, findings=[*notes.findings(), Finding(exc.code, str(exc), Outcome.MANUAL)])
    result.findings = notes.findings()
    return result


@dataclass(frozen=True, slots=True)
class _Item:
    select: ast.SelectItem
    level: float | None = None  # one level of a several-level percentile()

    @property
    def label(self) -> str:
        """The item's alias ("" without one: a widget's legend then names the formula itself; writing the NRQL
        expression back as a label would cost as much as translating it)."""
        alias = self.select.alias or ""
        return alias if self.level is None else f"{alias} p{number(self.level)}".strip()


class _Translation:
    def __init__(self, ctx: QueryContext, notes: Notes) -> None:
        part = ctx.part(NrqlContext)
        self.rules: Rules = part.rules(ctx)
        self.spans = part.spans
        self.notes = notes
        self.source_metrics: list[str] = []

    # --- the query --------------------------------------------------------------------------
    def run(self, q: ast.Query, result: QueryResult) -> None:
        self.family = self._family(q.source)
        cond = condition(q.where) if q.where is not None else None
        facets, cases = self._facets(q.facet)
        items = [i for s in q.select for i in _items(s)]
        exprs: list[Node] = []
        series: list[tuple[_Item, str | None]] = []  # labelled at the end
        for item in items:
            if cases is None:
                exprs.append(self.value(item.select.expr, cond, facets, item.level))
                series.append((item, None))
                continue
            for case_cond, case_label in cases:
                case_where = both(*(c for c in (cond, case_cond) if c))
                exprs.append(self.value(item.select.expr, case_where, facets, item.level))
                series.append((item, case_label))
        limit = self._limit(q)
        exprs = [self._top(e, limit) for e in exprs] if facets and limit is not None else exprs
        result.shift_seconds = tf.shift(q, self.notes)
        if result.shift_seconds is not None:
            exprs += [tf.shifted(e, result.shift_seconds) for e in exprs]
        self._notes(q)
        formulas = _formulas(exprs)
        labels = [_label(item, case, len(items)) for item, case in series]
        if result.shift_seconds is not None:
            ago = nrql_render.expr(q.compare_with.duration) if isinstance(q.compare_with, ast.Ago) else ""
            labels += [f"{label} ({ago} ago)".strip() for label in labels]
        result.formula, result.more_formulas, result.labels = formulas[0], formulas[1:], labels
        result.metrics = list(
            dict.fromkeys(m.metric for m in formulas[0].queries.values() if isinstance(m, MetricQuery))
        )
        first = next(iter(formulas[0].queries.values()))
        result.group_by = list(first.group_by)
        result.source_metrics = list(dict.fromkeys(self.source_metrics))
        result.time_frame = tf.time_frame(q, self.notes)
        result.interval_seconds = tf.interval(q, self.notes)
        result.over_time = q.timeseries is not None
        result.limit = limit if limit is not None else (DEFAULT_FACET_LIMIT if facets and q.limit is None else None)

    def _family(self, source: ast.Source) -> Family:
        if isinstance(source, ast.Query):
            raise Manual("nrql.subquery", "FROM (SELECT ...): Datadog queries cannot aggregate another query's result")
        names: list[str] = []
        for s in source:
            if isinstance(s, ast.Variable):
                raise Manual("nrql.variable", f"FROM {{{{{s.name}}}}}: a dashboard variable cannot pick the data")
            names.append(s.name)
        if names == ["Metric"]:
            return Dimensional(self.rules, self.spans, self.notes)
        rules = []
        for name in dict.fromkeys(names):
            rule = self.rules.events.get(name)
            if rule is None:
                raise Manual("nrql.unmapped_event_type", f"the event type {name} has no rule: {rule_example(name)}")
            rules.append(rule)
        rule = rules[0] if len(rules) == 1 else _merged(rules)
        if rule.kind == "apm":
            return Apm(self.rules, self.spans, self.notes, errors=rule.errors)
        if rule.kind == "metric":
            return Samples(self.rules, rule, self.notes)
        return Events(rule, self.notes)

    def _facets(self, items: tuple[ast.FacetItem, ...]) -> tuple[tuple[str, ...], list[tuple[Cond, str]] | None]:
        names: list[str] = []
        cases: list[tuple[Cond, str]] | None = None
        for item in items:
            first = item.alternatives[0]
            if len(item.alternatives) > 1:
                raise Manual(
                    "nrql.facet_alternatives", "FACET a OR b (the first attribute present): Datadog groups by one"
                )
            if isinstance(first, ast.Cases):
                if cases is not None:
                    raise Manual("nrql.facet_cases", "two FACET CASES: each would multiply the other's formulas")
                cases = self._cases(first)
            elif isinstance(first, ast.Identifier) and first.field is None:
                names.append(first.name)
            elif isinstance(first, ast.Variable):
                raise Manual("nrql.variable", f"FACET {{{{{first.name}}}}}: a variable cannot pick the group")
            else:
                raise Manual("nrql.facet_function", f"FACET {nrql_render.expr(first)}: {_reason(first)}")
        return tuple(names), cases

    def _cases(self, cases: ast.Cases) -> list[tuple[Cond, str]]:
        """One (condition, label) per case, when no event can match two cases: NRQL puts each event in its first
        matching case, one filtered query per case would count it in every case it matches. Provably disjoint:
        equalities (or IN lists) on one attribute with no value in two cases."""
        out = [(condition(c.condition), c.alias or nrql_render.expr(c.condition)) for c in cases.cases]
        seen: set[object] = set()
        attrs: set[str] = set()
        for cond, _ in out:
            if not isinstance(cond, Term) or cond.op not in ("eq", "in"):
                raise Manual(
                    "nrql.facet_cases_overlap", "FACET CASES with conditions other than equalities may overlap"
                )
            values = set(cond.values)
            if values & seen or any(isinstance(v, Var) for v in values):
                raise Manual(
                    "nrql.facet_cases_overlap",
                    "FACET CASES puts each event in its first matching case; these cases may overlap, and one "
                    "filtered query per case would count an event in every case it matches",
                )
            seen |= values
            attrs.add(cond.attr)
        if len(attrs) > 1:
            raise Manual("nrql.facet_cases_overlap", "FACET CASES over several attributes may overlap")
        return out

    # --- values -----------------------------------------------------------------------------
    def value(self, expr: ast.Expr, cond: Cond | None, facets: tuple[str, ...], level: float | None = None) -> Node:
        if isinstance(expr, ast.Call):  # most items are one aggregation: test it first
            return self.call(expr, cond, facets, level)
        if isinstance(expr, ast.Number):
            return Number(float(expr.value))
        if isinstance(expr, ast.Binary) and expr.op in _MATH:
            return BinOp(self.value(expr.left, cond, facets), expr.op, self.value(expr.right, cond, facets))
        if isinstance(expr, ast.Negate):
            return BinOp(Number(-1), "*", self.value(expr.operand, cond, facets))
        if isinstance(expr, ast.Identifier | ast.Star | ast.String):
            raise Manual(
                "nrql.raw_events",
                f"SELECT {nrql_render.expr(expr)} lists events; a Datadog list widget (log or RUM stream) shows them",
            )
        if isinstance(expr, ast.Subquery):
            raise Manual("nrql.subquery", "a subquery as a value: Datadog queries cannot nest")
        raise Manual("nrql.unsupported_expression", f"`{nrql_render.expr(expr)}` has no Datadog formula equivalent")

    def call(self, call: ast.Call, cond: Cond | None, facets: tuple[str, ...], level: float | None = None) -> Node:
        name = call.name.lower()
        args = call.args
        if name in ("filter", "percentage"):
            inner, where = _where_arg(call)
            filtered = self.value(inner, both(*(c for c in (cond, condition(where.condition)) if c)), facets)
            if name == "filter":
                return filtered
            return BinOp(BinOp(filtered, "/", self.value(inner, cond, facets)), "*", Number(100))
        if name == "rate":
            if len(args) != 2 or not isinstance(args[0], ast.Call) or not isinstance(args[1], ast.Duration):
                raise Manual("nrql.rate", "rate() takes an aggregation and a time unit")
            return self.aggregate(args[0], cond, facets, per=tf.seconds(args[1]))
        if name in AGGREGATIONS:
            return self.aggregate(call, cond, facets, level=level)
        if name in ("abs", "log10", "log2") and len(args) == 1 and not isinstance(args[0], ast.WhereArg | ast.NamedArg):
            return Call(name, self.value(args[0], cond, facets))
        if name in ("sqrt", "pow") and args and not any(isinstance(a, ast.WhereArg | ast.NamedArg) for a in args):
            base = self.value(args[0], cond, facets)  # type: ignore[arg-type]
            exponent = 0.5 if name == "sqrt" else _number(args[1] if len(args) > 1 else None, name)
            return Call("pow", base, exponent)
        raise Manual("nrql.unsupported_function", _reason(call))

    def aggregate(
        self,
        call: ast.Call,
        cond: Cond | None,
        facets: tuple[str, ...],
        *,
        per: float | None = None,
        level: float | None = None,
    ) -> Node:
        name = call.name.lower()
        if name not in AGGREGATIONS:
            if name in ("filter", "rate", "percentage") or name not in UNSUPPORTED:
                raise Manual("nrql.rate", f"rate() of {call.name}(): only a rate of one aggregation")
            raise Manual("nrql.unsupported_function", _reason(call))
        args = call.args
        attr = _attribute(args[0] if args else None, name)
        if name == "percentile":
            levels = [_number(a, name) for a in args[1:]]
            if level is None:
                if len(levels) != 1:
                    raise Manual("nrql.percentile_level", "percentile() inside math takes one level")
                level = levels[0]
        threshold = None
        if name == "apdex":
            named = [a for a in args[1:] if isinstance(a, ast.NamedArg) and a.name.lower() == "t"]
            positional = [a for a in args[1:] if not isinstance(a, ast.NamedArg | ast.WhereArg)]
            given = named[0].value if named else (positional[0] if positional else None)
            threshold = _number(given, name) if given is not None else None
        if name == "uniquecount" and len(args) > 1:
            raise Manual("nrql.unsupported_aggregation", "uniqueCount() of several attributes (their combinations)")
        if name not in ("percentile", "apdex") and len(args) > 1:
            raise Manual("nrql.unsupported_aggregation", f"{call.name}() with {len(args)} arguments")
        if isinstance(self.family, Dimensional) and attr is not None:
            self.source_metrics.append(attr)
        return self.family.build(Agg(name, attr, level, threshold, per), cond, facets)

    # --- around the values ------------------------------------------------------------------
    def _limit(self, q: ast.Query) -> int | None:
        if isinstance(q.limit, ast.Variable):
            raise Manual("nrql.variable", f"LIMIT {{{{{q.limit.name}}}}}: a variable cannot set the number of groups")
        return q.limit if isinstance(q.limit, int) else None

    def _top(self, expr: Node, limit: int) -> Node:
        n = next((t for t in TOP_LIMITS if t >= limit), None)
        if n is None:
            self.notes.approximate("nrql.limit_rounded", f"LIMIT {limit}: Datadog's top() shows at most 100 groups")
            n = TOP_LIMITS[-1]
        elif n != limit:
            self.notes.approximate("nrql.limit_rounded", f"LIMIT {limit} became top {n} (top() takes 5 10 25 50 100)")
        return Call("top", expr, n, "mean", "desc")

    def _notes(self, q: ast.Query) -> None:
        # EXTRAPOLATE gets no finding: it scales up the events New Relic's APM agents sampled, and what it
        # becomes is unsampled already (trace metrics count 100% of traffic before ingestion sampling; Agent
        # checks and logs are not sampled), so the plain query is the extrapolated value.
        if q.order_by:
            self.notes.approximate("nrql.order_by", "ORDER BY: Datadog orders groups by the value (top() by its mean)")
        if q.offset:
            self.notes.approximate(
                "nrql.offset", f"OFFSET {q.offset}: Datadog shows the first groups, it has no offset"
            )


def _items(item: ast.SelectItem) -> list[_Item]:
    """One SELECT item, or one per level of `percentile(x, 50, 90, 99)`."""
    e = item.expr
    if isinstance(e, ast.Call) and e.name.lower() == "percentile" and len(e.args) > 2:
        return [_Item(item, _number(a, "percentile")) for a in e.args[1:]]
    return [_Item(item)]


def _label(item: _Item, case: str | None, items: int) -> str:
    if case is None:
        return item.label
    return f"{item.label} {case}" if items > 1 else case


def _formulas(exprs: list[Node]) -> list[Formula]:
    """One formula per expression over one set of named queries (a, b, ... in order, equal queries once)."""
    names: dict[Query, Ref] = {}

    def named(node: Node) -> Node:
        if isinstance(node, MetricQuery | LogQuery | RumQuery):
            ref = names.get(node)
            if ref is None:
                ref = names[node] = Ref(chr(ord("a") + len(names)) if len(names) < 26 else f"q{len(names)}")
            return ref
        if isinstance(node, BinOp):
            return BinOp(named(node.lhs), node.op, named(node.rhs))
        if isinstance(node, Call):
            args = [a if isinstance(a, str) else named(a) for a in node.args]
            return Call(node.name, *args, **{k: v if isinstance(v, str) else named(v) for k, v in node.kwargs})
        return node

    refs = [named(e) for e in exprs]
    if not names:
        raise Manual("nrql.constant", "the query selects only constants, with no data to query")
    queries = {ref.name: q for q, ref in names.items()}
    return [Formula(queries, e) for e in refs]


def _merged(rules: list[EventRule]) -> EventRule:
    """`FROM PageView, PageViewTiming`: one search over their events, when they are the same kind of data."""
    kinds = {r.kind for r in rules}
    if kinds - {"log", "rum"} or len(kinds) > 1:
        raise Manual("nrql.several_event_types", f"FROM {', '.join(r.name for r in rules)}: different kinds of data")
    searches = list(dict.fromkeys(r.search for r in rules))
    search = searches[0] if len(searches) == 1 else "(" + " OR ".join(f"({s})" for s in searches) + ")"
    tags: dict[str, str | None] = {}
    attributes = {}
    for r in rules:
        tags.update(r.tags)
        attributes.update(r.attributes)
    return EventRule(", ".join(r.name for r in rules), rules[0].kind, search=search, tags=tags, attributes=attributes)


def _where_arg(call: ast.Call) -> tuple[ast.Expr, ast.WhereArg]:
    if len(call.args) != 2 or not isinstance(call.args[1], ast.WhereArg) or isinstance(call.args[0], ast.WhereArg):
        raise Manual("nrql.unsupported_function", f"{call.name}() takes an aggregation and one WHERE condition")
    inner = call.args[0]
    if isinstance(inner, ast.NamedArg):
        raise Manual("nrql.unsupported_function", f"{call.name}() takes an aggregation first")
    return inner, call.args[1]


def _attribute(arg: ast.Arg | None, fn: str) -> str | None:
    if isinstance(arg, ast.Star) or (arg is None and fn == "count"):
        return None
    if isinstance(arg, ast.Identifier) and arg.field is None:
        return arg.name
    if isinstance(arg, ast.Call) and arg.name.lower() in UNSUPPORTED:
        raise Manual("nrql.unsupported_function", _reason(arg))
    if isinstance(arg, ast.Identifier):
        raise Manual("nrql.metric_field", f"{arg.name}[{arg.field}]: a dimensional metric's field has no Datadog query")
    text = "..." if arg is None or isinstance(arg, ast.WhereArg | ast.NamedArg) else nrql_render.expr(arg)
    raise Manual("nrql.aggregate_expression", f"{fn}({text}): Datadog aggregates stored values, not expressions")


def _number(arg: ast.Arg | None, fn: str) -> float:
    if isinstance(arg, ast.Number):
        return float(arg.value)
    raise Manual("nrql.unsupported_function", f"{fn}() takes a number here")


def _reason(expr: ast.Expr) -> str:
    if isinstance(expr, ast.Call):
        reason = UNSUPPORTED.get(expr.name.lower())
        return reason or f"{expr.name}() has no Datadog equivalent"
    return "Datadog groups by stored tags only"
