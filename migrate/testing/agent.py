"""The two halves of a controlled parallel run, from the same generated streams (generated.py):

- `openmetrics_text`: what Prometheus scraped, with the `job`/`instance` labels its server adds and the
  scrape timestamps, for `promtool tsdb create-blocks-from openmetrics`.
- `submit`: what the Datadog Agent's OpenMetrics v2 check submits for the same scrapes (reference:
  /work/shared/reference/translation-facts.md §2; integrations-core `datadog_checks_base` openmetrics v2
  transformers): gauges as gauges `<ns>.<name>`; counters as monotonic counts `<ns>.<name>.count` with
  `_total` stripped (the difference to the previous scrape, so the first scrape and a scrape after a reset
  submit nothing: the Agent's MonotonicCount keeps only non-negative differences); histograms as
  `<ns>.<name>.bucket` counts tagged `upper_bound:<le>` (cumulative, `+Inf` skipped) plus `.sum`/`.count`,
  and with `distributions=True` as the distribution `<ns>.<name>` too (`histogram_buckets_as_distributions`:
  each bucket's new observations spread evenly over (lower, upper], as the Agent's interpolating sketch
  insert does; `collect_counters_with_distributions` keeps `.sum`/`.count`); summaries as `<ns>.<name>.quantile`
  gauges tagged `quantile` plus `.sum`/`.count`. Tags: each exposed label `key:value` (keys renamed by the
  label map, keys and values lower-cased and characters Datadog does not allow replaced by `_`, as its tag
  normalisation does), plus `endpoint:http://<instance>/metrics` (tag_by_endpoint); never `job`/`instance`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from migrate.testing.generated import BUCKETS, JOB, Stream
from migrate.testing.metrics_db import MetricsDb
from migrate.translate.ddquery import tag_value


def openmetrics_text(streams: list[Stream]) -> str:
    """No `# TYPE` lines: the TSDB keeps no types, and the generated gauge `a` and counter `a_total` would
    otherwise be two families of one name."""
    lines = []
    for s in streams:
        labels = {**s.labels, "job": JOB, "instance": s.target}
        text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        lines += [f"{s.sample}{{{text}}} {v!r} {t}" for t, v in s.points]
    return "\n".join([*lines, "# EOF", ""])


def _tags(stream: Stream, renames: Mapping[str, str | None]) -> dict[str, str]:
    tags = {}
    for key, value in stream.labels.items():
        renamed = renames.get(key, key)
        if renamed:
            tags[tag_value(renamed)] = tag_value(value)
    tags["endpoint"] = f"http://{stream.target}/metrics"
    return tags


def submit(
    streams: list[Stream],
    db: MetricsDb,
    *,
    namespace: str = "app",
    renames: Mapping[str, str | None] | None = None,
    distributions: bool = True,
) -> None:
    prefix = f"{namespace}." if namespace else ""
    renames = renames or {}
    buckets: dict[tuple[str, str, tuple[tuple[str, str], ...]], dict[str, Stream]] = {}
    for s in streams:
        tags = _tags(s, renames)
        name = prefix + s.family
        if s.kind == "gauge" or (s.kind == "summary" and s.sample == s.family):
            metric = f"{name}.quantile" if s.kind == "summary" else name
            for t, v in s.points:
                db.add(metric, "gauge", tags, t, v)
        elif s.kind == "counter":
            _monotonic(db, f"{name}.count", tags, s.points)
        elif s.sample.endswith("_bucket"):
            le = s.labels["le"]
            rest = {k: v for k, v in tags.items() if k != "le"}
            if le != "+Inf":
                _monotonic(db, f"{name}.bucket", {**rest, "upper_bound": le}, s.points)
            buckets.setdefault((name, s.target, tuple(sorted(rest.items()))), {})[le] = s
        else:  # histogram or summary _sum / _count
            _monotonic(db, f"{name}.{s.sample.rsplit('_', 1)[1]}", tags, s.points)
    if distributions:
        for (name, _, tag_items), by_le in buckets.items():
            _distribution(db, name, dict(tag_items), by_le)


def _monotonic(db: MetricsDb, metric: str, tags: dict[str, str], points: list[tuple[int, float]]) -> None:
    for (_, before), (t, now) in itertools.pairwise(points):
        if now >= before:
            db.add(metric, "count", tags, t, now - before)


def _distribution(db: MetricsDb, name: str, tags: dict[str, str], by_le: dict[str, Stream]) -> None:
    bounds = [le for le in BUCKETS if le in by_le]
    series = [by_le[le].points for le in bounds]
    for i in range(1, len(series[0])):
        t = series[0][i][0]
        lower, below = 0.0, 0.0
        for le, points in zip(bounds, series, strict=True):
            cumulative = points[i][1] - points[i - 1][1]
            count = round(cumulative - below)
            upper = float(le)
            for j in range(count):
                db.add(name, "distribution", tags, t, lower + (upper - lower) * (j + 1) / count)
            lower, below = upper, cumulative
