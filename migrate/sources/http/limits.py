"""Rate limits: how long a server asks us to wait, and one shared pause every request of a client honours.

A server says "wait" in three ways: `Retry-After` on a 429/503 (seconds or an HTTP date), vendor headers
on every answer that count down the requests left (`RateLimitHook`: Datadog's `X-RateLimit-*`, Pingdom's
`Req-Limit-Short`/`Req-Limit-Long`), and a 200 whose body reports the limit (NerdGraph; see the
client's `retry_when`). Vendor headers let a collector slow down *before* it is refused: when few
requests are left in a window, the rest are spread over the time until it resets.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Protocol

import requests

from migrate.errors import RemoteError


class Clock(Protocol):
    """Time as the client sees it; tests pass a fake one so that waits are measured, not slept."""

    def monotonic(self) -> float: ...
    def time(self) -> float: ...  # wall clock, for Retry-After dates
    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class Pause:
    """Wait `seconds` before the next request. `exhausted`: none are left, so waiting less is pointless."""

    seconds: float
    reason: str
    exhausted: bool = False


RateLimitHook = Callable[[Mapping[str, str]], Pause | None]
"""Reads one answer's headers (requests' case-insensitive `Response.headers`) and says how long to wait
before the next request, if at all."""

# Requests kept in hand before pacing starts: room for a second process sharing the key, and for the
# retries of this one.
RESERVE = 3


def pace(remaining: int, reset: float, what: str, reserve: int = RESERVE) -> Pause | None:
    """With `remaining` requests left for `reset` seconds: None while plenty are left, else an even spread."""
    if remaining > reserve or reset <= 0:
        return None
    reason = f"{what}: {remaining} requests left, the window resets in {reset:g} s"
    return Pause(reset / (remaining + 1), reason, exhausted=remaining <= 0)


def _number(headers: Mapping[str, str], name: str) -> float | None:
    try:
        return float(headers[name])
    except (KeyError, ValueError):
        return None


def datadog_rate_limit(headers: Mapping[str, str]) -> Pause | None:
    """`X-RateLimit-Remaining` requests left until `X-RateLimit-Reset` seconds from now (Datadog API v1/v2)."""
    remaining, reset = _number(headers, "X-RateLimit-Remaining"), _number(headers, "X-RateLimit-Reset")
    if remaining is None or reset is None:
        return None
    name = headers.get("X-RateLimit-Name")
    return pace(int(remaining), reset, f"Datadog rate limit {name}" if name else "Datadog rate limit")


_PINGDOM = re.compile(r"Remaining:\s*(\d+)\s*Time until reset:\s*(\d+)", re.IGNORECASE)


def pingdom_rate_limit(headers: Mapping[str, str]) -> Pause | None:
    """Pingdom 3.1 sends `Req-Limit-Short` and `Req-Limit-Long` as "Remaining: 394 Time until reset: 3589"."""
    pauses = []
    for name in ("Req-Limit-Short", "Req-Limit-Long"):
        match = _PINGDOM.search(headers.get(name) or "")
        if match and (found := pace(int(match[1]), float(match[2]), f"Pingdom {name}")):
            pauses.append(found)
    return max(pauses, key=lambda p: (p.exhausted, p.seconds), default=None)


def retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds from `Retry-After` (delay-seconds or an HTTP date, RFC 9110 §10.2.3); None when absent or unreadable."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class Throttle:
    """The earliest moment the next request of a client may go out, shared by all its threads."""

    def __init__(self, clock: Clock, max_wait: float) -> None:
        self.clock = clock
        self.max_wait = max_wait
        self._lock = threading.Lock()
        self._until = 0.0
        self._pause: Pause | None = None

    def defer(self, pause: Pause) -> None:
        with self._lock:
            until = self.clock.monotonic() + pause.seconds
            if until > self._until:
                self._until, self._pause = until, pause

    def wait(self, shown: str) -> None:
        """Sleep until requests may go out again; a used-up limit that resets after `max_wait` is an error."""
        with self._lock:
            left, pause = self._until - self.clock.monotonic(), self._pause
        if left <= 0 or pause is None:
            return
        if left > self.max_wait and pause.exhausted:
            raise RemoteError(
                f"not sending {shown}: {pause.reason}, longer than the {self.max_wait:g} s this client waits",
                hint="try again after the rate-limit window resets",
            )
        self.clock.sleep(min(left, self.max_wait))


# NerdGraph answers most errors with HTTP 200 and `errors[].extensions.errorClass`; these classes are the
# ones newrelic-client-go retries (internal/http/graphql.go), TOO_MANY_REQUESTS included.
NERDGRAPH_RETRY_CLASSES = frozenset({"TOO_MANY_REQUESTS", "TIMEOUT", "INTERNAL_SERVER_ERROR", "SERVER_ERROR"})


def nerdgraph_retry_when(resp: requests.Response) -> str | None:
    """`retry_when` for NerdGraph: the first retryable GraphQL error of a 200, as "CLASS: message"."""
    try:
        body = resp.json()
    except ValueError:
        return None
    errors = body.get("errors") if isinstance(body, dict) else None
    for error in errors if isinstance(errors, list) else []:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        kind = extensions.get("errorClass") if isinstance(extensions, dict) else None
        if kind in NERDGRAPH_RETRY_CLASSES:
            return f"{kind}: {str(error.get('message') or '')[:200]}"
    return None
