"""Endpoints and secrets, read the same way for every source and for Datadog.

Secrets come only from the environment, are wrapped so that `repr`/`str` never show them, and are
never accepted on the command line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from migrate.errors import ConfigError, CredentialsError
from migrate.scrub import is_secret_name

DATADOG_SITES = (
    "datadoghq.com",
    "us3.datadoghq.com",
    "us5.datadoghq.com",
    "datadoghq.eu",
    "ap1.datadoghq.com",
    "ap2.datadoghq.com",
    "uk1.datadoghq.com",
    "ddog-gov.com",
    "us2.ddog-gov.com",
)

# Base URLs used when the matching *_URL variable is not set.
DEFAULT_URLS = {
    "NEW_RELIC_API_URL": "https://api.newrelic.com/graphql",
    "PINGDOM_API_URL": "https://api.pingdom.com/api/3.1",
    "PROMETHEUS_URL": "http://localhost:9090",
    "GRAFANA_URL": "http://localhost:3000",
}


class Secret:
    """A string that refuses to be printed. Use `.reveal()` only where it goes on the wire."""

    __slots__ = ("_value", "name")

    def __init__(self, name: str, value: str) -> None:
        self.name = name
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.name}=***)"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


def get_secret(name: str, env: Mapping[str, str] | None = None, *, required: bool = True) -> Secret | None:
    env = os.environ if env is None else env
    value = env.get(name, "")
    if not value:
        if required:
            raise CredentialsError(
                f"{name} is not set",
                hint=f"export {name} in the environment (it is never accepted as a command-line flag)",
            )
        return None
    return Secret(name, value)


def strip_credentials(url: str) -> str:
    """The URL as it may be written to an inventory or report: no userinfo, no token-like query."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    query = "&".join(p for p in parts.query.split("&") if p and not is_secret_name(p.split("=", 1)[0]))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def env_url(name: str, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    url = env.get(name) or DEFAULT_URLS[name]
    if not re.match(r"^https?://", url):
        raise ConfigError(f"{name}={strip_credentials(url)!r} is not an http(s) URL")
    return url.rstrip("/")


def datadog_api_url(env: Mapping[str, str] | None = None) -> str:
    """`DD_API_URL` wins; otherwise `https://api.<DD_SITE>` with DD_SITE defaulting to datadoghq.com."""
    env = os.environ if env is None else env
    if env.get("DD_API_URL"):
        url = env["DD_API_URL"]
        if not re.match(r"^https?://", url):
            raise ConfigError(f"DD_API_URL={strip_credentials(url)!r} is not an http(s) URL")
        return url.rstrip("/")
    site = env.get("DD_SITE", "datadoghq.com").strip().removeprefix("https://").removeprefix("api.")
    if site not in DATADOG_SITES:
        raise ConfigError(f"DD_SITE={site!r} is not a Datadog site", hint="one of: " + ", ".join(DATADOG_SITES))
    return f"https://api.{site}"


@dataclass(frozen=True)
class DatadogCredentials:
    api_key: Secret
    app_key: Secret


def datadog_credentials(env: Mapping[str, str] | None = None) -> DatadogCredentials:
    api = get_secret("DD_API_KEY", env)
    app = get_secret("DD_APP_KEY", env)
    assert api is not None
    assert app is not None
    return DatadogCredentials(api_key=api, app_key=app)


DEFAULT_MAX_INPUT_MB = 64


def max_input_bytes(env: Mapping[str, str] | None = None) -> int:
    """The largest input file read (`DDMIGRATE_MAX_INPUT_MB`, default 64 MiB): a real rule file or dashboard
    is a few hundred KiB, and reading is in memory, so a runaway file fails early with its name."""
    env = os.environ if env is None else env
    raw = env.get("DDMIGRATE_MAX_INPUT_MB", "").strip()
    if not raw:
        return DEFAULT_MAX_INPUT_MB << 20
    if not raw.isdigit() or int(raw) == 0:
        raise ConfigError(f"DDMIGRATE_MAX_INPUT_MB={raw!r} is not a positive whole number of MiB")
    return int(raw) << 20
