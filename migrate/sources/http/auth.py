"""Credentials for one source, read from the environment only and never printed (`Secret` hides the values)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import requests

from migrate.errors import ConfigError, CredentialsError
from migrate.settings import Secret, get_secret


@dataclass
class Auth:
    """A bearer token, basic auth, or vendor headers such as New Relic's `API-Key` (values are secrets)."""

    bearer: Secret | None = None
    username: str | None = None
    password: Secret | None = None
    headers: Mapping[str, Secret] = field(default_factory=dict)

    def apply(self, session: requests.Session) -> None:
        if self.bearer:
            session.headers["Authorization"] = f"Bearer {self.bearer.reveal()}"
        elif self.username is not None and self.password is not None:
            session.auth = (self.username, self.password.reveal())
        for name, value in self.headers.items():
            session.headers[name] = value.reveal()

    def secrets(self) -> list[str]:
        return [s.reveal() for s in (self.bearer, self.password, *self.headers.values()) if s]


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
