"""Generated time series for parity runs: the same samples become OpenMetrics text for `promtool tsdb
create-blocks-from openmetrics` (the Prometheus side) and Agent submissions (agent.py, the Datadog side).

Deterministic, no randomness: two scrape targets (`instance` 10.0.0.1:9100 and 10.0.0.2:9100, `job` api),
scraped every 15 s at 5 s past each quarter minute for four hours from START. Counters grow at a constant
rate per series (so a 5m `rate()` and a 60 s `as_rate()` measure the same thing), gauges change once a
minute (constant within [m, m + 60), so an instant value and a 60 s `avg` rollup agree), histograms have
cumulative `le` buckets with a fixed number of observations per scrape, the summary has quantile gauges.
Irregularities a parity run must survive: target 2 misses one scrape mid-minute (MISSED), and
`node_intr_total` on target 1 restarts at RESTART (a counter reset: Prometheus counts the post-restart
value, the Agent's monotonic count drops that interval: the one place the two sides differ by design).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

START = 1_767_225_600  # 2026-01-01T00:00:00Z: fixed, so blocks and expectations never depend on the clock
HOURS = 4
SCRAPE = 15
OFFSET = 5
END = START + HOURS * 3600
TARGETS = ("10.0.0.1:9100", "10.0.0.2:9100")
JOB = "api"
MISSED = (TARGETS[1], START + 2 * 3600 + 35)  # mid-minute: not a window edge of a 60 s step
RESTART = (TARGETS[0], START + 3 * 3600)
BUCKETS = ("0.05", "0.1", "0.25", "0.5", "1.0", "2.5")
BUCKET_COUNTS = (3, 6, 9, 6, 3, 1)  # observations per scrape interval in each (non-cumulative) bucket
QUANTILES = ("0.5", "0.9", "0.99")


@dataclass
class Stream:
    """One Prometheus series as the target exposes it (no job/instance: the server adds those)."""

    family: str
    kind: str  # counter | gauge | histogram | summary
    sample: str  # the exposed sample name: http_requests_total, x_bucket, x_sum, x_count, x
    labels: dict[str, str]
    target: str
    points: list[tuple[int, float]] = field(default_factory=list)


def scrape_times(target: str) -> list[int]:
    times = range(START + OFFSET, END, SCRAPE)
    return [t for t in times if (target, t) != MISSED]


def _counter_value(rate: float, t: int, target: str, family: str) -> float:
    if (target, family) == (RESTART[0], "node_intr") and t >= RESTART[1]:
        return rate * (t - RESTART[1])
    return rate * (t - START)


def _gauge_value(seed: int, t: int) -> float:
    minute = (t - START) // 60
    return round(100 + 40 * math.sin(minute / 9 + seed) + 5 * (seed % 7), 6)


def _counters() -> Iterator[tuple[str, dict[str, str], float]]:
    index = 0
    for code in ("200", "404", "500", "502"):
        for method in ("GET", "POST"):
            for path in ("/api/users", "/health"):
                index += 1
                yield "http_requests", {"code": code, "method": method, "path": path, "handler": path}, 0.1 * index
    yield "http_requests", {"code": "200", "method": "GET", "path": "/Hello World", "handler": "/hello"}, 0.7
    for code, rate in (("200", 2.0), ("500", 0.5)):
        yield "a", {"code": code}, rate
        yield "b", {"code": code}, rate * 3
    for namespace in ("prod", "dev"):
        for pod in range(1, 4):
            yield "container_cpu_usage_seconds", {"namespace": namespace, "pod": f"{namespace}-{pod}"}, 0.2 * pod
    for cpu in ("0", "1"):
        for mode, rate in (("idle", 0.8), ("user", 0.15)):
            yield "node_cpu_seconds", {"cpu": cpu, "mode": mode}, rate
    yield "errors", {}, 0.3
    yield "billing_requests", {}, 4.0
    yield "node_intr", {}, 50.0


def _gauges() -> Iterator[tuple[str, dict[str, str]]]:
    for pod in ("web-1", "web-2", "web-3"):
        for name in ("node_load1", "node_memory_MemAvailable_bytes", "container_memory_working_set_bytes"):
            yield name, {"pod": pod}
        yield "kube_pod_info", {"pod": pod, "namespace": "prod" if pod != "web-3" else "dev", "node": "n1"}
    for device, fstype, mountpoint in (("sda1", "ext4", "/"), ("sdb1", "ext4", "/data"), ("tmpfs", "tmpfs", "/run")):
        for name in ("node_filesystem_avail_bytes", "node_filesystem_free_bytes"):
            yield name, {"device": device, "fstype": fstype, "mountpoint": mountpoint}
    for name in ("node_memory_MemTotal_bytes", "queue_length", "tempodb_blocklist_length", "node_temp_celsius"):
        yield name, {}
    for name in ("kube_deployment_status_replicas_available", "x", "y", "a", "b", "c", "disk_free", "queue_depth"):
        yield name, {}


def generate() -> list[Stream]:
    streams: list[Stream] = []
    for target_index, target in enumerate(TARGETS):
        times = scrape_times(target)
        for family, labels, base_rate in _counters():
            rate = base_rate * (1 + target_index)
            points = [(t, _counter_value(rate, t, target, family)) for t in times]
            streams.append(Stream(family, "counter", f"{family}_total", labels, target, points))
        for seed, (name, labels) in enumerate(_gauges()):
            if name == "kube_pod_info":
                points = [(t, 1.0) for t in times]
            else:
                points = [(t, _gauge_value(seed + 11 * target_index, t)) for t in times]
            streams.append(Stream(name, "gauge", name, labels, target, points))
        streams += _histograms(target, times, target_index)
        streams += _summary(target, times, target_index)
    return streams


def _histograms(target: str, times: list[int], scale: int) -> list[Stream]:
    family, out = "http_request_duration_seconds", []
    for method in ("GET", "POST"):
        for service in ("api", "web"):
            labels = {"method": method, "service": service}
            per_scrape = [c * (1 + scale) * (2 if method == "GET" else 1) for c in BUCKET_COUNTS]
            cumulative = [sum(per_scrape[: i + 1]) for i in range(len(per_scrape))]
            for le, count in (*zip(BUCKETS, cumulative, strict=True), ("+Inf", cumulative[-1])):
                points = [(t, float(count * _scrapes(t))) for t in times]
                out.append(Stream(family, "histogram", f"{family}_bucket", {**labels, "le": le}, target, points))
            mean = sum(c * (float(b) / 2) for c, b in zip(per_scrape, BUCKETS, strict=True))
            out.append(
                Stream(family, "histogram", f"{family}_sum", labels, target, [(t, mean * _scrapes(t)) for t in times])
            )
            total = [(t, float(cumulative[-1] * _scrapes(t))) for t in times]
            out.append(Stream(family, "histogram", f"{family}_count", labels, target, total))
    return out


def _summary(target: str, times: list[int], seed: int) -> list[Stream]:
    family, out = "rpc_duration_seconds", []
    for i, q in enumerate(QUANTILES):
        points = [(t, _gauge_value(40 + i + seed, t) / 1000) for t in times]
        out.append(Stream(family, "summary", family, {"quantile": q}, target, points))
    out.append(Stream(family, "summary", f"{family}_sum", {}, target, [(t, 0.02 * _scrapes(t)) for t in times]))
    out.append(Stream(family, "summary", f"{family}_count", {}, target, [(t, 2.0 * _scrapes(t)) for t in times]))
    return out


def _scrapes(t: int) -> int:
    """Scrape intervals elapsed since the first scrape: a histogram's counts grow by one interval's worth each."""
    return (t - START - OFFSET) // SCRAPE + 1
