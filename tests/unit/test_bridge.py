"""Bridge config generation without a server: metric list, type overrides, tags, pods, option names."""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
import responses
import yaml

from migrate.bridge.cardinality import preview
from migrate.bridge.metrics import expand, referenced_metrics, resolve_type
from migrate.bridge.openmetrics import INSTANCE_OPTIONS, build_config, undocumented_options
from migrate.commands.bridge import bridge
from migrate.errors import InputError, UsageError
from migrate.inventory.store import Inventory, InventoryObject, write_inventory
from migrate.model import SourceRef
from migrate.sources.http import HttpClient
from migrate.translate.promql.translate import translate_promql
from migrate.translate.query import QueryContext
from tests.support.sample_mappings import sample_mappings


def _obj(kind: str, oid: str, normalized: dict[str, Any]) -> InventoryObject:
    return InventoryObject(SourceRef("prometheus", kind, oid, oid), {}, normalized)


def _inventory() -> Inventory:
    objects = [
        _obj(
            "metric_metadata",
            "metadata",
            {"types": {"payment_gateway_requests_total": "counter", "legacy_jobs_processed": "unknown"}},
        ),
        _obj(
            "recording_rule",
            "r1",
            {"record": "job:errors:rate5m", "expr": "sum(rate(payment_gateway_errors_total[5m]))"},
        ),
        _obj(
            "alerting_rule", "a1", {"expr": "job:errors:rate5m / sum(rate(payment_gateway_requests_total[5m])) > 0.1"}
        ),
        _obj("alerting_rule", "a2", {"expr": "histogram_quantile(0.9, rate(billing_latency_seconds_bucket[5m])) > 1"}),
        _obj("alerting_rule", "a3", {"expr": "legacy_jobs_processed < 1 and billing_invoice_queue_depth > 5"}),
        _obj("scrape_config", "payment-gateway", {"job_name": "payment-gateway", "scrape_interval_seconds": 15}),
        _obj(
            "target",
            "payment-gateway/http://10.0.0.5:8080/metrics",
            {
                "scrape_pool": "payment-gateway",
                "scrape_url": "http://10.0.0.5:8080/metrics",
                "health": "up",
                "labels": {"job": "payment-gateway", "instance": "10.0.0.5:8080", "team": "payments"},
                "discovered_labels": {},
            },
        ),
        _obj(
            "target",
            "billing/http://10.1.2.3:9100/metrics",
            {
                "scrape_pool": "billing",
                "scrape_url": "http://10.1.2.3:9100/metrics",
                "health": "down",
                "labels": {"job": "billing", "instance": "10.1.2.3:9100"},
                "discovered_labels": {
                    "__meta_kubernetes_namespace": "billing",
                    "__meta_kubernetes_pod_name": "billing-0",
                    "__meta_kubernetes_pod_container_name": "api",
                    "__meta_kubernetes_pod_container_port_number": "9100",
                },
            },
        ),
    ]
    return Inventory(path=None, source="prometheus", origin="http://prom", collected_at="", objects=objects)


def test_metrics_come_from_expressions_with_recording_rules_expanded() -> None:
    names = referenced_metrics([], [_inventory()])
    assert names == {
        "payment_gateway_errors_total",
        "payment_gateway_requests_total",
        "billing_latency_seconds_bucket",
        "legacy_jobs_processed",
        "billing_invoice_queue_depth",
    }
    assert expand(["a"], {"a": "b + c", "b": "a"}) == {"c"}  # cycles stop


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("payment_gateway_requests_total", ("counter", False)),  # metadata
        ("legacy_jobs_processed", ("gauge", True)),  # metadata says unknown: override, default gauge
        ("billing_invoice_queue_depth", ("gauge", True)),  # mappings metric_types
        ("payment_gateway_errors_total", ("counter", True)),  # suffix
        ("billing_latency_seconds_bucket", ("histogram", True)),
        # as the translator reads it: `.sum` when another part of the family is read, else a gauge of its name
        ("billing_latency_seconds_sum", ("histogram", True)),
        ("db_connections_count", ("gauge", True)),
        ("x_request_count", ("counter", True)),  # the translated queries read it as a counter (rate())
    ],
)
def test_type_resolution(name: str, expected: tuple[str, bool]) -> None:
    types = {"payment_gateway_requests_total": "counter", "legacy_jobs_processed": "unknown"}
    siblings = frozenset({"billing_latency_seconds_bucket", name})
    translated = {"x_request_count": "counter"}
    assert resolve_type(name, types, sample_mappings(), translated=translated, siblings=siblings) == expected


