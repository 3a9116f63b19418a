"""Every line `status` and `history` print is one clean terminal line: a phase name, a user name (from $USER)
or a detail holding escape sequences or newlines cannot restyle the screen or forge a row."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.runner.journal import Journal
from tests.support.ddorg import run_cli

PHASE = "pilot\x1b]8;;http://evil.example\x07click\x1b]8;;\x07"
USER = "ops\x1b[2K\r\nforged row"


def test_status_and_history_rows_carry_no_control_characters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", USER)
    monkeypatch.setenv("USER", USER)
    journal = Journal(tmp_path)
    run_id = journal.start_run("apply", phase=PHASE, plan_hash="sha256:abc", dry_run=False)
    journal.finish_run(run_id, "ok", {"created": 1})
    journal.phase_event(PHASE, "applied", run_id=run_id, plan_hash="sha256:abc", detail="created=1\x1b[1A\nforged")
    unphased = journal.start_run("apply", phase=None, plan_hash="sha256:def", dry_run=False)
    journal.finish_run(unphased, "ok", {"created": 2})
    journal.close()
    for verb in ("status", "history"):
        code, out, err = run_cli(verb, "--workdir", tmp_path)
        assert (code, err) == (0, ""), verb
        assert out.strip(), verb
        assert not any(c in out for c in "\x1b\x07\r"), f"{verb} printed a control character"
        assert not any(line.startswith("forged") for line in out.splitlines()), f"{verb} let a name start a row"
        assert "pilot" in out and "click" in out, f"{verb} keeps the readable text"
