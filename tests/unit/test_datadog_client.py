"""client.py configuration and the resource registry/normalisation (no server needed)."""

from __future__ import annotations

from typing import Any

import pytest

from migrate.datadog.client import RateLimit, make_api_client
from migrate.datadog.resources import RESOURCES, SUPPORT, ops_for
from migrate.errors import ConfigError, CredentialsError
from migrate.runner.diff import equivalent, normalize


def test_client_configuration_from_settings() -> None:
    client = make_api_client({"DD_API_KEY": "secret-a", "DD_APP_KEY": "secret-b", "DD_SITE": "datadoghq.eu"})
    config = client.configuration
    assert config.host == "https://api.datadoghq.eu"
    assert config.return_http_data_only is False
    assert config.enable_retry is False
    assert config.retry_policy is False  # urllib3's own silent retries are off too


def test_api_url_wins_and_keys_are_required() -> None:
    client = make_api_client({"DD_API_KEY": "a", "DD_APP_KEY": "b", "DD_API_URL": "http://127.0.0.1:9/"})
    assert client.configuration.host == "http://127.0.0.1:9"
    with pytest.raises(CredentialsError, match="DD_APP_KEY"):
        make_api_client({"DD_API_KEY": "a"})
    with pytest.raises(ConfigError):
        make_api_client({"DD_API_KEY": "a", "DD_APP_KEY": "b", "DD_SITE": "example.com"})


def test_rate_limit_headers_parsed_case_insensitively() -> None:
    headers = {
        "x-ratelimit-limit": "100",
        "X-RateLimit-Period": "10",
        "X-RateLimit-Remaining": "7",
        "X-RateLimit-Reset": "4",
        "X-RateLimit-Name": "post_monitors",
    }
    assert RateLimit.from_headers(headers) == RateLimit(100, 10, 7, 4, "post_monitors")
    assert RateLimit.from_headers({"X-RateLimit-Limit": "100"}) is None
    assert RateLimit.from_headers(None) is None


def test_registry_keeps_the_planned_types() -> None:
    assert set(RESOURCES) == {
        "monitor",
        "dashboard",
        "synthetic_test",
        "synthetic_browser_test",
        "synthetic_global_variable",
    }
    assert set(SUPPORT) == {"downtime"}
    assert RESOURCES["synthetic_test"].id_field == "public_id"
    client = make_api_client({"DD_API_KEY": "a", "DD_APP_KEY": "b"})
    assert ops_for("dashboard", client).rtype is RESOURCES["dashboard"]


def test_server_fields_with_wildcards_are_ignored() -> None:
    """Dashboard server fields include widgets.*.id and widgets.*.definition.widgets.*.id."""
    payload: dict[str, Any] = {
        "id": 1,
        "widgets": [{"id": 5, "definition": {"type": "group", "widgets": [{"id": 6, "x": 1}]}}],
    }
    stripped = normalize("dashboard", payload)
    assert stripped == {"widgets": [{"definition": {"type": "group", "widgets": [{"x": 1}]}}]}
    assert payload["id"] == 1 and payload["widgets"][0]["id"] == 5  # the input is not modified


def test_monitor_normalize_ignores_server_defaults_but_not_real_changes() -> None:
    desired = {"type": "metric alert", "query": "q > 1", "tags": ["b", "a"], "options": {"thresholds": {"critical": 1}}}
    live: dict[str, Any] = {
        "id": 3,
        "type": "query alert",
        "query": "q > 1",
        "tags": ["a", "b"],
        "priority": None,
        "created": "2026-01-01T00:00:00+00:00",
        "overall_state": "OK",
        "options": {"thresholds": {"critical": 1}, "notify_no_data": False, "new_host_delay": 300, "silenced": {}},
    }
    assert equivalent("monitor", desired, live)
    live["options"]["notify_no_data"] = True
    assert not equivalent("monitor", desired, live)
    live["options"]["notify_no_data"] = False
    live["tags"].append("c")
    assert not equivalent("monitor", desired, live)
