"""`status` says what an apply without phases applied; `status --json` and `history --json` carry the same
rows as the text, for scripts."""

from __future__ import annotations

import json
from pathlib import Path

from migrate.runner.journal import Journal
from tests.support.ddorg import run_cli


def ledger(workdir: Path) -> str:
    journal = Journal(workdir)
    run_id = journal.start_run("apply", phase=None, plan_hash="sha256:abc", dry_run=False)
    ok = journal.intent(run_id, None, "create", "monitor", "aaaaaaaaaaaa", payload={"name": "x"})
    journal.outcome(ok, "done", dd_id="1")
    bad = journal.intent(run_id, None, "create", "monitor", "bbbbbbbbbbbb", payload={"name": "y"})
    journal.outcome(bad, "failed", error="Invalid query", http_status=400)
    journal.finish_run(run_id, "failed", {"created": 1, "failed": 1})
    journal.close()
    return run_id


def test_status_says_what_an_apply_without_phases_applied(tmp_path: Path) -> None:
    run_id = ledger(tmp_path)
    code, out, _ = run_cli("status", "--workdir", tmp_path)
    assert code == 0
    assert "(no phase)" in out and run_id in out and "applied: created 1, failed 1" in out
    code, out, _ = run_cli("status", "--workdir", tmp_path, "--json")
    assert code == 0
    (row,) = json.loads(out)
    assert row["phase"] == "(no phase)" and row["run_id"] == run_id and row["applied"] == {"created": 1, "failed": 1}
    (call,) = row["calls"]
    assert (call["key"], call["status"], call["http_status"], call["error"]) == (
        "bbbbbbbbbbbb",
        "failed",
        400,
        "Invalid query",
    )


def test_history_json_lists_runs_with_their_unsettled_calls(tmp_path: Path) -> None:
    run_id = ledger(tmp_path)
    code, out, _ = run_cli("history", "--workdir", tmp_path, "--json")
    assert code == 0
    data = json.loads(out)
    (run,) = data["runs"]
    assert run["id"] == run_id and run["verb"] == "apply" and run["summary"] == {"created": 1, "failed": 1}
    assert [c["key"] for c in run["calls"]] == ["bbbbbbbbbbbb"] and data["phase_events"] == []
