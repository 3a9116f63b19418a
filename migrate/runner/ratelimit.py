"""Datadog rate limits and retries: follow `X-RateLimit-*` per limit name, back off on 5xx and lost connections.

Datadog names each limit (`X-RateLimit-Name`) and counts requests in calendar-aligned windows of
`X-RateLimit-Period` seconds (https://docs.datadoghq.com/api/latest/rate-limits/). The limiter learns which
limit name a route (e.g. "monitor create") falls under from the responses, counts what it sends in the
current window against what the server says it counted (see `_Window`), ignores the late answers of a
window that has ended, and makes callers wait for the next window instead of collecting 429s.

Retries never re-send a create blindly: when a failure is *ambiguous* (the server may have committed
it: a 5xx or a connection dropped after sending), `on_ambiguous` looks the resource up first.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from migrate.datadog.client import ApiResponse, ConnectionFailed, DatadogApiError, RateLimit, RateLimited, ServerError

T = TypeVar("T")


@dataclass
class _Window:
    """What the limiter knows of one limit's current window.

    `sent` counts the requests this process let out in it; `used` the most the server said it had counted
    in it (`X-RateLimit-Limit - Remaining`). Neither alone is right: the server's count leaves out what is
    still in flight, and subtracting everything in flight from it (as this limiter once did) counts twice
    the requests the server has already seen, so every window was left part-used (0.71-0.84 of the limit
    at 5/s). What is left is `limit - max(sent, used)`: exact when this process is the only caller,
    and the server's figure when others spend the same budget.
    """

    limit: int
    period: int
    reset_at: float  # wall-clock time the current window ends
    sent: int = 0
    used: int = 0
    epoch: int = 0  # which window this is; a request remembers the one it was let out in
    aligned: bool = False  # the server's windows end on multiples of the period (Datadog's do)

    @property
    def remaining(self) -> int:
        return max(0, self.limit - max(self.sent, self.used))

    def roll(self, reset_at: float, used: int = 0) -> None:
        self.reset_at, self.sent, self.used, self.epoch = reset_at, used, used, self.epoch + 1

    def next_end(self, now: float) -> float:
        """Where a window opened at `now` ends: the next multiple of the period when windows are aligned
        (a caller that comes back late in a window must not think it runs a whole period from then), else
        a period from now, as a server that opens a window at its first request does."""
        if self.aligned and self.period > 0:
            return float(math.floor(now / self.period) * self.period + self.period)
        return now + self.period


class RateLimiter:
    def __init__(self, *, sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time) -> None:
        self._lock = threading.Condition()
        self._windows: dict[str, _Window] = {}
        self._route_names: dict[str, str] = {}
        self._probing: set[str] = set()  # routes not yet learnt with their first request in flight
        self._unlimited: set[str] = set()  # routes whose answers carried no X-RateLimit headers
        self._local = threading.local()
        self._sleep = sleep
        self._clock = clock
        self.waited = 0.0  # seconds spent waiting for a window, for the progress line and benchmarks
        self.rate_limited = 0  # 429s seen (should stay near zero when the headers are honoured)

    # -- the two hooks around every request ---------------------------------------------------
    def acquire(self, route: str) -> None:
        """Block until the route's limit (when known) has room in the current window, and count the request."""
        self._end_probe()  # this thread's last request, if it was never released
        self._local.route = route
        self._local.epoch = None
        probe_wait = 0.0
        while True:
            with self._lock:
                name = self._route_names.get(route)
                win = self._windows.get(name) if name else None
                if name is None and route not in self._unlimited:
                    # Which limit a route counts against is learnt from its first answer. Until then it sends
                    # one request at a time: 16 callers let out blind into a spent window were 16 429s for
                    # every route's first use (an apply with creates, updates and deletes of two types
                    # collected 32 at 5/s). A probe that never answers lets the others go after a while.
                    if route in self._probing and probe_wait < PROBE_PATIENCE:
                        self._lock.wait(0.05)
                        probe_wait += 0.05
                        continue
                    self._probing.add(route)
                    self._local.probe = True
                if win is None:
                    return
                now = self._clock()
                if now >= win.reset_at:  # a new window: the server will tell us the exact count
                    win.roll(win.next_end(now))
                self._local.epoch = (name, win.epoch)
                self._local.sent_at = now
                if win.remaining > 0:
                    win.sent += 1
                    return
                delay = win.reset_at - now + 0.005
            self.waited += delay
            self._sleep(delay)

    def observe(self, response: ApiResponse) -> None:
        """`on_response` callback for the resource modules: learn from the headers of a success."""
        route = getattr(self._local, "route", "")
        rl = response.rate_limit
        if rl is None or rl.limit <= 0:
            with self._lock:
                if route not in self._route_names:
                    self._unlimited.add(route)  # this server tells nothing to learn: stop probing
            return
        self._learn(route, rl, limited=False)

    def observe_error(self, route: str, limit: RateLimit | None, *, limited: bool) -> None:
        self._learn(route, limit, limited=limited)

    def release(self) -> None:
        """The calling thread's request is over (answered or not). It stays counted in the window it was
        sent in (the server may have counted it: a dropped connection says nothing); a new window starts
        from zero, so failures never shrink the windows after theirs. The thread keeps the window it sent
        in until its next `acquire`: a 429 is learnt after this, and one from an ended window must not
        close the new one."""
        self._end_probe()

    def _end_probe(self) -> None:
        if getattr(self._local, "probe", False):
            self._local.probe = False
            with self._lock:
                self._probing.discard(self._local.route)
                self._lock.notify_all()

    def _learn(self, route: str, rl: RateLimit | None, *, limited: bool) -> None:
        if rl is None or rl.limit <= 0:
            return
        name = rl.name or route
        with self._lock:
            sent_in = getattr(self._local, "epoch", None)
            sent_at = getattr(self._local, "sent_at", None)
            now = self._clock()
            self._route_names[route] = name
            end = self._window_end(now, rl.reset, rl.period)
            used = max(0, rl.limit - rl.remaining)
            win = self._windows.get(name)
            if win is None:
                win = self._windows[name] = _Window(rl.limit, rl.period, end, used, used)
                win.aligned = self._is_aligned(now, rl.reset, rl.period)
                return
            win.limit, win.period = rl.limit, rl.period
            win.aligned = self._is_aligned(now, rl.reset, rl.period)
            if sent_in is not None and sent_in != (name, win.epoch):
                # Sent in an earlier window and answered after it ended: its count is that window's.
                return
            if sent_in is not None and sent_at is not None and sent_at < win.reset_at <= now:
                # Let out in our window and answered after it ended, before any caller opened the next: the
                # server may have counted it in either, and the count it gives may be the old window's (all
                # of it used), which would close the new window before anything was sent in it (apply left
                # a 50/s window two-thirds unused). Open the new window as `acquire` would, learn nothing.
                win.roll(win.next_end(now))
                return
            if end > win.reset_at + 0.5 or win.reset_at <= now:  # the server is in a newer window than ours
                win.roll(end, used)
            elif limited:
                win.used, win.reset_at = win.limit, max(win.reset_at, min(end, now + win.period))
            else:
                win.used = max(win.used, used)

    @staticmethod
    def _is_aligned(now: float, reset: float, period: int) -> bool:
        """Windows are calendar aligned when `reset` (whole seconds) agrees with the next multiple of the period."""
        return period > 0 and abs(math.floor(now / period) * period + period - (now + reset)) <= 1.0

    @classmethod
    def _window_end(cls, now: float, reset: float, period: int) -> float:
        """Prefer the exact calendar-aligned boundary when it agrees with `reset`."""
        if cls._is_aligned(now, reset, period):
            return float(math.floor(now / period) * period + period)
        return now + max(reset, 0.0)


