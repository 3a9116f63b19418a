"""The HTTP client every source collector shares: one `requests.Session`, GET and POST with JSON, timeouts,
retries with exponential backoff, rate limits, bounded concurrency, and errors that name the URL without
credentials.

Retries are tenacity's (`Retrying`), around one request at a time, rather than urllib3's `Retry` on the
session's adapter: the adapter sees only statuses and headers, not a GraphQL 200 whose body says
TOO_MANY_REQUESTS; it is fixed per session where POST retries must be chosen per call (a query is safe
to repeat, a create is not); and `responses` replaces the adapter's `send`, so adapter retries would
never sleep and never retry a connection error in tests.

What is retried: connection errors and timeouts, 408, 429 and 5xx, and whatever `retry_when` marks;
GET always, POST only when the call says `retry=True`. A wait the server asks for (`Retry-After`, or
the `rate_limit` hook reading vendor headers) holds back every request of the client, not only the
one that was refused.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from migrate import __version__
from migrate.errors import RemoteError
from migrate.progress import request_done
from migrate.settings import Secret, env_url, strip_credentials
from migrate.sources.http.auth import Auth, auth_from_env
from migrate.sources.http.concurrent import Result, map_bounded
from migrate.sources.http.limits import Clock, Pause, RateLimitHook, SystemClock, Throttle, retry_after

T = TypeVar("T")
R = TypeVar("R")

RetryWhen = Callable[[requests.Response], str | None]
"""Looks at a successful answer; a reason (for the error message) means "retry it", None means "done"."""

_REASONS = (
    ("connection refused", "connection refused"),
    ("name or service not known", "unknown host"),
    ("temporary failure in name resolution", "unknown host"),
    ("timed out", "timed out"),
    ("certificate verify failed", "TLS certificate not trusted"),
)
_UNREACHABLE = "check that the server is running and the URL variable points at it"


def _reason(exc: Exception) -> str:
    text = str(exc).lower()
    return next((label for needle, label in _REASONS if needle in text), type(exc).__name__)


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


@dataclass(frozen=True)
class _Call:
    method: str
    url: str
    shown: str  # the URL without credentials, for messages
    params: Mapping[str, str] | None
    body: Any
    retry_when: RetryWhen | None


class _Retryable(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass
class HttpClient:
    """JSON over HTTP to one base URL. `display_url` is the base URL safe to print and store."""

    base_url: str
    auth: Auth = field(default_factory=Auth)
    timeout: float = 15.0
    retries: int = 2  # retries after the first attempt
    backoff: float = 0.5  # seconds before the first retry; doubles each time, up to max_backoff
    max_backoff: float = 30.0
    max_wait: float = 120.0  # the longest a server may make us wait; beyond that its limit is an error
    max_in_flight: int = 8
    rate_limit: RateLimitHook | None = None  # e.g. limits.pingdom_rate_limit
    session: requests.Session = field(default_factory=requests.Session)
    clock: Clock = field(default_factory=SystemClock)

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
        # One pooled connection per request that may be in flight, so none waits for (or discards) one.
        adapter = HTTPAdapter(pool_maxsize=self.max_in_flight)
        for prefix in ("http://", "https://"):
            if type(self.session.adapters.get(prefix)) is HTTPAdapter:  # a caller's own adapter stays
                self.session.mount(prefix, adapter)
        self._slots = threading.BoundedSemaphore(self.max_in_flight)
        self._throttle = Throttle(self.clock, self.max_wait)

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

    # -- requests --------------------------------------------------------------------------------------
    def get_json(
        self, path: str, params: Mapping[str, str] | None = None, *, retry_when: RetryWhen | None = None
    ) -> Any:
        return self._json(self.request("GET", path, params=params, retry_when=retry_when))

    def post_json(
        self,
        path: str,
        body: Any,
        *,
        params: Mapping[str, str] | None = None,
        retry: bool = False,
        retry_when: RetryWhen | None = None,
    ) -> Any:
        """POST `body` as JSON. `retry=True` only for calls safe to repeat (a GraphQL query, not a create)."""
        return self._json(self.request("POST", path, params=params, json=body, retry=retry, retry_when=retry_when))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        retry: bool | None = None,
        retry_when: RetryWhen | None = None,
    ) -> requests.Response:
        """One call, retried as the module says. `path` is relative to the base URL, or an absolute URL on
        the same server (a `Link: rel=next`); `retry` defaults to True for GET, False otherwise."""
        url = self._url(path)
        call = _Call(method, url, strip_credentials(url), params, json, retry_when)
        attempts = 1 + self.retries if (method == "GET" if retry is None else retry) else 1
        retrying = Retrying(
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=self.backoff, max=self.max_backoff),
            retry=retry_if_exception_type(_Retryable),
            sleep=self.clock.sleep,
            reraise=True,
        )
        try:
            return retrying(self._send, call)
        except _Retryable as exc:
            tried = f"after {attempts} attempts" if attempts > 1 else f"a {method} is sent once unless safe to repeat"
            raise RemoteError(f"{exc} ({tried})", hint=exc.hint) from None
        finally:
            request_done()  # collect's progress line counts requests (migrate/progress.py)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[Result[T, R]]:
        """`fn` over `items`, at most `max_in_flight` at a time, in order; see concurrent.map_bounded."""
        return map_bounded(fn, items, max_in_flight=self.max_in_flight)

    # -- one attempt -----------------------------------------------------------------------------------
    def _url(self, path: str) -> str:
        if "://" not in path:
            return f"{self.base_url}/{path.lstrip('/')}"
        if _origin(path) != _origin(self.base_url):
            # A next-page URL pointing elsewhere would receive this client's credentials.
            raise RemoteError(
                f"refusing to send a request for {self.display_url} to {strip_credentials(path)}: another server"
            )
        return path

    def _send(self, call: _Call) -> requests.Response:
        self._throttle.wait(call.shown)
        try:
            with self._slots:
                resp = self.session.request(
                    call.method, call.url, params=call.params, json=call.body, timeout=self.timeout
                )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _Retryable(f"cannot connect to {call.shown}: {_reason(exc)}", _UNREACHABLE) from None
        except requests.RequestException as exc:
            raise RemoteError(f"request to {call.shown} failed: {self.redact(str(exc))}") from None
        retryable, problem, hint = self._verdict(resp, call)
        pause = self.rate_limit(resp.headers) if self.rate_limit else None
        if retryable and (asked := retry_after(resp.headers, self.clock.time())) is not None:
            pause = max(pause or Pause(0, ""), Pause(asked, f"it asks to wait {asked:g} s", True), key=_seconds)
        if pause is not None:
            if retryable and pause.exhausted and pause.seconds > self.max_wait:
                raise RemoteError(
                    f"{problem}; {pause.reason}, longer than the {self.max_wait:g} s this client waits",
                    hint="try again after the rate-limit window resets",
                )
            self._throttle.defer(pause)
        if retryable:
            raise _Retryable(problem, hint or _UNREACHABLE)
        if problem:
            raise RemoteError(problem, hint=hint)
        return resp

    def _verdict(self, resp: requests.Response, call: _Call) -> tuple[bool, str, str | None]:
        """(retry it?, what went wrong, hint); "" = nothing went wrong, the answer is the result."""
        status = resp.status_code
        if status >= 400:
            problem = f"{call.shown} answered HTTP {status}: {self.redact(resp.text[:200])}"
            return status in (408, 429) or status >= 500, problem, _hint(status)
        why = call.retry_when(resp) if call.retry_when is not None else None
        if why:
            return True, f"{call.shown} answered {self.redact(why)}", "the server kept reporting a temporary error"
        return False, "", None

    def _json(self, resp: requests.Response) -> Any:
        if resp.status_code == 204:
            return None
        try:
            return resp.json()
        except ValueError:
            kind = resp.headers.get("Content-Type", "no content type")
            raise RemoteError(
                f"{strip_credentials(resp.url.split('?')[0])} did not return JSON ({kind})",
                hint="is the URL the server's base URL (e.g. http://host:9090)?",
            ) from None


def _seconds(pause: Pause) -> float:
    return pause.seconds


def next_link(resp: requests.Response) -> str | None:
    """The absolute URL of `Link: <...>; rel="next"` (RFC 8288), None on the last page."""
    link = resp.links.get("next", {}).get("url")
    return urljoin(resp.url, link) if link else None


def _hint(status: int) -> str | None:
    if status == 429:
        return "the server limits request rates: try again later, or with fewer requests in flight"
    if status in (401, 403):
        return "check the credentials in the environment (bearer token or username/password)"
    if status == 404:
        return "is the URL the server's base URL, without a path such as /graph?"
    return None
