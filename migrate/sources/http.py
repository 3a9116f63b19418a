"""The HTTP helper every source collector shares: one `requests.Session`, timeouts, retries on 5xx and
connection errors, authentication from the environment, and errors that name the URL without credentials.

Only GET is offered: collectors read, they never change a source.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import requests

from migrate import __version__
from migrate.errors import ConfigError, CredentialsError, RemoteError
from migrate.settings import Secret, env_url, get_secret, strip_credentials

_REASONS = (
    ("connection refused", "connection refused"),
    ("name or service not known", "unknown host"),
    ("temporary failure in name resolution", "unknown host"),
    ("timed out", "timed out"),
    ("certificate verify failed", "TLS certificate not trusted"),
)


def _reason(exc: Exception) -> str:
    text = str(exc).lower()
    return next((label for needle, label in _REASONS if needle in text), type(exc).__name__)


@dataclass
class Auth:
    """Credentials for one source; never printed (`Secret` hides the values)."""

    bearer: Secret | None = None
    username: str | None = None
    password: Secret | None = None

    def apply(self, session: requests.Session) -> None:
        if self.bearer:
            session.headers["Authorization"] = f"Bearer {self.bearer.reveal()}"
        elif self.username is not None and self.password is not None:
            session.auth = (self.username, self.password.reveal())

    def secrets(self) -> list[str]:
        return [s.reveal() for s in (self.bearer, self.password) if s]


def auth_from_env(prefix: str, env: Mapping[str, str] | None = None) -> Auth:
    """`<PREFIX>_BEARER_TOKEN`, or `<PREFIX>_USERNAME` + `<PREFIX>_PASSWORD`; neither means no auth."""
    env = os.environ if env is None else env
    bearer = get_secret(f"{prefix}_BEARER_TOKEN", env, required=False)
    username = env.get(f"{prefix}_USERNAME") or None
    password = get_secret(f"{prefix}_PASSWORD", env, required=False)
    if bearer and (username or password):
        raise ConfigError(
            f"both {prefix}_BEARER_TOKEN and {prefix}_USERNAME/{prefix}_PASSWORD are set",
            hint="set only one way of authenticating",
        )
    if bool(username) != bool(password):
        missing = f"{prefix}_PASSWORD" if username else f"{prefix}_USERNAME"
        raise CredentialsError(
            f"{missing} is not set",
            hint=f"basic auth needs both {prefix}_USERNAME and {prefix}_PASSWORD in the environment",
        )
    return Auth(bearer=bearer, username=username, password=password)


@dataclass
class HttpClient:
    """GET JSON from one base URL. `display_url` is the base URL safe to print and store."""

    base_url: str
    auth: Auth = field(default_factory=Auth)
    timeout: float = 15.0
    retries: int = 2
    backoff: float = 0.5  # seconds before the first retry; doubles each time
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.username is not None and parts.password is not None and not self.auth.secrets():
            # userinfo in the URL variable is still a secret from the environment: use it, never show it
            self.auth = Auth(username=unquote(parts.username), password=Secret("url", unquote(parts.password)))
        if parts.username is not None or parts.password is not None:
            # keep credentials out of the request URL too: library errors quote it
            self.base_url = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
        self.display_url = strip_credentials(self.base_url).rstrip("/")
        self.base_url = self.base_url.rstrip("/")
        self.session.headers["User-Agent"] = f"ddmigrate/{__version__}"
        self.session.headers["Accept"] = "application/json"
        self.auth.apply(self.session)

    @classmethod
    def from_env(
        cls, url_var: str, auth_prefix: str, env: Mapping[str, str] | None = None, **kwargs: Any
    ) -> HttpClient:
        return cls(env_url(url_var, env), auth=auth_from_env(auth_prefix, env), **kwargs)

    def redact(self, text: str) -> str:
        """`text` with every secret of this client replaced by `***` (for error messages)."""
        for secret in self.auth.secrets():
            text = text.replace(secret, "***")
        return re.sub(r"\s+", " ", text).strip()

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        url = f"{self.base_url}/{path.lstrip('/')}"
        shown = f"{self.display_url}/{path.lstrip('/')}"
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                resp = self.session.get(url, params=params, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = f"cannot connect to {shown}: {_reason(exc)}"
                continue
            if resp.status_code >= 500:
                problem = f"{shown} answered HTTP {resp.status_code}: {self.redact(resp.text[:200])}"
                continue
            if resp.status_code >= 400:
                raise RemoteError(
                    f"{shown} answered HTTP {resp.status_code}: {self.redact(resp.text[:200])}",
                    hint=_hint(resp.status_code),
                )
            try:
                return resp.json()
            except ValueError:
                kind = resp.headers.get("Content-Type", "no content type")
                raise RemoteError(
                    f"{shown} did not return JSON ({kind})",
                    hint="is the URL the server's base URL (e.g. http://host:9090)?",
                ) from None
        raise RemoteError(
            f"{problem} (after {self.retries + 1} attempts)",
            hint="check that the server is running and the URL variable points at it",
        )


def _hint(status: int) -> str | None:
    if status in (401, 403):
        return "check the credentials in the environment (bearer token or username/password)"
    if status == 404:
        return "is the URL the server's base URL, without a path such as /graph?"
    return None
