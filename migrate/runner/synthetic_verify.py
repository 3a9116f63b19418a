"""Run applied synthetic tests from Datadog and wait for their results: "verified" means it ran and passed.

Every test of a `triggered` type is triggered in one `POST /api/v1/synthetics/tests/trigger`; the batch is
polled (`GET /api/v1/synthetics/ci/batch/{batch_id}`) with a growing pause, through the rate limiter, until
every result is in or the timeout passes. A test passes when its run passed in every location; a failed
run's reason is read from its full result. Each test gets one `SyntheticRun` (passed / failed / timed out,
its locations and result ids), which verify turns into problems and records.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from migrate.datadog.base import ResourceOps
from migrate.datadog.synthetics import SyntheticTestOps
from migrate.errors import DDMigrateError
from migrate.runner.ratelimit import RateLimiter, call_with_retry

PASSED, FAILED, TIMED_OUT = "passed", "failed", "timed_out"
DEFAULT_TIMEOUT = 120.0


class Runs(Protocol):
    """The three calls a run needs (SyntheticTestOps has them; tests may pass their own)."""

    def trigger(self, public_ids: list[str]) -> dict[str, Any]: ...

    def batch(self, batch_id: str) -> dict[str, Any]: ...

    def result(self, public_id: str, result_id: str) -> dict[str, Any] | None: ...


@dataclass
class SyntheticRun:
    rtype: str
    key: str
    public_id: str
    status: str = TIMED_OUT
    locations: list[str] = field(default_factory=list)
    result_ids: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # "location: why" for each failed run
    waited: float = 0.0  # the timeout it was given

    def problem(self) -> str | None:
        where = ", ".join(self.locations) or "no location"
        if self.status == PASSED:
            return None
        if self.status == TIMED_OUT:
            return f"synthetic test {self.public_id} did not finish within {self.waited:g}s ({where})"
        ids = ", ".join(self.result_ids)
        return f"synthetic test {self.public_id} failed: {'; '.join(self.reasons) or where} (results {ids})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.rtype,
            "key": self.key,
            "public_id": self.public_id,
            "status": self.status,
            "locations": self.locations,
            "result_ids": self.result_ids,
            "reasons": self.reasons,
        }


@dataclass(frozen=True)
class Waiting:
    """How long to wait for results: the whole timeout, the first pause and its growth, and the clock."""

    timeout: float = DEFAULT_TIMEOUT
    first_pause: float = 2.0
    growth: float = 1.5
    max_pause: float = 15.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def _reason(runs: Runs, public_id: str, result_id: str) -> str:
    """Why a run failed, from its full result (API tests: `result.failure`; browser tests may say `error`)."""
    data = (runs.result(public_id, result_id) or {}).get("result") or {}
    failure = data.get("failure") or {}
    return str(failure.get("message") or data.get("error") or failure.get("code") or "failed (no reason given)")


def run_tests(
    runs: Mapping[str, Runs], tests: list[tuple[str, str, str]], waiting: Waiting, limiter: RateLimiter | None = None
) -> dict[str, SyntheticRun]:
    """`tests`: (type, key, public id); `runs`: each type's calls. Returns key -> its run. Every call goes
    through `limiter` when given (its retries and its pacing on X-RateLimit-* headers)."""

    def through(route: str, fn: Callable[[], Any]) -> Any:
        return fn() if limiter is None else call_with_retry(limiter, route, fn)

    out = {key: SyntheticRun(rtype, key, public_id, waited=waiting.timeout) for rtype, key, public_id in tests}
    if not tests:
        return out
    by_id = {r.public_id: r for r in out.values()}
    any_type = runs[tests[0][0]]  # trigger and batch are one endpoint for every test type
    started = through("synthetics trigger", lambda: any_type.trigger(list(by_id)))
    batch_id = started.get("batch_id")
    if not batch_id:
        raise DDMigrateError("Datadog triggered the synthetic tests but gave no batch id to follow their results")
    deadline, pause = waiting.clock() + waiting.timeout, waiting.first_pause
    results: list[dict[str, Any]] = []
    while True:
        data = (through("synthetics batch", lambda: any_type.batch(str(batch_id))) or {}).get("data") or {}
        results = list(data.get("results") or [])
        done = data.get("status") != "in_progress" and all(r.get("status") != "in_progress" for r in results)
        if done or waiting.clock() + pause > deadline:
            break
        waiting.sleep(pause)
        pause = min(pause * waiting.growth, waiting.max_pause)
    for item in results:
        run = by_id.get(str(item.get("test_public_id")))
        if run is None:
            continue
        location, result_id = str(item.get("location") or "?"), str(item.get("result_id") or "")
        run.locations.append(location)
        run.result_ids.append(result_id)
        if item.get("status") == FAILED:
            read = functools.partial(_reason, runs[run.rtype], run.public_id, result_id)
            run.reasons.append(f"{location}: {through('synthetics result', read)}")
    for run in out.values():
        statuses = [r.get("status") for r in results if str(r.get("test_public_id")) == run.public_id]
        if statuses and all(s in (PASSED, "skipped") for s in statuses):
            run.status = PASSED
        elif FAILED in statuses:
            run.status = FAILED
    return out


def runs_of(ops: Mapping[str, ResourceOps]) -> dict[str, Runs]:
    """The operations of every declared `triggered` type, which trigger and read its runs."""
    out: dict[str, Runs] = {}
    for rtype, op in ops.items():
        if op.rtype.triggered:
            if not isinstance(op, SyntheticTestOps):
                raise DDMigrateError(f"{rtype} is declared triggered, but its operations cannot trigger a run")
            out[rtype] = op
    return out