@dataclass
class RetryPolicy:
    attempts: int = 6  # for 5xx and connection errors; 429s wait for the window and do not count
    max_rate_limited: int = 50
    base_delay: float = 0.25
    max_delay: float = 8.0

    def backoff(self, attempt: int) -> float:
        return float(min(self.max_delay, self.base_delay * (2**attempt)) * (0.5 + random.random() / 2))  # noqa: S311 (jitter)


def call_with_retry(
    limiter: RateLimiter,
    route: str,
    fn: Callable[[], T],
    *,
    policy: RetryPolicy | None = None,
    on_ambiguous: Callable[[], T | None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `fn` under the limiter, retrying what is safe to retry.

    After an ambiguous failure `on_ambiguous()` is asked first; a non-None answer (the resource was in fact
    created or changed) is returned instead of sending the request again.
    """
    policy = policy or RetryPolicy()
    failures = limited = 0
    while True:
        limiter.acquire(route)
        try:
            try:
                return fn()
            finally:
                limiter.release()  # before any lookup below, which sends requests of its own
        except RateLimited as exc:
            limiter.observe_error(route, exc.rate_limit, limited=True)
            limiter.rate_limited += 1
            limited += 1
            if limited > policy.max_rate_limited:
                raise
            if exc.rate_limit is None:  # no window to wait for: Retry-After (a proxy's 429), else back off
                sleep(_retry_after(exc.headers) or policy.backoff(min(limited, 5)))
        except (ServerError, ConnectionFailed) as exc:
            limiter.observe_error(route, exc.rate_limit, limited=False)
            failures += 1
            if exc.ambiguous and on_ambiguous is not None:
                found = on_ambiguous()
                if found is not None:
                    return found
            if failures >= policy.attempts:
                raise
            sleep(policy.backoff(failures))
        except DatadogApiError as exc:  # a 4xx: the request was answered and will not change by re-sending
            limiter.observe_error(route, exc.rate_limit, limited=False)
            raise


MAX_RETRY_AFTER = 300.0
PROBE_PATIENCE = 5.0  # seconds a route's callers wait for its first answer before going out anyway


def _retry_after(headers: dict[str, str]) -> float | None:
    """Seconds from a `Retry-After: N` header (any case), at most MAX_RETRY_AFTER; None when absent or a date."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return min(seconds, MAX_RETRY_AFTER) if seconds > 0 else None
