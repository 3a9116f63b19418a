"""The metric points the local Datadog-compatible server holds, as Datadog stores them: one series per metric
and tag set, typed gauge, count or distribution (docs metrics/types), and the scope matching a query's
`{...}` filter does on them (docs getting_started/tagging/using_tags, metrics/advanced-filtering).

Points arrive as the Agent submits them (migrate/testing/agent.py emulates its OpenMetrics check); the
evaluator (metrics_eval.py) reads them back through `select`.
"""

from __future__ import annotations

import bisect
import fnmatch
import threading
from dataclasses import dataclass, field

from migrate.translate.ddquery import Filter

KINDS = ("gauge", "count", "distribution")


class MetricsDbError(ValueError):
    """A point or query the store cannot take (wrong type for the metric, an unresolved `$variable`)."""


@dataclass
class StoredSeries:
    metric: str
    kind: str
    tags: dict[str, str]  # key -> value; Datadog tags are `key:value`, one value per key here
    times: list[float] = field(default_factory=list)  # sorted
    values: list[float] = field(default_factory=list)  # distributions: one observation per entry

    def between(self, start: float, end: float) -> tuple[list[float], list[float]]:
        """The points with start <= t < end."""
        lo, hi = bisect.bisect_left(self.times, start), bisect.bisect_left(self.times, end)
        return self.times[lo:hi], self.values[lo:hi]


def _matches(pattern: str, value: str) -> bool:
    # Datadog's scope wildcards: `*` anywhere in a tag value (docs metrics/advanced-filtering#wildcard).
    return fnmatch.fnmatchcase(value, pattern) if "*" in pattern else value == pattern


def scope_matches(filters: tuple[Filter, ...], tags: dict[str, str]) -> bool:
    """Whether a series with these tags is in the scope: terms are ANDed (docs metrics/advanced-filtering)."""
    for f in filters:
        value = tags.get(f.key)
        if f.op == "var":
            raise MetricsDbError(f"template variable `{f.values[0]}` in a query: resolve it before querying")
        if f.op == "has":
            ok = value is not None
        elif f.op == "has_not":
            ok = value is None
        elif f.op in ("eq", "in", "any"):
            ok = value is not None and any(_matches(p, value) for p in f.values)
        else:  # ne, not_in: a series without the tag is not excluded
            ok = value is None or not any(_matches(p, value) for p in f.values)
        if not ok:
            return False
    return True


class MetricsDb:
    """Series by (metric, tags). Thread-safe: the server answers queries from several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._series: dict[str, dict[tuple[tuple[str, str], ...], StoredSeries]] = {}

    def add(self, metric: str, kind: str, tags: dict[str, str], timestamp: float, value: float) -> None:
        if kind not in KINDS:
            raise MetricsDbError(f"metric type `{kind}` is not one of {', '.join(KINDS)}")
        key = tuple(sorted(tags.items()))
        with self._lock:
            by_tags = self._series.setdefault(metric, {})
            series = by_tags.get(key)
            if series is None:
                series = by_tags[key] = StoredSeries(metric, kind, dict(tags))
            if series.kind != kind:
                raise MetricsDbError(f"`{metric}` is a {series.kind}, not a {kind}")
            at = bisect.bisect_right(series.times, timestamp)
            series.times.insert(at, timestamp)
            series.values.insert(at, value)

    def select(self, metric: str, filters: tuple[Filter, ...]) -> list[StoredSeries]:
        with self._lock:
            candidates = list(self._series.get(metric, {}).values())
        return [s for s in candidates if scope_matches(filters, s.tags)]

    def metrics(self) -> list[str]:
        with self._lock:
            return sorted(self._series)
