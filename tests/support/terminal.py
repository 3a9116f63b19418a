"""Running the CLI in-process with stderr (and optionally stdout) standing in for a terminal."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from migrate.cli import main
from migrate.textsafe import clean


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as a tty does (rich then draws on it)."""

    def isatty(self) -> bool:
        return True


def run_on_terminal(*argv: str | Path, stdout_tty: bool = False) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) with stderr a terminal; stdout a pipe unless `stdout_tty`."""
    out: io.StringIO = Terminal() if stdout_tty else io.StringIO()
    err = Terminal()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def drawn(text: str) -> str:
    """What a bar left on screen, without its cursor and style sequences."""
    return clean(text)
