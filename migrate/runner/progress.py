"""A progress line for long runs (apply, verify): rich on a terminal only, never in logs or pipes.

`NO_COLOR` (https://no-color.org) set to anything non-empty removes all styling: rich is given no colour
system, so it writes no escape sequences at all (not only no colours), and the bar is plain text.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


def no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


def console(stream: TextIO) -> Console:
    """A rich console on `stream` that honours NO_COLOR (no styling at all)."""
    return Console(file=stream, highlight=False, markup=False, emoji=False, color_system=None if no_color() else "auto")


def wanted(progress: bool | None) -> bool:
    """`progress` as asked; None: only when stderr is a terminal."""
    return sys.stderr.isatty() if progress is None else progress


class Ticker:
    """Counts finished items; a no-op when there is no bar."""

    def __init__(self, bar: Progress | None, task: TaskID | None) -> None:
        self.bar, self.task, self.started = bar, task, time.monotonic()

    def advance(self) -> None:
        if self.bar is None or self.task is None:
            return
        done = self.bar.tasks[0].completed + 1
        self.bar.update(self.task, advance=1, rate=done / max(time.monotonic() - self.started, 1e-6))


@contextmanager
def progress_bar(label: str, total: int, *, show: bool) -> Iterator[Ticker]:
    if not show:
        yield Ticker(None, None)
        return
    columns = (
        TextColumn(label if no_color() else f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:.1f}/s"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console(sys.stderr), transient=False) as bar:
        yield Ticker(bar, bar.add_task(label, total=total, rate=0.0))
