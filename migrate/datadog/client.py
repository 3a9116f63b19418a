"""The thin layer between ddmigrate and datadog-api-client: configuration, one call function, typed errors.

Interface (what the runner builds retries, backoff and rate limiting on):

- `make_api_client(env=None, *, host=None, timeout=30.0) -> ApiClient`: configured from migrate.settings
  (DD_API_URL or DD_SITE; DD_API_KEY and DD_APP_KEY secrets). The client itself never retries
  (`enable_retry=False` and urllib3 retries off): re-sending a POST blindly can duplicate a resource, so
  retry decisions belong to the runner.
- `call(endpoint, *, path=None, query=None, body=None) -> ApiResponse`: one HTTP request through an
  endpoint of a datadog-api-client v1 API class (path template, method and auth come from the generated
  client); the body is a plain dict, sent as is, and the response is the server's JSON as plain Python
  data, so payloads round-trip losslessly (models coerce ints to floats, parse dates, hide unknown
  enum values behind `_unparsed`; a diff over models would report changes nobody made).
- `ApiResponse(data, status, headers)` with `.rate_limit` (parsed X-RateLimit-* headers, or None).
- Errors, all `DatadogApiError(status, errors, headers)` with `.ambiguous` = the request may have been
  committed by the server although we saw no success (look the resource up before re-creating it):
    `RateLimited` (429, `.reset_seconds`; never committed), `ServerError` (5xx; ambiguous unless GET),
    `ConnectionFailed` (status 0; ambiguous when the request may have reached the server: read timeout,
    dropped connection; not when the connection was refused), `NotFound` (404).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import urllib3
from datadog_api_client.api_client import ApiClient
from datadog_api_client.configuration import Configuration
from datadog_api_client.exceptions import ApiException

from migrate import settings
from migrate.errors import RemoteError

RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Period", "X-RateLimit-Remaining", "X-RateLimit-Reset")
_SAFE_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class RateLimit:
    """Datadog's per-limit-name window: `reset` seconds until the calendar-aligned window ends."""

    limit: int
    period: int
    remaining: int
    reset: int
    name: str

    @classmethod
    def from_headers(cls, headers: Mapping[str, str] | None) -> RateLimit | None:
        if not headers:
            return None
        lower = {k.lower(): v for k, v in headers.items()}
        try:
            limit, period, remaining, reset = (int(lower[h.lower()]) for h in RATE_LIMIT_HEADERS)
        except (KeyError, ValueError):
            return None
        return cls(limit, period, remaining, reset, lower.get("x-ratelimit-name", ""))


@dataclass(frozen=True)
class ApiResponse:
    data: Any
    status: int
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def rate_limit(self) -> RateLimit | None:
        return RateLimit.from_headers(self.headers)


class DatadogApiError(RemoteError):
    """Datadog answered with an error (or did not answer). `errors` is Datadog's `{"errors": [...]}` list."""

    def __init__(
        self,
        status: int,
        errors: list[str],
        headers: Mapping[str, str] | None = None,
        *,
        method: str = "",
        path: str = "",
        ambiguous: bool = False,
    ) -> None:
        text = "; ".join(errors) or "no error message"
        super().__init__(f"Datadog API {method} {path} failed ({status or 'no response'}): {text}")
        self.status = status
        self.errors = errors
        self.headers = dict(headers or {})
        self.method = method
        self.path = path
        self.ambiguous = ambiguous

    @property
    def rate_limit(self) -> RateLimit | None:
        return RateLimit.from_headers(self.headers)


class NotFound(DatadogApiError):
    pass


class RateLimited(DatadogApiError):
    @property
    def reset_seconds(self) -> float:
        rl = self.rate_limit
        return float(rl.reset) if rl else 1.0


class ServerError(DatadogApiError):
    pass


class ConnectionFailed(DatadogApiError):
    pass


def make_api_client(
    env: Mapping[str, str] | None = None, *, host: str | None = None, timeout: float = 30.0
) -> ApiClient:
    creds = settings.datadog_credentials(env)
    config = cast(Any, Configuration)(
        host=host or settings.datadog_api_url(env),
        api_key={"apiKeyAuth": creds.api_key.reveal(), "appKeyAuth": creds.app_key.reveal()},
        return_http_data_only=False,
        enable_retry=False,
        # False, not None: None would leave urllib3's default of 3 silent retries in place.
        retry_policy=False,
        request_timeout=timeout,
    )
    # The library logs request bodies and headers at DEBUG; keep keys out of any log we might enable.
    config.debug = False
    return ApiClient(config)


def call(
    endpoint: Any,
    *,
    path: Mapping[str, Any] | None = None,
    query: Mapping[str, Any] | None = None,
    body: Any = None,
) -> ApiResponse:
    """Send one request through a generated endpoint (e.g. `MonitorsApi(c)._create_monitor_endpoint`)."""
    settings_ = endpoint.settings
    method: str = settings_["http_method"]
    kwargs = {k: v for k, v in {**(path or {}), **(query or {})}.items() if v is not None}
    params = endpoint.gather_params(kwargs)
    api_client: ApiClient = endpoint.api_client
    where: str = settings_["endpoint_path"]
    for name, value in (path or {}).items():
        where = where.replace("{" + name + "}", str(value))
    try:
        response = api_client.call_api(
            settings_["endpoint_path"],
            method,
            params["path"],
            params["query"],
            params["header"],
            body=body,
            collection_formats=params["collection_format"],
            preload_content=False,
            request_timeout=api_client.configuration.request_timeout,
        )
        raw = response.data
        response.release_conn()
    except ApiException as exc:
        raise _from_api_exception(exc, method, where) from None
    except urllib3.exceptions.HTTPError as exc:
        raise _from_transport(exc, method, where) from None
    data = json.loads(raw) if raw else None
    return ApiResponse(data, response.status, dict(response.headers))


def _error_list(body: Any) -> list[str]:
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return [str(e) for e in body["errors"]]
    if body:
        return [str(body)[:500]]
    return []


def _from_api_exception(exc: ApiException, method: str, path: str) -> DatadogApiError:
    status = int(exc.status or 0)
    errors = _error_list(exc.body)
    headers = exc.headers or {}
    if status == 429:
        return RateLimited(status, errors, headers, method=method, path=path)
    if status == 404:
        return NotFound(status, errors, headers, method=method, path=path)
    if status >= 500:
        return ServerError(status, errors, headers, method=method, path=path, ambiguous=method not in _SAFE_METHODS)
    if status == 0:  # the library raises ApiException(status=0) for TLS failures before anything is sent
        return ConnectionFailed(0, [str(exc.reason)], method=method, path=path)
    return DatadogApiError(status, errors, headers, method=method, path=path)


def _from_transport(exc: urllib3.exceptions.HTTPError, method: str, path: str) -> ConnectionFailed:
    reason = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
    # Refused or unresolvable: the request never left. Anything later (read timeout, connection closed
    # without a response) may have reached the server, so a mutating request is ambiguous.
    never_sent = isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError)
    ambiguous = not never_sent and method not in _SAFE_METHODS
    return ConnectionFailed(0, [f"{type(reason).__name__}: {reason}"], method=method, path=path, ambiguous=ambiguous)
