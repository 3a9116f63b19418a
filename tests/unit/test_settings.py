import pytest

from migrate.errors import ConfigError, CredentialsError
from migrate.settings import (
    DEFAULT_MAX_INPUT_MB,
    datadog_api_url,
    datadog_credentials,
    env_url,
    get_secret,
    max_input_bytes,
    strip_credentials,
)


def test_datadog_site_and_override() -> None:
    assert datadog_api_url({}) == "https://api.datadoghq.com"
    assert datadog_api_url({"DD_SITE": "datadoghq.eu"}) == "https://api.datadoghq.eu"
    assert datadog_api_url({"DD_SITE": "us5.datadoghq.com", "DD_API_URL": "http://127.0.0.1:8126/"}) == (
        "http://127.0.0.1:8126"
    )
    with pytest.raises(ConfigError, match="not a Datadog site"):
        datadog_api_url({"DD_SITE": "example.com"})


def test_source_urls_are_overridable() -> None:
    assert env_url("PROMETHEUS_URL", {}) == "http://localhost:9090"
    assert env_url("GRAFANA_URL", {"GRAFANA_URL": "https://grafana.internal/"}) == "https://grafana.internal"
    with pytest.raises(ConfigError, match="not an http"):
        env_url("PINGDOM_API_URL", {"PINGDOM_API_URL": "ftp://x"})


def test_secrets_never_print() -> None:
    secret = get_secret("DD_API_KEY", {"DD_API_KEY": "0123456789abcdef0123456789abcdef"})
    assert secret is not None
    assert "0123" not in repr(secret)
    assert "0123" not in str(secret)
    assert "0123" not in f"{secret}"
    assert secret.reveal().startswith("0123")


def test_missing_secret_names_the_variable() -> None:
    with pytest.raises(CredentialsError, match="DD_APP_KEY is not set"):
        datadog_credentials({"DD_API_KEY": "x"})
    assert get_secret("NEW_RELIC_API_KEY", {}, required=False) is None


def test_strip_credentials() -> None:
    assert strip_credentials("https://user:pw@prom.internal:9090/x?api_key=s&a=1") == "https://prom.internal:9090/x?a=1"
    assert strip_credentials("http://p:9090/?access_token=t&Auth=x&sig=y&module=m") == "http://p:9090/?module=m"


def test_input_size_limit_is_a_setting() -> None:
    assert max_input_bytes({}) == DEFAULT_MAX_INPUT_MB << 20
    assert max_input_bytes({"DDMIGRATE_MAX_INPUT_MB": "3"}) == 3 << 20
    with pytest.raises(ConfigError, match="DDMIGRATE_MAX_INPUT_MB='lots' is not a positive whole number"):
        max_input_bytes({"DDMIGRATE_MAX_INPUT_MB": "lots"})
