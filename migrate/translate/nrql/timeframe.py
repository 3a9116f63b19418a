"""NRQL's time clauses → what they mean for a Datadog widget or monitor (QueryResult's neutral fields).

SINCE/UNTIL are the widget's time frame (a dashboard widget may pin its own, a monitor has its window instead):
recorded, not encoded in the query. TIMESERIES asks for a graph, its bucket for the rollup interval. COMPARE WITH
is a time-shifted copy (nrql/translate adds the formula; `shift_function` names it). SLIDE BY, WITH TIMEZONE and
calendar times are said where the Datadog side cannot keep them.
"""

from __future__ import annotations

from migrate.translate.ddquery import Call, Node
from migrate.translate.nrql import ast
from migrate.translate.nrql.findings import Manual, Notes
from migrate.translate.query import TimeFrame

UNIT_SECONDS = {
    "millisecond": 0.001,
    "second": 1.0,
    "minute": 60.0,
    "hour": 3600.0,
    "day": 86400.0,
    "week": 604800.0,
    "month": 2592000.0,  # NRQL's month is 30 days
    "quarter": 7776000.0,
    "year": 31536000.0,
}
_SHIFTS = {3600.0: "hour_before", 86400.0: "day_before", 604800.0: "week_before", 2419200.0: "month_before"}


def seconds(d: ast.Duration) -> float:
    """A duration in seconds; a bare number (TIMESERIES 60000) is milliseconds."""
    if d.unit is None:
        return float(d.amount) / 1000
    return float(d.amount) * UNIT_SECONDS.get(d.unit, 1.0)


def _point(p: ast.TimePoint, clause: str, notes: Notes) -> tuple[float | None, int | None, str]:
    if isinstance(p, ast.Ago):
        return seconds(p.duration), None, ""
    if isinstance(p, ast.Epoch):
        return None, p.millis, ""
    if isinstance(p, ast.NamedTime):
        if p.name == "now":
            return 0.0, None, ""
        notes.approximate(
            "nrql.calendar_time", f"{clause} {p.name}: a Datadog time frame is a span back from now or fixed dates"
        )
        return None, None, p.name
    if isinstance(p, ast.DateTime):
        notes.approximate("nrql.calendar_time", f"{clause} '{p.text}': set the widget's fixed time frame to it")
        return None, None, p.text
    raise Manual("nrql.variable", f"{clause} {{{{{p.name}}}}}: a dashboard variable cannot set the time frame")


def time_frame(q: ast.Query, notes: Notes) -> TimeFrame | None:
    if q.since is None and q.until is None:
        return None
    since = _point(q.since, "SINCE", notes) if q.since is not None else (None, None, "")
    until = _point(q.until, "UNTIL", notes) if q.until is not None else (None, None, "")
    if q.timezone is not None and (since[2] or until[2]):
        notes.approximate("nrql.timezone", f"WITH TIMEZONE '{q.timezone}': calendar times become the viewer's zone")
    text = " .. ".join(t for t in (since[2], until[2]) if t)
    return TimeFrame(since[0], until[0] or None, since[1], until[1], text)


def interval(q: ast.Query, notes: Notes) -> float | None:
    """The bucket of TIMESERIES (None: AUTO, MAX or none: Datadog picks the rollup)."""
    if q.slide_by is not None:
        notes.approximate(
            "nrql.slide_by", "SLIDE BY (overlapping windows) became plain intervals: Datadog rollups do not overlap"
        )
    bucket = q.timeseries.bucket if q.timeseries is not None else None
    if isinstance(bucket, ast.Variable):
        raise Manual("nrql.variable", f"TIMESERIES {{{{{bucket.name}}}}}: a variable cannot set the interval")
    return seconds(bucket) if isinstance(bucket, ast.Duration) else None


def shift(q: ast.Query, notes: Notes) -> float | None:
    """COMPARE WITH's offset in seconds."""
    point = q.compare_with
    if point is None:
        return None
    if isinstance(point, ast.Ago):
        return seconds(point.duration)
    raise Manual("nrql.compare_with", "COMPARE WITH a fixed or calendar time: Datadog shifts by a duration only")


def shifted(expr: Node, offset: float) -> Node:
    """The expression `offset` seconds earlier: `week_before(a)` where Datadog names the shift, else timeshift()."""
    name = _SHIFTS.get(offset)
    return Call(name, expr) if name else Call("timeshift", expr, -offset)