def test_config_instances_tags_overrides_and_pods() -> None:
    inv = _inventory()
    out = build_config(referenced_metrics([], [inv]), [inv], sample_mappings())
    (instance,) = out.config["instances"]
    assert instance["openmetrics_endpoint"] == "http://10.0.0.5:8080/metrics"
    assert instance["namespace"] == "techcorp"
    assert instance["histogram_buckets_as_distributions"] is True
    assert instance["min_collection_interval"] == 15
    # job → service; instance → endpoint, which the check sets itself (`endpoint:<openmetrics_endpoint>`)
    assert instance["tags"] == ["service:payment-gateway", "team:payments"]
    assert instance["metrics"] == [
        {"billing_invoice_queue_depth": {"type": "gauge"}},
        {"billing_latency_seconds": {"type": "histogram"}},
        # untyped on the endpoint, its parts are families of their own: `_sum`/`_count` can still be typed,
        {"billing_latency_seconds_count": {"name": "billing_latency_seconds", "type": "histogram"}},
        {"billing_latency_seconds_sum": {"name": "billing_latency_seconds", "type": "histogram"}},
        {"legacy_jobs_processed": {"type": "gauge"}},
        {"payment_gateway_errors": {"type": "counter"}},
        {"payment_gateway_errors_total": {"name": "payment_gateway_errors", "type": "counter"}},
        "payment_gateway_requests",
    ]
    # the buckets cannot (the check keeps `le`): never keyed, and said
    assert [h["metric"] for h in out.untyped_histograms] == ["billing_latency_seconds"]
    (pod,) = out.autodiscovery
    assert pod == "billing/billing-0/api"
    annotation = yaml.safe_load(out.autodiscovery[pod]["ad.datadoghq.com/api.checks"])
    assert annotation["openmetrics"]["instances"][0]["openmetrics_endpoint"] == "http://%%host%%:9100/metrics"
    assert any("was down" in w for w in out.warnings)
    assert undocumented_options(out.config) == []


def _all_instances(out: Any) -> list[dict[str, Any]]:
    """The static instances and the ones in Autodiscovery annotations."""
    annotated = [
        json.loads(text)["openmetrics"]["instances"][0]
        for annotations in out.autodiscovery.values()
        for text in annotations.values()
    ]
    return [*out.config["instances"], *annotated]


def test_the_check_keeps_its_own_endpoint_and_host_tags() -> None:
    inv = _inventory()
    out = build_config(referenced_metrics([], [inv]), [inv], sample_mappings())
    instances = _all_instances(out)
    assert len(instances) == 2
    for instance in instances:
        assert "tag_by_endpoint" not in instance  # on by default: every series gets endpoint:<openmetrics_endpoint>
        assert [t for t in instance["tags"] if t.split(":", 1)[0] in ("endpoint", "host", "instance")] == []
        # exporter labels named like the keys `instance` and `job` map to are kept apart (promql/labels.py)
        assert instance["rename_labels"] == {"endpoint": "prom_endpoint", "service": "prom_service"}
    assert not any("mapped to `host`" in w for w in out.warnings)


