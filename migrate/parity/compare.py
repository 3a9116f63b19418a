"""Compare a Prometheus answer with a Datadog answer over the same window.

Series are matched through the label → tag mappings: a Prometheus label becomes its Datadog tag key
(`label_tags`, lower-cased; a label mapped to null does not exist in Datadog and is dropped), values as
Datadog normalises them; `endpoint` values are compared by their host:port, which is what `instance` holds.

Timestamps: Datadog stamps a point with the start of its rollup bucket [t, t + I) (docs dashboards/functions/
rollup); a Prometheus evaluation at T looks back over (T - range, T]. So the Datadog point at t is compared
with the Prometheus value at t + I, I being the interval Datadog answered with (the common step, or a
longer `.rollup()`); Prometheus is asked at the common step over a window long enough for that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from migrate.parity.fetch import Answer, Series
from migrate.translate.ddquery import tag_value

VERDICTS = ("agrees", "differs", "no_data")
SKETCH_POINTS = 240


@dataclass(frozen=True)
class Tolerance:
    relative: float = 1e-6  # |d| / max(|prometheus|, |datadog|)
    absolute: float = 1e-9
    missing: float = 0.0  # fraction of points allowed on one side only

    def loosest(self, other: Tolerance) -> Tolerance:
        return Tolerance(
            max(self.relative, other.relative), max(self.absolute, other.absolute), max(self.missing, other.missing)
        )


@dataclass
class SeriesParity:
    key: str  # Datadog tags, `*` for an ungrouped series
    both: int = 0
    only_prometheus: int = 0
    only_datadog: int = 0
    max_abs_diff: float = 0.0
    max_rel_diff: float = 0.0
    worst_at: int | None = None  # the Datadog timestamp of the largest relative difference
    first_difference: int | None = None

    def as_json(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class Parity:
    verdict: str
    coverage: float  # series present on both sides / series on either side
    max_abs_diff: float
    max_rel_diff: float
    step_seconds: int
    window: tuple[int, int]
    series: list[SeriesParity] = field(default_factory=list)
    detail: str = ""
    # Both sides' points of the worst series, thinned to SKETCH_POINTS, for the report's inline sketch.
    sketch: dict[str, list[list[float]]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "coverage": round(self.coverage, 6),
            "max_abs_diff": self.max_abs_diff,
            "max_rel_diff": self.max_rel_diff,
            "step_seconds": self.step_seconds,
            "window": {"from": self.window[0], "to": self.window[1]},
            "series": [s.as_json() for s in self.series],
            "detail": self.detail,
            "sketch": self.sketch,
        }


def _tag(key: str, value: str) -> str:
    if key == "endpoint" and "://" in value:
        value = urlsplit(value).netloc
    return f"{key}:{tag_value(value)}"


def prometheus_key(labels: Mapping[str, str], label_tags: Mapping[str, str | None]) -> str:
    tags = []
    for label, value in labels.items():
        key = label_tags.get(label, label)
        if key:
            tags.append(_tag(tag_value(key), value))
    return ",".join(sorted(tags)) or "*"


def datadog_key(labels: Mapping[str, str]) -> str:
    """A series without a group-by tag is grouped as `key:N/A` by Datadog, where Prometheus drops the label."""
    return ",".join(sorted(_tag(k, v) for k, v in labels.items() if v.upper() != "N/A")) or "*"


def _by_key(series: list[Series], key: Any) -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    for s in series:
        out.setdefault(key(s.labels), {}).update(s.points)
    return out


def compare(
    prometheus: Answer,
    datadog: Answer,
    window: tuple[int, int],
    label_tags: Mapping[str, str | None],
    tolerance: Tolerance,
    *,
    source: str = "Prometheus",
) -> Parity:
    """`prometheus` is the source side's answer (Prometheus, or New Relic with its facets already named as
    Datadog tags and `label_tags` empty); `source` names it in the details."""
    start, end = window
    interval = datadog.step
    lag = prometheus.lag(interval)
    prom = _by_key(prometheus.series, lambda labels: prometheus_key(labels, label_tags))
    dd = _by_key(datadog.series, datadog_key)
    grid = range(-(-start // interval) * interval, end, interval)
    prom = {k: {t - lag: v for t, v in p.items() if t - lag in grid} for k, p in prom.items()}
    dd = {k: {t: v for t, v in p.items() if t in grid} for k, p in dd.items()}
    prom = {k: p for k, p in prom.items() if p}
    dd = {k: p for k, p in dd.items() if p}
    parity = Parity("agrees", 0.0, 0.0, 0.0, interval, window)
    if not prom or not dd:
        side = "either side" if not prom and not dd else (source if not prom else "Datadog")
        parity.verdict, parity.detail = "no_data", f"no data from {side} in the window"
        return parity
    keys = sorted(prom.keys() | dd.keys())
    parity.coverage = len(prom.keys() & dd.keys()) / len(keys)
    problems = []
    for key in keys:
        s = _series(key, prom.get(key, {}), dd.get(key, {}), tolerance)
        parity.series.append(s)
        parity.max_abs_diff = max(parity.max_abs_diff, s.max_abs_diff)
        parity.max_rel_diff = max(parity.max_rel_diff, s.max_rel_diff)
        total = s.both + s.only_prometheus + s.only_datadog
        if not s.both:
            problems.append(f"{key}: only in {source if s.only_prometheus else 'Datadog'}")
        elif (s.only_prometheus + s.only_datadog) / total > tolerance.missing:
            problems.append(f"{key}: {s.only_prometheus + s.only_datadog} of {total} points on one side only")
        elif s.first_difference is not None:
            problems.append(f"{key}: differs by up to {s.max_rel_diff:.3g} (relative) at {s.worst_at}")
    if problems:
        parity.verdict, parity.detail = "differs", "; ".join(problems[:5])
    parity.sketch = _sketch(parity.series, prom, dd)
    return parity


def _sketch(
    series: list[SeriesParity], prom: dict[str, dict[int, float]], dd: dict[str, dict[int, float]]
) -> dict[str, list[list[float]]]:
    """The worst series both sides have; when they share none, each side's first series."""
    matched = [s for s in series if s.both]
    if matched:
        worst = max(matched, key=lambda s: (s.max_rel_diff, s.only_prometheus + s.only_datadog)).key
        return {"source": _thinned(prom[worst]), "datadog": _thinned(dd[worst])}
    return {"source": _thinned(prom[min(prom)]), "datadog": _thinned(dd[min(dd)])}


def _thinned(points: dict[int, float]) -> list[list[float]]:
    times = sorted(points)
    stride = max(1, -(-len(times) // SKETCH_POINTS))
    return [[float(t), points[t]] for t in times[::stride]]


def _series(key: str, prom: dict[int, float], dd: dict[int, float], tolerance: Tolerance) -> SeriesParity:
    s = SeriesParity(key)
    for t in sorted(prom.keys() | dd.keys()):
        if t not in dd:
            s.only_prometheus += 1
            continue
        if t not in prom:
            s.only_datadog += 1
            continue
        s.both += 1
        a, b = prom[t], dd[t]
        diff = abs(a - b)
        scale = max(abs(a), abs(b))
        rel = diff / scale if scale else 0.0
        s.max_abs_diff = max(s.max_abs_diff, diff)
        if rel > s.max_rel_diff:
            s.max_rel_diff, s.worst_at = rel, t
        if diff > tolerance.absolute and rel > tolerance.relative and s.first_difference is None:
            s.first_difference = t
    return s
