"""Bridge mode against a real Prometheus: scrape configs and targets collected over HTTP, the Agent
config generated from what the translated monitors and dashboards read, the cardinality preview
checked against the server's own counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
import yaml

from migrate.bridge.openmetrics import INSTANCE_OPTIONS
from migrate.commands.bridge import bridge
from migrate.commands.collect import collect
from migrate.commands.translate import translate
from tests.conftest import SCRAPE_PASSWORD
from tests.support.prometheus import PrometheusServer
from tests.support.sample_mappings import SAMPLE_MAPPINGS

pytestmark = pytest.mark.prometheus

RULES = {
    "groups": [
        {
            "name": "bridge",
            "rules": [
                {
                    "record": "job:prometheus_http_requests:rate5m",
                    "expr": "sum by (job) (rate(prometheus_http_requests_total[5m]))",
                },
                {
                    "alert": "TooManyRequests",
                    "expr": "job:prometheus_http_requests:rate5m > 100",
                    "for": "5m",
                    "labels": {"severity": "warning"},
                },
                {
                    "alert": "HeadSeries",
                    "expr": "prometheus_tsdb_head_series > 1000000",
                    "labels": {"severity": "critical"},
                },
            ],
        }
    ]
}
DASHBOARD = {
    "uid": "bridge",
    "title": "Bridge",
    "panels": [
        {
            "id": 1,
            "type": "timeseries",
            "title": "p99",
            "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
            "targets": [
                {
                    "refId": "A",
                    "expr": "histogram_quantile(0.99, sum by (le) "
                    "(rate(prometheus_http_request_duration_seconds_bucket[$__rate_interval])))",
                }
            ],
        },
    ],
}


def test_bridge_config_and_preview_from_a_live_prometheus(
    prometheus_server: PrometheusServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump(RULES), encoding="utf-8")
    (tmp_path / "dash.json").write_text(json.dumps(DASHBOARD), encoding="utf-8")
    prom = prometheus_server  # the session's server (its third target, a basic-auth job, is an instance too)
    prom.reload([rules])
    active = prom.wait_for_targets(3)  # targets show up about 5 s after start: poll
    monkeypatch.setenv("PROMETHEUS_URL", prom.url)
    collect("prometheus", out=tmp_path / "inv-prom", from_api=True)
    collect("grafana", out=tmp_path / "inv-graf", from_files=[tmp_path / "dash.json"])
    inventories = [tmp_path / "inv-prom", tmp_path / "inv-graf"]
    translate(inventories=inventories, out=tmp_path / "translation", mappings=[SAMPLE_MAPPINGS])
    result = bridge(
        inventories=inventories,
        translations=[tmp_path / "translation"],
        out=tmp_path / "agent" / "conf.yaml",
        mappings=[SAMPLE_MAPPINGS],
        preview_cardinality=True,
    )
    expected_series = int(
        float(
            requests.get(
                f"{prom.url}/api/v1/query",
                timeout=10,
                params={"query": 'count({__name__="prometheus_http_requests_total", job="prometheus"})'},
            ).json()["data"]["result"][0]["value"][1]
        )
    )

    config = yaml.safe_load((tmp_path / "agent" / "conf.yaml").read_text(encoding="utf-8"))
    instances = config["instances"]
    assert sorted(i["openmetrics_endpoint"] for i in instances) == sorted(t["scrapeUrl"] for t in active)
    for instance in instances:
        assert set(instance) <= INSTANCE_OPTIONS
        assert instance["namespace"] == "techcorp"
        assert instance["histogram_buckets_as_distributions"] is True
        assert any(tag.startswith("service:") for tag in instance["tags"])  # job, as mappings say
    metrics = instances[0]["metrics"]
    # counters by family name (the Agent appends .count), the histogram once, the recording rule expanded
    assert "prometheus_http_requests" in metrics
    assert "prometheus_tsdb_head_series" in metrics
    assert "prometheus_http_request_duration_seconds" in metrics
    assert not any("job:" in str(m) for m in metrics)
    assert all(isinstance(m, str) for m in metrics)  # the server reports every type: no override needed

    preview = json.loads((tmp_path / "agent" / "cardinality.json").read_text(encoding="utf-8"))
    assert result.cardinality_path == tmp_path / "agent" / "cardinality.json"
    by_metric = {m["metric"]: m["contexts"] for m in preview["per_metric"]}
    assert by_metric["prometheus_http_requests_total"] >= expected_series > 0
    own = [t for t in preview["per_target"] if t["job"] == "prometheus"]
    assert own and own[0]["contexts"] == sum(by_metric.values())  # only this target exposes them
    assert preview["total_custom_metrics"] == sum(by_metric.values())
    assert preview["tsdb"]["head_series"] > 0
    assert not any(t["over_limit"] for t in preview["per_target"])

    # The basic-auth job: the Agent instance authenticates like Prometheus did, the password as a handle.
    (secured,) = [i for i in instances if "service:secured" in i["tags"]]
    assert (secured["auth_type"], secured["username"]) == ("basic", "scraper")
    assert secured["password"] == "ENC[prometheus/secured/basic_auth_password]"
    assert [(s.handle, s.job) for s in result.bridge.secrets] == [("prometheus/secured/basic_auth_password", "secured")]
    needed = (tmp_path / "agent" / "secrets-needed.txt").read_text(encoding="utf-8")
    assert "prometheus/secured/basic_auth_password\tsecured\tpassword\t" in needed
    assert not any("auth_type" in i for i in instances if i is not secured)
    for path in (tmp_path / "agent").iterdir():
        assert SCRAPE_PASSWORD not in path.read_text(encoding="utf-8"), path
