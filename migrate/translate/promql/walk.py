"""What the PromQL walker's parts share: the value each node becomes, the query it mutates, the
walk's state.

The walker (`promql._Walker`) is one class assembled from a mixin per node family, each in its own
module over `WalkerBase`: `promql/selectors` (selectors, matchers → tags, metric identity),
`promql/functions`, `promql/aggregate`, `promql/binary`; `promql/translate` holds the entry point, the
root of an expression and the dispatch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import promql_parser as pp

from migrate.model import Finding, Outcome
from migrate.translate.ddquery import Filter, MetricQuery, Modifier, Node, Number, Ref, number
from migrate.translate.promql import tables as t
from migrate.translate.promql.context import PromqlContext
from migrate.translate.promql.labels import COLLISION_PREFIX, Collision, tag_collisions
from migrate.translate.promql.vars import DEFAULTED_RANGES
from migrate.translate.query import QueryContext, RangeWindow, SharedLabels

# What identifies a series when nothing else says (mappings prometheus.series_labels): the scrape target.
SERIES_LABELS = ("instance",)


class Manual(Exception):
    """Raised inside the walker when the expression cannot be expressed in Datadog at all."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(slots=True)
class Val:
    """What a PromQL node becomes: a Datadog expression (`Ref`s to the walk's queries, named in creation order)."""

    formula: Node
    scalar: float | None = None
    query: Query | None = None  # the one query functions may still mutate (formula commutes)
    linear: Query | None = None  # the one query under a linear formula: sum/avg commute with it
    queries: list[Query] = field(default_factory=list)
    range_s: float | None = None  # set for range vectors (matrix selectors, subqueries)
    group_by: list[str] | None = None  # Datadog tags of the result; None: not aggregated


class Moving(NamedTuple):
    """A range function a monitor keeps as `moving_rollup(<query>, seconds, 'method')`."""

    function: str
    method: str
    seconds: float
    after_space: bool  # the series were already aggregated (inside the range function), as PromQL does too


@dataclass(slots=True)
class Query:
    """The walker's mutable metric query: functions and aggregations change it while that is exact."""

    name: str  # its name in the result's formula (`a`, `b`, ...)
    metric: str
    filters: list[Filter] = field(default_factory=list)
    space: str = ""  # avg | sum | min | max | pNN; "" until an aggregation (or the default) sets it
    group_by: list[str] | None = None  # None: not aggregated yet
    modifiers: list[Modifier] = field(default_factory=list)  # .as_rate(), .rollup(sum, 300), ...
    source: str = ""
    kind: str = t.GAUGE
    kind_known: bool = True
    percentile: str = ""  # set by histogram_quantile on a bucket query
    # labels the selector's regex and negative matchers leave open: they tell the selected series apart
    open_labels: list[str] = field(default_factory=list)
    # Monitors: trailing windows applied as moving_rollup() around the query, innermost first
    moving: list[Moving] = field(default_factory=list)

    @property
    def ref(self) -> Ref:
        return Ref(self.name)

    def node(self) -> MetricQuery:
        """The frozen tree node. A template variable term keeps no key: Datadog's text has none (the dashboard's
        variable declares the tag), and the tree is what the text says."""
        filters = tuple(self.filters)
        if any(f.op == "var" for f in filters):
            filters = tuple(Filter("", f.op, f.values) if f.op == "var" else f for f in filters)
        return MetricQuery(self.metric, filters, self.space or "avg", tuple(self.group_by or ()), tuple(self.modifiers))


@dataclass(frozen=True)
class _Settings:
    """What the walker reads from the mappings, read once per mappings section and Prometheus context rather
    than once per expression (the label collisions alone cost a tenth of a translation)."""

    section: dict[str, Any]  # the `prometheus` mappings section these were read from (identity checked)
    prom: PromqlContext
    label_tags: dict[str, str | None]
    namespace: str
    distributions: bool
    mapped_types: dict[str, str]
    server_labels: set[str]
    series_labels: list[str]
    collisions: dict[str, Collision]


