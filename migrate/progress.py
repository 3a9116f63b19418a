"""The progress line of long work (collect, translate, apply, verify, parity): rich on a terminal only.

Shown only when stderr is a terminal (or the caller asks), so logs, pipes, CI and `--json` runs get nothing:
the bar never reaches stdout and is never drawn on a stream that is not a terminal. When stdout is a pipe
while stderr is the terminal, stdout is left alone (rich would otherwise reroute its lines to stderr).

`NO_COLOR` (https://no-color.org) set to anything non-empty removes all styling: rich is given no colour
system, so it writes no colour or style escapes at all, and the bar's label is plain text.

rich is imported only when something is drawn: a run without a terminal does not pay for the import.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID


def no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


def console(stream: TextIO) -> Console:
    """A rich console on `stream` that honours NO_COLOR (no styling at all)."""
    from rich.console import Console  # noqa: PLC0415 (only terminals pay rich's import)

    return Console(file=stream, highlight=False, markup=False, emoji=False, color_system=None if no_color() else "auto")


def wanted(progress: bool | None, stream: TextIO | None = None) -> bool:
    """`progress` as asked; None: only when `stream` (stderr by default) is a terminal."""
    if progress is not None:
        return progress
    isatty = getattr(stream or sys.stderr, "isatty", None)
    return bool(isatty and isatty())


class Ticker:
    """Counts finished items (from any thread); a no-op when there is no bar."""

    def __init__(self, bar: Progress | None = None, task: TaskID | None = None) -> None:
        self.bar, self.task, self.started = bar, task, time.monotonic()
        self.done = 0
        self._lock = threading.Lock()

    def advance(self, n: int = 1) -> None:
        if self.bar is None or self.task is None:
            return
        with self._lock:  # apply and collect finish items on several threads
            self.done += n
            rate = self.done / max(time.monotonic() - self.started, 1e-6)
            self.bar.update(self.task, advance=n, rate=rate)

    def total(self, total: int | None) -> None:
        """Set the total once it is known (a bar can start counting before)."""
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, total=total)


@contextmanager
def progress_bar(
    label: str, total: int | None = None, *, show: bool, stream: TextIO | None = None, unit: str = ""
) -> Iterator[Ticker]:
    """A bar on `stream` (stderr by default) while the block runs; `total` None: a count without an end."""
    if not show:
        yield Ticker()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

    out = stream or sys.stderr
    columns = (
        TextColumn(label if no_color() else f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(f"{unit} {{task.fields[rate]:.1f}}/s".strip()),
        TimeElapsedColumn(),
    )
    # stdout's lines go above the bar only when stdout is that terminal too; a piped stdout stays as written
    redirect = out is not sys.stdout and bool(getattr(sys.stdout, "isatty", None) and sys.stdout.isatty())
    with Progress(*columns, console=console(out), transient=False, redirect_stdout=redirect) as bar:
        ticker = Ticker(bar, bar.add_task(label, total=total, rate=0.0))
        yield ticker
        if total is None or ticker.done > total:  # a count without an end, or an estimate: it ends where it ended
            ticker.total(ticker.done)


_counting: list[Ticker] = []  # the tickers that count HTTP requests (collect's), innermost last
_counting_lock = threading.Lock()


@contextmanager
def counting_requests(ticker: Ticker) -> Iterator[None]:
    """While the block runs, every request the sources' HTTP client finishes advances `ticker`: a collector
    knows neither how many objects it will find nor when it has found one, but it makes requests."""
    with _counting_lock:
        _counting.append(ticker)
    try:
        yield
    finally:
        with _counting_lock:
            _counting.remove(ticker)


def request_done() -> None:
    """Called by the HTTP client after each request (answered or not); nothing when no one is counting."""
    if _counting:
        _counting[-1].advance()
