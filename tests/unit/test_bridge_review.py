"""Review findings on bridge mode: each test pins a bug an Agent deployment would have hit."""

from __future__ import annotations

import json
from typing import Any

from migrate.bridge.cardinality import preview
from migrate.bridge.http_options import http_options
from migrate.bridge.openmetrics import build_config, undocumented_options
from migrate.inventory.store import Inventory, InventoryObject
from migrate.mappings import load_mappings
from tests.unit.test_bridge_http import _obj, _target


def _inventory(*objects: InventoryObject, origin: str = "http://prom") -> Inventory:
    return Inventory(path=None, source="prometheus", origin=origin, collected_at="", objects=list(objects))


POD = {
    "__meta_kubernetes_namespace": "pay",
    "__meta_kubernetes_pod_name": "gw-0",
    "__meta_kubernetes_pod_container_name": "gw",
    "__meta_kubernetes_pod_container_port_number": "8443",
}


def test_credential_url_parameters_never_reach_the_endpoint() -> None:
    """strip_credentials (collector) only knows token/password/secret/api_key; `access_token`, `auth` and the
    other SECRET_KEYS names stayed in scrapeUrl and were written into openmetrics_endpoint (and the `endpoint`
    tag on every series)."""
    leak = "ak-4Fz9-recognisable"
    inv = _inventory(
        _obj("scrape_config", "api", {"job_name": "api"}, {"params": {"access_token": ["{{secret:x}}"]}}),
        _target("api", f"http://10.0.0.6:8080/metrics?module=x&access_token={leak}&auth={leak}"),
        _target("api", f"https://10.0.0.7:8443/metrics?credentials={leak}&module=y", POD),
    )
    out = build_config({"m"}, [inv], load_mappings())
    endpoints = [i["openmetrics_endpoint"] for i in out.config["instances"]]
    assert endpoints == ["http://10.0.0.6:8080/metrics?module=x"]
    annotation = json.loads(out.autodiscovery["pay/gw-0/gw"]["ad.datadoghq.com/gw.checks"])
    assert annotation["openmetrics"]["instances"][0]["openmetrics_endpoint"] == "https://%%host%%:8443/metrics?module=y"
    assert leak not in json.dumps([out.config, out.autodiscovery, out.warnings])


def test_credential_headers_given_as_plain_values_become_handles() -> None:
    """`http_headers` `values` are plain in Prometheus, but an `Authorization`/`X-Api-Key`/`Cookie` header given
    that way is still a credential: its value was copied into extra_headers (conf.yaml, AD annotations)."""
    value = "Bearer hv-8Kd2-recognisable"
    out = http_options(
        "job",
        {
            "http_headers": {
                "Authorization": {"values": [value]},
                "X-Api-Key": {"values": ["hv-8Kd2-recognisable"]},
                "Cookie": {"values": ["session=hv-8Kd2-recognisable"]},
                "X-Ref": {"values": ["{{secret:p.x}}"]},
                "X-Scope": {"values": ["tenant-a"]},
            }
        },
    )
    assert out.options["extra_headers"] == {
        "Authorization": "ENC[prometheus/job/http_headers_Authorization]",
        "Cookie": "ENC[prometheus/job/http_headers_Cookie]",
        "X-Api-Key": "ENC[prometheus/job/http_headers_X-Api-Key]",
        "X-Ref": "ENC[prometheus/job/http_headers_X-Ref]",
        "X-Scope": "tenant-a",
    }
    assert "hv-8Kd2" not in json.dumps([out.options, [vars(s) for s in out.secrets], out.warnings])


