"""Monitor rules Datadog enforces beyond the v1 schema (`check`, the declared `rules` of MONITOR in
monitors.py; each message starts with the JSON path):

- Metric monitors: `time_aggr(last_#<unit>):expression operator threshold` (or a formula), window limits,
  the query's threshold equal to `options.thresholds.critical`, warning and recovery on the right side.
- Service check monitors (v1 API "Service Check Query"): `"check".over(tags)[.exclude(tags)].by(group)
  .last(count).count_by_status()`; `over` not blank, `group` required, `count` 1-100 and at least every
  threshold; thresholds are counts of check runs (critical ≥ 1).
- Metric monitor functions: `.as_count()` only with the `sum` time aggregation ("Aggregation methods other than sum
  cannot be used with .as_count()", docs monitors/guide/as-count-in-monitor-evaluations); `cumsum()` and
  `integral()` are visual functions that depend on the graph's time frame (docs dashboards/functions/
  arithmetic: "should be avoided in monitor queries").
- Forecast monitors (docs monitors/types/forecasts, API section): `max|min(next_<window>):forecast(query,
  'linear'|'seasonal', deviations ≥ 1, interval=<seconds>, ...) >= | <= threshold`, `max` with `>=` and
  `min` with `<=`; `anomalies`, `cumsum`, `integral`, `outliers`, `piecewise_constant`, `robust_trend` and
  `trend_line` cannot be nested in it; the alert window is 12 hours to 3 months.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from migrate.datadog import payload_rules
from migrate.datadog.payload_rules import as_dict, number
from migrate.translate.ddquery import composite

_TAG_LIST = r'"[^"]+"(?:\s*,\s*"[^"]+")*'
SERVICE_CHECK_RE = re.compile(
    rf'^\s*"(?P<check>[^"]+)"\.over\((?P<over>{_TAG_LIST})?\)(?:\.exclude\((?P<exclude>{_TAG_LIST})\))?'
    rf"(?:\.by\((?P<by>{_TAG_LIST})\))?\.last\((?P<count>\d+)\)\.count_by_status\(\)\s*$"
)
MAX_CHECK_RUNS = 100
MAX_COMPOSITE_PARTS = 10
VISUAL_FUNCTIONS = ("cumsum", "integral")
NOT_IN_FORECAST = ("anomalies", "cumsum", "integral", "outliers", "piecewise_constant", "robust_trend", "trend_line")
_FORECAST_RE = re.compile(
    r"^forecast\((?P<inner>.*),\s*'(?P<algorithm>linear|seasonal)',\s*(?P<dev>[\d.]+)"
    r"(?P<kwargs>(?:,\s*\w+=(?:'[^']*'|[\w.]+))*)\)$",
    re.DOTALL,
)
_NEXT_RE = re.compile(r"^next_(\d+)(h|d|w|mo)$")
_HOURS = {"h": 1, "d": 24, "w": 168, "mo": 24 * 30}
FORECAST_MIN_HOURS, FORECAST_MAX_HOURS = 12, 24 * 90
_NUM = r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QUERY_RE = re.compile(
    r"^\s*(?:(?P<aggr>avg|sum|min|max|percentile\(p?[\d.]+\))\((?P<window>\w+)\)"
    r"|(?P<change>change|pct_change)\((?:avg|sum|min|max)\((?P<cwindow>\w+)\),\s*(?P<shift>\w+)\))"
    rf":(?P<expr>.+?)\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<threshold>{_NUM}|threshold)\s*$",
    re.DOTALL,
)
# Formula monitors: formula("query1").rollup("sum").last("5m") > 124
_FORMULA_RE = re.compile(
    rf'^\s*formula\(.*\)\.last\("(?P<window>\d+[mhdw])"\)\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<threshold>{_NUM}|threshold)\s*$',
    re.DOTALL,
)
_THRESHOLD_TAIL_RE = re.compile(rf"(>=|<=|==|!=|>|<)\s*({_NUM})\s*$")
_WINDOW_RE = re.compile(r"^(last|current)_(\d+)(mo|m|h|d|w|y)$")
# (unit -> max count) for `last_#<unit>`; change/pct_change windows are shorter.
_WINDOW_LIMITS = {"m": 10080, "h": 168, "d": 7, "w": 1}
_CHANGE_WINDOW_LIMITS = {"m": 2880, "h": 48, "d": 2}
_TIMESHIFTS = {"5m_ago", "10m_ago", "15m_ago", "30m_ago", "1h_ago", "2h_ago", "4h_ago", "1d_ago", "1w_ago"}


def composite_query(query: str) -> Iterator[str]:
    """`123 && !456` over 2 to 10 monitors (docs monitors/types/composite); a translation's or plan's copy names
    its parts by ddmigrate key until apply writes their ids in."""
    try:
        parts = list(composite.operands(composite.parse_composite(query)))
    except composite.QuerySyntaxError as exc:
        yield f"$.query: {exc.message}"
        return
    if not 2 <= len(parts) <= MAX_COMPOSITE_PARTS:
        yield f"$.query: a composite monitor combines 2 to {MAX_COMPOSITE_PARTS} monitors, not {len(parts)}"


def service_check(query: str, thresholds: dict[str, Any]) -> Iterator[str]:
    match = SERVICE_CHECK_RE.match(query)
    if match is None:
        yield (
            '$.query: a service check query must look like "check".over("tag",..)[.exclude(..)].by("group",..)'
            ".last(count).count_by_status()"
        )
        return
    if not match["over"]:
        yield '$.query: .over() cannot be blank (use "*" for every source)'
    if not match["by"]:
        yield '$.query: a check monitor needs its group: .by("tag",..)'
    count = int(match["count"])
    if not 1 <= count <= MAX_CHECK_RUNS:
        yield f"$.query: .last({count}) is out of range (1 to {MAX_CHECK_RUNS} check runs)"
    for name in ("critical", "warning", "ok"):
        value = number(thresholds.get(name))
        if value is None:
            continue
        if value < 1 or not value.is_integer():
            yield f"$.options.thresholds.{name}: {value} is not a number of check runs (a whole number ≥ 1)"
        elif value > count:
            yield f"$.options.thresholds.{name}: {value:g} check runs exceed .last({count}); count must be ≥ it"
    if number(thresholds.get("critical")) is None:
        yield "$.options.thresholds.critical: a check monitor needs the number of CRITICAL runs that alert"


def metric_functions(aggregator: str, expression: str) -> Iterator[str]:
    if ".as_count()" in expression and aggregator != "sum":
        yield (
            f"$.query: `{aggregator}` time aggregation with .as_count(): Datadog evaluates .as_count() "
            "queries with `sum` only"
        )
    for fn in VISUAL_FUNCTIONS:
        if re.search(rf"\b{fn}\(", expression):
            yield f"$.query: {fn}() depends on a graph's time frame and has no meaning in a monitor"


def forecast(aggregator: str, window: str, expression: str, op: str) -> Iterator[str]:
    match = _FORECAST_RE.match(expression.strip())
    if match is None:
        yield (
            "$.query: a forecast monitor query must look like max|min(next_<window>):forecast(query, "
            "'linear'|'seasonal', deviations, interval=<seconds>[, ...]) >=|<= threshold"
        )
        return
    if float(match["dev"]) < 1:
        yield f"$.query: forecast deviations {match['dev']} must be ≥ 1"
    if "interval=" not in match["kwargs"]:
        yield "$.query: forecast() needs interval=<seconds> (the rollup interval)"
    for fn in NOT_IN_FORECAST:
        if re.search(rf"\b{fn}\(", match["inner"]):
            yield f"$.query: {fn}() cannot be nested in forecast()"
    expected = {">=": "max", "<=": "min"}.get(op)
    if expected is None:
        yield f"$.query: a forecast monitor compares with >= or <=, not {op}"
    elif aggregator != expected:
        yield f"$.query: a forecast monitor with {op} uses {expected}(), not {aggregator}()"
    parsed = _NEXT_RE.match(window)
    hours = int(parsed[1]) * _HOURS[parsed[2]] if parsed else None
    if hours is None or not FORECAST_MIN_HOURS <= hours <= FORECAST_MAX_HOURS:
        yield f"$.query: forecast window {window!r} must be next_# from 12 hours to 3 months (next_12h ... next_3mo)"


def check(payload: dict[str, Any]) -> Iterator[str]:
    """Every rule of a monitor payload (the declared `rules` of MONITOR)."""
    yield from payload_rules.tags(payload)
    priority = payload.get("priority")
    if isinstance(priority, int) and not 1 <= priority <= 5:
        yield f"$.priority: {priority} is out of range (1 to 5)"
    query, kind = payload.get("query"), payload.get("type")
    if not isinstance(query, str):
        return
    thresholds = as_dict(as_dict(payload.get("options")).get("thresholds"))
    if kind in ("log alert", "event-v2 alert", "rum alert", "trace-analytics alert", "process alert"):
        tail = _THRESHOLD_TAIL_RE.search(query)
        if tail is None:
            yield "$.query: The value provided for parameter 'query' is invalid: invalid operator specified"
        else:
            yield from _threshold_rules(tail[1], tail[2], thresholds)
        return
    if kind == "service check":
        yield from service_check(query, thresholds)
        return
    if kind == "composite":
        yield from composite_query(query)
        return
    if kind not in ("query alert", "metric alert"):
        return
    formula = _FORMULA_RE.match(query)
    if formula is not None:
        yield from _threshold_rules(formula["op"], formula["threshold"], thresholds)
        return
    match = _QUERY_RE.match(query)
    if match is None:
        yield "$.query: a metric monitor query must look like time_aggr(last_Nm):expression operator number"
        return
    if match["expr"].lstrip().startswith("forecast("):
        yield from forecast(match["aggr"] or "", match["window"] or "", match["expr"], match["op"])
    else:
        yield from _window_rules(match)
        yield from metric_functions(match["aggr"] or "change", match["expr"])
    yield from _threshold_rules(match["op"], match["threshold"], thresholds)


def _window_rules(match: re.Match[str]) -> Iterator[str]:
    window = match["window"] or match["cwindow"]
    limits = _CHANGE_WINDOW_LIMITS if match["change"] else _WINDOW_LIMITS
    parsed = _WINDOW_RE.match(window)
    if parsed is None:
        yield f"$.query: invalid time window {window!r} (last_#m, last_#h, last_#d or last_1w)"
        return
    scope, count, unit = parsed[1], int(parsed[2]), parsed[3]
    if scope == "current":
        if match["change"] or count != 1 or unit not in ("d", "w", "mo", "y"):
            yield f"$.query: invalid calendar window {window!r} (current_1d, current_1w, current_1mo or current_1y)"
    elif unit not in limits or not 1 <= count <= limits[unit]:
        allowed = ", ".join(f"last_#{u} 1-{n}" for u, n in limits.items())
        yield f"$.query: time window {window!r} is out of range ({allowed})"
    if match["change"] and match["shift"] not in _TIMESHIFTS and not re.match(r"^last_\d+[mhd]$", match["shift"]):
        yield f"$.query: invalid timeshift {match['shift']!r} (one of {', '.join(sorted(_TIMESHIFTS))})"


def _threshold_rules(op: str, query_threshold: str, thresholds: dict[str, Any]) -> Iterator[str]:
    if query_threshold == "threshold":  # dynamic threshold given by options.thresholds.critical_query
        return
    critical = number(thresholds.get("critical"))
    if critical is None:  # absent: Datadog takes the query's threshold
        return
    if critical != float(query_threshold):
        yield (
            f"$.options.thresholds.critical: Alert threshold ({critical}) does not match that used in the "
            f"query ({float(query_threshold)})."
        )
    above = op in (">", ">=")
    if op in ("==", "!="):
        return
    for name in ("warning", "critical_recovery"):
        value = number(thresholds.get(name))
        if value is not None and (value >= critical if above else value <= critical):
            side = "below" if above else "above"
            yield f"$.options.thresholds.{name}: {value} must be {side} the critical threshold {critical} for '{op}'"
    warning, recovery = number(thresholds.get("warning")), number(thresholds.get("warning_recovery"))
    if warning is not None and recovery is not None and (recovery >= warning if above else recovery <= warning):
        yield f"$.options.thresholds.warning_recovery: {recovery} must be on the recovery side of warning {warning}"
