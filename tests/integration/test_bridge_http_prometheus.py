"""Scrape jobs with a bearer token file, inline authorization, oauth2, TLS and a proxy, as a real Prometheus
serves them back from `/api/v1/status/config` (secrets shown as `<secret>`, defaults filled in): every
Agent instance carries the matching HTTP options, secrets only as `ENC[]` handles."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.bridge.openmetrics import INSTANCE_OPTIONS, undocumented_options
from migrate.cli import main
from tests.support.prometheus import PrometheusServer, free_port

pytestmark = pytest.mark.prometheus

TOKEN = "inline-tok-4Kd8-recognisable"
CLIENT_SECRET = "oauth-cs-8Pw2-recognisable"


def _jobs(token_file: Path) -> list[dict[str, Any]]:
    def target() -> list[dict[str, Any]]:
        return [{"targets": [f"127.0.0.1:{free_port()}"]}]  # dead ports: the config is what matters

    return [
        {
            "job_name": "tls-file-token",
            "scheme": "https",
            "scrape_interval": "30s",
            "scrape_timeout": "20s",
            "follow_redirects": False,
            "bearer_token_file": str(token_file),
            "tls_config": {"insecure_skip_verify": True},
            "proxy_url": "http://127.0.0.1:3128",
            "static_configs": target(),
        },
        {"job_name": "inline-token", "authorization": {"credentials": TOKEN}, "static_configs": target()},
        {
            "job_name": "oauth",
            "oauth2": {
                "client_id": "bridge",
                "client_secret": CLIENT_SECRET,
                "token_url": "http://127.0.0.1:9/token",
                "scopes": ["metrics"],
            },
            "static_configs": target(),
        },
    ]


def _wait_listed(prom: PrometheusServer, count: int, timeout: float = 10.0) -> None:
    """Targets are listed about 5 s after start; the 30 s job may not have been scraped yet, which is fine."""
    deadline = time.monotonic() + timeout
    while len(prom.api("targets", state="active")["activeTargets"]) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"fewer than {count} targets listed after {timeout} s:\n{prom.log_tail()}")
        time.sleep(0.2)


def test_auth_and_tls_settings_from_a_live_prometheus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-file-6Vb3-recognisable\n", encoding="utf-8")
    with PrometheusServer(extra_scrape_configs=_jobs(token_file), scrape_self=False, dead_target=False) as prom:
        _wait_listed(prom, 3)
        monkeypatch.setenv("PROMETHEUS_URL", prom.url)
        assert main(["collect", "prometheus", "--from-api", "--out", str(tmp_path / "inv")]) == 0
    assert main(["bridge", "--inventory", str(tmp_path / "inv"), "--out", str(tmp_path / "agent" / "conf.yaml")]) == 0
    stdout = capsys.readouterr().out

    config = yaml.safe_load((tmp_path / "agent" / "conf.yaml").read_text(encoding="utf-8"))
    assert undocumented_options(config) == []
    by_job = {next(t for t in i["tags"] if t.startswith("service:")).split(":", 1)[1]: i for i in config["instances"]}
    assert set(by_job) == {"tls-file-token", "inline-token", "oauth"}
    for instance in by_job.values():
        assert set(instance) <= INSTANCE_OPTIONS
        assert instance["timeout"] in (1, 20)  # the server's 1 s global interval caps the default 10 s timeout

    tls = by_job["tls-file-token"]
    assert tls["openmetrics_endpoint"].startswith("https://127.0.0.1:")
    assert (tls["tls_verify"], tls["tls_ignore_warning"], tls["allow_redirects"], tls["timeout"]) == (
        False,
        True,
        False,
        20,
    )
    assert tls["auth_token"] == {
        "reader": {"type": "file", "path": str(token_file)},
        "writer": {"type": "header", "name": "Authorization", "value": "Bearer <TOKEN>"},
    }
    assert tls["proxy"] == {"http": "http://127.0.0.1:3128", "https": "http://127.0.0.1:3128"}
    assert f"the token file {token_file} is a path on the Prometheus host" in stdout

    assert by_job["inline-token"]["extra_headers"] == {
        "Authorization": "ENC[prometheus/inline-token/authorization_credentials]"
    }
    reader = by_job["oauth"]["auth_token"]["reader"]
    assert reader == {
        "type": "oauth",
        "url": "http://127.0.0.1:9/token",
        "client_id": "bridge",
        "client_secret": "ENC[prometheus/oauth/oauth2_client_secret]",
        "options": {"scope": "metrics"},
    }
    assert "job `oauth` uses oauth2" in stdout

    needed = [
        line.split("\t")[:2]
        for line in (tmp_path / "agent" / "secrets-needed.txt").read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    ]
    assert needed == [
        ["prometheus/inline-token/authorization_credentials", "inline-token"],
        ["prometheus/oauth/oauth2_client_secret", "oauth"],
    ]
    written = [
        p.read_text(encoding="utf-8") for p in [*(tmp_path / "agent").iterdir(), *(tmp_path / "inv").rglob("*.json")]
    ]
    for secret in (TOKEN, CLIENT_SECRET, "from-file-6Vb3-recognisable"):
        assert secret not in stdout
        assert not any(secret in text for text in written)
