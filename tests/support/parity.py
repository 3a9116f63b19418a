"""A controlled parallel run for parity tests: the generated streams (migrate/testing/generated.py) in a real
Prometheus (TSDB blocks made by promtool) and, as the Agent's OpenMetrics check would submit them, in the
local Datadog-compatible server; `Sides` for migrate.parity.check over both.

    with parallel_run() as run:
        check(run.sides, Query(promql, formula), run.window, 60, Tolerance())
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from migrate.cli import main
from migrate.parity.check import Sides
from migrate.parity.fetch import datadog_client, prometheus_range
from migrate.settings import datadog_credentials
from migrate.sources.http import HttpClient
from migrate.testing import generated
from migrate.testing.agent import openmetrics_text, submit
from migrate.testing.ddserver import DatadogTestServer
from tests.support.prometheus import PrometheusServer

# The label map tests/unit/test_promql_cases.py translates with (as mappings/prometheus.yaml, minus job).
LABEL_TAGS: dict[str, str | None] = {"instance": "endpoint", "job": None}
# From 75 minutes in (room for a 5m rate behind a 1h offset or moving rollup) to the last full minute.
WINDOW = (generated.START + 75 * 60, generated.END - 60)


@dataclass
class ParallelRun:
    prometheus: PrometheusServer
    datadog: DatadogTestServer
    sides: Sides
    window: tuple[int, int] = WINDOW


# The mappings a parity test translates with: the namespace and label map the emulated Agent submits under.
MAPPINGS = "prometheus:\n  namespace: app\n  label_tags: {instance: endpoint, job: null}\n"


def translate_rules(work: Path, rules: str) -> Path:
    """`rules` (a Prometheus rule file) collected and translated by the CLI with MAPPINGS (in `work/maps`): the
    translation directory."""
    (work / "src").mkdir()
    (work / "src" / "app.rules.yml").write_text(rules, encoding="utf-8")
    (work / "maps").mkdir()
    (work / "maps" / "app.yaml").write_text(MAPPINGS, encoding="utf-8")
    assert main(["collect", "prometheus", "--from-files", str(work / "src"), "--out", str(work / "inv")]) == 0
    translation = work / "translation"
    argv = ["translate", "--inventory", str(work / "inv"), "--mappings", str(work / "maps")]
    assert main([*argv, "--out", str(translation)]) == 0
    return translation


def rule_alerts(run: ParallelRun, alertname: str, expr: str, for_seconds: int, interval: int = 60) -> list[str]:
    """The `ALERTS` record Prometheus' rule evaluator would write for an alerting rule over the generated history,
    as OpenMetrics sample lines for `parallel_run(extra_samples=...)`: the real Prometheus evaluates `expr` (set
    operators and all) every `interval`; a series fires once the expression has returned it at every evaluation
    for `for_seconds` (docs prometheus.io configuration/alerting_rules: pending, then firing). The evaluator ends a
    resolved alert with a staleness marker, which OpenMetrics text cannot carry: a NaN sample at each evaluation
    that does not fire stands for it (parity drops NaN points, as a query past a stale marker returns nothing)."""
    start = generated.START // interval * interval + interval
    answer = prometheus_range(run.sides.source("prometheus"), expr, start, generated.END, interval)
    lines = []
    for series in answer.series:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(series.labels.items()))
        name = f'ALERTS{{alertname="{alertname}",alertstate="firing"{"," if labels else ""}{labels}}}'
        active: int | None = None
        for t in range(start, generated.END, interval):
            active = (t if active is None else active) if t in series.points else None
            firing = active is not None and t - active >= for_seconds
            lines.append(f"{name} {1.0 if firing else 'NaN'} {t}")
    return lines


@contextmanager
def parallel_run(extra_samples: list[str] | None = None) -> Iterator[ParallelRun]:
    """`extra_samples`: more OpenMetrics sample lines for Prometheus only (e.g. an `ALERTS` history)."""
    streams = generated.generate()
    text = openmetrics_text(streams).removesuffix("# EOF\n") + "".join(f"{line}\n" for line in extra_samples or [])
    prometheus = PrometheusServer(openmetrics=text + "# EOF\n", scrape_self=False, dead_target=False)
    with prometheus as prom, DatadogTestServer() as dd:
        submit(streams, dd.store.points, namespace="app", renames=LABEL_TAGS)
        sides = Sides(HttpClient(prom.url), datadog_client(dd.url, datadog_credentials(dd.env)), LABEL_TAGS)
        yield ParallelRun(prom, dd, sides)
