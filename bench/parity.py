"""Benchmark: `ddmigrate parity` over the sample company (every monitor condition and widget query), 24 h at 60 s,
against a real Prometheus and the local Datadog server, within both sides' rate limits.

Data: a day (plus the hour parity looks back) of generated history for every Prometheus metric the sample's
resources read, scraped every 60 s from two targets with a few label sets: counters at a constant rate,
gauges changing per minute, histograms with the harness buckets; Prometheus gets TSDB blocks (promtool),
the Datadog server the same samples as the Agent would submit them. The sample's recording rules are not
evaluated, so objects reading one have no Prometheus data: the verdicts are printed, but the figure this
measures is time and requests. The Datadog server enforces a metrics query limit (LIMIT requests per PERIOD
seconds, X-RateLimit-* headers); the client paces itself on them and the 429s it still met are counted.

    .venv/bin/python bench/parity.py [--limit 100] [--period 10]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the Prometheus runner lives in the test support

from migrate.cli import main  # noqa: E402
from migrate.mappings import load_mappings  # noqa: E402
from migrate.parity.check import Sides  # noqa: E402
from migrate.parity.fetch import datadog_client  # noqa: E402
from migrate.parity.run import run_parity  # noqa: E402
from migrate.settings import datadog_credentials  # noqa: E402
from migrate.sources.http import HttpClient  # noqa: E402
from migrate.testing.agent import openmetrics_text, submit  # noqa: E402
from migrate.testing.ddserver import DatadogTestServer  # noqa: E402
from migrate.testing.generated import BUCKET_COUNTS, BUCKETS, START, TARGETS, Stream  # noqa: E402
from tests.support.prometheus import PrometheusServer  # noqa: E402

SAMPLE = ROOT / "inventories" / "sample" / "sources"
HOURS, SCRAPE = 25, 60
# Labels the sample's queries filter and group on. No `service`: the shipped mappings turn `job` into `service`
# (bridge mode's instance tag), which the emulated Agent does not add, so a `service` label would collide.
_SHARED = {"namespace": "payments", "mode": "idle", "fstype": "ext4", "mountpoint": "/"}
LABEL_SETS = (
    {**_SHARED, "code": "200", "route": "/invoices", "provider": "stripe", "channel": "email", "pod": "p-1"},
    {**_SHARED, "code": "500", "route": "/pay", "provider": "adyen", "channel": "sms", "status": "failed", "pod": "p2"},
)


def translate_sample(work: Path) -> Path:
    for source in ("prometheus", "grafana"):
        assert main(["collect", source, "--from-files", str(SAMPLE / source), "--out", str(work / source)]) == 0
    inventories = ["--inventory", str(work / "prometheus"), "--inventory", str(work / "grafana")]
    assert main(["translate", *inventories, "--out", str(work / "translation")]) == 0
    return work / "translation"


def source_metrics(translation: Path) -> list[str]:
    desired = json.loads((translation / "desired.json").read_text(encoding="utf-8"))
    names = {m for r in desired["resources"] for m in (r.get("metadata") or {}).get("source_metrics", [])}
    return sorted(n for n in names if ":" not in n)


def streams_for(names: list[str]) -> list[Stream]:
    times = list(range(START + 5, START + HOURS * 3600, SCRAPE))
    histograms = {n.removesuffix("_bucket") for n in names if n.endswith("_bucket")}
    out: list[Stream] = []
    for i, name in enumerate(names):
        family = name.removesuffix("_bucket").removesuffix("_sum").removesuffix("_count")
        if family in histograms and name != f"{family}_bucket":
            continue  # the histogram's own _sum/_count come with its buckets
        for target in TARGETS:
            for j, labels in enumerate(LABEL_SETS):
                out += _streams(name, target, labels, times, seed=1 + i + j, histogram=family in histograms)
    return out


def _streams(
    name: str, target: str, labels: dict[str, str], times: list[int], *, seed: int, histogram: bool
) -> list[Stream]:
    elapsed = [(t, float(t - START)) for t in times]
    if histogram:
        family, cumulative = name.removesuffix("_bucket"), 0
        out = []
        for le, count in (*zip(BUCKETS, BUCKET_COUNTS, strict=True), ("+Inf", 0)):
            cumulative += count
            points = [(t, cumulative * e / SCRAPE) for t, e in elapsed]
            out.append(Stream(family, "histogram", f"{family}_bucket", {**labels, "le": le}, target, points))
        for suffix in ("sum", "count"):
            points = [(t, cumulative * e / SCRAPE) for t, e in elapsed]
            out.append(Stream(family, "histogram", f"{family}_{suffix}", labels, target, points))
        return out
    if name.endswith("_total"):
        family = name.removesuffix("_total")
        return [Stream(family, "counter", name, labels, target, [(t, 0.1 * seed * e) for t, e in elapsed])]
    points = [(t, float(100 + seed + (t - START) // 60 % 17)) for t in times]
    return [Stream(name, "gauge", name, labels, target, points)]


def run(limit: int, period: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ddmigrate-bench-parity-") as tmp:
        work = Path(tmp)
        translation = translate_sample(work)
        streams = streams_for(source_metrics(translation))
        samples = sum(len(s.points) for s in streams)
        mappings = load_mappings()
        started = time.monotonic()
        prometheus = PrometheusServer(openmetrics=openmetrics_text(streams), scrape_self=False, dead_target=False)
        with prometheus as prom, DatadogTestServer(rate_limits={"metrics_query": (limit, period)}) as dd:
            submit(streams, dd.store.points, namespace=mappings.namespace, renames=mappings.label_tags)
            loaded = time.monotonic() - started
            prom_calls: list[int] = []
            session = requests.Session()
            session.hooks["response"].append(lambda resp, *a, **k: prom_calls.append(resp.status_code))
            sides = Sides(
                HttpClient(prom.url, session=session),
                datadog_client(dd.url, datadog_credentials(dd.env)),
                mappings.label_tags,
            )
            window = (START + 3600, START + HOURS * 3600)
            began = time.monotonic()
            result = run_parity(
                translation_dir=translation,
                out=work / "parity.json",
                sides=sides,
                window=window,
                step=60,
                mappings=mappings,
            )
            elapsed = time.monotonic() - began
            dd_calls = [r for r in dd.requests if r.path == "/api/v2/query/timeseries"]
        return {
            "objects compared": len(result.results),
            "not comparable": len(result.skipped),
            "failed": len(result.failed),
            "verdicts": dict(Counter(r["verdict"] for r in result.results.values())),
            "composites (firing vs ALERTS)": _composites(result.results),
            "failed objects": ", ".join(sorted(k.rsplit("/", 1)[1] for k in result.failed)) or "none",
            "series x samples loaded": f"{len(streams)} x {samples // max(len(streams), 1)} ({samples} samples)",
            "load seconds (promtool + start + agent emulation)": round(loaded, 1),
            "parity seconds": round(elapsed, 1),
            "prometheus requests": len(prom_calls),
            "datadog metrics queries": len(dd_calls),
            "datadog 429 answers": sum(1 for r in dd_calls if r.status == 429),
            "datadog limit": f"{limit} per {period:g} s",
        }


def _composites(results: dict[str, dict[str, Any]]) -> str:
    """Each composite's verdict and why: the sample's recording rules and ALERTS are not evaluated here."""
    found = [(k.rsplit("/", 1)[1], r) for k, r in results.items() if r.get("kind") == "composite"]
    return "; ".join(f"{name} {r['verdict']} ({r['detail'] or 'fires as ALERTS'})" for name, r in found) or "none"


def limited_cli(bench: Callable[[int, float], dict[str, Any]], doc: str) -> None:
    """`--limit N --period S` (the local Datadog server's metrics query limit), then the figures `bench` returns."""
    parser = argparse.ArgumentParser(description=doc.split("\n", 1)[0])
    parser.add_argument("--limit", type=int, default=100, help="metrics queries allowed per period (default 100)")
    parser.add_argument("--period", type=float, default=10.0, help="the rate-limit period in seconds (default 10)")
    args = parser.parse_args()
    figures = bench(args.limit, args.period)
    width = max(map(len, figures)) + 2
    for key, value in figures.items():
        print(f"{key:{width}} {value}")


def cli() -> None:
    limited_cli(run, __doc__ or "")


if __name__ == "__main__":
    cli()