def test_a_job_name_on_two_prometheus_servers_keeps_its_own_settings_and_handles() -> None:
    """Jobs were looked up by name across every --inventory: server B's `node` targets were scraped with server
    A's credentials, and both servers' secrets shared one handle (one value for two passwords)."""
    a = _inventory(
        _obj("scrape_config", "node", {"job_name": "node"}, {"basic_auth": {"username": "a", "password": "<secret>"}}),
        _target("node", "http://10.0.0.1:9100/metrics"),
        origin="http://prom-a:9090",
    )
    b = _inventory(
        _obj("scrape_config", "node", {"job_name": "node"}, {"bearer_token": "<secret>"}),
        _target("node", "http://10.9.0.1:9100/metrics"),
        origin="http://prom-b:9090",
    )
    out = build_config({"m"}, [a, b], load_mappings())
    by_url = {i["openmetrics_endpoint"]: i for i in out.config["instances"]}
    first, second = by_url["http://10.0.0.1:9100/metrics"], by_url["http://10.9.0.1:9100/metrics"]
    assert first["username"] == "a" and "extra_headers" not in first
    assert "password" not in second and second["extra_headers"]["Authorization"].startswith("ENC[")
    handles = [s.handle for s in out.secrets]
    assert len(handles) == len(set(handles)) == 2
    assert first["password"] == f"ENC[{handles[0]}]"
    assert second["extra_headers"]["Authorization"] == f"ENC[{handles[1]}]"
    assert all(h.startswith("prometheus/prom-") for h in handles), handles


def test_a_job_on_one_server_keeps_the_short_handle() -> None:
    a = _inventory(
        _obj("scrape_config", "node", {"job_name": "node"}, {"basic_auth": {"username": "a", "password": "<secret>"}}),
        _target("node", "http://10.0.0.1:9100/metrics"),
        origin="http://prom-a:9090",
    )
    out = build_config({"m"}, [a], load_mappings())
    assert [s.handle for s in out.secrets] == ["prometheus/node/basic_auth_password"]


def test_two_endpoints_of_one_container_are_two_instances_in_its_annotation() -> None:
    """A container scraped on two ports (or by two jobs) kept only the last target's instance: the annotation
    was keyed by pod/container and overwritten."""
    other = {**POD, "__meta_kubernetes_pod_container_port_number": "9090"}
    inv = _inventory(
        _target("app", "https://10.0.0.7:8443/metrics", POD), _target("sidecar", "http://10.0.0.7:9090/metrics", other)
    )
    out = build_config({"m"}, [inv], load_mappings())
    annotation = json.loads(out.autodiscovery["pay/gw-0/gw"]["ad.datadoghq.com/gw.checks"])
    endpoints = sorted(i["openmetrics_endpoint"] for i in annotation["openmetrics"]["instances"])
    assert endpoints == ["http://%%host%%:9090/metrics", "https://%%host%%:8443/metrics"]


class _Counts:
    """A CountSource answering `count by (job, instance)` with a fixed number per series name."""

    origin = "test"

    def __init__(self, per_series: dict[str, int]) -> None:
        self.per_series = per_series
        self.missing: list[str] = []
        self.asked: list[str] = []

    def count(self, promql: str) -> list[dict[str, Any]]:
        self.asked.append(promql)
        name = promql.split('__name__="')[1].split('"', maxsplit=1)[0]
        n = self.per_series.get(name, 0)
        return [{"metric": {"job": "j", "instance": "i"}, "value": [0, str(n)]}] if n else []

    def tsdb(self) -> dict[str, Any]:
        return {"error": "not recorded"}


def test_a_summary_counts_its_quantiles_sum_and_count() -> None:
    """The metrics entry is the family, so the Agent ships quantiles, `.sum` and `.count`; only the referenced
    series was counted (3 of 5 contexts for a query on the quantiles, 1 of 5 for one on `_sum`)."""
    counts = {"rpc_seconds": 3, "rpc_seconds_sum": 1, "rpc_seconds_count": 1}
    for referenced in ("rpc_seconds", "rpc_seconds_sum"):
        result = preview(_Counts(counts), {referenced: {"type": "summary"}}, distributions=True, namespace="n")
        assert result["total_custom_metrics"] == 5, referenced


def test_an_untyped_counter_is_matched_by_its_exposed_name() -> None:
    """An endpoint without `# TYPE` exposes `billing_requests_total` as an untyped family of that very name (the
    check's parser strips `_total` only from declared counters, and `metrics` keys match family names exactly);
    the override was keyed `billing_requests` only, so the Agent dropped the metric without a word."""
    inv = _inventory(_obj("metric_metadata", "m", {"types": {}}), _target("j", "http://10.0.0.1:9100/metrics"))
    out = build_config({"billing_requests_total"}, [inv], load_mappings())
    (instance,) = out.config["instances"]
    assert instance["metrics"] == [
        {"billing_requests": {"type": "counter"}},  # a typed counter's family, if the endpoint does declare it
        {"billing_requests_total": {"name": "billing_requests", "type": "counter"}},  # the untyped family
    ]
    assert undocumented_options(out.config) == []