def test_a_monitor_scoped_on_an_instance_selects_that_targets_endpoint_only() -> None:
    """The translator's `endpoint` wildcard for `instance="h:p"` against the `endpoint:<url>` tag the check sets
    for each instance bridge mode writes (Autodiscovery resolves `%%host%%` to the pod's IP)."""
    inv = _inventory()
    mappings = sample_mappings()
    out = build_config(referenced_metrics([], [inv]), [inv], mappings)
    instances = {str(t.normalized["labels"]["instance"]) for t in inv.by_kind("target")}
    urls = {i["openmetrics_endpoint"].replace("%%host%%", "10.1.2.3") for i in _all_instances(out)}
    assert urls == {"http://10.0.0.5:8080/metrics", "http://10.1.2.3:9100/metrics"}
    for instance in instances:
        result = translate_promql(
            f'sum(rate(payment_gateway_requests_total{{instance="{instance}"}}[5m]))', QueryContext(mappings)
        )
        (pattern,) = re.findall(r"\{endpoint:([^}]*)\}", result.expression)
        assert [u for u in urls if fnmatchcase(u, pattern)] == [f"http://{instance}/metrics"]


def test_an_operator_layer_mapping_instance_to_host_still_works(tmp_path: Path) -> None:
    (tmp_path / "host.yaml").write_text("prometheus:\n  label_tags:\n    instance: host\n    node: host\n")
    inv = _inventory()
    out = build_config(referenced_metrics([], [inv]), [inv], sample_mappings(tmp_path))
    (instance, pod) = _all_instances(out)
    assert instance["tags"] == ["service:payment-gateway", "team:payments"]  # the Agent sets `host` itself
    assert pod["tags"] == ["service:billing"]
    assert instance["rename_labels"] == {"node": "host", "host": "prom_host", "service": "prom_service"}
    assert any(w.startswith("`instance` is mapped to `host`: the check's host is the Agent's") for w in out.warnings)
    assert any("`node` is renamed to `host`, a tag the check already sets" in w for w in out.warnings)


def test_undocumented_options_are_caught() -> None:
    config = {
        "instances": [{"openmetrics_endpoint": "x", "prometheus_url": "x", "metrics": [{"m": {"type": "untyped"}}]}]
    }
    assert undocumented_options(config) == ["metrics type 'untyped'", "prometheus_url"]
    assert "prometheus_url" not in INSTANCE_OPTIONS  # the v1 (legacy) check's option, not OpenMetrics v2


def test_bridge_command_writes_the_file_and_needs_prometheus(tmp_path: Path) -> None:
    inv = _inventory()
    write_inventory(tmp_path / "inv", source="prometheus", origin="http://prom", objects=inv.objects)
    result = bridge(inventories=[tmp_path / "inv"], out=tmp_path / "agent" / "conf.yaml")
    text = (tmp_path / "agent" / "conf.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Generated by ddmigrate bridge")
    assert yaml.safe_load(text) == result.bridge.config
    assert (tmp_path / "agent" / "autodiscovery-annotations.yaml").is_file()
    write_inventory(tmp_path / "graf", source="grafana", origin="x", objects=[])
    with pytest.raises(UsageError, match="needs a Prometheus inventory"):
        bridge(inventories=[tmp_path / "graf"], out=tmp_path / "c.yaml")


@responses.activate
def test_preview_counts_warns_over_the_limit_and_collapses_buckets() -> None:
    def answer(query: str, rows: list[tuple[str, str, int]]) -> None:
        result = [{"metric": {"job": j, "instance": i}, "value": [0, str(n)]} for j, i, n in rows]
        responses.get(
            "http://prom/api/v1/query",
            match=[responses.matchers.query_param_matcher({"query": query})],
            json={"status": "success", "data": {"resultType": "vector", "result": result}},
        )

    answer('count by (job, instance) ({__name__="reqs_total"})', [("api", "a:1", 1500), ("api", "b:1", 10)])
    answer('count by (job, instance) (count without (le) ({__name__="lat_bucket"}))', [("api", "a:1", 600)])
    answer('count by (job, instance) ({__name__="lat_sum"})', [("api", "a:1", 600)])
    answer('count by (job, instance) ({__name__="lat_count"})', [])
    responses.get("http://prom/api/v1/status/tsdb", json={"status": "success", "data": {"headStats": {"numSeries": 9}}})
    out = preview(
        HttpClient("http://prom"),
        {"reqs_total": {"type": "counter"}, "lat_bucket": {"type": "histogram"}},
        distributions=True,
        namespace="techcorp",
    )
    assert out["total_custom_metrics"] == 2710
    assert out["per_target"][0] == {"job": "api", "instance": "a:1", "contexts": 2700, "over_limit": True}
    assert out["top"][0] == {"metric": "reqs_total", "contexts": 1510}
    assert out["no_series"] == ["lat_count"]
    assert any("a:1: 2700 contexts exceed" in w for w in out["warnings"])
    assert out["tsdb"]["head_series"] == 9


