"""When alerts fire: Prometheus' own record (`ALERTS{alertname=..., alertstate="firing"}`, the series the rule
evaluator writes; docs prometheus.io configuration/alerting_rules#inspecting-alerts-during-runtime) against
Datadog's own state history of the applied monitor when it has one over the window (dd_history.py: the
Events API v2), else the Datadog monitor evaluated on its Datadog series the way a metric monitor is (docs
monitors/types/metric):
at each step T, per group, the monitor's time aggregation (avg/sum/min/max) over the points of the last
window, compared with the threshold. `change`/`pct_change` monitors are not evaluated (None).

Series are paired on the monitor's group-by tags: an ALERTS series carries the rule's output labels (plus
alertname, alertstate and the rule's own labels, which are dropped), mapped like any Prometheus series.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from migrate.parity.compare import datadog_key, prometheus_key
from migrate.parity.condition import Firing
from migrate.parity.dd_history import alert_states, monitor_events, monitor_id
from migrate.parity.fetch import Answer, datadog_timeseries, prometheus_range
from migrate.sources.http import HttpClient

if TYPE_CHECKING:
    from migrate.parity.check import Sides
    from migrate.parity.targets import Target

_AGGREGATIONS: dict[str, Callable[[list[float]], float]] = {
    "avg": statistics.fmean,
    "sum": math.fsum,
    "min": min,
    "max": max,
}
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


def window_seconds(window: str) -> int:
    """`last_5m` -> 300."""
    amount = window.split("_", 1)[1]
    return int(amount[:-1]) * _UNITS[amount[-1]]


def window_states(
    answer: Answer, seconds: int, times: range, fires: Callable[[list[float]], bool]
) -> dict[str, set[int]]:
    """Per Datadog group key, the evaluation times T at which `fires` holds for the points of the window
    (T - seconds, T]: neutral, for a Datadog monitor's aggregation and for a source's own rule (a New Relic
    term's ALL / AT_LEAST_ONCE) alike."""
    firing: dict[str, set[int]] = {}
    for s in answer.series:
        on = firing.setdefault(datadog_key(s.labels), set())
        points = sorted(s.points.items())
        for t in times:
            # A bucket [b, b + I) belongs to the window (T - seconds, T] when it has ended by T.
            values = [v for b, v in points if t - seconds < b + answer.step <= t]
            if values and fires(values):
                on.add(t)
    return firing


def monitor_states(answer: Answer, aggregation: str, seconds: int, times: range, condition: Any) -> dict[str, set[int]]:
    """Per Datadog group key, the evaluation times T at which the monitor is in alert. Aggregation `last`:
    the series already is the monitor's value (targets.py `evaluated`), read at the bucket ending by T."""
    aggregate = _AGGREGATIONS[aggregation] if aggregation != "last" else None
    return window_states(
        answer, seconds, times, lambda values: bool(condition.holds(aggregate(values) if aggregate else values[-1]))
    )


def agreement(source: dict[str, set[int]], datadog: dict[str, set[int]], times: range) -> Firing:
    """Step by step and group by group: both firing, one only, neither; the first step they disagree."""
    firing = Firing()
    for t in times:
        for key in sorted(source.keys() | datadog.keys()):
            p, d = t in source.get(key, set()), t in datadog.get(key, set())
            if p and d:
                firing.both += 1
            elif p or d:
                firing.only_prometheus += p
                firing.only_datadog += d
                if firing.first_disagreement is None:
                    firing.first_disagreement = t
            else:
                firing.neither += 1
    return firing


def minutes(firing: Firing, step: int, source: str) -> dict[str, Any]:
    """The firing agreement in minutes, the source side named (`minutes_only_prometheus`, `..._newrelic`)."""
    per = step / 60
    return {
        "minutes_both_firing": firing.both * per,
        f"minutes_only_{source}": firing.only_prometheus * per,
        "minutes_only_datadog": firing.only_datadog * per,
        "first_disagreement": firing.first_disagreement,
        "agrees": firing.agrees,
    }


def evaluated_states(sides: Sides, target: Target, times: range) -> tuple[Answer, dict[str, set[int]]] | None:
    """The monitor's Datadog series over the window (and its look-back) and, per group, when its condition holds
    as Datadog evaluates it; None for a monitor this does not evaluate (a forecast's `next_` window, change)."""
    monitor = target.monitor
    if monitor is None or target.condition is None or monitor.time_aggregation not in _AGGREGATIONS:
        return None
    if not monitor.window.startswith("last_"):
        return None  # a forecast monitor compares the predicted future, not the last window's points
    seconds = window_seconds(monitor.window)
    dd = datadog_timeseries(sides.datadog, target.formula, times.start - seconds, times.stop, times.step)
    aggregation = "last" if target.evaluated else monitor.time_aggregation
    return dd, monitor_states(dd, aggregation, seconds, times, target.condition)


def alerts_states(sides: Sides, alertname: str, group_keys: set[str], times: range) -> dict[str, set[int]]:
    """Per group key (the ALERTS series' labels kept when their Datadog tag key is in `group_keys`), the times
    Prometheus recorded the rule firing."""
    selector = f'ALERTS{{alertname="{alertname}",alertstate="firing"}}'
    alerts = prometheus_range(sides.source("prometheus"), selector, times.start, times.stop, times.step)
    prom_on: dict[str, set[int]] = {}
    for s in alerts.series:
        labels = {k: v for k, v in s.labels.items() if _tag_key(k, sides.label_tags) in group_keys}
        prom_on.setdefault(prometheus_key(labels, sides.label_tags), set()).update(t for t in s.points if t in times)
    return prom_on


def compare_alerts(sides: Sides, target: Target, window: tuple[int, int], step: int) -> dict[str, Any] | None:
    times = range(window[0], window[1], step)
    evaluated = evaluated_states(sides, target, times) if target.alertname else None
    if evaluated is None or target.monitor is None or target.alertname is None:
        return None
    dd, states = evaluated
    dd_on, used = datadog_firing(sides.datadog, target.resource, times)
    if dd_on is None:
        dd_on, used = states, EVALUATED
    group_keys = {k.split(":", 1)[0] for s in dd.series for k in datadog_key(s.labels).split(",") if ":" in k}
    prom_on = alerts_states(sides, target.alertname, group_keys, times)
    out = minutes(agreement(prom_on, dd_on, times), step, "prometheus")
    out["monitor"] = f"{target.monitor.time_aggregation}({target.monitor.window})"
    out["datadog_firing"] = used
    return out


EVALUATED = "the monitor's condition evaluated on the Datadog series"
EVENTS = "the monitor's state history (GET /api/v2/events)"


def datadog_firing(client: HttpClient, resource: str, times: range) -> tuple[dict[str, set[int]] | None, str]:
    """When the applied monitor was in alert by Datadog's own events; None when it is not applied or has no
    event over the window (then the condition is evaluated on the series instead)."""
    ident = monitor_id(client, resource)
    events = monitor_events(client, ident, times.start, times.stop) if ident is not None else []
    return (alert_states(events, times), EVENTS) if events else (None, EVALUATED)


def _tag_key(label: str, label_tags: dict[str, str | None]) -> str:
    return (label_tags.get(label, label) or "").lower()
