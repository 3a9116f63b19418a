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

from migrate.parity.check import Sides
from migrate.parity.fetch import datadog_client
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
