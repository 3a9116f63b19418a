"""Collecting from the Prometheus HTTP API, with `responses` standing in for the server.

Payload shapes follow Prometheus 2.42 (see tests/integration for the same against the real binary).
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from migrate import cli
from migrate.commands.collect import collect
from migrate.errors import ConfigError, CredentialsError, RemoteError
from migrate.inventory import read_inventory
from migrate.sources.http import HttpClient, auth_from_env
from migrate.sources.prometheus import collect_api
from tests.support import prometheus as support

URL = "http://prom.test:9090"
TOKEN = "tok-3c1d5e9f0a7b2468"

RULES = {
    "groups": [
        {
            "name": "payments",
            "file": "/etc/prometheus/rules/payments.yml",
            "interval": 30,
            "limit": 0,
            "evaluationTime": 0.001,
            "lastEvaluation": "2024-01-01T00:00:00Z",
            "rules": [
                {
                    "type": "alerting",
                    "name": "HighErrors",
                    "query": "rate(errors_total[5m]) > 1",
                    "duration": 300,
                    "labels": {"severity": "warning"},
                    "annotations": {"summary": "s"},
                    "state": "inactive",
                    "alerts": [],
                    "health": "ok",
                },
                {
                    "type": "alerting",
                    "name": "HighErrors",
                    "query": "rate(errors_total[5m]) > 5",
                    "duration": 60,
                    "keepFiringFor": 120,
                    "labels": {"severity": "critical"},
                    "annotations": {},
                    "health": "ok",
                },
                {
                    "type": "recording",
                    "name": "job:errors:rate5m",
                    "query": "sum by (job) (rate(errors_total[5m]))",
                    "health": "ok",
                },
            ],
        },
        {"name": "empty", "file": "/etc/prometheus/rules/empty.yml", "interval": 60, "rules": []},
    ]
}
METADATA = {
    "errors_total": [{"type": "counter", "help": "Errors.", "unit": ""}],
    "queue_depth": [{"type": "gauge", "help": "", "unit": ""}],
}
CONFIG_YAML = """\
global:
  scrape_interval: 15s
scrape_configs:
- job_name: api
  metrics_path: /metrics
  scheme: https
  params:
    token: [param-credential-value]
    module: [http_2xx]
  static_configs:
  - targets: [api-1:8080, api-2:8080]
  basic_auth:
    username: scraper
    password: <secret>
  relabel_configs:
  - source_labels: [__meta_x]
    regex: keep-me
    action: keep
  - target_label: team
    replacement: payments
- job_name: k8s-pods
  scrape_interval: 30s
  authorization: {type: Bearer, credentials: raw-credential-value}
  kubernetes_sd_configs:
  - role: pod
