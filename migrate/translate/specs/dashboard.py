"""`DashboardSpec` and `WidgetSpec`: a dashboard and its widgets, in the words of no particular source.

Grafana dashboards and panels (later New Relic dashboards, pages and widgets) become these; the dashboard
builder (`migrate.translate.build.dashboard`) is the only code that writes Datadog's dashboard and widget
payloads. Queries are query-tree nodes (`migrate.translate.ddquery`) named as the widget refers to them;
each series is an expression over those names. Positions are Datadog's 12-column grid; a source with
another grid (Grafana's 24 columns) converts before it makes the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from migrate.model import SourceRef
from migrate.translate.ddquery import Node, Query
from migrate.translate.query import SharedLabels


class WidgetKind(StrEnum):
    TIMESERIES = "timeseries"
    QUERY_VALUE = "query_value"
    TOPLIST = "toplist"
    QUERY_TABLE = "query_table"
    HEATMAP = "heatmap"
    SUNBURST = "sunburst"
    NOTE = "note"
    GROUP = "group"


class Display(StrEnum):
    LINE = "line"
    BARS = "bars"
    AREA = "area"


class Severity(StrEnum):
    """What a threshold means, which sets its colour (markers, conditional formats)."""

    ERROR = "error"
    WARNING = "warning"
    OK = "ok"
    INFO = "info"


@dataclass(frozen=True)
class Layout:
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Series:
    """One line, bar or value: an expression over the widget's query names (`q1`, `q1 / q2 * 100`)."""

    expr: Node
    alias: str = ""


@dataclass(frozen=True)
class Unit:
    """A Datadog canonical unit (`byte`, per `second`), or, with `custom`, a free label."""

    name: str
    per: str = ""
    custom: bool = False


@dataclass(frozen=True)
class Threshold:
    value: float
    severity: Severity


@dataclass(frozen=True)
class Legend:
    show: bool = True
    vertical: bool = False
    columns: tuple[str, ...] = ()  # avg, max, min, sum, value


@dataclass(frozen=True)
class WidgetSpec:
    kind: WidgetKind
    title: str = ""
    description: str = ""
    queries: dict[str, Query] = field(default_factory=dict)
    series: tuple[Series, ...] = ()
    display: Display = Display.LINE  # timeseries
    aggregator: str = "last"  # scalar widgets: how a series becomes one value (last, avg, min, max, sum)
    unit: Unit | None = None
    # Timeseries: horizontal markers; query value: conditional formats (value >= threshold).
    thresholds: tuple[Threshold, ...] = ()
    legend: Legend = field(default_factory=Legend)
    y_min: float | None = None
    y_max: float | None = None
    precision: int | None = None  # query value: decimals
    top: int = 10  # toplist: how many series
    text: str = ""  # note: Markdown
    color: str = "white"  # note background
    children: tuple[WidgetSpec, ...] = ()  # group
    layout: Layout | None = None


@dataclass(frozen=True)
class TemplateVariable:
    name: str
    prefix: str | None  # the tag it filters on; None: a free-text variable
    defaults: tuple[str, ...] = ("*",)
    available_values: tuple[str, ...] | None = None


@dataclass(frozen=True)
class DashboardSpec:
    refs: tuple[SourceRef, ...]
    title: str
    description: str = ""
    notes: tuple[str, ...] = ()  # lines for the reader after the description (what changed, source links)
    widgets: tuple[WidgetSpec, ...] = ()
    template_variables: tuple[TemplateVariable, ...] = ()
    # Ordered with fixed reflow keeps the source's positions (Datadog requires layouts then).
    reflow_fixed: bool = True
    source_metrics: tuple[str, ...] = ()
    source_types: tuple[tuple[str, str], ...] = ()  # (source metric, the type its queries read it as)
    shared_labels: tuple[SharedLabels, ...] = ()  # labels bridge mode copies onto the queried series
