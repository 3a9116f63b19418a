"""The collectors' HTTP client: retries, waits the server asks for, POST opt-in, bounded concurrency, redaction.

Waits are measured on a fake clock (the client's `clock`), so nothing here really sleeps except the
concurrency test, whose callback holds each request open briefly so that overlaps can be counted.
"""

from __future__ import annotations

import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from typing import Any

import pytest
import requests
import responses

from migrate.errors import RemoteError
from migrate.settings import Secret
from migrate.sources.http import (
    Auth,
    HttpClient,
    datadog_rate_limit,
    nerdgraph_retry_when,
    pingdom_rate_limit,
)

URL = "http://api.test"
KEY = "NRAK-" + "0123456789abcdef"  # split for the secret scanner


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return 1_800_000_000.0 + self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def make(clock: FakeClock, **kwargs: Any) -> HttpClient:
    return HttpClient(URL, clock=clock, **kwargs)


@responses.activate
def test_429_with_retry_after_seconds_waits_that_long_then_succeeds() -> None:
    clock = FakeClock()
    responses.get(f"{URL}/x", status=429, headers={"Retry-After": "7"}, body="slow down")
    responses.get(f"{URL}/x", json={"ok": True})
    assert make(clock).get_json("/x") == {"ok": True}
    assert len(responses.calls) == 2
    assert sum(clock.slept) == pytest.approx(7.0)  # the 0.5 s backoff counts towards the 7 s asked for


@responses.activate
def test_retry_after_as_an_http_date() -> None:
    clock = FakeClock()
    when = formatdate(clock.time() + 12, usegmt=True)
    responses.get(f"{URL}/x", status=503, headers={"Retry-After": when})
    responses.get(f"{URL}/x", json=[])
    assert make(clock).get_json("/x") == []
    assert sum(clock.slept) == pytest.approx(12.0)


@responses.activate
def test_a_wait_longer_than_max_wait_is_an_error_at_once() -> None:
    clock = FakeClock()
    responses.get(f"{URL}/x", status=429, headers={"Retry-After": "3600"}, body="Request limit exceeded")
    with pytest.raises(RemoteError) as exc:
        make(clock, max_wait=60).get_json("/x")
    assert str(exc.value).startswith(f"{URL}/x answered HTTP 429: Request limit exceeded; it asks to wait 3600 s")
    assert "longer than the 60 s" in str(exc.value)
    assert (len(responses.calls), clock.slept) == (1, [])


@responses.activate
def test_5xx_backs_off_exponentially_then_gives_up_naming_the_url() -> None:
    clock = FakeClock()
    responses.get(f"{URL}/x", status=503, body="busy")
    with pytest.raises(RemoteError) as exc:
        make(clock, retries=3, backoff=0.5).get_json("/x", {"page": "2"})
    assert str(exc.value).startswith(f"{URL}/x answered HTTP 503: busy (after 4 attempts)")
    assert "server is running" in (exc.value.hint or "")
    assert clock.slept == [0.5, 1.0, 2.0]
    assert len(responses.calls) == 4


@responses.activate
def test_4xx_is_not_retried() -> None:
    clock = FakeClock()
    responses.get(f"{URL}/x", status=404, body="nope")
    with pytest.raises(RemoteError) as exc:
        make(clock).get_json("/x")
    assert exc.value.message == f"{URL}/x answered HTTP 404: nope"
    assert (len(responses.calls), clock.slept) == (1, [])


@responses.activate
@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (requests.ConnectionError("[Errno 111] Connection refused"), "connection refused"),
        (requests.ReadTimeout("Read timed out. (read timeout=15)"), "timed out"),
    ],
)
def test_connection_errors_and_timeouts_are_retried(error: Exception, reason: str) -> None:
    clock = FakeClock()
    responses.get(f"{URL}/x", body=error)
    responses.get(f"{URL}/x", json={"n": 1})
    assert make(clock).get_json("/x") == {"n": 1}
    assert clock.slept == [0.5]
    responses.replace(responses.GET, f"{URL}/x", body=error)
    with pytest.raises(RemoteError) as exc:
        make(clock, retries=1).get_json("/x")
    assert exc.value.message == f"cannot connect to {URL}/x: {reason} (after 2 attempts)"


