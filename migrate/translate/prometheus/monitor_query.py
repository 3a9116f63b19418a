"""The metric monitor query: `for` → evaluation window and time aggregation, and the threshold text.

Datadog evaluates `<time_aggr>(last_<window>):<expression> <op> <threshold>` and alerts when the
aggregate over the window crosses the threshold. How `for` maps onto that:

| rule                 | `>` `>=` | `<` `<=` | why |
|----------------------|----------|----------|-----|
| `for: D` (D > 0)     | min      | max      | true for the whole window |
| `for: 0`             | max      | min      | true at some point in the window |

`==`/`!=` have no aggregate of their own. Against 0 or 1 they are how 0/1 flags are tested, and on a flag
each is an inequality: `== 0` is `<= 0`, `== 1` is `>= 1`, `!= 0` is `> 0`, `!= 1` is `< 1`, so `x == 1 for 5m`
is `min(last_5m) == 1` (every point is 1), not `max`, which a single sample satisfies. It is exact on a 0/1
series, but nothing tells the translator the series is one (a `bool` comparison is manual), so it is always
approximate (`alert.equality_aggregation` says what was assumed); any other threshold is read as the metric's
lowest value (`== v` as `<= v`).
Windows: `last_#m` 1-10080 or `last_#h` 1-168; shorter/longer windows clamp, odd ones round.

Forecasts (predict_linear): `max(next_<H>)` for `>=`, `min(next_<H>)` for `<=` over the translator's
`forecast(...)` expression (docs monitors/types/forecasts); H is the look-ahead in whole hours, 12 hours to
3 months (`alert.forecast_window`); `for` has no place in a forecast monitor (`alert.forecast_for_dropped`).

Counts: Datadog evaluates `.as_count()` queries with the `sum` time aggregation only (docs: monitors/guide/
as-count-in-monitor-evaluations), so `increase(x[R])` (`.as_count().rollup(sum, R)`) cannot take the
min/max above. When every query is such an increase over the same R and the formula is plain arithmetic,
the monitor is `sum(last_R):<queries>.as_count() ...`: the sum of counts over the last R, which is what
increase() computes (and, with arithmetic, Datadog sums each query before combining them, so a ratio of
increases stays a ratio of sums); `for` cannot be applied on top (`alert.increase_window`). Anything else
mixing `.as_count()` in is manual (`alert.as_count_aggregation`).

Range functions: Prometheus evaluates `rate(x[R])`, `avg_over_time(x[R])`, ... over the trailing R at every
evaluation; a monitor's `min|max(last_W)` aggregates the query's points over W. Dropping R makes the alert
compare per-interval values (`rate(x[1h]) > 0 for 5m` would need every 15-second rate in 5 minutes above 0).
So the translator, asked for a monitor (`QueryContext.monitor`), keeps R as `moving_rollup(<query>, R,
'<method>')`: the trailing R at every point, which Datadog allows in metric monitors and computes from data
before the window (docs monitors/guide/non_static_thresholds: `sum(last_5m)` over a 4-hour moving_rollup).
`.rollup(<method>, R)` is not used: its buckets are aligned to UNIX time, so a monitor may evaluate a partial
bucket (docs monitors/guide/why-rollup-should-not-be-used-in-monitors). `rate` is an average (`'avg'` of
`.as_rate()`), the `*_over_time` functions take their method; `irate`, `idelta` and `last_over_time` only look
back and keep nothing. Exact where the window commutes with the space aggregation applied after it (sum/avg
with avg/sum, max with max, min with min); `alert.range_window` (approximate) names R, what the monitor computes
instead and the monitor window where it does not: moving_rollup after another space aggregation, a percentile
of buckets (a moving average of percentiles is no percentile), `rate`/`deriv`/`delta` of gauges (computed
between consecutive points). `increase` keeps R as its count window (above).

`require_full_window` (Datadog recommends false for sparse metrics; the Agent's OpenMetrics check sends
every series on every run, so bridged metrics are dense):
- true for `for: D` metric monitors (min/max over the window): like `for`, a series that just appeared
  cannot alert before it has data over the whole window (Datadog requires data in the first bucket and at
  most three empty ones);
- false for `for: 0` (any point in the window: one point is enough, as one evaluation is in Prometheus),
  for `.as_count()` sums (counts of quiet intervals may be missing) and for absent() (no-data alerting);
- not set on service check monitors (a metric monitor option).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from migrate.model import Finding, Outcome
from migrate.translate.ddquery import AsCount, Call, Formula, MetricQuery, Node, Rollup, walk
from migrate.translate.query import QueryResult

MAX_MINUTES = 10080  # one week: the longest metric monitor window

_SUSTAINED = {">": "min", ">=": "min", "<": "max", "<=": "max"}
_ANY_POINT = {">": "max", ">=": "max", "<": "min", "<=": "min"}
# `==`/`!=` on a 0/1 flag, as the inequality they are there (see the module docstring); other thresholds
# are taken as the lowest value the metric takes: `== v` as `<= v`, `!= v` as `> v`.
_ON_FLAG = {("==", 0.0): "<=", ("==", 1.0): ">=", ("!=", 0.0): ">", ("!=", 1.0): "<"}
_ON_LOWEST = {"==": "<=", "!=": ">"}
# A warning threshold must be crossed before the critical one (Datadog rejects the other order).
WARNING_BEFORE_CRITICAL = {
    ">": lambda w, c: w < c,
    ">=": lambda w, c: w < c,
    "<": lambda w, c: w > c,
    "<=": lambda w, c: w > c,
}


@dataclass
class Window:
    minutes: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def text(self) -> str:
        if self.minutes >= 60 and self.minutes % 60 == 0:
            return f"last_{self.minutes // 60}h"
        return f"last_{self.minutes}m"


def _duration(seconds: float) -> str:
    if seconds % 3600 == 0:
        return f"{int(seconds // 3600)}h"
    if seconds % 60 == 0:
        return f"{int(seconds // 60)}m"
    return f"{seconds:g}s"


def window_for(for_seconds: float, default_seconds: float) -> Window:
    findings: list[Finding] = []
    seconds = for_seconds
    if seconds <= 0:
        seconds = default_seconds
        findings.append(
            Finding(
                "alert.for_zero_default_window",
                f"`for: 0` fires on the first evaluation that matches; Datadog needs a window, so the "
                f"default window ({_duration(default_seconds)}, mappings alerts.default_window) is used",
            )
        )
    minutes = max(1, int(seconds / 60 + 0.5))  # half up: 90s -> 2m
    if seconds < 60:
        findings.append(
            Finding(
                "alert.window_clamped", f"window {_duration(seconds)} is below Datadog's 1 minute minimum; using 1m"
            )
        )
    elif minutes > MAX_MINUTES:
        minutes = MAX_MINUTES
        findings.append(
            Finding("alert.window_clamped", f"window {_duration(seconds)} exceeds Datadog's 1 week maximum; using 1w")
        )
    elif minutes * 60 != seconds:
        findings.append(
            Finding(
                "alert.window_rounded",
                f"window {_duration(seconds)} is not a whole number of minutes; using {minutes}m",
            )
        )
    return Window(minutes, findings)


def time_aggregation(op: str, sustained: bool, threshold: float = 0.0) -> tuple[str, list[Finding]]:
    """The time aggregation for `op` (module docstring)."""
    table = _SUSTAINED if sustained else _ANY_POINT
    if op not in ("==", "!="):
        return table[op], []
    as_flag = _ON_FLAG.get((op, threshold))
    aggr = table[as_flag or _ON_LOWEST[op]]
    span = "every point in the window" if sustained else "some point in the window"
    if as_flag:
        why = (
            f"`{op} {threshold:g}` tests a 0/1 flag; read as `{as_flag} {threshold:g}` at {span} (`{aggr}`), which is "
            "exact only if the series is 0 or 1, and it is not known to be"
        )
    else:
        why = (
            f"`{op} {threshold:g}` over a window has no Datadog aggregate; read as `{_ON_LOWEST[op]} {threshold:g}` at "
            f"{span} (`{aggr}`), exact only if {threshold:g} is the lowest value the metric takes"
        )
    return aggr, [Finding("alert.equality_aggregation", why)]


def finite_threshold(value: float) -> Finding | None:
    if math.isfinite(value):
        return None
    return Finding("alert.threshold_not_finite", f"threshold {value} cannot be a Datadog threshold", Outcome.MANUAL)


FORECAST_MIN_HOURS, FORECAST_MAX_HOURS = 12, 24 * 90  # the alert window a forecast monitor accepts
FORECAST_AGGREGATION = {">=": "max", "<=": "min"}  # docs: max to alert above, min to alert below


def forecast_window(seconds: float) -> tuple[str, list[Finding]]:
    """`next_<H>` for predict_linear's look-ahead, within Datadog's 12 hours to 3 months."""
    hours = max(1, math.ceil(seconds / 3600))
    findings: list[Finding] = []
    clamped = min(max(hours, FORECAST_MIN_HOURS), FORECAST_MAX_HOURS)
    if clamped != hours or hours * 3600 != seconds:
        findings.append(
            Finding(
                "alert.forecast_window",
                (
                    f"predict_linear() looks {_duration(seconds)} ahead; a forecast monitor's window is whole hours "
                    "from "
                    f"{FORECAST_MIN_HOURS}h to 3 months, so it looks {_duration(clamped * 3600)} ahead"
                    + (" and alerts earlier" if clamped > hours else "")
                ),
            )
        )
    if clamped % 168 == 0:
        return f"next_{clamped // 168}w", findings
    if clamped % 24 == 0:
        return f"next_{clamped // 24}d", findings
    return f"next_{clamped}h", findings


def count_window(result: QueryResult) -> tuple[Node, float] | None:
    """(expression with plain `.as_count()` queries, R) when every query is an increase over the same R
    (`.as_count().rollup(sum, R)`) combined by arithmetic only (see the module docstring); None otherwise."""
    if result.formula is None or any(isinstance(n, Call) for n in walk(result.formula.expr)):
        return None
    ranges: set[float] = set()
    queries: dict[str, MetricQuery] = {}
    for name, q in result.queries.items():
        if not isinstance(q, MetricQuery) or q.modifiers.count(AsCount()) != 1:
            return None
        match q.modifiers[-2:]:
            case (AsCount(), Rollup("sum", seconds)) if seconds is not None:
                ranges.add(seconds)
                queries[name] = replace(q, modifiers=q.modifiers[:-1])
            case _:
                return None
    if len(ranges) != 1:
        return None
    return Formula(dict(queries), result.formula.expr).inline(), ranges.pop()


def range_findings(result: QueryResult, window: Window) -> list[Finding]:
    """alert.range_window for each range function whose trailing window the monitor does not keep (see the
    module docstring); the ones it keeps (moving_rollup, increase's count window) need no word."""
    return [
        Finding(
            "alert.range_window",
            f"{r.function}() over {_duration(r.seconds)} {r.difference} (monitor window {window.text})",
        )
        for r in result.ranges
        if r.difference
    ]
