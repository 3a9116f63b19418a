"""Monitor query rules Datadog enforces beyond the v1 schema, for the query kinds ddmigrate writes besides
plain metric thresholds (validate.py calls these; each message starts with the JSON path).

- Service check monitors (v1 API "Service Check Query"): `"check".over(tags)[.exclude(tags)].by(group)
  .last(count).count_by_status()`; `over` not blank, `group` required, `count` 1-100 and at least every
  threshold; thresholds are counts of check runs (critical ≥ 1).
- Metric monitors: `.as_count()` only with the `sum` time aggregation ("Aggregation methods other than sum
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

_TAG_LIST = r'"[^"]+"(?:\s*,\s*"[^"]+")*'
SERVICE_CHECK_RE = re.compile(
    rf'^\s*"(?P<check>[^"]+)"\.over\((?P<over>{_TAG_LIST})?\)(?:\.exclude\((?P<exclude>{_TAG_LIST})\))?'
    rf"(?:\.by\((?P<by>{_TAG_LIST})\))?\.last\((?P<count>\d+)\)\.count_by_status\(\)\s*$"
)
MAX_CHECK_RUNS = 100
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


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


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
        value = _number(thresholds.get(name))
        if value is None:
            continue
        if value < 1 or not value.is_integer():
            yield f"$.options.thresholds.{name}: {value} is not a number of check runs (a whole number ≥ 1)"
        elif value > count:
            yield f"$.options.thresholds.{name}: {value:g} check runs exceed .last({count}); count must be ≥ it"
    if _number(thresholds.get("critical")) is None:
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