@responses.activate
def test_post_is_retried_only_when_the_call_allows_it() -> None:
    clock = FakeClock()
    query = {"query": "{ actor { user { name } } }"}
    responses.post(f"{URL}/graphql", status=502, body="bad gateway")
    responses.post(f"{URL}/graphql", json={"data": {"actor": {}}})
    with pytest.raises(RemoteError) as exc:
        make(clock).post_json("/graphql", query)
    assert (
        exc.value.message == f"{URL}/graphql answered HTTP 502: bad gateway (a POST is sent once unless safe to repeat)"
    )
    assert len(responses.calls) == 1

    responses.calls.reset()
    responses.replace(responses.POST, f"{URL}/graphql", status=502, body="bad gateway")
    responses.add(responses.POST, f"{URL}/graphql", json={"data": {"actor": {}}})
    assert make(clock).post_json("/graphql", query, retry=True) == {"data": {"actor": {}}}
    assert len(responses.calls) == 2
    assert all(json.loads(c.request.body or b"") == query for c in responses.calls)
    assert responses.calls[0].request.headers["Content-Type"] == "application/json"


@responses.activate
def test_a_200_marked_retryable_by_the_classifier_is_retried() -> None:
    clock = FakeClock()
    limited = {"errors": [{"message": "Too many", "extensions": {"errorClass": "TOO_MANY_REQUESTS"}}]}
    responses.post(f"{URL}/graphql", json=limited)
    responses.post(f"{URL}/graphql", json={"data": {"ok": 1}})
    client = make(clock)
    got = client.post_json("/graphql", {"query": "{}"}, retry=True, retry_when=nerdgraph_retry_when)
    assert got == {"data": {"ok": 1}}
    assert len(responses.calls) == 2
    responses.replace(responses.POST, f"{URL}/graphql", json=limited)
    with pytest.raises(RemoteError) as exc:
        client.post_json("/graphql", {"query": "{}"}, retry=True, retry_when=nerdgraph_retry_when)
    assert exc.value.message == f"{URL}/graphql answered TOO_MANY_REQUESTS: Too many (after 3 attempts)"
    # A deprecation notice beside the data is not a reason to retry.
    deprecated = {"data": {"ok": 1}, "errors": [{"message": "This field is deprecated!"}]}
    responses.replace(responses.POST, f"{URL}/graphql", json=deprecated)
    assert client.post_json("/graphql", {}, retry=True, retry_when=nerdgraph_retry_when) == deprecated


@responses.activate
@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("Remaining: 0 Time until reset: 30", 30.0),  # used up: wait for the window to reset
        ("Remaining: 2 Time until reset: 30", 10.0),  # nearly used up: spread the last ones over the window
        ("Remaining: 394 Time until reset: 3589", 0.0),  # plenty left: no wait
        ("Remaining: 3 Time until reset: 3589", 120.0),  # a spread longer than max_wait: wait max_wait
    ],
)
def test_pingdom_limit_headers_near_zero_slow_the_next_request(header: str, wait: float) -> None:
    clock = FakeClock()
    # Lowercase names, as a real capture behind Cloudflare shows them.
    limits = {"req-limit-short": header, "req-limit-long": "Remaining: 71994 Time until reset: 2591989"}
    responses.get(f"{URL}/checks", json={"checks": []}, headers=limits)
    client = make(clock, rate_limit=pingdom_rate_limit)
    client.get_json("/checks")
    assert clock.slept == []  # the answer that reports the limit is not delayed
    client.get_json("/checks")
    assert sum(clock.slept) == pytest.approx(wait)


@responses.activate
def test_a_used_up_long_window_stops_before_sending() -> None:
    clock = FakeClock()
    limits = {
        "Req-Limit-Short": "Remaining: 300 Time until reset: 60",
        "Req-Limit-Long": "Remaining: 0 Time until reset: 86400",
    }
    responses.get(f"{URL}/checks", json={"checks": []}, headers=limits)
    client = make(clock, rate_limit=pingdom_rate_limit)
    client.get_json("/checks")
    with pytest.raises(
        RemoteError, match=r"not sending .*/checks: Pingdom Req-Limit-Long: 0 requests left, the window"
    ):
        client.get_json("/checks")
    assert len(responses.calls) == 1


