"""Evaluate a Datadog metrics query tree (migrate/translate/ddquery) over the local server's points, the way
Datadog's metrics query API does. The one place that says which Datadog semantics the emulation implements:

- Time buckets (docs dashboards/functions/rollup, "rollup interval: enforced vs custom"): points are
  grouped into buckets [t, t + I) with t a multiple of I since the epoch; a point is stamped with its
  bucket's start. I is the request's interval, or a query's `.rollup(method, seconds)` when larger (Datadog
  ignores a rollup finer than the interval it would use).
- Time aggregation first, then space aggregation (docs metrics/#time-aggregation, "Datadog applies time
  aggregation before space aggregation"): each series is rolled up per bucket, then series of the same
  `by {...}` group are combined per bucket with the space aggregator (avg sum min max count). A series
  without a group-by tag falls in the `key:N/A` group.
- Default time aggregation by type (docs metrics/types): gauge `avg`, count `sum` (the count per interval).
  `.as_rate()` divides a count's sum by the bucket's seconds, `.as_count()` keeps the sum; both are no-ops on
  a gauge (docs metrics/custom_metrics/type_modifiers). `.rollup(method)` replaces the time aggregation.
- Distributions (docs metrics/distributions): `pNN:` is the NN-th percentile of all values of the group's
  series in the bucket (nearest rank over exact values: Datadog's DDSketch adds a bounded 1% relative error,
  not modelled), `avg/sum/min/max/count:` over those values.
- `.fill(zero|last|linear|null[, limit])` (docs dashboards/functions/interpolation): per series, after its
  time rollup and before space aggregation, each gap between two buckets with at most `limit` seconds
  missing (default 300, at most 600) is filled with 0, the value before it, or the line between its ends;
  `null` fills nothing; nothing is filled before a series' first point or after its last.
- Arithmetic between queries (docs dashboards/functions/arithmetic, metrics/#arithmetic): points are
  matched by timestamp; series by group tags, an ungrouped side applying to every group of the other.
  Division by zero gives no point.
- Functions: `abs`, `log2`, `log10`, `pow`, `clamp_min/max`, `cutoff_min/max` (arithmetic, exclusion);
  `timeshift(q, s)` and `hour_before`/`day_before`/`week_before` (timeshift: the series s seconds earlier,
  stamped now); `moving_rollup(q, s, method)` (rollup: method over the points in (t - s, t]);
  `per_second`/`derivative` (difference to the previous point over the seconds between them), `diff`
  (rate); `default_zero` (interpolation: empty buckets become 0; no series at all becomes one series of 0);
  `count_not_null`/`count_nonzero` (count: series with a value per bucket); `top(q, n, 'mean'|'max'|...,
  'asc'|'desc')` (rank). Anything else raises `EvalError` (the server answers 400): no guessed semantics.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from migrate.testing.metrics_db import MetricsDb, StoredSeries
from migrate.translate.ddquery import (
    AsRate,
    BinOp,
    Call,
    Fill,
    MetricQuery,
    Node,
    Number,
    Rollup,
)

Group = tuple[str, ...]  # sorted `key:value` tags of a series' group; () for an ungrouped series
Points = dict[int, float]


class EvalError(ValueError):
    """A query the emulation does not evaluate (named, so a test never compares against a guess)."""


@dataclass
class Frame:
    interval: int
    series: dict[Group, Points] = field(default_factory=dict)


@dataclass(frozen=True)
class Window:
    start: int  # seconds, inclusive
    end: int  # seconds, exclusive
    interval: int

    def shifted(self, seconds: int) -> Window:
        return Window(self.start + seconds, self.end + seconds, self.interval)

    def grid(self, interval: int) -> range:
        return range(self.start // interval * interval, self.end, interval)


_TIME_AGGREGATORS: dict[str, Callable[[list[float]], float]] = {
    "avg": statistics.fmean,
    "sum": math.fsum,
    "min": min,
    "max": max,
    "count": lambda v: float(len(v)),
}
_SHIFTS = {"hour_before": -3600, "day_before": -86400, "week_before": -604800}


def evaluate(node: Node, db: MetricsDb, window: Window) -> Frame:
    if isinstance(node, MetricQuery):
        return _query(node, db, window)
    if isinstance(node, Number):
        return Frame(window.interval, {(): dict.fromkeys(window.grid(window.interval), node.value)})
    if isinstance(node, BinOp):
        return _binop(evaluate(node.lhs, db, window), _OPS[node.op], evaluate(node.rhs, db, window))
    if isinstance(node, Call):
        return _call(node, db, window)
    raise EvalError(f"cannot evaluate {type(node).__name__} nodes (only metric queries)")


# --- queries -------------------------------------------------------------------------------------------
def _query(q: MetricQuery, db: MetricsDb, window: Window) -> Frame:
    rollup = next((m for m in q.modifiers if isinstance(m, Rollup)), None)
    as_rate = any(isinstance(m, AsRate) for m in q.modifiers)
    fill = next((m for m in q.modifiers if isinstance(m, Fill)), None)
    interval = max(window.interval, int(rollup.seconds or 0) if rollup else 0)
    selected = db.select(q.metric, q.filters)
    kinds = {s.kind for s in selected}
    if len(kinds) > 1:
        raise EvalError(f"{q.metric} has series of several types: {sorted(kinds)}")
    if fill is not None and "distribution" in kinds:
        raise EvalError(f"{q.metric}: .fill() on a distribution is not emulated")
    percentile = q.space.startswith("p")
    if percentile and kinds - {"distribution"}:
        raise EvalError(f"{q.space}:{q.metric}: percentiles need a distribution metric")
    groups: dict[Group, list[StoredSeries]] = {}
    for s in selected:
        groups.setdefault(tuple(sorted(f"{k}:{s.tags.get(k, 'N/A')}" for k in q.group_by)), []).append(s)
    frame = Frame(interval)
    for group, members in groups.items():
        if "distribution" in kinds:
            points = _distribution(members, q.space, window.grid(interval), interval)
        else:
            method = rollup.method if rollup else ("sum" if "count" in kinds else "avg")
            per_series = [_rolled(s, method, window.grid(interval), interval) for s in members]
            if fill is not None:
                per_series = [_filled(p, fill, interval) for p in per_series]
            if as_rate and "count" in kinds:
                per_series = [{t: v / interval for t, v in p.items()} for p in per_series]
            points = _space(per_series, q.space)
        if points:
            frame.series[group] = points
    return frame


def _filled(points: Points, fill: Fill, interval: int) -> Points:
    """Gaps between two buckets of a series, up to the limit (default 300 s, at most 600) of missing time,
    filled with zero, the value before the gap (last) or the line between its two ends (linear)."""
    if fill.kind == "null":
        return points
    limit = min(fill.limit if fill.limit is not None else 300.0, 600.0)
    out = dict(points)
    for t1, t2 in itertools.pairwise(sorted(points)):
        if t2 - t1 - interval > limit:
            continue
        for t in range(t1 + interval, t2, interval):
            share = (t - t1) / (t2 - t1)
            value = {"zero": 0.0, "last": points[t1]}.get(fill.kind, points[t1] + share * (points[t2] - points[t1]))
            out[t] = value
    return out


def _rolled(s: StoredSeries, method: str, grid: range, interval: int) -> Points:
    out: Points = {}
    aggregate = _TIME_AGGREGATORS[method]
    for t in grid:
        _, values = s.between(t, t + interval)
        if values:
            out[t] = aggregate(values)
    return out


def _space(per_series: list[Points], space: str) -> Points:
    times = sorted({t for p in per_series for t in p})
    return {t: _TIME_AGGREGATORS[space]([p[t] for p in per_series if t in p]) for t in times}


def _distribution(members: list[StoredSeries], space: str, grid: range, interval: int) -> Points:
    out: Points = {}
    for t in grid:
        values = sorted(v for s in members for v in s.between(t, t + interval)[1])
        if not values:
            continue
        if space.startswith("p"):
            rank = max(math.ceil(float(space[1:]) / 100 * len(values)), 1)
            out[t] = values[rank - 1]
        else:
            out[t] = _TIME_AGGREGATORS[space](values)
    return out


# --- arithmetic ----------------------------------------------------------------------------------------
_OPS: dict[str, Callable[[float, float], float | None]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b if b else None,
}


def _binop(lhs: Frame, fn: Callable[[float, float], float | None], rhs: Frame) -> Frame:
    out = Frame(max(lhs.interval, rhs.interval))
    pairs: Iterable[tuple[Group, Points, Points]]
    if set(rhs.series) == {()}:
        pairs = ((g, p, rhs.series[()]) for g, p in lhs.series.items())
    elif set(lhs.series) == {()}:
        pairs = ((g, lhs.series[()], p) for g, p in rhs.series.items())
    else:
        pairs = ((g, p, rhs.series[g]) for g, p in lhs.series.items() if g in rhs.series)
    for group, a, b in pairs:
        points = {t: v for t in a.keys() & b.keys() if (v := fn(a[t], b[t])) is not None}
        if points:
            out.series[group] = points
    return out


def _mapped(frame: Frame, fn: Callable[[float], float | None]) -> Frame:
    out = Frame(frame.interval)
    for group, points in frame.series.items():
        out.series[group] = {t: r for t, v in points.items() if (r := fn(v)) is not None}
    return out


# --- functions -----------------------------------------------------------------------------------------
def _number(arg: object, fn: str) -> float:
    if not isinstance(arg, Number):
        raise EvalError(f"{fn}(): expected a number, got {arg!r}")
    return arg.value


def _call(call: Call, db: MetricsDb, window: Window) -> Frame:
    name, args = call.name, call.args

    def series(i: int, w: Window = window) -> Frame:
        arg = args[i]
        if isinstance(arg, str):
            raise EvalError(f"{name}(): argument {i + 1} is a string")
        return evaluate(arg, db, w)

    simple: dict[str, Callable[[float], float | None]] = {
        "abs": abs,
        "log2": lambda v: math.log2(v) if v > 0 else None,
        "log10": lambda v: math.log10(v) if v > 0 else None,
    }
    if name in simple:
        return _mapped(series(0), simple[name])
    if name in ("clamp_min", "clamp_max", "cutoff_min", "cutoff_max"):
        bound = _number(args[1], name)
        return _mapped(series(0), _bounded(name, bound))
    if name == "pow":
        return _pow(series(0), series(1))
    if name in _SHIFTS or name == "timeshift":
        seconds = _SHIFTS.get(name) or int(_number(args[1], name))
        shifted = series(0, window.shifted(seconds))
        return Frame(shifted.interval, {g: {t - seconds: v for t, v in p.items()} for g, p in shifted.series.items()})
    if name == "moving_rollup":
        seconds = int(_number(args[1], name))
        method = args[2] if len(args) > 2 and isinstance(args[2], str) else "avg"
        return _moving(series(0, Window(window.start - seconds, window.end, window.interval)), seconds, method, window)
    if name in ("per_second", "derivative", "diff"):
        return _differences(series(0), per_second=name != "diff")
    if name == "default_zero":
        return _default_zero(series(0), window)
    if name in ("count_not_null", "count_nonzero"):
        frame = series(0)
        counts: Points = {}
        for points in frame.series.values():
            for t, v in points.items():
                counts[t] = counts.get(t, 0.0) + (name == "count_not_null" or v != 0)
        return Frame(frame.interval, {(): counts})
    if name == "top":
        return _top(series(0), int(_number(args[1], name)), str(args[2]), str(args[3]))
    raise EvalError(f"{name}() is not emulated by the local metrics query (migrate/testing/metrics_eval.py)")


def _bounded(name: str, bound: float) -> Callable[[float], float | None]:
    if name == "clamp_min":
        return lambda v: max(v, bound)
    if name == "clamp_max":
        return lambda v: min(v, bound)
    if name == "cutoff_min":
        return lambda v: v if v >= bound else None
    return lambda v: v if v <= bound else None


def _pow(base: Frame, exponent: Frame) -> Frame:
    def power(a: float, b: float) -> float | None:
        try:
            result = a**b
        except (OverflowError, ZeroDivisionError):
            return None
        return result if isinstance(result, float | int) else None

    return _binop(base, power, exponent)  # arithmetic's pairing rules


def _moving(frame: Frame, seconds: int, method: str, window: Window) -> Frame:
    aggregate = _TIME_AGGREGATORS.get(method)
    if aggregate is None:
        raise EvalError(f"moving_rollup(): method `{method}` is not one of {', '.join(_TIME_AGGREGATORS)}")
    out = Frame(frame.interval)
    for group, points in frame.series.items():
        times = sorted(points)
        rolled: Points = {}
        for t in window.grid(frame.interval):
            values = [points[u] for u in times if t - seconds < u <= t]
            if values:
                rolled[t] = aggregate(values)
        out.series[group] = rolled
    return out


def _differences(frame: Frame, *, per_second: bool) -> Frame:
    out = Frame(frame.interval)
    for group, points in frame.series.items():
        times = sorted(points)
        out.series[group] = {
            b: (points[b] - points[a]) / ((b - a) if per_second else 1) for a, b in itertools.pairwise(times)
        }
    return out


def _default_zero(frame: Frame, window: Window) -> Frame:
    grid = window.grid(frame.interval)
    series = frame.series or {(): {}}
    return Frame(frame.interval, {g: {t: p.get(t, 0.0) for t in grid} for g, p in series.items()})


_RANKERS: dict[str, Callable[[list[float]], float]] = {
    "mean": statistics.fmean,
    "max": max,
    "min": min,
    "sum": math.fsum,
    "last": lambda v: v[-1],
}


def _top(frame: Frame, limit: int, by: str, order: str) -> Frame:
    rank = _RANKERS.get(by)
    if rank is None or order not in ("asc", "desc"):
        raise EvalError(f"top(): ranking `{by}`, `{order}` is not emulated")
    scored = sorted(
        ((rank([p[t] for t in sorted(p)]), g) for g, p in frame.series.items() if p), reverse=order == "desc"
    )
    keep = {g for _, g in scored[:limit]}
    return Frame(frame.interval, {g: p for g, p in frame.series.items() if g in keep})
