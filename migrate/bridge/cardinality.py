"""Cardinality and cost preview for bridge mode, from the live Prometheus or a recording of it.

Each Agent context (metric name + tag set) is a Datadog custom metric. For every metric the bridge
ships we count the series per target with one `count by (job, instance)` query; histogram buckets
sent as distributions collapse over `le` (one distribution per label set). The preview flags every
instance over the check's default limit of 2,000 contexts (the Agent drops the excess silently) and
lists the highest-cardinality metrics. `/api/v1/status/tsdb` adds the server's own head statistics.
The answers come from `series_counts` (`LiveCounts` over HTTP, `RecordedCounts` from a file).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any, Protocol

from migrate.bridge.openmetrics import DEFAULT_CONTEXT_LIMIT
from migrate.bridge.series_counts import LiveCounts
from migrate.sources.http import HttpClient


class CountSource(Protocol):
    origin: str
    missing: list[str]  # queries it had no answer for (a recording older than the metrics list)

    def count(self, promql: str) -> list[dict[str, Any]]: ...

    def tsdb(self) -> dict[str, Any]: ...


TOP_N = 10


def _series_names(name: str, kind: str, distributions: bool) -> list[tuple[str, bool]]:
    """(Prometheus series name, collapse over `le`) pairs the Agent turns into contexts for one metric."""
    # The `metrics` entry is the family, so the Agent ships every part of it, whichever one a query read.
    if kind == "histogram":
        base = name.removesuffix("_bucket").removesuffix("_sum").removesuffix("_count")
        return [(f"{base}_bucket", distributions), (f"{base}_sum", False), (f"{base}_count", False)]
    if kind == "summary":  # quantile series (one context per quantile), `.sum`, `.count`
        base = name.removesuffix("_sum").removesuffix("_count")
        return [(base, False), (f"{base}_sum", False), (f"{base}_count", False)]
    return [(name, False)]


def _count_query(series: str, collapse_le: bool) -> str:
    selector = f'{{__name__="{series}"}}'
    inner = f"count without (le) ({selector})" if collapse_le else selector
    return f"count by (job, instance) ({inner})"


def _tsdb(source: CountSource) -> dict[str, Any]:
    data = source.tsdb()
    if "error" in data:
        return {"error": data["error"]}
    return {
        "head_series": (data.get("headStats") or {}).get("numSeries"),
        "top_series_by_metric": data.get("seriesCountByMetricName") or [],
    }


def preview(
    source: CountSource | HttpClient,
    metrics: dict[str, dict[str, Any]],
    *,
    distributions: bool,
    namespace: str,
    limit: int = DEFAULT_CONTEXT_LIMIT,
) -> dict[str, Any]:
    """`metrics`: Prometheus name -> {"type": ...} (BridgeConfig.metrics)."""
    if isinstance(source, HttpClient):
        source = LiveCounts(source)
    per_metric: dict[str, int] = defaultdict(int)
    per_target: dict[tuple[str, str], int] = defaultdict(int)
    done: dict[str, str] = {}  # series -> its count query
    for name, info in sorted(metrics.items()):
        for series, collapse in _series_names(name, str(info.get("type")), distributions):
            if series in done:
                continue
            done[series] = _count_query(series, collapse)
            for row in source.count(done[series]):
                labels = row.get("metric") or {}
                count = int(float((row.get("value") or [0, "0"])[1]))
                per_metric[series] += count
                per_target[(str(labels.get("job", "")), str(labels.get("instance", "")))] += count
    targets = [
        {"job": job, "instance": instance, "contexts": n, "over_limit": n > limit}
        for (job, instance), n in sorted(per_target.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    ranked = [{"metric": m, "contexts": n} for m, n in sorted(per_metric.items(), key=lambda kv: (-kv[1], kv[0]))]
    warnings = [
        f"{t['job']}/{t['instance']}: {t['contexts']} contexts exceed the Agent's default limit of {limit} per "
        "instance; the excess is dropped silently (drop labels with `exclude_labels` or metrics with "
        "`exclude_metrics`)"
        for t in targets
        if t["over_limit"]
    ]
    total = sum(per_metric.values())
    if per_metric and total:
        metric, count = max(per_metric.items(), key=lambda kv: (kv[1], kv[0]))
        if count / total >= 0.25:
            warnings.append(f"{metric} alone is {count / total:.0%} of the custom metrics ({count} contexts)")
    not_recorded = sorted(source.missing)
    if not_recorded:
        warnings.append(
            f"{len(not_recorded)} count queries are not in the recording, so their metrics count as 0 "
            "(the metrics list or histogram mapping changed since it was recorded): re-record it"
        )
    missing = sorted(s for s, q in done.items() if s not in per_metric and q not in not_recorded)
    return {
        "prometheus": source.origin,
        "source": "live" if isinstance(source, LiveCounts) else "recorded",
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "namespace": namespace,
        "histogram_buckets_as_distributions": distributions,
        "context_limit_per_instance": limit,
        "total_custom_metrics": total,
        "per_metric": ranked,
        "per_target": targets,
        "top": ranked[:TOP_N],
        "no_series": missing,
        "not_recorded": not_recorded,
        "warnings": warnings,
        "tsdb": _tsdb(source),
    }
