"""A local Datadog-compatible API server for tests and benchmarks (127.0.0.1, random port, daemon thread).

    with DatadogTestServer(rate_limits={"monitors": (50, 10)}, faults=Faults(error_rate=0.1, seed=7)) as dd:
        client = make_api_client({"DD_API_KEY": dd.api_key, "DD_APP_KEY": dd.app_key}, host=dd.url)
        ...
        assert len(dd.monitors) == 3 and dd.requests[-1].status == 200

What it does like Datadog: DD-API-KEY/DD-APPLICATION-KEY checks (403), body validation against the vendored
v1 schema and Datadog's extra rules (400 `{"errors": [...]}`), Datadog-style ids and server fields,
X-RateLimit-Limit/Period/Remaining/Reset/Name on every response, with windows aligned to the clock as
Datadog's are (https://docs.datadoghq.com/api/latest/rate-limits/: `X-RateLimit-Period` is the "length of
time in seconds for resets (calendar aligned)", `X-RateLimit-Reset` the whole seconds until the next reset;
429 when exceeded). `aligned_windows=False` starts each window at its first request instead, which hides
what a client loses at a boundary it did not see coming. `write_limit=(N, period)` counts every write
(POST/PUT/DELETE) against one shared limit named "writes" and leaves reads unlimited, as an org whose
write budget is the bottleneck. Faults, deterministic for a seed: 5xx before or after the change is
committed, 429 bursts, a connection dropped after a create was committed, slow responses, and a request Datadog rejects
(`rejected`: a 4xx with a given message, nothing committed). `inject()` queues exact faults for the next
matching requests; `Faults` rates apply at random. State: `monitors`, `dashboards`, `synthetics`,
`downtimes`; `plant()` adds unowned resources; `requests` logs (method, path, body, status).
"""

from __future__ import annotations

import json
import math
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from migrate.testing.ddstore import DatadogStore, routes

FAULT_KINDS = ("error_before", "error_after", "drop_before", "drop_after", "rate_limited", "slow", "rejected")
DEFAULT_LIMIT = (1_000_000, 10)
WRITES = "writes"  # the limit name of every write under `write_limit`
_MUTATING = frozenset({"POST", "PUT", "DELETE", "PATCH"})


@dataclass
class Faults:
    """Random faults. Rates are per request (5xx) or per create (drop); all draws come from one seeded RNG."""

    seed: int = 0
    error_rate: float = 0.0  # answer 5xx to this fraction of requests ...
    error_after_commit: float = 0.5  # ... and for mutating ones, commit the change first this often
    drop_after_commit_rate: float = 0.0  # fraction of creates committed, then the connection closed unanswered
    delay: float = 0.0  # seconds before every response
    status: int = 503


@dataclass
class Injected:
    kind: str
    count: int = 1
    method: str | None = None
    path_prefix: str | None = None
    delay: float = 0.0
    status: int = 400  # for "rejected": the 4xx Datadog answers, with `message` as its error
    message: str = "Invalid request"


@dataclass
class RequestRecord:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int  # 0 when the connection was dropped without an answer
    fault: str | None = None
    at: float = 0.0  # wall-clock time it was counted against its rate limit (benchmarks time writes by it)
    window: float = 0.0  # start of the rate-limit window it was counted in


@dataclass
class _Window:
    start: float = 0.0
    used: int = 0


@dataclass
class RateLimits:
    limits: dict[str, tuple[int, float]] = field(default_factory=dict)
    windows: dict[str, _Window] = field(default_factory=dict)
    aligned: bool = True

    def take(self, name: str, now: float) -> tuple[bool, dict[str, str]]:
        """Count one request against `name`'s current window; (allowed, X-RateLimit headers).
        `windows[name].start` is then the start of the window it was counted in."""
        limit, period = self.limits.get(name, DEFAULT_LIMIT)
        window = self.windows.setdefault(name, _Window(start=-math.inf))
        if self.aligned:
            start = math.floor(now / period) * period
        else:  # a window opens with the first request after the last one closed
            start = window.start if now < window.start + period else now
        if window.start != start:
            window.start, window.used = start, 0
        allowed = window.used < limit
        window.used += allowed
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Period": str(int(period)),
            "X-RateLimit-Remaining": str(max(limit - window.used, 0)),
            "X-RateLimit-Reset": str(max(math.ceil(start + period - now), 1)),
            "X-RateLimit-Name": name,
        }
        return allowed, headers


