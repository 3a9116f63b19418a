"""The progress line of apply / verify: only where asked (a terminal by default), and NO_COLOR removes every
escape sequence, not only the colours."""

from __future__ import annotations

import io
import re

import pytest

from migrate import progress

ESC = re.compile(r"\x1b\[[0-9;]*m")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def styled(monkeypatch: pytest.MonkeyPatch, no_color: str | None) -> str:
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    out = Terminal()
    progress.console(out).print("- delete monitor", style="bold red")
    return out.getvalue()


def test_no_color_removes_all_styling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    assert ESC.search(styled(monkeypatch, None)), "a terminal gets styles"
    plain = styled(monkeypatch, "1")
    assert plain == "- delete monitor\n" and not ESC.search(plain)


def test_the_bar_is_shown_only_when_asked_and_counts_every_item(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert progress.wanted(None) is False, "not a terminal: no bar"
    with progress.progress_bar("apply", 3, show=False) as ticker:
        ticker.advance()  # nothing to draw, nothing fails
    monkeypatch.setenv("NO_COLOR", "1")
    with progress.progress_bar("apply", 3, show=True) as ticker:
        for _ in range(3):
            ticker.advance()
        assert ticker.bar is not None and ticker.bar.tasks[0].completed == 3
