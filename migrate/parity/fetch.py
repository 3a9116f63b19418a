"""Both sides' answers over a window, as series of {timestamp seconds: value}.

Prometheus: `GET /api/v1/query_range` (docs prometheus.io querying/api#range-queries). Datadog: the
timeseries formula API `POST /api/v2/query/timeseries` (docs api/latest/metrics#query-timeseries-data-across-
multiple-products), which takes a widget's named queries and formula as they are and an explicit interval, so
both sides are asked at a step we choose. Both go through the shared HTTP client (retries, rate limits:
Datadog's `X-RateLimit-*` headers pace the metrics query limit, far lower than the write limits).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from migrate.errors import RemoteError
from migrate.settings import DatadogCredentials
from migrate.sources.http import Auth, HttpClient, datadog_rate_limit
from migrate.translate.ddquery import Formula, render

TIMESERIES_PATH = "/api/v2/query/timeseries"


@dataclass
class Series:
    labels: dict[str, str]  # Prometheus labels, or Datadog group tags split at the first `:`
    points: dict[int, float] = field(default_factory=dict)


@dataclass
class Answer:
    series: list[Series]
    step: int  # seconds between points: the Prometheus step, or the interval Datadog rolled up to
    # True when a point is stamped with the start of the bucket it covers (Datadog, New Relic's TIMESERIES
    # beginTimeSeconds); False when stamped with the evaluation time looking back (Prometheus).
    bucket_start: bool = False

    def lag(self, interval: int) -> int:
        """Seconds from a Datadog bucket's start to this answer's point for the same bucket."""
        return 0 if self.bucket_start else interval


def prometheus_range(client: HttpClient, expr: str, start: int, end: int, step: int) -> Answer:
    data = client.get_json(
        "/api/v1/query_range", {"query": expr, "start": str(start), "end": str(end), "step": str(step)}
    )
    if not isinstance(data, dict) or data.get("status") != "success":
        raise RemoteError(f"Prometheus query_range failed for {expr!r}: {str(data)[:300]}")
    result = data["data"]
    if result.get("resultType") != "matrix":
        raise RemoteError(f"Prometheus answered {result.get('resultType')} for {expr!r}, not a range matrix")
    series = []
    for item in result["result"]:
        labels = {k: v for k, v in item["metric"].items() if k != "__name__"}
        points = {int(t): float(v) for t, v in item["values"] if math.isfinite(float(v))}
        series.append(Series(labels, points))
    return Answer(series, step)


def datadog_client(base_url: str, credentials: DatadogCredentials, **kwargs: Any) -> HttpClient:
    auth = Auth(headers={"DD-API-KEY": credentials.api_key, "DD-APPLICATION-KEY": credentials.app_key})
    return HttpClient(base_url, auth=auth, rate_limit=datadog_rate_limit, **kwargs)


def timeseries_body(formula: Formula, start: int, end: int, step: int) -> dict[str, Any]:
    queries = [{"data_source": "metrics", "name": name, "query": render(q)} for name, q in formula.queries.items()]
    attributes = {
        "from": start * 1000,
        "to": end * 1000,
        "interval": step * 1000,
        "queries": queries,
        "formulas": [{"formula": render(formula.expr)}],
    }
    return {"data": {"type": "timeseries_request", "attributes": attributes}}


def datadog_timeseries(client: HttpClient, formula: Formula, start: int, end: int, step: int) -> Answer:
    # A query is safe to repeat: retry it like a GET.
    data = client.post_json(TIMESERIES_PATH, timeseries_body(formula, start, end, step), retry=True)
    try:
        attributes: Mapping[str, Any] = data["data"]["attributes"]
        times = [int(t) // 1000 for t in attributes["times"]]
        series = []
        for meta, values in zip(attributes["series"], attributes["values"], strict=True):
            labels = dict(tag.partition(":")[::2] for tag in meta.get("group_tags") or [])
            points = {t: float(v) for t, v in zip(times, values, strict=True) if v is not None}
            series.append(Series(labels, points))
    except (KeyError, TypeError, ValueError) as exc:
        raise RemoteError(f"Datadog answered an unexpected timeseries response: {exc}") from None
    gaps = [b - a for a, b in itertools.pairwise(times) if b > a]
    return Answer(series, min(gaps) if gaps else step, bucket_start=True)
