"""`ddmigrate ... | head`: when the reader of stdout goes away the command stops quietly with the shell's
SIGPIPE status (141), as git and coreutils do, instead of an "internal error: BrokenPipeError"."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

from migrate.cli import main


class ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_stdout_is_not_an_internal_error() -> None:
    err = io.StringIO()
    with contextlib.redirect_stdout(ClosedPipe()), contextlib.redirect_stderr(err):
        code = main(["translate-query", "--lang", "promql", "--json", "--", "rate(x_total[5m])"])
    assert code == 141
    assert err.getvalue() == "", "nothing to say, and no one to say it to"


def test_piped_into_a_reader_that_stops_early() -> None:
    # the real pipe: the reader closes after one line, the process must exit without a traceback or message
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from migrate.cli import main; sys.exit(main(sys.argv[1:]))",
            "translate-query",
            "--lang",
            "promql",
            "--json",
            "--",
            "sum(rate(x_total[5m])) by (job)",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before it writes: its first write finds no reader
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) in (0, 141)
    assert "internal error" not in err and "Traceback" not in err and "Exception ignored" not in err, err
