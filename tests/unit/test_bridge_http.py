"""Bridge mode carries each scrape job's auth, TLS, proxy and timeout settings to its Agent instances:
secrets as `ENC[<handle>]` handles listed for the operator, never as values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.bridge.http_options import http_options
from migrate.bridge.openmetrics import INSTANCE_OPTIONS, build_config, undocumented_options
from migrate.cli import main
from migrate.commands.bridge import bridge
from migrate.inventory.store import Inventory, InventoryObject, write_inventory
from migrate.mappings import load_mappings
from migrate.model import SourceRef

REF = "{{secret:prometheus.scrape_configs.job.%s}}"  # what the collectors leave where a secret was

# (scrape config payload, expected instance options, expected handles, words expected in a warning or None)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], list[str], str | None]] = {
    "basic auth": (
        {"basic_auth": {"username": "scraper", "password": REF % "basic_auth.password"}},
        {"auth_type": "basic", "username": "scraper", "password": "ENC[prometheus/job/basic_auth_password]"},
        ["prometheus/job/basic_auth_password"],
        None,
    ),
    "basic auth, password file": (
        {"basic_auth": {"username": "scraper", "password_file": "/etc/prometheus/pw"}},
        {"auth_type": "basic", "username": "scraper", "password": "ENC[prometheus/job/basic_auth_password]"},
        ["prometheus/job/basic_auth_password"],
        None,
    ),
    "bearer token": (
        {"bearer_token": REF % "bearer_token"},
        {"extra_headers": {"Authorization": "ENC[prometheus/job/bearer_token]"}},
        ["prometheus/job/bearer_token"],
        None,
    ),
    "authorization credentials": (
        {"authorization": {"type": "Token", "credentials": "<secret>"}},
        {"extra_headers": {"Authorization": "ENC[prometheus/job/authorization_credentials]"}},
        ["prometheus/job/authorization_credentials"],
        None,
    ),
    "bearer token file": (
        {"bearer_token_file": "/var/run/secrets/token"},
        {
            "auth_token": {
                "reader": {"type": "file", "path": "/var/run/secrets/token"},
                "writer": {"type": "header", "name": "Authorization", "value": "Bearer <TOKEN>"},
            }
        },
        [],
        "/var/run/secrets/token is a path on the Prometheus host",
    ),
    "authorization credentials file": (
        {"authorization": {"credentials_file": "/t"}},
        {
            "auth_token": {
                "reader": {"type": "file", "path": "/t"},
                "writer": {"type": "header", "name": "Authorization", "value": "Bearer <TOKEN>"},
            }
        },
        [],
        "must exist",
    ),
    "tls skip verify": (
        {"tls_config": {"insecure_skip_verify": True}},
        {"tls_verify": False, "tls_ignore_warning": True},
        [],
        None,
    ),
    "tls verify (the API's default shape)": (
        {
            "tls_config": {"insecure_skip_verify": False},
            "follow_redirects": True,
            "enable_http2": True,
            "scrape_timeout": "10s",
        },
        {},
        [],
        None,
    ),
    "ca, cert and key files": (
        {"tls_config": {"ca_file": "/ca.pem", "cert_file": "/c.pem", "key_file": "/k.pem"}},
        {"tls_ca_cert": "/ca.pem", "tls_cert": "/c.pem", "tls_private_key": "/k.pem"},
        [],
        "TLS files /ca.pem, /c.pem, /k.pem are paths on the Prometheus host",
    ),
    "tls server_name": ({"tls_config": {"server_name": "api.internal"}}, {}, [], "tls_config.server_name has no Agent"),
    "https scheme (in the URL already)": ({"scheme": "https"}, {}, [], None),
    "proxy": (
        {"proxy_url": "http://proxy:3128", "no_proxy": "10.0.0.0/8, .svc"},
        {"proxy": {"http": "http://proxy:3128", "https": "http://proxy:3128", "no_proxy": ["10.0.0.0/8", ".svc"]}},
        [],
        None,
    ),
    "proxy connect header": ({"proxy_connect_header": {"X": ["y"]}}, {}, [], "proxy_connect_header has no Agent"),
    "redirects off": ({"follow_redirects": False}, {"allow_redirects": False}, [], None),
    "timeout": ({"scrape_timeout": "25s"}, {"timeout": 25}, [], None),
    "oauth2": (
        {
            "oauth2": {
                "client_id": "bridge",
                "client_secret": "<secret>",
                "token_url": "https://idp/token",
                "scopes": ["metrics", "read"],
                "endpoint_params": {"audience": "prom"},
                "tls_config": {"ca_file": "/idp.pem"},
            }
        },
        {
            "auth_token": {
                "reader": {
                    "type": "oauth",
                    "url": "https://idp/token",
                    "client_id": "bridge",
                    "client_secret": "ENC[prometheus/job/oauth2_client_secret]",
                    "options": {"audience": "prom", "scope": "metrics read"},
                },
                "writer": {"type": "header", "name": "Authorization", "value": "Bearer <TOKEN>"},
            }
        },
        ["prometheus/job/oauth2_client_secret"],
        "job `job` uses oauth2",
    ),
    "secret url parameter": (
        {"params": {"token": [REF % "params.token"], "module": ["x"]}},
        {},
        [],
        "the URL parameter(s) token hold a credential",
    ),
    "honor_labels": ({"honor_labels": True}, {}, [], "honor_labels"),
    "unknown client option": ({"sigv4": {"region": "eu"}}, {}, [], "sigv4 has no Agent equivalent"),
    "headers": (
        {"http_headers": {"X-Scope": {"values": ["tenant-a"]}, "X-Key": {"secrets": ["<secret>"]}}},
        # every header value is a secret unless the mappings mark the header safe (bridge_safe_headers)
        {
            "extra_headers": {
                "X-Key": "ENC[prometheus/job/http_headers_X-Key]",
                "X-Scope": "ENC[prometheus/job/http_headers_X-Scope]",
            }
        },
        ["prometheus/job/http_headers_X-Key", "prometheus/job/http_headers_X-Scope"],
        None,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_scrape_config_http_settings(name: str) -> None:
    config, options, handles, warning = CASES[name]
    out = http_options("job", config)
    assert out.options == options
    assert [s.handle for s in out.secrets] == handles
    assert all(s.job == "job" and s.provide for s in out.secrets)
    if warning is None:
        assert out.warnings == []
    else:
        assert any(warning in w and "`job`" in w for w in out.warnings), out.warnings
    assert set(options) <= INSTANCE_OPTIONS
    assert undocumented_options({"instances": [{"openmetrics_endpoint": "x", **out.options}]}) == []


def test_the_target_timeout_applies_when_the_job_gives_none() -> None:
    assert http_options("j", {}, "30s").options == {"timeout": 30}
    assert http_options("j", {"scrape_timeout": "5s"}, "30s").options == {"timeout": 5}
    assert any("not a duration" in w for w in http_options("j", {"scrape_timeout": "soon"}).warnings)


def test_nested_option_names_are_checked() -> None:
    bad = {
        "instances": [
            {
                "openmetrics_endpoint": "x",
                "proxy": {"socks": "y"},
                "auth_token": {"reader": {"type": "vault"}, "writer": {"type": "header", "prefix": "B"}},
            }
        ]
    }
    assert undocumented_options(bad) == ["auth_token.reader type 'vault'", "auth_token.writer.prefix", "proxy.socks"]


def _obj(kind: str, oid: str, normalized: dict[str, Any], payload: dict[str, Any] | None = None) -> InventoryObject:
    return InventoryObject(SourceRef("prometheus", kind, oid, oid), payload or {}, normalized)


def _target(job: str, url: str, discovered: dict[str, str] | None = None) -> InventoryObject:
    return _obj(
        "target",
        f"{job}/{url}",
        {
            "scrape_pool": job,
            "scrape_url": url,
            "health": "up",
            "labels": {"job": job},
            "discovered_labels": discovered or {},
        },
        {"scrapeTimeout": "10s"},
    )


def test_every_instance_of_a_job_carries_its_settings_and_pods_keep_scheme_and_query(tmp_path: Path) -> None:
    pod = {
        "__meta_kubernetes_namespace": "pay",
        "__meta_kubernetes_pod_name": "gw-0",
        "__meta_kubernetes_pod_container_name": "gw",
        "__meta_kubernetes_pod_container_port_number": "8443",
    }
    inv = Inventory(
        path=None,
        source="prometheus",
        origin="x",
        collected_at="",
        objects=[
            _obj(
                "scrape_config",
                "secured",
                {"job_name": "secured", "scrape_interval_seconds": 15},
                {
                    "scheme": "https",
                    "basic_auth": {"username": "scraper", "password": "<secret>"},
                    "tls_config": {"insecure_skip_verify": True},
                },
            ),
            _target("secured", "https://10.0.0.1:8443/metrics"),
            _target("secured", "https://10.0.0.2:8443/metrics?format=prometheus", pod),
            _target("plain", "http://10.0.0.3:9100/metrics"),
        ],
    )
    (tmp_path / "safe.yaml").write_text("prometheus:\n  bridge_safe_params: [format]\n", encoding="utf-8")
    out = build_config({"m"}, [inv], load_mappings([tmp_path]))
    static = {i["openmetrics_endpoint"]: i for i in out.config["instances"]}
    annotation = json.loads(out.autodiscovery["pay/gw-0/gw"]["ad.datadoghq.com/gw.checks"])
    (pod_instance,) = annotation["openmetrics"]["instances"]
    assert pod_instance["openmetrics_endpoint"] == "https://%%host%%:8443/metrics?format=prometheus"
    for instance in (static["https://10.0.0.1:8443/metrics"], pod_instance):
        assert instance["password"] == "ENC[prometheus/secured/basic_auth_password]"
        assert instance["tls_verify"] is False and instance["username"] == "scraper"
    assert not {"auth_type", "password", "tls_verify"} & set(static["http://10.0.0.3:9100/metrics"])
    assert [s.handle for s in out.secrets] == ["prometheus/secured/basic_auth_password"]  # once per job
    assert undocumented_options(out.config) == []


SECRETS = {
    "password": "pw-7Hq2-recognisable",
    "bearer": "tok-9Zx4-recognisable",
    "client": "cs-3Lm8-recognisable",
    "param": "qp-5Rt1-recognisable",
}


def _prometheus_dir(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    jobs = [
        {
            "job_name": "payment-gateway",
            "basic_auth": {"username": "scraper", "password": SECRETS["password"]},
            "static_configs": [{"targets": ["10.0.0.5:8080"]}],
        },
        {
            "job_name": "billing",
            "bearer_token": SECRETS["bearer"],
            "params": {"token": [SECRETS["param"]]},
            "static_configs": [{"targets": ["10.0.0.6:8080"]}],
        },
        {
            "job_name": "ledger",
            "oauth2": {"client_id": "c", "client_secret": SECRETS["client"], "token_url": "https://idp/token"},
            "static_configs": [{"targets": ["10.0.0.7:8080"]}],
        },
    ]
    (src / "config.yaml").write_text(yaml.safe_dump({"scrape_configs": jobs}), encoding="utf-8")
    active = [
        {
            "scrapePool": job,
            "scrapeUrl": url,
            "labels": {"job": job, "instance": url.split("/")[2]},
            "discoveredLabels": {"job": job},
            "health": "up",
            "scrapeTimeout": "10s",
        }
        for job, url in [
            ("payment-gateway", "http://10.0.0.5:8080/metrics"),
            ("billing", f"http://10.0.0.6:8080/metrics?token={SECRETS['param']}"),
            ("ledger", "http://10.0.0.7:8080/metrics"),
        ]
    ]
    (src / "targets.json").write_text(json.dumps({"status": "success", "data": {"activeTargets": active}}))
    (src / "a.rules.yml").write_text(
        yaml.safe_dump(
            {
                "groups": [
                    {
                        "name": "g",
                        "rules": [{"alert": "A", "expr": "sum(rate(payment_gateway_requests_total[5m])) > 1"}],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    return src


def test_no_secret_value_reaches_any_written_file_or_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _prometheus_dir(tmp_path)
    assert main(["collect", "prometheus", "--from-files", str(src), "--out", str(tmp_path / "inv")]) == 0
    assert main(["bridge", "--inventory", str(tmp_path / "inv"), "--out", str(tmp_path / "agent" / "conf.yaml")]) == 0
    stdout = capsys.readouterr().out
    written = {p: p.read_text(encoding="utf-8") for p in (tmp_path / "agent").iterdir()}
    written.update({p: p.read_text(encoding="utf-8") for p in (tmp_path / "inv").rglob("*.json")})
    for value in SECRETS.values():
        assert value not in stdout
        assert [p for p, text in written.items() if value in text] == []
    config = yaml.safe_load((tmp_path / "agent" / "conf.yaml").read_text(encoding="utf-8"))
    by_job = {i["tags"][0]: i for i in config["instances"]}
    assert by_job["service:payment-gateway"]["password"] == "ENC[prometheus/payment-gateway/basic_auth_password]"
    assert by_job["service:billing"]["extra_headers"] == {"Authorization": "ENC[prometheus/billing/bearer_token]"}
    assert (
        by_job["service:ledger"]["auth_token"]["reader"]["client_secret"]
        == "ENC[prometheus/ledger/oauth2_client_secret]"
    )
    listed = (tmp_path / "agent" / "secrets-needed.txt").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in listed.splitlines() if not line.startswith("#")]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("prometheus/billing/bearer_token", "billing", "extra_headers.Authorization"),
        ("prometheus/ledger/oauth2_client_secret", "ledger", "auth_token.reader.client_secret"),
        ("prometheus/payment-gateway/basic_auth_password", "payment-gateway", "password"),
    ]
    for handle, *_ in rows:
        assert f"ENC[{handle}]" in stdout  # printed for the operator too
    assert "the URL parameter(s) token hold a credential" in stdout and "job `ledger` uses oauth2" in stdout


def test_the_secrets_list_is_rewritten_when_no_job_needs_one(tmp_path: Path) -> None:
    inv = Inventory(
        path=None,
        source="prometheus",
        origin="x",
        collected_at="",
        objects=[
            _obj("scrape_config", "plain", {"job_name": "plain"}, {"job_name": "plain"}),
            _target("plain", "http://10.0.0.3:9100/metrics"),
        ],
    )
    write_inventory(tmp_path / "inv", source="prometheus", origin="x", objects=inv.objects)
    stale = tmp_path / "agent" / "secrets-needed.txt"
    stale.parent.mkdir()
    stale.write_text("prometheus/old/basic_auth_password\told\tpassword\tx\n", encoding="utf-8")
    result = bridge(inventories=[tmp_path / "inv"], out=tmp_path / "agent" / "conf.yaml")
    assert result.secrets_path == stale
    assert "prometheus/old" not in stale.read_text(encoding="utf-8")
    assert "# none" in stale.read_text(encoding="utf-8")


def test_params_headers_and_token_url_queries_never_reach_the_config_or_the_endpoint_tag(tmp_path: Path) -> None:
    """Scrape `params` (`pwd`, `jwt`) went into openmetrics_endpoint and from it into the `endpoint` tag of every
    series; an `http_headers` entry named `Bearer` was copied as a plain value; an OAuth2 token_url kept its
    query. Every param and header value is now a secret unless the mappings mark its name safe."""
    layer = tmp_path / "m"
    layer.mkdir()
    (layer / "bridge.yaml").write_text(
        "prometheus:\n  bridge_safe_params: [module]\n  bridge_safe_headers: [Accept]\n", encoding="utf-8"
    )
    job = {
        "params": {"pwd": ["pw-hidden-1"], "jwt": ["jwt-hidden-2"], "module": ["http_2xx"]},
        "http_headers": {"Bearer": {"values": ["hdr-hidden-3"]}, "Accept": {"values": ["text/plain"]}},
        "oauth2": {"client_id": "c", "token_url": "https://idp.example/token?tenant=tn-hidden-4"},
    }
    url = "http://10.0.0.9:9115/probe?pwd=pw-hidden-1&jwt=jwt-hidden-2&module=http_2xx"
    inv = Inventory(
        path=None,
        source="prometheus",
        origin="x",
        collected_at="",
        objects=[_obj("scrape_config", "probe", {"job_name": "probe"}, job), _target("probe", url)],
    )
    out = build_config({"m"}, [inv], load_mappings([layer]))
    written = json.dumps([out.config, out.autodiscovery])
    assert not [s for s in ("pw-hidden-1", "jwt-hidden-2", "hdr-hidden-3", "tn-hidden-4") if s in written]
    (instance,) = out.config["instances"]
    assert instance["openmetrics_endpoint"] == "http://10.0.0.9:9115/probe?module=http_2xx"
    assert instance["tag_by_endpoint"] is False, "the check's own endpoint tag would carry the query string"
    assert "endpoint:http://10.0.0.9:9115/probe" in instance["tags"]
    assert "module:http_2xx" in instance["tags"], "probes of one exporter still differ by their safe params"
    assert instance["extra_headers"]["Bearer"].startswith("ENC[")
    assert instance["extra_headers"]["Accept"] == "text/plain"
    assert instance["auth_token"]["reader"]["url"].startswith("ENC[")
    assert any("jwt, pwd" in w for w in out.warnings)
    assert undocumented_options(out.config) == []