# --- the preview from a recording: --record-series-counts (live) then --series-counts (offline) ---


def _serve_counts(rows: dict[str, list[tuple[str, str, int]]]) -> None:
    for query, found in rows.items():
        result = [{"metric": {"job": j, "instance": i}, "value": [0, str(n)]} for j, i, n in found]
        responses.get(
            "http://prom/api/v1/query",
            match=[responses.matchers.query_param_matcher({"query": query})],
            json={"status": "success", "data": {"resultType": "vector", "result": result}},
        )
    responses.get(
        "http://prom/api/v1/status/tsdb",
        json={"status": "success", "data": {"headStats": {"numSeries": 77}, "seriesCountByMetricName": []}},
    )


COUNTS = {
    'count by (job, instance) ({__name__="payment_gateway_requests_total"})': [
        ("payment-gateway", "10.0.0.5:8080", 2100)
    ],
    'count by (job, instance) ({__name__="payment_gateway_errors_total"})': [("payment-gateway", "10.0.0.5:8080", 40)],
    'count by (job, instance) (count without (le) ({__name__="billing_latency_seconds_bucket"}))': [
        ("billing", "10.1.2.3:9100", 12)
    ],
    'count by (job, instance) ({__name__="billing_latency_seconds_sum"})': [("billing", "10.1.2.3:9100", 12)],
    'count by (job, instance) ({__name__="billing_latency_seconds_count"})': [("billing", "10.1.2.3:9100", 12)],
    'count by (job, instance) ({__name__="legacy_jobs_processed"})': [],
    'count by (job, instance) ({__name__="billing_invoice_queue_depth"})': [("billing", "10.1.2.3:9100", 3)],
}


def _stable(preview_data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in preview_data.items() if k not in ("prometheus", "source", "generated_at")}


@responses.activate
def test_recorded_series_counts_replay_the_live_preview_offline(tmp_path: Path) -> None:
    inv = _inventory()
    write_inventory(tmp_path / "inv", source="prometheus", origin="http://prom", objects=inv.objects)
    _serve_counts(COUNTS)
    live = bridge(
        inventories=[tmp_path / "inv"],
        out=tmp_path / "live" / "conf.yaml",
        preview_cardinality=True,
        record_series_counts=tmp_path / "counts.json",
        env={"PROMETHEUS_URL": "http://prom"},
    )
    assert live.cardinality is not None and live.cardinality["source"] == "live"
    assert live.cardinality["total_custom_metrics"] == 2179
    recording = json.loads((tmp_path / "counts.json").read_text(encoding="utf-8"))
    assert recording["format"] == "ddmigrate-series-counts/1" and set(recording["queries"]) == set(COUNTS)
    assert recording["tsdb"]["headStats"]["numSeries"] == 77

    calls = len(responses.calls)
    offline = bridge(
        inventories=[tmp_path / "inv"],
        out=tmp_path / "offline" / "conf.yaml",
        series_counts=tmp_path / "counts.json",
        env={},
    )
    assert len(responses.calls) == calls  # no request: PROMETHEUS_URL is not even set
    assert offline.cardinality is not None and offline.cardinality["source"] == "recorded"
    assert _stable(offline.cardinality) == _stable(live.cardinality)
    assert offline.cardinality["prometheus"].startswith(f"{tmp_path / 'counts.json'} (recorded from http://prom")
    written = json.loads((tmp_path / "offline" / "cardinality.json").read_text(encoding="utf-8"))
    assert written["per_target"][0] == {
        "job": "payment-gateway",
        "instance": "10.0.0.5:8080",
        "contexts": 2140,
        "over_limit": True,
    }
    assert any("2140 contexts exceed" in w for w in offline.warnings)
    assert "&id" not in (tmp_path / "offline" / "conf.yaml").read_text(encoding="utf-8")  # no YAML aliases


