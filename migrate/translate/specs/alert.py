"""`AlertSpec`: one alert condition, in the words of no particular source.

A Prometheus rule (or a warning/critical pair), a New Relic NRQL condition or a toy source's check all
become one of these; the monitor builder (`migrate.translate.build.monitor`) is the only code that writes
Datadog's monitor payload. The condition is a query tree (`migrate.translate.ddquery`): the comparator
and critical threshold live in it, so the payload's query and `options.thresholds.critical` cannot
disagree. What kind of monitor it becomes follows from the condition (`AlertSpec.kind`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from migrate.model import SourceRef
from migrate.translate.ddquery import Call, Formula, LogQuery, MonitorQuery, RumQuery, ServiceCheckQuery
from migrate.translate.ddquery.composite import CompositeNode
from migrate.translate.query import SharedLabels
from migrate.translate.specs.message import MessageSpec


class MonitorKind(StrEnum):
    METRIC = "metric"
    FORECAST = "forecast"
    ANOMALY = "anomaly"
    OUTLIER = "outlier"
    LOG = "log"
    RUM = "rum"
    SERVICE_CHECK = "service_check"


_CALL_KINDS = {"forecast": MonitorKind.FORECAST, "anomalies": MonitorKind.ANOMALY, "outliers": MonitorKind.OUTLIER}


@dataclass(frozen=True)
class Thresholds:
    """A metric, log or RUM monitor's critical threshold is its condition's own, so `critical` is only for
    service checks, whose thresholds are counts of check runs (CRITICAL runs that alert, OK runs that
    resolve)."""

    critical: float | None = None
    warning: float | None = None
    critical_recovery: float | None = None
    warning_recovery: float | None = None
    ok: float | None = None  # service checks: OK runs that resolve


@dataclass(frozen=True)
class NoData:
    notify: bool = False
    timeframe_minutes: int | None = None  # Datadog advises at least 2x the evaluation window


@dataclass(frozen=True)
class AnomalyWindows:
    """How long a series must be anomalous to trigger, and normal to recover (`last_15m`, ...)."""

    trigger: str
    recovery: str


@dataclass(frozen=True)
class Original:
    """The source's own text for a manual placeholder's message, kept verbatim, with lines about it
    (its annotations, its description)."""

    language: str  # PromQL, NRQL, ...
    ref_key: str
    text: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Manual:
    """Why no working monitor could be built; the builder writes a muted placeholder instead.

    The placeholder's condition is the spec's (the best partial translation, or a stand-in on a metric
    the source uses) or, when there is none, a query that never alerts; `query_note` says which."""

    reason: str
    what: str  # the source object's noun, e.g. "Prometheus alert"
    originals: tuple[Original, ...] = ()
    query_note: str = ""


@dataclass(frozen=True)
class AlertSpec:
    refs: tuple[SourceRef, ...]
    name: str
    condition: MonitorQuery | ServiceCheckQuery | None  # None only for a Manual placeholder
    thresholds: Thresholds = field(default_factory=Thresholds)
    window_note: str = ""  # how the evaluation window was derived (for the ledger and report)
    no_data: NoData = field(default_factory=NoData)
    require_full_window: bool | None = None
    evaluation_delay_s: int | None = None
    new_group_delay_s: int | None = None
    renotify_minutes: int | None = None
    timeout_h: int | None = None
    # A grouped monitor notifies per group; `("*",)` makes it notify once for the monitor as a simple alert
    # does (Datadog's `options.notify_by`, grouped monitors only), a subset of the groups per such group.
    notify_by: tuple[str, ...] = ()
    anomaly: AnomalyWindows | None = None
    message: MessageSpec = field(default_factory=MessageSpec)
    tags: tuple[str, ...] = ()
    priority: int | None = None
    manual: Manual | None = None
    source_metrics: tuple[str, ...] = ()  # the source's metric names its queries read (bridge mode)
    source_types: tuple[tuple[str, str], ...] = ()  # (source metric, the type its queries read it as)
    shared_labels: tuple[SharedLabels, ...] = ()  # labels bridge mode copies onto the queried series
    part: str = ""  # one operand of a CompositeSpec (its own key, derived from the composite's, ownership.part_key)

    @property
    def kind(self) -> MonitorKind:
        condition = self.condition
        if isinstance(condition, ServiceCheckQuery):
            return MonitorKind.SERVICE_CHECK
        if condition is None:
            return MonitorKind.METRIC
        expression = condition.expression
        queries = list(expression.queries.values()) if isinstance(expression, Formula) else [expression]
        if all(isinstance(q, LogQuery) for q in queries):
            return MonitorKind.LOG
        if all(isinstance(q, RumQuery) for q in queries):
            return MonitorKind.RUM
        if isinstance(expression, Call) and expression.name in _CALL_KINDS:
            return _CALL_KINDS[expression.name]
        return MonitorKind.METRIC  # a formula over other queries is refused by the builder


@dataclass(frozen=True)
class CompositeSpec:
    """Boolean conditions over other alerts (`a && !b`): one Datadog composite monitor over one monitor per part.

    `parts` are the operands' AlertSpecs (each with its `part` name, written without notifications: a composite's
    constituents are evaluated, the composite notifies); `expression` names them by part (`MonitorOperand("a")`)."""

    refs: tuple[SourceRef, ...]
    name: str
    expression: CompositeNode
    parts: tuple[AlertSpec, ...]
    message: MessageSpec = field(default_factory=MessageSpec)
    tags: tuple[str, ...] = ()
    priority: int | None = None
    new_group_delay_s: int | None = None
