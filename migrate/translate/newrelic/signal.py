"""A NRQL condition's signal and terms → the monitor condition (`MonitorQuery`): window, time aggregation,
rollup, fill, anomalies and outliers.

New Relic aggregates the NRQL result per aggregation window (60 s unless `signal.aggregationWindow` says
otherwise) and opens a violation when the term's operator holds for ALL windows in `thresholdDuration`, or
AT_LEAST_ONCE in it. Datadog evaluates `<aggr>(last_<duration>)` over the query's points, so:
- the window is the term's duration (prometheus/monitor_query.window_for: whole minutes, clamped);
- ALL is the min of the points for ABOVE and the max for BELOW; AT_LEAST_ONCE the opposite
  (docs monitors/configuration: "For monitors that alert when below the threshold, the max and min behavior is
  reversed");
- each metric query is rolled up per aggregation window (`.rollup(<method>, N)`: NR's windows are clock-aligned
  buckets, as Datadog's rollup buckets are), with the method of its space aggregation;
- a count (`.as_count()`, which Datadog evaluates with `sum` only) keeps `sum(last_<duration>)` when one window
  spans the duration (exact); else it becomes its per-second rate * window seconds per bucket, so min/max can
  look at each window's count (approximate: a rate over sparse counts may differ);
- `fillOption` LAST_VALUE → `.fill(last)`, STATIC 0 → `.fill(zero)`; another static value has no fill form.
Log and RUM monitors count over their whole window: exact only when one aggregation window spans it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from migrate.model import Finding
from migrate.translate.ddquery import (
    AsCount,
    AsRate,
    BinOp,
    Call,
    Fill,
    Formula,
    LogQuery,
    MetricQuery,
    MonitorQuery,
    Node,
    Number,
    Query,
    Ref,
    Rollup,
    RumQuery,
    substitute,
)
from migrate.translate.prometheus.monitor_query import Window, window_for

OPERATORS = {
    "ABOVE": ">",
    "ABOVE_OR_EQUALS": ">=",
    "BELOW": "<",
    "BELOW_OR_EQUALS": "<=",
    "EQUALS": "==",
    "NOT_EQUALS": "!=",
}
_ALL = {">": "min", ">=": "min", "<": "max", "<=": "max", "==": "max", "!=": "min"}
_ONCE = {">": "max", ">=": "max", "<": "min", "<=": "min", "==": "min", "!=": "max"}
_ROLLUP = {"sum": "sum", "max": "max", "min": "min"}  # other space aggregations roll up with avg
DEFAULT_WINDOW_S = 60  # NR's aggregation window when the condition sets none
DIRECTIONS = {"UPPER_ONLY": "above", "LOWER_ONLY": "below", "UPPER_AND_LOWER": "both"}
SEASONALITY = {"HOURLY": "hourly", "DAILY": "daily", "WEEKLY": "weekly"}


@dataclass
class Term:
    comparator: str
    threshold: float
    duration_s: float
    all_windows: bool  # ALL (True) or AT_LEAST_ONCE

    @classmethod
    def read(cls, raw: dict[str, Any]) -> Term:
        operator = str(raw.get("operator") or "ABOVE")
        if operator not in OPERATORS:
            raise ValueError(f"operator {operator!r} is not one of {', '.join(OPERATORS)}")
        threshold = raw.get("threshold")
        if not isinstance(threshold, int | float) or isinstance(threshold, bool):
            raise ValueError(f"threshold {threshold!r} is not a number")
        duration = raw.get("threshold_duration")
        return cls(
            OPERATORS[operator],
            float(threshold),
            float(duration) if isinstance(duration, int | float) and duration > 0 else 300.0,
            str(raw.get("threshold_occurrences") or "ALL") != "AT_LEAST_ONCE",
        )

    @property
    def aggregation(self) -> str:
        return (_ALL if self.all_windows else _ONCE)[self.comparator]


@dataclass
class Shaped:
    condition: MonitorQuery
    window: Window
    findings: list[Finding] = field(default_factory=list)


def _metric(q: Query, seconds: float, fill: Fill | None) -> Query:
    """The query rolled up per aggregation window (percentiles of a distribution are not: a rollup of a
    percentile is no percentile), then gap-filled."""
    if not isinstance(q, MetricQuery):
        return q
    modifiers = list(q.modifiers)
    if not any(isinstance(m, Rollup) for m in modifiers) and not q.space.startswith("p"):
        modifiers.append(Rollup(_ROLLUP.get(q.space, "avg"), seconds))
    if fill is not None:
        modifiers.append(fill)
    return replace(q, modifiers=tuple(modifiers))


def _fill(signal: dict[str, Any], findings: list[Finding]) -> Fill | None:
    option = str(signal.get("fill_option") or "NONE")
    if option == "LAST_VALUE":
        return Fill("last")
    if option == "STATIC":
        value = signal.get("fill_value")
        if value in (0, 0.0, None):
            return Fill("zero")
        findings.append(
            Finding("newrelic.fill_static", f"gaps filled with {value} in NR; Datadog fills with zero, last or null")
        )
    return None


def _counts(formula: Formula) -> bool:
    return any(isinstance(q, MetricQuery) and AsCount() in q.modifiers for q in formula.queries.values())


def _per_window(formula: Formula, seconds: float) -> Node:
    """Each `.as_count()` query as its per-second rate * the window: the count per window, point by point."""
    nodes: dict[str, Node] = {}
    for name, q in formula.queries.items():
        if isinstance(q, MetricQuery) and AsCount() in q.modifiers:
            # the count per window is the window's average per-second rate times its length
            modifiers = (
                AsRate() if m == AsCount() else Rollup("avg", m.seconds) if isinstance(m, Rollup) else m
                for m in q.modifiers
            )
            rated = replace(q, modifiers=tuple(modifiers))
            nodes[name] = BinOp(rated, "*", Number(seconds))
        else:
            nodes[name] = q
    return substitute(formula.expr, nodes)


def shape(formula: Formula, term: Term, signal: dict[str, Any], *, kind: str, condition: dict[str, Any]) -> Shaped:
    """The monitor condition for a STATIC, BASELINE or OUTLIER condition's critical term."""
    findings: list[Finding] = []
    window = window_for(term.duration_s, 300)
    findings += window.findings
    agg_s = float(signal.get("aggregation_window") or DEFAULT_WINDOW_S)
    fill = _fill(signal, findings)
    events = all(isinstance(q, LogQuery | RumQuery) for q in formula.queries.values())
    if events:
        if agg_s < term.duration_s:
            findings.append(
                Finding(
                    "newrelic.event_window",
                    f"NR compared each {agg_s:g} s window ({'all' if term.all_windows else 'at least one'} of them "
                    f"in {term.duration_s:g} s); a log or RUM monitor compares the whole window's value",
                )
            )
        single = len(formula.queries) == 1 and isinstance(formula.expr, Ref)
        expression: Node | Formula = next(iter(formula.queries.values())) if single else formula
        return Shaped(MonitorQuery("", window.text, expression, term.comparator, term.threshold), window, findings)
    queries = {n: _metric(q, agg_s, fill) for n, q in formula.queries.items()}
    rolled = Formula(queries, formula.expr)
    if kind in ("BASELINE", "OUTLIER"):
        # anomalies() and outliers() are averaged over the window, which .as_count() does not allow
        node = _per_window(rolled, agg_s) if _counts(rolled) else rolled.inline()
        if kind == "BASELINE":
            return _baseline(node, term, condition, window, agg_s=agg_s, findings=findings)
        return _outlier(node, window, findings)
    aggregation = term.aggregation
    if _counts(rolled):
        if agg_s >= term.duration_s:
            aggregation = "sum"
            node = rolled.inline()
        else:
            node = _per_window(rolled, agg_s)
            findings.append(
                Finding(
                    "newrelic.count_per_window",
                    f"counts per {agg_s:g} s window are the per-second rate * {agg_s:g} (Datadog evaluates "
                    f".as_count() with sum only, which cannot look at each window)",
                )
            )
    else:
        node = rolled.inline()
    if term.comparator in ("==", "!="):
        findings.append(
            Finding(
                "newrelic.equality_aggregation",
                f"`{term.comparator}` over a window has no exact Datadog aggregate; `{aggregation}` of the points is "
                "exact only when the threshold is the lowest value the signal takes",
            )
        )
    return Shaped(MonitorQuery(aggregation, window.text, node, term.comparator, term.threshold), window, findings)


