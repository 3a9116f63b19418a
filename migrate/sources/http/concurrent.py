"""Many requests with at most N in flight, in order, one failure not stopping the rest.

A collector that reads a list and then each item (every Grafana dashboard, every Pingdom check, every
New Relic dashboard's pages) is bound by round trips, not by the CPU: threads sharing one session's
connection pool are enough. The limit is the server's (NerdGraph allows 25 concurrent requests per user).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from migrate.errors import DDMigrateError

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Result(Generic[T, R]):
    """What `fn(item)` gave: its value, or the error it raised (the other items still ran)."""

    item: T
    value: R | None = None
    error: DDMigrateError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def map_bounded(fn: Callable[[T], R], items: Iterable[T], *, max_in_flight: int) -> list[Result[T, R]]:
    """`fn` over `items` on at most `max_in_flight` threads; results in the order of `items`.

    A `DDMigrateError` (a remote error, bad data) becomes that item's `Result.error`; any other exception
    is a bug and propagates once the running calls have finished.
    """
    if max_in_flight < 1:
        raise ValueError(f"max_in_flight must be at least 1, got {max_in_flight}")

    def one(item: T) -> Result[T, R]:
        try:
            return Result(item, value=fn(item))
        except DDMigrateError as exc:
            return Result(item, error=exc)

    with ThreadPoolExecutor(max_workers=max_in_flight, thread_name_prefix="ddmigrate-http") as pool:
        return list(pool.map(one, items))
