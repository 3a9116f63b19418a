import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from migrate.datadog.client import ApiResponse, ConnectionFailed, DatadogApiError, RateLimited, ServerError
from migrate.runner.ratelimit import RateLimiter, RetryPolicy, call_with_retry


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def headers(remaining: int, reset: int, limit: int = 5, period: int = 10) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Period": str(period),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset),
        "X-RateLimit-Name": "monitor_create",
    }


def test_waits_for_the_next_window_instead_of_hitting_429() -> None:
    clock = Clock()
    limiter = RateLimiter(sleep=clock.sleep, clock=clock)
    per_window: dict[float, int] = {}
    for _ in range(12):
        limiter.acquire("monitor create")
        window = clock.now // 10
        per_window[window] = per_window.get(window, 0) + 1
        assert per_window[window] <= 5, "the server would have answered 429"
        reset = int((window + 1) * 10 - clock.now)
        limiter.observe(ApiResponse({}, 200, headers(5 - per_window[window], reset)))
    assert sorted(per_window.values()) == [2, 5, 5]
    assert limiter.waited > 0
    assert limiter.rate_limited == 0


def test_ambiguous_create_looks_up_before_resending() -> None:
    limiter = RateLimiter()
    calls: list[str] = []

    def create() -> dict[str, str]:
        calls.append("create")
        raise ServerError(502, ["bad gateway"], method="POST", path="/api/v1/monitor", ambiguous=True)

    def lookup() -> dict[str, str] | None:
        calls.append("lookup")
        return {"id": "7"}

    result = call_with_retry(limiter, "monitor create", create, on_ambiguous=lookup, sleep=lambda s: None)
    assert result == {"id": "7"}
    assert calls == ["create", "lookup"], "the create is not sent a second time once the lookup found it"


def test_retries_5xx_and_429_then_succeeds_but_not_4xx() -> None:
    limiter = RateLimiter(sleep=lambda s: None)
    failures = [
        RateLimited(429, ["slow down"], headers(0, 0)),
        ConnectionFailed(0, ["refused"]),
        ServerError(500, ["oops"], method="GET", path="/x"),
    ]

    def flaky() -> str:
        if failures:
            raise failures.pop(0)
        return "ok"

    assert call_with_retry(limiter, "r", flaky, policy=RetryPolicy(base_delay=0), sleep=lambda s: None) == "ok"
    assert limiter.rate_limited == 1

    def bad() -> str:
        raise DatadogApiError(400, ["Invalid query"])

    with pytest.raises(DatadogApiError, match="Invalid query"):
        call_with_retry(limiter, "r", bad, sleep=lambda s: None)


def test_gives_up_after_the_attempt_budget() -> None:
    attempts: list[int] = []

    def down() -> str:
        attempts.append(1)
        raise ServerError(503, ["unavailable"], method="GET", path="/x")

    with pytest.raises(ServerError):
        call_with_retry(RateLimiter(), "r", down, policy=RetryPolicy(attempts=3, base_delay=0), sleep=lambda s: None)
    assert len(attempts) == 3