class DatadogTestServer:
    def __init__(
        self,
        *,
        api_key: str = "test-api-key",
        app_key: str = "test-app-key",
        rate_limits: dict[str, tuple[int, float]] | None = None,
        faults: Faults | None = None,
        reject_duplicate_monitors: bool = False,
        aligned_windows: bool = True,
        write_limit: tuple[int, float] | None = None,
    ) -> None:
        self.api_key, self.app_key = api_key, app_key
        self.faults = faults or Faults()
        self.store = DatadogStore(self.faults.seed, reject_duplicate_monitors=reject_duplicate_monitors)
        limits = dict(rate_limits or {}) | ({WRITES: write_limit} if write_limit else {})
        self.limits = RateLimits(limits, aligned=aligned_windows)
        self.write_limit = write_limit
        self.requests: list[RequestRecord] = []
        self._injected: list[Injected] = []
        self._rng = random.Random(self.faults.seed)  # noqa: S311 (reproducible faults, not secrets)
        self._routes = routes(self.store)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> DatadogTestServer:
        server = self

        class Handler(_Handler):
            dd = server

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> DatadogTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def env(self) -> dict[str, str]:
        """Environment for `make_api_client(env, host=server.url)`."""
        return {"DD_API_KEY": self.api_key, "DD_APP_KEY": self.app_key}

    # --- state for assertions -------------------------------------------------------------------------
    @property
    def monitors(self) -> dict[int, dict[str, Any]]:
        return self.store.monitors

    @property
    def dashboards(self) -> dict[str, dict[str, Any]]:
        return self.store.dashboards

    @property
    def synthetics(self) -> dict[str, dict[str, Any]]:
        return self.store.synthetics

    @property
    def downtimes(self) -> dict[int, dict[str, Any]]:
        return self.store.downtimes

    def plant(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self.store.plant(kind, payload)

    def report_metric(self, name: str, value: float = 1.0, timestamp: float | None = None) -> None:
        self.store.report_metric(name, value, timestamp)

    # --- faults ---------------------------------------------------------------------------------------
    def inject(
        self,
        kind: str,
        count: int = 1,
        *,
        method: str | None = None,
        path_prefix: str | None = None,
        delay: float = 0.0,
        status: int = 400,
        message: str = "Invalid request",
    ) -> None:
        """Queue an exact fault for the next `count` requests matching method/path (see FAULT_KINDS);
        `status` and `message` are what a `rejected` request is answered with."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULT_KINDS)}")
        with self.store.lock:
            self._injected.append(Injected(kind, count, method, path_prefix, delay, status, message))

    def _pick_fault(self, method: str, path: str, is_create: bool) -> Injected | None:
        with self.store.lock:
            for item in self._injected:
                if (item.method in (None, method)) and (item.path_prefix is None or path.startswith(item.path_prefix)):
                    item.count -= 1
                    if item.count <= 0:
                        self._injected.remove(item)
                    return item
            f = self.faults
            if f.drop_after_commit_rate and is_create and self._rng.random() < f.drop_after_commit_rate:
                return Injected("drop_after")
            if f.error_rate and self._rng.random() < f.error_rate:
                after = method in _MUTATING and self._rng.random() < f.error_after_commit
                return Injected("error_after" if after else "error_before")
        return None

    # --- one request ----------------------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, headers: Any, raw_body: bytes) -> tuple[int, Any, dict[str, str]]:
        """(status, json body or None to drop the connection, extra headers)."""
        parts = urlsplit(raw_path)
        path, query = parts.path.rstrip("/") or "/", dict(parse_qsl(parts.query))
        body: Any = None
        record = RequestRecord(method, path, query, None, 0)
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            return self._done(record, 400, {"errors": ["Invalid JSON body"]}, {})
        record.body = body
        route = next(
            ((name, fn, m) for verb, rx, name, fn in self._routes if verb == method for m in [rx.match(path)] if m),
            None,
        )
        if headers.get("DD-API-KEY") != self.api_key or headers.get("DD-APPLICATION-KEY") != self.app_key:
            return self._done(record, 403, {"errors": ["Forbidden"]}, {})
        if route is None:
            return self._done(record, 404, {"errors": [f"No route for {method} {path}"]}, {})
        name, fn, match = route
        if self.write_limit is not None:
            name = WRITES if method in _MUTATING else "reads"
        is_create = method == "POST" and fn.__name__.startswith("create_")
        injected = self._pick_fault(method, path, is_create)
        fault, delay = (injected.kind, injected.delay) if injected else (None, 0.0)
        record.fault = fault
        if delay or self.faults.delay:
            time.sleep(delay or self.faults.delay)
        with self.store.lock:
            record.at = time.time()
            allowed, rl_headers = self.limits.take(name, record.at)
            record.window = self.limits.windows[name].start
            if fault == "rate_limited" or not allowed:
                rl_headers["X-RateLimit-Remaining"] = "0"
                return self._done(record, 429, {"errors": ["Rate limit of traffic exceeded"]}, rl_headers)
            if injected is not None and fault == "rejected":
                return self._done(record, injected.status, {"errors": [injected.message]}, rl_headers)
            if fault in ("error_before", "drop_before"):
                status, result = 0, None
            else:
                status, result = fn(match, query, body)
        if fault in ("error_before", "error_after"):
            return self._done(record, self.faults.status, {"errors": ["Internal Server Error"]}, rl_headers)
        if fault in ("drop_before", "drop_after"):
            return self._done(record, 0, None, rl_headers)
        return self._done(record, status, result, rl_headers)

    def _done(
        self, record: RequestRecord, status: int, body: Any, headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        record.status = status
        with self.store.lock:
            self.requests.append(record)
        return status, body, headers


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops the SYNs of a client that opens 16 connections at once, and each dropped
    # one is retried a second later: writes stalled for a second at the start of a window in bench/apply.py.
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    dd: DatadogTestServer
    protocol_version = "HTTP/1.1"  # keep-alive, as Datadog: the client reuses pooled connections

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without NODELAY, Nagle + delayed ACK add ~40 ms per request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        status, body, headers = self.dd.handle(self.command, self.path, self.headers, raw)
        if status == 0:  # drop: close the socket without a status line
            self.close_connection = True
            return
        data = b"" if status == 204 or body is None else json.dumps(body).encode()
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        try:
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test): nothing to tell
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve
