"""NerdGraph over the shared HTTP client: endpoint and key from the environment, the GraphQL error model,
cursor listings that are complete.

Error model (newrelic-client-go internal/http/graphql.go; NerdGraph usage-limits docs):
- HTTP 429, 5xx and timeouts, and a 200 whose `errors[].extensions.errorClass` is TOO_MANY_REQUESTS,
  TIMEOUT or a server error, are retried with backoff by the client (`retry=True`: a query is safe to repeat);
- other `errors` of a 200 are errors: with no data the request failed; beside data the data is kept and the
  error is named in the collection's problems (the inventory's warnings), never dropped silently;
- "This field is deprecated!" notices arrive as `errors` beside complete data: noted once, not an error.
At most 25 requests in flight: NerdGraph's per-user concurrency limit.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from migrate import paging
from migrate.errors import ConfigError, CredentialsError, DDMigrateError, RemoteError
from migrate.settings import env_url, get_secret
from migrate.sources.http import Auth, HttpClient, nerdgraph_retry_when
from migrate.sources.http.limits import Clock, SystemClock

REGIONS = {
    "US": "https://api.newrelic.com/graphql",
    "EU": "https://api.eu.newrelic.com/graphql",
    "JP": "https://api.jp.newrelic.com/graphql",
    "GOV": "https://gov-api.newrelic.com/graphql",
}
MAX_IN_FLIGHT = 25  # "25 concurrent requests per user" (nerdgraph-usage-limits)
DEPRECATED = "This field is deprecated!"
DEPRECATION_NOTE = "NerdGraph deprecation notice (ignored)"
_AUTH_CODES = {"BAD_API_KEY", "UNAUTHORIZED", "FORBIDDEN"}


def endpoint(env: Mapping[str, str]) -> str:
    """`NEW_RELIC_API_URL` when set, else the endpoint of `NEW_RELIC_REGION` (US, EU, JP, GOV; default US)."""
    if env.get("NEW_RELIC_API_URL"):
        return env_url("NEW_RELIC_API_URL", env)
    region = (env.get("NEW_RELIC_REGION") or "US").strip().upper()
    if region not in REGIONS:
        raise ConfigError(
            f"NEW_RELIC_REGION={region!r} is not a New Relic region",
            hint="one of: " + ", ".join(REGIONS) + " (or set NEW_RELIC_API_URL)",
        )
    return REGIONS[region]


def account_id(env: Mapping[str, str]) -> int:
    raw = (env.get("NEW_RELIC_ACCOUNT_ID") or "").strip()
    if not raw:
        raise ConfigError(
            "NEW_RELIC_ACCOUNT_ID is not set", hint="export the numeric id of the New Relic account to collect"
        )
    if not raw.isdigit():
        raise ConfigError(f"NEW_RELIC_ACCOUNT_ID={raw!r} is not a number", hint="the account id is numeric")
    return int(raw)


@dataclass
class Problems:
    """What went wrong without stopping the collection; shared by threads, written as inventory warnings."""

    items: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, text: str) -> None:
        with self._lock:
            if text not in self.items:
                self.items.append(text)


def _describe(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)[:300]
    extensions = error["extensions"] if isinstance(error.get("extensions"), dict) else {}
    kind = extensions.get("errorClass") or extensions.get("error_code") or extensions.get("code")
    where = ".".join(str(p) for p in error.get("path") or [])
    text = str(error.get("message") or error.get("description") or "error")[:300]
    return " ".join(p for p in (f"[{kind}]" if kind else "", f"at {where}:" if where else "", text) if p)


def _is_auth(error: Any) -> bool:
    extensions = error.get("extensions") if isinstance(error, dict) else None
    return isinstance(extensions, dict) and bool(
        {extensions.get("error_code"), extensions.get("errorClass"), extensions.get("code")} & _AUTH_CODES
    )


def dig(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


@dataclass
class NerdGraph:
    http: HttpClient
    problems: Problems = field(default_factory=Problems)
    answered: bool = False  # NerdGraph has answered at least once (with data or with GraphQL errors)

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        session: requests.Session | None = None,
        clock: Clock | None = None,
        require_key: bool = True,
    ) -> NerdGraph:
        env = os.environ if env is None else env
        key = get_secret("NEW_RELIC_API_KEY", env, required=require_key)
        http = HttpClient(
            endpoint(env),
            auth=Auth(headers={"API-Key": key} if key else {}),
            timeout=30.0,  # newrelic-client-go's default
            retries=3,
            max_in_flight=MAX_IN_FLIGHT,
            session=session or requests.Session(),
            clock=clock or SystemClock(),
        )
        return cls(http)

    def query(self, document: str, variables: Mapping[str, Any], *, what: str) -> dict[str, Any]:
        """`data` of one query. Raises when NerdGraph gave no data; names errors beside data in `problems`."""
        body = self.http.post_json(
            self.http.base_url,
            {"query": document, "variables": dict(variables)},
            retry=True,
            retry_when=nerdgraph_retry_when,
        )
        if not isinstance(body, dict):
            raise RemoteError(f"{what}: {self.http.display_url} did not answer a GraphQL object")
        self.answered = True
        errors: list[Any] = body["errors"] if isinstance(body.get("errors"), list) else []
        notices = [e for e in errors if str(_get(e, "message")).startswith(DEPRECATED)]
        real = [e for e in errors if e not in notices]
        for notice in notices:
            self.problems.add(f"{DEPRECATION_NOTE}: {_describe(notice)}")
        if any(_is_auth(e) for e in real):
            raise CredentialsError(
                f"{what}: NerdGraph refused the key: {_describe(real[0])}",
                hint="NEW_RELIC_API_KEY must be a user key (NRAK-...) of a user who can read the account",
            )
        data = body.get("data") if isinstance(body.get("data"), dict) else None
        text = "; ".join(_describe(e) for e in real)
        if real and not _has_data(data):
            raise RemoteError(f"{what}: NerdGraph error: {text}")
        if real:
            self.problems.add(f"{what}: NerdGraph error beside partial data (the data was kept): {text}")
        return data or {}

    def listing(
        self,
        document: str,
        variables: Mapping[str, Any],
        path: tuple[str, ...],
        items: str,
        *,
        what: str,
    ) -> list[dict[str, Any]]:
        """Every item of a cursor listing at `path` (the object holding `items` and `nextCursor`). A failure
        part way keeps what was read and names how far it got."""

        def page(cursor: str | None) -> paging.Page[dict[str, Any], str]:
            data = self.query(document, {**variables, "cursor": cursor}, what=what)
            holder = dig(data, path)
            if isinstance(holder, dict):  # aiNotifications report failures inside the payload too
                listed: list[Any] = holder["errors"] if isinstance(holder.get("errors"), list) else []
                for err in [holder.get("error"), *listed]:
                    if err:
                        self.problems.add(f"{what}: NerdGraph reported: {_describe(err)}")
            found = holder.get(items) if isinstance(holder, dict) else None
            next_cursor = holder.get("nextCursor") if isinstance(holder, dict) else None
            return paging.Page([i for i in found or [] if isinstance(i, dict)], next_cursor or None)

        return self.collect(paging.by_cursor(page, what=what), what=what)

    def collect(self, items: Iterator[dict[str, Any]], *, what: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        try:
            out.extend(items)
        except CredentialsError:
            raise
        except DDMigrateError as exc:
            if not self.answered:  # the endpoint never answered: the other sections would fail the same way
                raise

            self.problems.add(f"{what}: listing incomplete, stopped after {len(out)} items: {exc.message}")
        return out

    def each(self, fn: Callable[[str], dict[str, Any]], keys: list[str], *, what: str) -> dict[str, dict[str, Any]]:
        """`fn(key)` for every key, at most MAX_IN_FLIGHT at a time; a failed key is a problem, not the end."""
        out: dict[str, dict[str, Any]] = {}
        for result in self.http.map(fn, keys):
            if isinstance(result.error, CredentialsError):
                raise result.error
            if result.error is not None:
                self.problems.add(f"{what} {result.item}: {result.error.message}")
            elif result.value is not None:
                out[result.item] = result.value
        return out


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _has_data(data: Any) -> bool:
    """True when some leaf under `data` is not null (NerdGraph nulls the fields an error hit)."""
    if isinstance(data, dict):
        return any(_has_data(v) for v in data.values())
    if isinstance(data, list):
        return bool(data)
    return data is not None