def test_failures_without_rate_limit_headers_release_their_in_flight_slot() -> None:
    """A dropped connection carries no X-RateLimit headers; its request must still stop counting as in flight,
    or every lost connection shrinks the window for the rest of the run until the limiter stalls."""
    clock = Clock()
    limiter = RateLimiter(sleep=clock.sleep, clock=clock)
    limiter.acquire("monitor create")
    limiter.observe(ApiResponse({}, 200, headers(4, 5)))  # learn the window: 5 per 10 s
    for _ in range(20):
        with pytest.raises(ConnectionFailed):
            call_with_retry(
                limiter,
                "monitor create",
                _raise(ConnectionFailed(0, ["reset"])),
                policy=RetryPolicy(attempts=1),
                sleep=clock.sleep,
            )
    window = limiter._windows["monitor_create"]
    clock.now = (clock.now // 10 + 1) * 10 + 0.1  # a fresh window: the server says all 5 are left
    limiter.acquire("monitor create")
    limiter.observe(ApiResponse({}, 200, headers(4, 9)))
    assert window.remaining == 4, "the failed requests no longer count against the window"


def _raise(exc: Exception):  # type: ignore[no-untyped-def]
    def fn() -> None:
        raise exc

    return fn


def test_a_429_without_rate_limit_headers_waits_as_long_as_retry_after_says() -> None:
    """A proxy or gateway in front of Datadog may answer 429 with Retry-After only."""
    slept: list[float] = []
    answers: list[Exception] = [
        RateLimited(429, ["slow down"], {"Retry-After": "7"}),
        RateLimited(429, ["slow down"], {"retry-after": "3"}),
    ]

    def fn() -> str:
        if answers:
            raise answers.pop(0)
        return "ok"

    assert call_with_retry(RateLimiter(), "monitor create", fn, sleep=slept.append) == "ok"
    assert slept == [7.0, 3.0]


class Blocked(Exception):
    pass


def _never_wait(seconds: float) -> None:
    raise Blocked(seconds)


def _acquired_without_waiting(limiter: RateLimiter, route: str = "monitor create", most: int = 50) -> int:
    for n in range(most):
        try:
            limiter.acquire(route)
        except Blocked:
            return n
    return most


def test_requests_the_server_already_counted_are_not_counted_twice() -> None:
    """The server's Remaining already includes requests still in flight to us: subtracting them again left
    part of every window unused (apply reached 0.71-0.84 of a 5 writes/s limit)."""
    clock = Clock()
    limiter = RateLimiter(sleep=_never_wait, clock=clock)
    limiter.acquire("monitor create")
    limiter.observe(ApiResponse({}, 200, headers(19, 5, limit=20)))  # learnt: 20 per 10 s, 1 used
    for _ in range(7):
        limiter.acquire("monitor create")  # 8 sent in all
    limiter.observe(ApiResponse({}, 200, headers(12, 5, limit=20)))  # the server has counted all 8
    assert _acquired_without_waiting(limiter) == 12, "all of the window the server has left is used"


def test_a_late_answer_from_the_last_window_does_not_empty_the_new_one() -> None:
    clock = Clock()
    limiter = RateLimiter(sleep=_never_wait, clock=clock)
    late, current = ThreadPoolExecutor(1), ThreadPoolExecutor(1)  # two callers (thread-local state)
    late.submit(limiter.acquire, "monitor create").result()
    late.submit(limiter.observe, ApiResponse({}, 200, headers(4, 10))).result()  # 5 per 10 s, window ends 1010
    clock.now = 1009.9
    late.submit(limiter.acquire, "monitor create").result()  # sent in the old window ...
    clock.now = 1010.1
    current.submit(limiter.acquire, "monitor create").result()  # ... a new window has begun
    late.submit(limiter.observe, ApiResponse({}, 200, headers(0, 1))).result()  # ... answered late: 0 left then
    assert current.submit(_acquired_without_waiting, limiter).result() == 4, "the new window keeps its budget"


def test_a_late_429_from_the_last_window_does_not_close_the_new_one() -> None:
    clock = Clock()
    limiter = RateLimiter(sleep=_never_wait, clock=clock)
    late, current = ThreadPoolExecutor(1), ThreadPoolExecutor(1)
    late.submit(limiter.acquire, "monitor create").result()
    late.submit(limiter.observe, ApiResponse({}, 200, headers(4, 10))).result()
    clock.now = 1009.9
    late.submit(limiter.acquire, "monitor create").result()
    clock.now = 1010.1
    current.submit(limiter.acquire, "monitor create").result()

    def refused() -> None:  # what call_with_retry does with a 429: release, then learn from it
        limiter.release()
        limiter.observe_error("monitor create", RateLimited(429, ["slow"], headers(0, 1)).rate_limit, limited=True)

    late.submit(refused).result()
    assert current.submit(_acquired_without_waiting, limiter).result() == 4


def test_a_late_answer_before_anyone_opened_the_new_window_does_not_close_it() -> None:
    """Sent at the end of a window and answered after it, before any caller opened the next: the answer
    says the old window was all used, which once closed the new window with nothing sent in it."""
    clock = Clock()
    limiter = RateLimiter(sleep=_never_wait, clock=clock)
    limiter.acquire("monitor create")
    limiter.observe(ApiResponse({}, 200, headers(4, 10)))  # 5 per 10 s, window ends 1010
    clock.now = 1009.9
    for _ in range(4):
        limiter.acquire("monitor create")  # the rest of the window, answered ...
    clock.now = 1010.05
    limiter.observe(ApiResponse({}, 200, headers(0, 1)))  # ... after it ended: "0 left" was the old window's
    assert _acquired_without_waiting(limiter) == 5, "the new window keeps all its budget"


def test_a_caller_back_late_in_an_aligned_window_waits_only_to_its_end() -> None:
    """Windows are aligned to the clock: one opened part-way through still ends at the next multiple of
    the period, not a whole period later (which left callers waiting for a window the server had opened)."""
    clock = Clock()
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.sleep(seconds)

    limiter = RateLimiter(sleep=sleep, clock=clock)
    limiter.acquire("monitor create")
    limiter.observe(ApiResponse({}, 200, headers(4, 10)))  # window ends 1010
    clock.now = 1013.0  # idle through the boundary: the next window ends at 1020
    for _ in range(6):
        limiter.acquire("monitor create")
    assert clock.now == pytest.approx(1020.005), "waited for the aligned boundary, not 1023"
    assert waits == [pytest.approx(7.005)]


def test_a_route_not_yet_learnt_sends_one_request_until_its_first_answer() -> None:
    """Callers let out blind before a route's first answer cost a 429 each when the window was spent."""
    limiter = RateLimiter()
    limiter.acquire("monitor create")  # the first request, not answered yet
    with ThreadPoolExecutor(4) as pool:
        others = [pool.submit(limiter.acquire, "monitor create") for _ in range(4)]
        time.sleep(0.3)
        assert not any(f.done() for f in others), "the others wait for the first answer"
        limiter.observe(ApiResponse({}, 200, headers(4, 5)))  # 5 per window, 4 left
        limiter.release()
        for f in others:
            f.result(timeout=2)  # then all 4 go out in this window
    assert limiter._windows["monitor_create"].remaining == 0


def test_a_server_without_rate_limit_headers_is_not_probed_for_ever() -> None:
    limiter = RateLimiter()
    limiter.acquire("monitor create")
    limiter.observe(ApiResponse({}, 200, {}))  # nothing to learn
    limiter.release()
    with ThreadPoolExecutor(4) as pool:
        started = time.monotonic()
        list(pool.map(lambda _: limiter.acquire("monitor create"), range(8)))  # none releases
    assert time.monotonic() - started < 0.5, "concurrent callers are not held back"