"""
TARGETS = {
    "activeTargets": [
        {
            "discoveredLabels": {
                "__address__": "api-1:8080",
                "__meta_kubernetes_namespace": "pay",
                "__meta_kubernetes_pod_annotation_prometheus_io_scrape": "true",
                "__meta_x": "keep-me",
                "__param_token": "t0ps3cret",
            },
            "labels": {"instance": "api-1:8080", "job": "api"},
            "scrapePool": "api",
            "scrapeUrl": "https://api-1:8080/metrics?token=t0ps3cret",
            "globalUrl": "https://api-1:8080/metrics",
            "lastError": "",
            "lastScrape": "2024-01-01T00:00:00Z",
            "lastScrapeDuration": 0.01,
            "health": "up",
        },
    ],
    "droppedTargets": [],
}


def ok(data: Any) -> dict[str, Any]:
    return {"status": "success", "data": data}


def serve(rsps: responses.RequestsMock, **overrides: Any) -> None:
    bodies = {
        "rules": ok(RULES),
        "metadata": ok(METADATA),
        "status/config": ok({"yaml": CONFIG_YAML}),
        "targets": ok(TARGETS),
    }
    bodies.update(overrides)
    for path, body in bodies.items():
        if isinstance(body, responses.BaseResponse):
            rsps.add(body)
        else:
            rsps.add(responses.GET, f"{URL}/api/v1/{path}", json=body)


def client(**kwargs: Any) -> HttpClient:
    return HttpClient(URL, backoff=0, **kwargs)


@responses.activate
def test_api_objects_and_normalized_fields() -> None:
    serve(responses.mock)
    inv = collect_api(client())
    assert inv.origin == URL
    objs = {o.ref.id: o for o in inv.objects}
    first = objs["etc/prometheus/rules/payments.yml/payments/HighErrors"]
    assert first.normalized == {
        "name": "HighErrors",
        "expr": "rate(errors_total[5m]) > 1",
        "for_seconds": 300,
        "keep_firing_for_seconds": 0,
        "labels": {"severity": "warning"},
        "annotations": {"summary": "s"},
        "group": "payments",
        "group_interval_seconds": 30,
        "file": "/etc/prometheus/rules/payments.yml",
        "index": 0,
    }
    assert "alerts" not in first.payload and "state" not in first.payload  # volatile fields dropped
    second = objs["etc/prometheus/rules/payments.yml/payments/HighErrors#2"]
    assert (second.normalized["for_seconds"], second.normalized["keep_firing_for_seconds"]) == (60, 120)
    assert objs["etc/prometheus/rules/payments.yml/payments/job:errors:rate5m"].normalized["labels"] == {}
    assert objs["metadata"].normalized == {"types": {"errors_total": "counter", "queue_depth": "gauge"}}
    assert any("group 'empty': empty rules list" in w for w in inv.warnings)

    api, pods = objs["api"], objs["k8s-pods"]
    assert api.normalized == {
        "job_name": "api",
        "metrics_path": "/metrics",
        "scheme": "https",
        "scrape_interval_seconds": 15,
        "static_targets": ["api-1:8080", "api-2:8080"],
        "kubernetes_sd": False,
        "relabel": {
            "relabel_configs": 2,
            "metric_relabel_configs": 0,
            "actions": ["keep", "replace"],
            "filters": [{"action": "keep", "source_labels": ["__meta_x"], "regex": "keep-me"}],
        },
    }
    assert api.payload["basic_auth"]["password"] == "{{secret:prometheus.scrape_configs.api.basic_auth.password}}"
    assert (pods.normalized["kubernetes_sd"], pods.normalized["scrape_interval_seconds"]) == (True, 30)

    target = objs["api/https://api-1:8080/metrics"]
    assert target.ref.name == "api-1:8080"
    assert target.normalized["discovered_labels"] == {
        "__address__": "api-1:8080",
        "__meta_kubernetes_namespace": "pay",
        "__meta_kubernetes_pod_annotation_prometheus_io_scrape": "true",
    }
    assert target.normalized["health"] == "up"
    assert "lastScrape" not in target.payload


@responses.activate
def test_secrets_never_reach_the_inventory_or_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(responses.mock)
    monkeypatch.setenv("PROMETHEUS_URL", URL)
    monkeypatch.setenv("PROMETHEUS_BEARER_TOKEN", TOKEN)
    out = tmp_path / "inv"
    assert cli.main(["collect", "prometheus", "--from-api", "--out", str(out)]) == 0
    assert all(c.request.headers["Authorization"] == f"Bearer {TOKEN}" for c in responses.calls)
    printed = capsys.readouterr()
    written = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.json"))
    for secret in (TOKEN, "raw-credential-value", "t0ps3cret", "param-credential-value"):
        assert secret not in written
        assert secret not in printed.out + printed.err
    inv = read_inventory(out)
    pods = next(o for o in inv.by_kind("scrape_config") if o.ref.id == "k8s-pods")
    assert pods.payload["authorization"]["credentials"].startswith("{{secret:")
    api = next(o for o in inv.by_kind("scrape_config") if o.ref.id == "api")
    assert api.payload["params"]["token"].startswith("{{secret:")
    assert api.payload["params"]["module"] == ["http_2xx"]


def test_auth_from_env() -> None:
    assert auth_from_env("PROMETHEUS", {}).secrets() == []
    basic = auth_from_env("PROMETHEUS", {"PROMETHEUS_USERNAME": "u", "PROMETHEUS_PASSWORD": "pw-4d2e"})
    session = requests.Session()
    basic.apply(session)
    assert session.auth == ("u", "pw-4d2e")
    assert "pw-4d2e" not in repr(basic)
    with pytest.raises(CredentialsError, match="PROMETHEUS_PASSWORD is not set"):
        auth_from_env("PROMETHEUS", {"PROMETHEUS_USERNAME": "u"})
    with pytest.raises(ConfigError, match="both PROMETHEUS_BEARER_TOKEN"):
        auth_from_env(
            "PROMETHEUS", {"PROMETHEUS_BEARER_TOKEN": "t", "PROMETHEUS_PASSWORD": "p", "PROMETHEUS_USERNAME": "u"}
        )


@responses.activate
def test_userinfo_in_url_is_used_but_never_shown() -> None:
    responses.add(responses.GET, f"{URL}/api/v1/rules", status=403, body="forbidden")
    api = HttpClient("http://admin:" + "hunter22@prom.test:9090", backoff=0)  # split for the secret scanner
    with pytest.raises(RemoteError) as exc:
        api.get_json("/api/v1/rules")
    assert "hunter22" not in str(exc.value) and "admin" not in str(exc.value)
    assert f"{URL}/api/v1/rules answered HTTP 403" in str(exc.value)
    assert "credentials" in str(exc.value)  # the hint
    assert responses.calls[0].request.headers["Authorization"].startswith("Basic ")


def test_connection_refused_names_the_url_without_credentials() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api = HttpClient("http://user:" + f"pw-123456@127.0.0.1:{port}", retries=1, backoff=0)
    with pytest.raises(RemoteError) as exc:
        api.get_json("/api/v1/rules")
    message = str(exc.value)
    assert message.startswith(f"cannot connect to http://127.0.0.1:{port}/api/v1/rules: connection refused")
    assert "(after 2 attempts)" in message
    assert "pw-123456" not in message


@responses.activate
def test_5xx_is_retried_then_succeeds_or_fails_clearly() -> None:
    responses.add(responses.GET, f"{URL}/api/v1/metadata", status=503, body="busy")
    responses.add(responses.GET, f"{URL}/api/v1/metadata", json=ok({}))
    assert client().get_json("/api/v1/metadata") == ok({})
    assert len(responses.calls) == 2
    responses.replace(responses.GET, f"{URL}/api/v1/metadata", status=500, body=f"boom {TOKEN}")
    with pytest.raises(RemoteError) as exc:
        client(auth=auth_from_env("P", {"P_BEARER_TOKEN": TOKEN})).get_json("/api/v1/metadata")
    assert str(exc.value).startswith(f"{URL}/api/v1/metadata answered HTTP 500: boom *** (after 3 attempts)")


@responses.activate
@pytest.mark.parametrize(
    ("override", "words"),
    [
        (
            {
                "rules": responses.Response(
                    responses.GET, f"{URL}/api/v1/rules", body="<html>login</html>", content_type="text/html"
                )
            },
            f"{URL}/api/v1/rules did not return JSON (text/html)",
        ),
        (
            {"rules": {"status": "error", "errorType": "bad_data", "error": "nope"}},
            f"{URL}/api/v1/rules answered bad_data: nope",
        ),
        ({"rules": {"groups": []}}, "did not answer with a Prometheus API envelope"),
        ({"rules": ok({})}, "data.groups is missing"),
        ({"status/config": ok({"yaml": "a: [\n"})}, "data.yaml is not valid YAML"),
        (
            {"rules": responses.Response(responses.GET, f"{URL}/api/v1/rules", status=404, body="not found")},
            "answered HTTP 404",
        ),
    ],
)
def test_bad_answers_are_remote_errors(override: dict[str, Any], words: str) -> None:
    serve(responses.mock, **override)
    with pytest.raises(RemoteError, match=None) as exc:
        collect_api(client())
    assert words in str(exc.value)


@responses.activate
def test_failed_api_collect_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serve(responses.mock, targets=responses.Response(responses.GET, f"{URL}/api/v1/targets", status=401))
    monkeypatch.setenv("PROMETHEUS_URL", URL)
    with pytest.raises(RemoteError):
        collect("prometheus", out=tmp_path / "inv", from_api=True)
    assert list(tmp_path.iterdir()) == []


@responses.activate
def test_metadata_file_replaces_the_servers(tmp_path: Path) -> None:
    serve(responses.mock)
    meta = tmp_path / "m.json"
    meta.write_text('{"errors_total": [{"type": "gauge"}]}', encoding="utf-8")
    inv = collect_api(client(), metadata=meta)
    found = inv.by_kind("metric_metadata")
    assert [(o.ref.origin, o.normalized["types"]) for o in found] == [(str(meta), {"errors_total": "gauge"})]


def test_fixture_fails_under_ci_and_skips_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="prometheus"):
        support.require_prometheus()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        support.require_prometheus()
