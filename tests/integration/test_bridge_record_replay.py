"""A cardinality preview recorded from a real Prometheus (`--record-series-counts`) replays offline
(`--series-counts`) to the same numbers, also when an answer was saved by `curl` as the whole envelope."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import requests
import yaml

from migrate.commands.bridge import bridge
from migrate.commands.collect import collect
from tests.support.prometheus import PrometheusServer

pytestmark = pytest.mark.prometheus

RULES = {
    "groups": [
        {
            "name": "g",
            "rules": [
                {"alert": "Busy", "expr": "sum(rate(prometheus_http_requests_total[5m])) > 100"},
                {
                    "alert": "Slow",
                    "expr": "histogram_quantile(0.9, sum by (le) (rate("
                    "prometheus_http_request_duration_seconds_bucket[5m]))) > 1",
                },
            ],
        }
    ]
}


def _no_network(*_: object) -> None:
    raise AssertionError("the offline replay opened a network connection")


def test_recorded_preview_replays_offline(
    prometheus_server: PrometheusServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump(RULES), encoding="utf-8")
    prom = prometheus_server  # the session's server: replaying offline needs no server, not a stopped one
    prom.reload([rules])
    prom.wait_for_targets(2)
    monkeypatch.setenv("PROMETHEUS_URL", prom.url)
    collect("prometheus", out=tmp_path / "inv", from_api=True)
    live = bridge(
        inventories=[tmp_path / "inv"],
        out=tmp_path / "live" / "conf.yaml",
        preview_cardinality=True,
        record_series_counts=tmp_path / "counts.json",
    )
    recording = json.loads((tmp_path / "counts.json").read_text(encoding="utf-8"))
    query = next(q for q in recording["queries"] if "prometheus_http_requests_total" in q)
    # the same answer as `curl $PROMETHEUS_URL/api/v1/query --data-urlencode query=...` saves it
    recording["queries"][query] = requests.get(f"{prom.url}/api/v1/query", params={"query": query}, timeout=10).json()
    (tmp_path / "curl.json").write_text(json.dumps(recording), encoding="utf-8")
    monkeypatch.delenv("PROMETHEUS_URL")  # offline needs no URL
    # The session's server keeps running: prove the replay never connects anywhere (not even to the origin).
    monkeypatch.setattr(socket.socket, "connect", _no_network)

    offline = bridge(
        inventories=[tmp_path / "inv"], out=tmp_path / "off" / "conf.yaml", series_counts=tmp_path / "curl.json"
    )
    assert live.cardinality is not None and offline.cardinality is not None
    assert offline.cardinality["not_recorded"] == []
    # the server kept running between the preview and the curl call: that one answer may have grown
    curl_rows = recording["queries"][query]["data"]["result"]
    by_metric = {m["metric"]: m["contexts"] for m in offline.cardinality["per_metric"]}
    assert by_metric.pop("prometheus_http_requests_total") == sum(int(r["value"][1]) for r in curl_rows) > 0
    live_by_metric = {m["metric"]: m["contexts"] for m in live.cardinality["per_metric"]}
    live_by_metric.pop("prometheus_http_requests_total")
    assert by_metric == live_by_metric and offline.cardinality["no_series"] == live.cardinality["no_series"]
    assert "prometheus_http_request_duration_seconds_bucket" in by_metric
    assert offline.cardinality["tsdb"]["head_series"] == live.cardinality["tsdb"]["head_series"] > 0