@responses.activate
def test_datadog_rate_limit_headers_and_429_reset() -> None:
    clock = FakeClock()
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "5", "X-RateLimit-Name": "monitors"}
    responses.get(f"{URL}/api/v1/monitor", status=429, headers=headers, json={"errors": ["Rate limit"]})
    responses.get(f"{URL}/api/v1/monitor", json=[], headers={"X-RateLimit-Remaining": "99", "X-RateLimit-Reset": "5"})
    assert make(clock, rate_limit=datadog_rate_limit).get_json("/api/v1/monitor") == []
    assert sum(clock.slept) == pytest.approx(5.0)


@responses.activate
def test_concurrency_never_exceeds_max_in_flight_and_keeps_order() -> None:
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.02)  # hold the request open so that others overlap it
        with lock:
            state["now"] -= 1
        number = int(str(request.url).rsplit("/", 1)[1])
        return (404, {}, "gone") if number == 7 else (200, {}, json.dumps({"n": number}))

    responses.add_callback(responses.GET, re.compile(rf"{URL}/item/\d+"), callback=answer)
    client = HttpClient(URL, max_in_flight=4)
    results = client.map(lambda n: client.get_json(f"/item/{n}"), range(24))
    assert state["peak"] == 4
    assert [r.item for r in results] == list(range(24))
    assert [r.value for r in results if r.ok] == [{"n": n} for n in range(24) if n != 7]
    failed = [r for r in results if not r.ok]
    assert [r.item for r in failed] == [7] and "answered HTTP 404" in str(failed[0].error)

    # The limit is the client's, whoever makes the threads.
    state["peak"] = 0
    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda n: client.get_json(f"/item/{n}"), [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13]))
    assert state["peak"] == 4


@responses.activate
def test_keys_never_appear_in_errors() -> None:
    clock = FakeClock()
    responses.post(f"{URL}/graphql", status=401, body=f"invalid key {KEY}")
    client = make(clock, auth=Auth(headers={"API-Key": Secret("NEW_RELIC_API_KEY", KEY)}))
    with pytest.raises(RemoteError) as exc:
        client.post_json("/graphql", {"query": "{}"})
    assert KEY not in str(exc.value) and "invalid key ***" in str(exc.value)
    assert "credentials" in (exc.value.hint or "")
    assert responses.calls[0].request.headers["API-Key"] == KEY
    assert KEY not in repr(client.auth)


def test_next_urls_on_another_server_are_refused() -> None:
    client = HttpClient(URL, auth=Auth(bearer=Secret("T", "tok-1234")))
    with pytest.raises(RemoteError, match=r"refusing to send a request for http://api.test to http://evil.test/x"):
        client.get_json("http://evil.test/x?page=2")


def test_limit_header_parsing() -> None:
    assert pingdom_rate_limit({}) is None
    assert pingdom_rate_limit({"Req-Limit-Short": "garbage"}) is None
    long_used = pingdom_rate_limit(
        {"Req-Limit-Short": "Remaining: 1 Time until reset: 10", "Req-Limit-Long": "Remaining: 0 Time until reset: 99"}
    )
    assert long_used is not None and (long_used.seconds, long_used.exhausted) == (99.0, True)
    assert datadog_rate_limit({"X-RateLimit-Remaining": "x", "X-RateLimit-Reset": "1"}) is None


@responses.activate
def test_other_request_failures_are_errors_without_the_key() -> None:
    responses.get(f"{URL}/x", body=requests.TooManyRedirects(f"Exceeded 30 redirects, last Authorization {KEY}"))
    client = make(FakeClock(), auth=Auth(bearer=Secret("T", KEY)))
    with pytest.raises(RemoteError) as exc:
        client.get_json("/x")
    assert exc.value.message == f"request to {URL}/x failed: Exceeded 30 redirects, last Authorization ***"
    assert len(responses.calls) == 1
