"""Trigger-and-wait: a run passes only when every location passed; waiting is bounded and backs off."""

from __future__ import annotations

from typing import Any

from migrate.runner.synthetic_verify import Runs, Waiting, run_tests


class FakeRuns:
    """A batch that is in progress for `pending` reads, then has the given statuses per (test, location)."""

    def __init__(self, statuses: dict[tuple[str, str], str], pending: int = 0) -> None:
        self.statuses, self.pending, self.reads = statuses, pending, 0
        self.asked: list[tuple[str, str]] = []

    def trigger(self, public_ids: list[str]) -> dict[str, Any]:
        return {"batch_id": "b-1", "results": []}

    def batch(self, batch_id: str) -> dict[str, Any]:
        self.reads += 1
        busy = self.reads <= self.pending
        results = [
            {"test_public_id": p, "location": loc, "result_id": f"{p}@{loc}", "status": "in_progress" if busy else s}
            for (p, loc), s in self.statuses.items()
        ]
        return {"data": {"status": "in_progress" if busy else "failed", "results": results}}

    def result(self, public_id: str, result_id: str) -> dict[str, Any] | None:
        self.asked.append((public_id, result_id))
        return {"result": {"failure": {"code": "TIMEOUT", "message": "timed out after 60s"}}}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def _wait(clock: Clock, timeout: float = 120.0) -> Waiting:
    return Waiting(
        timeout=timeout, first_pause=2.0, growth=1.5, max_pause=10.0, clock=lambda: clock.now, sleep=clock.sleep
    )


def test_every_location_must_pass_and_a_failure_says_where_and_why() -> None:
    fake = FakeRuns(
        {
            ("api-1", "aws:us-east-1"): "passed",
            ("api-1", "aws:eu-west-1"): "failed",
            ("br-1", "aws:eu-west-1"): "passed",
        },
        pending=2,
    )
    runs: dict[str, Runs] = {"synthetic_test": fake, "synthetic_browser_test": fake}
    clock = Clock()
    out = run_tests(runs, [("synthetic_test", "k1", "api-1"), ("synthetic_browser_test", "k2", "br-1")], _wait(clock))
    assert out["k1"].status == "failed" and out["k2"].status == "passed"
    assert out["k1"].reasons == ["aws:eu-west-1: timed out after 60s"]
    assert fake.asked == [("api-1", "api-1@aws:eu-west-1")], "only a failed run's full result is read"
    assert out["k1"].problem() == (
        "synthetic test api-1 failed: aws:eu-west-1: timed out after 60s "
        "(results api-1@aws:us-east-1, api-1@aws:eu-west-1)"
    )
    assert out["k2"].problem() is None
    assert clock.pauses == [2.0, 3.0], "a growing pause between reads while in progress"


def test_waiting_stops_at_the_timeout_with_capped_pauses() -> None:
    fake = FakeRuns({("api-1", "aws:us-east-1"): "passed"}, pending=10**6)
    clock = Clock()
    out = run_tests({"synthetic_test": fake}, [("synthetic_test", "k1", "api-1")], _wait(clock, timeout=40))
    assert out["k1"].status == "timed_out"
    assert clock.pauses == [2.0, 3.0, 4.5, 6.75, 10.0, 10.0] and clock.now <= 40
    assert out["k1"].problem() == "synthetic test api-1 did not finish within 40s (aws:us-east-1)"


def test_nothing_to_run_triggers_nothing() -> None:
    fake = FakeRuns({})
    assert run_tests({"synthetic_test": fake}, [], _wait(Clock())) == {}
    assert fake.reads == 0