def _labelled(job: str, url: str, labels: dict[str, str], discovered: dict[str, str] | None = None) -> InventoryObject:
    target = _target(job, url, discovered)
    target.normalized["labels"] = {"job": job, **labels}
    return target


def test_an_endpoint_two_jobs_scrape_is_one_instance_with_the_first_jobs_service() -> None:
    """Each job's target became an instance of its own: the Agent scraped the endpoint twice and every count
    arrived doubled (same metric names, same `endpoint:` tag)."""
    url = "http://10.0.0.1:9100/metrics"
    inv = _inventory(
        _obj("scrape_config", "zeta", {"job_name": "zeta", "scrape_interval_seconds": 30}, {"bearer_token": "<s>"}),
        _obj("scrape_config", "alpha", {"job_name": "alpha", "scrape_interval_seconds": 15}),
        _labelled("zeta", url, {"team": "payments", "tier": "web"}),
        _labelled("alpha", url, {"tier": "backend"}),
        _labelled("alpha", "http://10.0.0.2:9100/metrics", {}),
    )
    out = build_config({"m"}, [inv], load_mappings())
    by_url = {i["openmetrics_endpoint"]: i for i in out.config["instances"]}
    assert sorted(by_url) == ["http://10.0.0.1:9100/metrics", "http://10.0.0.2:9100/metrics"]
    merged = by_url[url]
    assert merged["tags"] == ["service:alpha", "team:payments", "tier:backend"]  # first job by name; new keys kept
    assert merged["min_collection_interval"] == 15 and "extra_headers" not in merged
    assert out.secrets == []  # zeta's token: no instance uses it any more
    (warning,) = [w for w in out.warnings if "scraped by the jobs" in w]
    assert warning.startswith(f"{url} is scraped by the jobs alpha, zeta: the Agent collects it once")
    assert "`service:zeta` (job zeta) dropped for `service:alpha` (job alpha)" in warning
    assert "`tier:web` (job zeta) dropped for `tier:backend` (job alpha)" in warning
    assert "the scrape settings of job alpha are used (extra_headers, min_collection_interval differ)" in warning
    reordered = _inventory(*reversed(inv.objects))
    assert build_config({"m"}, [reordered], load_mappings()).config == out.config  # deterministic


def test_an_endpoint_two_servers_scrape_is_one_instance() -> None:
    url = "http://10.0.0.1:9100/metrics"
    a = _inventory(_labelled("node", url, {}), origin="http://prom-a:9090")
    b = _inventory(_labelled("node", url, {}), origin="http://prom-b:9090")
    out = build_config({"m"}, [b, a], load_mappings())
    (instance,) = out.config["instances"]
    assert instance["tags"] == ["service:node"]
    assert any(w.startswith(f"{url} is scraped by the jobs prom-a:9090/node, prom-b:9090/node") for w in out.warnings)


def test_a_pod_endpoint_two_jobs_scrape_is_one_instance_in_its_annotation() -> None:
    inv = _inventory(
        _labelled("gw", "https://10.0.0.7:8443/metrics", {}, POD),
        _labelled("gw-debug", "https://10.0.0.7:8443/metrics", {}, POD),
    )
    out = build_config({"m"}, [inv], load_mappings())
    annotation = json.loads(out.autodiscovery["pay/gw-0/gw"]["ad.datadoghq.com/gw.checks"])
    (instance,) = annotation["openmetrics"]["instances"]
    assert instance["openmetrics_endpoint"] == "https://%%host%%:8443/metrics"
    assert instance["tags"] == ["service:gw"]
    assert any(
        "scraped by the jobs gw, gw-debug" in w and "`service:gw-debug` (job gw-debug) dropped" in w
        for w in out.warnings
    )