def _settings(ctx: QueryContext, prom_ctx: PromqlContext) -> _Settings:
    prom = ctx.mappings.section("prometheus")
    cached = ctx.parts.get(_Settings)
    if isinstance(cached, _Settings) and cached.section is prom and cached.prom is prom_ctx:
        return cached
    label_tags: dict[str, str | None] = prom.get("label_tags") or {}
    server_labels = set(prom.get("server_labels") or ctx.mappings.server_labels) | prom_ctx.relabelled
    settings = _Settings(
        section=prom,
        prom=prom_ctx,
        label_tags=label_tags,
        namespace=str(prom.get("namespace", "")),
        distributions=bool(prom.get("histogram_buckets_as_distributions", False)),
        mapped_types=prom.get("metric_types") or {},
        server_labels=server_labels,
        series_labels=list(prom.get("series_labels") or SERIES_LABELS),
        collisions=tag_collisions(label_tags, server_labels, str(prom.get("collision_prefix") or COLLISION_PREFIX)),
    )
    ctx.parts[_Settings] = settings
    return settings


class WalkerBase:
    def __init__(self, ctx: QueryContext) -> None:
        self.ctx = ctx
        self.prom = ctx.part(PromqlContext)
        settings = _settings(ctx, self.prom)
        self.label_tags = settings.label_tags
        self.namespace = settings.namespace
        self.distributions = settings.distributions
        self.mapped_types = settings.mapped_types
        self.server_labels = settings.server_labels
        self.series_labels = settings.series_labels
        self.collisions = settings.collisions
        self.findings: list[Finding] = []
        self.source_metrics: list[str] = []
        self.shared: list[SharedLabels] = []  # info-metric joins' labels bridge mode copies (promql/info_join)
        self.root: Any = None  # the parsed expression and its text, for `reads`
        self.text = ""
        self._walked: frozenset[str] | None = None
        self.queries: list[Query] = []
        self.inlining: list[str] = []  # recording rules being inlined (cycle detection)
        self.pushed: list[Any] = []  # matchers on a recorded series, pushed into its expression
        self.default_group_by = list(ctx.default_group_by)
        self.monitor = ctx.monitor
        self.ranges: list[RangeWindow] = []

    def reads(self, name: str) -> bool:
        """Whether metric `name` is read here or elsewhere (tables.family_part). A name the expression selects
        is in its text, so the text rules most names out; walking the expression costs more than parsing it,
        and is done at most once, only for a name the text holds."""
        if name in self.prom.metric_names:
            return True
        if name not in self.text:
            return False
        if self._walked is None:
            self._walked = selected_names(self.root)
        return name in self._walked

    def note(self, code: str, message: str, outcome: Outcome = Outcome.APPROXIMATE) -> None:
        self.findings.append(Finding(code, message, outcome))

    def visit(self, node: Any) -> Val:
        """The dispatch over node kinds, defined by the assembled walker (promql._Walker)."""
        raise NotImplementedError

    def scalar(self, value: Val, fn: str) -> float:
        if value.scalar is None:
            raise Manual("promql.unsupported_function", f"{fn}() with a non-constant parameter")
        return value.scalar

    def range_seconds(self, value: Val) -> float:
        if value.range_s is None:
            raise Manual("promql.unsupported_expression", "a range function without a range")
        seconds = round(value.range_s, 3)
        if seconds in DEFAULTED_RANGES:
            seconds = DEFAULTED_RANGES[seconds]
            self.note("promql.interval_variable", f"a range variable without a value became {number(seconds)}s")
        return seconds


def query_name(index: int) -> str:
    """The name of the walk's index-th query in the result: `a` .. `z`, then `q26`, ..."""
    return chr(ord("a") + index) if index < 26 else f"q{index}"


def constant(value: float) -> Val:
    return Val(formula=Number(value), scalar=value)


def strip(node: Any) -> Any:
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node


def selected_names(node: Any) -> frozenset[str]:
    """Metric names the selectors under `node` read (see `vector_selectors`)."""
    return frozenset(n.name for n in vector_selectors(node) if n.name)


def vector_selectors(node: Any) -> list[Any]:
    """The vector selectors under `node`, in the order `promql_parser.walk` visits them (depth first, left to
    right). A loop over the node kinds that hold expressions rather than `promql_parser.walk`, whose callback
    per node cost more than parsing (12x slower on the corpus)."""
    found: list[Any] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, pp.VectorSelector):
            found.append(n)
        elif isinstance(n, pp.MatrixSelector):
            stack.append(n.vector_selector)
        elif isinstance(n, pp.BinaryExpr):
            stack += (n.rhs, n.lhs)  # popped lhs first
        elif isinstance(n, pp.Call):
            stack += reversed(n.args)
        elif isinstance(n, pp.AggregateExpr):
            stack += [n.expr] if n.param is None else [n.expr, n.param]
        elif isinstance(n, pp.ParenExpr | pp.UnaryExpr | pp.SubqueryExpr):
            stack.append(n.expr)
    return found