def _baseline(
    node: Node, term: Term, condition: dict[str, Any], window: Window, *, agg_s: float, findings: list[Finding]
) -> Shaped:
    """anomalies(<q>, algorithm, bounds, direction, alert_window, interval): NR's threshold is the number of
    standard deviations (Datadog's bounds); ALL → every point of the alert window anomalous (1.0), AT_LEAST_ONCE
    → one interval's worth of it."""
    direction = DIRECTIONS.get(str(condition.get("baseline_direction") or "UPPER_ONLY"), "above")
    seasonality = str(condition.get("signal_seasonality") or "NEW_RELIC_CALCULATION")
    kwargs: dict[str, str | float] = {
        "direction": direction,
        "alert_window": window.text,
        "interval": int(agg_s),
        "count_default_zero": "true",
    }
    algorithm = "agile"
    if seasonality == "NONE":
        algorithm = "basic"
    elif seasonality in SEASONALITY:
        kwargs["seasonality"] = SEASONALITY[seasonality]
    else:
        findings.append(
            Finding(
                "newrelic.baseline_seasonality",
                "NR picks the seasonality itself; Datadog's agile algorithm uses weekly seasonality (needs 3 weeks "
                "of history)",
            )
        )
    if agg_s * 5 > window.minutes * 60:
        findings.append(
            Finding(
                "newrelic.baseline_interval", f"anomalies() wants interval ≤ alert window / 5 (interval {agg_s:g} s)"
            )
        )
    points = max(1.0, window.minutes * 60 / agg_s)
    share = 1.0 if term.all_windows else round(max(0.01, 1 / points), 2)
    call = Call("anomalies", node, algorithm, term.threshold, **kwargs)
    findings.append(
        Finding(
            "newrelic.baseline",
            f"NR baseline ({term.threshold:g} standard deviations, {direction}) became Datadog's {algorithm} anomaly "
            "detection: the models differ, so alerts differ at the edges",
        )
    )
    return Shaped(MonitorQuery("avg", "last_4h", call, ">=", share), window, findings)


def _outlier(node: Node, window: Window, findings: list[Finding]) -> Shaped:
    findings.append(
        Finding(
            "newrelic.outlier",
            "NR outlier detection became Datadog's outliers(..., 'dbscan', 3) over the query's groups; the algorithms "
            "differ, tune the tolerance",
        )
    )
    aggregation = "avg"
    return Shaped(
        MonitorQuery(aggregation, window.text, Call("outliers", node, "dbscan", 3.0), ">", 0.0), window, findings
    )
