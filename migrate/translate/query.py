"""What every query-language translator returns, and the context it reads.

A translated query is a query tree `Formula` (ddquery/tree): named Datadog queries and an expression over
them, so the same result serves a monitor (`Formula.inline()`, its text `expression`) and a dashboard widget
(queries + formula). Text comes only from ddquery/render.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from migrate.mappings import Mappings
from migrate.model import Finding, Outcome
from migrate.translate.ddquery import Formula, Node, Query, render

P = TypeVar("P")


@dataclass(frozen=True)
class Comparison:
    """The top-level comparison of an alert expression, e.g. `X > 0.05`. Datadog puts it in the
    monitor query and in `options.thresholds`."""

    op: str  # one of > >= < <= == !=
    threshold: float


@dataclass(frozen=True)
class RangeWindow:
    """A range function's trailing window (`rate(x[R])`, `avg_over_time(x[R])`, ...) and how the Datadog
    expression keeps it: `difference` is "" when it computes over the same trailing R (a monitor's
    `moving_rollup`, `increase`'s count window), else what it computes instead. Alerts report the
    differences (alert.range_window); dashboards graph per rollup interval by design."""

    function: str
    seconds: float
    difference: str = ""


@dataclass(frozen=True)
class TimeFrame:
    """The time range a source query names itself (NRQL `SINCE`/`UNTIL`), for the widget or monitor builder:
    seconds back from now (`since_seconds` .. `until_seconds`, None: now), or fixed epoch-millisecond bounds;
    `text` as written (`today`, `this week`) when it is a calendar name no span expresses."""

    since_seconds: float | None = None
    until_seconds: float | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    text: str = ""


@dataclass(frozen=True)
class SharedLabels:
    """Labels the collector must copy onto the queried series from another series they join, at collection
    (bridge mode: the OpenMetrics check's `share_labels`): `labels` of `metric`'s series, onto every series
    sharing its `match` labels."""

    metric: str
    labels: tuple[str, ...]
    match: tuple[str, ...]


@dataclass
class QueryResult:
    original: str
    formula: Formula | None = None  # e.g. `a / b * 100` over queries a, b; None when nothing could be produced
    findings: list[Finding] = field(default_factory=list)
    comparison: Comparison | None = None
    group_by: list[str] = field(default_factory=list)  # Datadog tag keys of the result
    metrics: list[str] = field(default_factory=list)  # Datadog metric names referenced
    source_metrics: list[str] = field(default_factory=list)  # source (e.g. Prometheus) metric names
    # source metric name -> the type the translation reads it as (bridge mode tells the Agent the same)
    source_types: dict[str, str] = field(default_factory=dict)
    shared_labels: list[SharedLabels] = field(default_factory=list)  # what the queries' tags need (bridge mode)
    no_data_alert: bool = False  # e.g. PromQL absent(): alert when the data stops arriving
    # e.g. PromQL predict_linear(): the formula is a forecast() and a monitor looks this many seconds ahead
    forecast_seconds: float | None = None
    ranges: list[RangeWindow] = field(default_factory=list)  # range functions' windows, see RangeWindow
    # Series a widget shows beside `formula`, over the same queries (several NRQL SELECT items, several
    # percentiles, COMPARE WITH's time-shifted copies); `labels` names each of `formulas` ("": none).
    more_formulas: list[Formula] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    time_frame: TimeFrame | None = None  # the source's own time range (None: the widget's or monitor's)
    interval_seconds: float | None = None  # the graph bucket the source asks for (NRQL TIMESERIES 5 minutes)
    over_time: bool = False  # a series over time (NRQL TIMESERIES), else one value per group
    shift_seconds: float | None = None  # the time shift of the compared copies in `more_formulas`
    limit: int | None = None  # how many groups the source shows (NRQL LIMIT, 10 by default with FACET)

    @property
    def fidelity(self) -> Outcome:
        return Outcome.worst(*(f.outcome for f in self.findings))

    @property
    def notes(self) -> list[str]:
        return [f.message for f in self.findings]

    @property
    def formulas(self) -> list[Formula]:
        """`formula` and `more_formulas`, in order ([] when nothing could be produced)."""
        return [self.formula, *self.more_formulas] if self.formula is not None else []

    @property
    def queries(self) -> dict[str, Query]:
        """The named queries, in order ({} when nothing could be produced)."""
        return self.formula.queries if self.formula is not None else {}

    @property
    def inline(self) -> Node | None:
        """The formula with every query name replaced by its query, as a metric monitor's query needs it."""
        return self.formula.inline() if self.formula is not None else None

    @property
    def expression(self) -> str:
        """The text of `inline` ("" when nothing could be produced): for messages, reports and merge keys."""
        return render(self.formula.inline()) if self.formula is not None else ""


@dataclass
class QueryContext:
    """What a query translator reads besides the query. Source-specific knowledge (PromQL's metric types
    and recording rules, later New Relic's event types) is a typed part a source's front end contributes
    (`Translator.context`), looked up by its class: this module names no source."""

    mappings: Mappings
    variables: dict[str, str] = field(default_factory=dict)  # template variables, e.g. Grafana's
    # `variables` names every variable the target defines (a Grafana dashboard's templating): any other
    # `$name` is undefined there, and a Datadog template variable of that name would not exist either.
    variables_closed: bool = False
    # Source labels to group by when the expression does not aggregate (Datadog always does), e.g. the
    # labels an alert's annotations reference. Also the label list `without (...)` is taken from.
    default_group_by: list[str] = field(default_factory=list)
    # The expression becomes a metric monitor's query: range functions keep their trailing window with
    # moving_rollup() (promql.py), where a widget graphs per rollup interval.
    monitor: bool = False
    parts: dict[type, Any] = field(default_factory=dict)

    def part(self, kind: type[P]) -> P:
        """The part of that class, created empty on first use (a query translated without its source's
        inventory still gets a working, empty context)."""
        found = self.parts.get(kind)
        if found is None:
            found = self.parts[kind] = kind()
        return cast(P, found)
