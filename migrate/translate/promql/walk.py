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
from migrate.translate.ddquery import Filter, number
from migrate.translate.ddquery.render import scope
from migrate.translate.promql import tables as t
from migrate.translate.promql.vars import DEFAULTED_RANGES
from migrate.translate.query import QueryContext, RangeWindow

ATOM = 9  # precedence of a formula that never needs parentheses


class Manual(Exception):
    """Raised inside the walker when the expression cannot be expressed in Datadog at all."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Val:
    formula: str = ""
    scalar: float | None = None
    query: Query | None = None  # the one query functions may still mutate (formula commutes)
    linear: Query | None = None  # the one query under a linear formula: sum/avg commute with it
    queries: list[Query] = field(default_factory=list)
    range_s: float | None = None  # set for range vectors (matrix selectors, subqueries)
    prec: int = ATOM
    group_by: list[str] | None = None  # Datadog tags of the result; None: not aggregated


class Moving(NamedTuple):
    """A range function a monitor keeps as `moving_rollup(<query>, seconds, 'method')`."""

    function: str
    method: str
    seconds: float
    after_space: bool  # the series were already aggregated (inside the range function), as PromQL does too


@dataclass
class Query:
    """The walker's mutable metric query: functions and aggregations change it while that is exact."""

    metric: str
    filters: list[Filter] = field(default_factory=list)
    space: str = ""  # avg | sum | min | max | pNN; "" until an aggregation (or the default) sets it
    group_by: list[str] | None = None  # None: not aggregated yet
    functions: list[str] = field(default_factory=list)  # suffixes: ".as_rate()", ".rollup(sum, 300)"
    source: str = ""
    kind: str = t.GAUGE
    kind_known: bool = True
    percentile: str = ""  # set by histogram_quantile on a bucket query
    # Monitors: trailing windows applied as moving_rollup() around the query, innermost first
    moving: list[Moving] = field(default_factory=list)

    def render(self) -> str:
        text = f"{self.space or 'avg'}:{self.metric}{{{scope(self.filters)}}}"
        if self.group_by:
            text += " by {" + ",".join(self.group_by) + "}"
        return text + "".join(self.functions)


class WalkerBase:
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
        self.queries: list[Query] = []
        self.inlining: list[str] = []  # recording rules being inlined (cycle detection)
        self.pushed: list[Any] = []  # matchers on a recorded series, pushed into its expression
        self.default_group_by = list(ctx.default_group_by)
        self.monitor = ctx.monitor
        self.ranges: list[RangeWindow] = []

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


def strip(node: Any) -> Any:
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node


def ref(q: Query) -> str:
    """A query's placeholder in a formula until `finish` names the queries `a`, `b`, ..."""
    return f"\x00{id(q)}\x00"


def wrap(value: Val, prec: int) -> str:
    return f"({value.formula})" if value.prec < prec else value.formula