def test_a_recording_older_than_the_metrics_list_says_so(tmp_path: Path) -> None:
    inv = _inventory()
    write_inventory(tmp_path / "inv", source="prometheus", origin="http://prom", objects=inv.objects)
    dropped = 'count by (job, instance) ({__name__="payment_gateway_errors_total"})'
    queries = {
        q: [{"metric": {"job": j, "instance": i}, "value": [0, str(n)]} for j, i, n in rows]
        for q, rows in COUNTS.items()
        if q != dropped
    }
    (tmp_path / "c.json").write_text(json.dumps({"format": "ddmigrate-series-counts/1", "queries": queries}))
    result = bridge(inventories=[tmp_path / "inv"], out=tmp_path / "o" / "conf.yaml", series_counts=tmp_path / "c.json")
    assert result.cardinality is not None
    assert result.cardinality["not_recorded"] == [dropped]
    assert result.cardinality["no_series"] == ["legacy_jobs_processed"]  # recorded, and truly empty
    assert result.cardinality["tsdb"] == {"error": "not recorded"}
    assert any("1 count queries are not in the recording" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"queries": {}}', 'expected "format": "ddmigrate-series-counts/1"'),
        ('{"format": "ddmigrate-series-counts/1", "queries": []}', "`queries` must be an object"),
        (
            '{"format": "ddmigrate-series-counts/1", "queries": {"q": [{"metric": {}, "value": [0, "many"]}]}}',
            "malformed row",
        ),
        ('{"format": "ddmigrate-series-counts/1", "queries": {"q": {"status": "error"}}}', "must be a list"),
        ('{"format": "ddmigrate-series-counts/1", "queries": {}, "tsdb": [1]}', "`tsdb` must be"),
        ('{"format": ', "invalid JSON"),
    ],
)
def test_bad_series_counts_files_are_named(tmp_path: Path, content: str, words: str) -> None:
    inv = _inventory()
    write_inventory(tmp_path / "inv", source="prometheus", origin="http://prom", objects=inv.objects)
    (tmp_path / "c.json").write_text(content)
    with pytest.raises(InputError) as err:
        bridge(inventories=[tmp_path / "inv"], out=tmp_path / "o" / "conf.yaml", series_counts=tmp_path / "c.json")
    assert str(tmp_path / "c.json") in str(err.value) and words in str(err.value)
    assert not (tmp_path / "o").exists()  # checked before anything is written


def test_recording_flags_need_a_live_preview(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="needs --preview"):
        bridge(inventories=[tmp_path], out=tmp_path / "c.yaml", record_series_counts=tmp_path / "r.json")
    with pytest.raises(UsageError, match="cannot replay"):
        bridge(
            inventories=[tmp_path],
            out=tmp_path / "c.yaml",
            preview_cardinality=True,
            series_counts=tmp_path / "s.json",
            record_series_counts=tmp_path / "r.json",
        )


def test_series_the_prometheus_server_makes_up_are_left_out_with_a_warning(tmp_path: Path) -> None:
    inv = _inventory()
    inv.objects.append(_obj("alerting_rule", "down", {"expr": 'up{job="payment-gateway"} == 0'}))
    write_inventory(tmp_path / "inv", source="prometheus", origin="http://prom", objects=inv.objects)
    result = bridge(inventories=[tmp_path / "inv"], out=tmp_path / "agent" / "conf.yaml")
    listed = json.dumps(result.bridge.config)
    assert '"up"' not in listed
    assert "payment_gateway_requests" in listed, "the other metrics are still listed"
    assert any(w.startswith("`up` left out of the metrics list") for w in result.warnings)
