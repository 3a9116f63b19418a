"""Benchmark: `ddmigrate parity` over the sample company's New Relic and Pingdom side (NRQL conditions, widgets,
NR synthetic monitors, Pingdom uptime checks), 24 h at 60 s, within both sides' limits.

New Relic answers through NerdGraph behind `responses` (tests/support/nr_parity.py: every unfaceted NRQL gets
a value per bucket, faceted ones none), Pingdom's results the same way (one check down for 20 minutes),
Datadog is the local server with a metrics query limit (LIMIT per PERIOD seconds) and no points, so most
verdicts are `no_data`: the figure this measures is time and requests (NRQL is paced at 3,000 queries a minute
and asked in chunks of at most 366 buckets: 4 per object for a day at 60 s).

    .venv/bin/python bench/parity_newrelic.py [--limit 100] [--period 10]
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import responses

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the fake NerdGraph lives in the test support

from bench.parity import limited_cli  # noqa: E402
from migrate.cli import main  # noqa: E402
from migrate.mappings import load_mappings  # noqa: E402
from migrate.parity.check import Sides  # noqa: E402
from migrate.parity.fetch import datadog_client  # noqa: E402
from migrate.parity.run import run_parity  # noqa: E402
from migrate.settings import datadog_credentials  # noqa: E402
from migrate.sources.newrelic.nerdgraph import NerdGraph  # noqa: E402
from migrate.sources.pingdom.api import client_from_env  # noqa: E402
from migrate.testing.ddserver import DatadogTestServer  # noqa: E402
from tests.support.nr_parity import ACCOUNT, PINGDOM_URL, URL, FakeNerdGraph, NrqlSeries, pingdom_results  # noqa: E402

SAMPLE = ROOT / "inventories" / "sample" / "sources"
START = 1_767_225_600
WINDOW = (START, START + 86400)


def translate_sample(work: Path) -> Path:
    for source in ("newrelic", "pingdom"):
        assert main(["collect", source, "--from-files", str(SAMPLE / source), "--out", str(work / source)]) == 0
    inventories = ["--inventory", str(work / "newrelic"), "--inventory", str(work / "pingdom")]
    assert main(["translate", *inventories, "--out", str(work / "translation")]) == 0
    return work / "translation"


def run(limit: int, period: float) -> dict[str, Any]:
    minutes = range(WINDOW[0] - 3600, WINDOW[1], 60)
    graph = FakeNerdGraph([NrqlSeries(lambda tree: not tree.facet, "value", {(): dict.fromkeys(minutes, 1.0)})])
    down = range(START + 3600, START + 4800, 60)
    history = {"7001001": [(t, "down" if t in down else "up") for t in minutes]}
    with tempfile.TemporaryDirectory(prefix="ddmigrate-bench-nrparity-") as tmp:
        work = Path(tmp)
        translation = translate_sample(work)
        env = {"NEW_RELIC_API_KEY": "NRAK-BENCH", "NEW_RELIC_API_URL": URL}
        with (
            DatadogTestServer(rate_limits={"metrics_query": (limit, period)}) as dd,
            responses.RequestsMock(assert_all_requests_are_fired=False) as mock,
        ):
            mock.add_passthru(dd.url)
            graph.register(mock)
            pingdom_results(mock, history)
            pingdom = client_from_env({"PINGDOM_API_TOKEN": "bench", "PINGDOM_API_URL": PINGDOM_URL})
            sides = Sides(
                None, datadog_client(dd.url, datadog_credentials(dd.env)), {}, NerdGraph.from_env(env), ACCOUNT, pingdom
            )
            began = time.monotonic()
            result = run_parity(
                translation_dir=translation,
                out=work / "parity.json",
                sides=sides,
                window=WINDOW,
                step=60,
                mappings=load_mappings(),
            )
            elapsed = time.monotonic() - began
            pingdom_calls = sum(1 for c in mock.calls if PINGDOM_URL in str(c.request.url))
            dd_calls = [r for r in dd.requests if r.path == "/api/v2/query/timeseries"]
            other = [r for r in dd.requests if r.path != "/api/v2/query/timeseries"]
        return {
            "objects compared": len(result.results),
            "by kind": dict(Counter("/".join(k.split("/")[:2]) for k in result.results)),
            "not comparable": len(result.skipped),
            "failed": len(result.failed),
            "first failures": [f"{k}: {v[:160]}" for k, v in list(result.failed.items())[:3]],
            "verdicts": dict(Counter(r["verdict"] for r in result.results.values())),
            "parity seconds": round(elapsed, 1),
            "nerdgraph nrql requests": len(graph.asked),
            "pingdom results requests": pingdom_calls,
            "datadog metrics queries": len(dd_calls),
            "datadog 429 answers": sum(1 for r in dd_calls if r.status == 429),
            "datadog other reads (monitor ids, events, tests, results)": len(other),
            "datadog limit": f"{limit} metrics queries per {period:g} s",
        }


def cli() -> None:
    limited_cli(run, __doc__ or "")


if __name__ == "__main__":
    cli()
