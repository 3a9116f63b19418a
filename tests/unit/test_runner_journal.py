import os
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from migrate.errors import InputError
from migrate.runner import journal as journal_mod
from migrate.runner import localdisk
from migrate.runner.journal import Applied, Journal, LockHeld, WriterLock


def test_intent_then_outcome_moves_revision_and_last_applied(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    run = j.start_run("apply", phase="p1", plan_hash="sha256:x", dry_run=False)
    assert j.revision() == 0
    seq = j.intent(run, "p1", "create", "monitor", "k1", payload={"name": "a"})
    assert [o.status for o in j.open_intents()] == ["intent"], "an intent without outcome is visible"
    j.outcome(seq, "done", dd_id="42", applied=Applied("monitor", "k1", "42", {"name": "a"}, "p1", run, False))
    assert j.revision() == 1
    assert j.open_intents() == []
    assert j.applied()[("monitor", "k1")].dd_id == "42"
    seq2 = j.intent(run, "p1", "delete", "monitor", "k1", dd_id="42", pre_image={"name": "a"})
    j.outcome(seq2, "done", forget=("monitor", "k1"))
    assert j.applied() == {}
    assert j.revision() == 2
    ops = j.ops(run)
    assert [(o.action, o.status, o.dd_id) for o in ops] == [("create", "done", "42"), ("delete", "done", "42")]
    assert ops[1].pre_image == {"name": "a"}
    j.finish_run(run, "ok", {"created": 1})
    assert j.run(run)["status"] == "ok"


def test_journal_survives_reopen_and_marks_crashed_runs(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    run = j.start_run("apply", phase=None, plan_hash=None, dry_run=False)
    j.close()
    j2 = Journal(tmp_path)
    assert j2.mark_abandoned_runs() == [run]
    assert j2.run(run)["status"] == "crashed"


def test_second_writer_is_refused_with_holder_info(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    with WriterLock(j, "apply --phase p1"), pytest.raises(LockHeld) as err:
        WriterLock(Journal(tmp_path), "apply --phase p2").__enter__()
    assert f"pid {os.getpid()}" in str(err.value)
    assert "apply --phase p1" in str(err.value)
    with WriterLock(j, "rollback"):  # released on exit
        pass


def test_crash_hook_kills_after_nth_write_and_lock_is_released(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from migrate.runner.journal import Journal, WriterLock\n"
        "j = Journal(Path(sys.argv[1]))\n"
        "with WriterLock(j, 'apply'):\n"
        "    r = j.start_run('apply', phase=None, plan_hash=None, dry_run=False)\n"
        "    for i in range(10): j.intent(r, None, 'create', 'monitor', f'k{i}')\n"
    )
    env = {**os.environ, "DDMIGRATE_CRASH_AFTER_WRITES": "4"}
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env, check=False)
    assert proc.returncode == -9
    j = Journal(tmp_path)
    assert len(j.open_intents()) == 3, "exactly the writes before the kill are durable"
    with WriterLock(j, "apply"):  # the kernel released the dead holder's lock
        pass


def test_ledger_is_durable_and_refuses_a_network_filesystem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    journal = Journal(tmp_path / "local")
    # WAL, and FULL: a lost VM (power cut) must not lose an intent whose call reached Datadog (its pre-image).
    assert journal._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert journal._db.execute("PRAGMA synchronous").fetchone()[0] == 2
    journal.close()

    share = tmp_path / "share"
    share.mkdir()
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/vda / ext4 rw 0 0\nfiler:/export {share} nfs4 rw,relatime 0 0\n", encoding="utf-8")
    monkeypatch.setattr(localdisk, "MOUNTS", mounts)
    with pytest.raises(InputError, match="nfs4") as info:
        Journal(share / "work")
    assert "local" in (info.value.hint or "")
    assert not (share / "work" / ".ddmigrate" / "state.db").exists()
    Journal(tmp_path / "local").close()  # the local one still opens


def test_failed_closes_an_intent_and_open_intents_never_include_it(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    run = j.start_run("apply", phase=None, plan_hash=None, dry_run=False)
    failed = j.intent(run, None, "create", "monitor", "k1", payload={"name": "a"})
    j.outcome(failed, "failed", error="Invalid query", http_status=400)
    unknown = j.intent(run, None, "update", "monitor", "k2", dd_id="7", payload={"name": "b"})
    j.note_error(unknown, "Internal Server Error", 503)
    assert [(o.key, o.status, o.error, o.http_status) for o in j.open_intents()] == [
        ("k2", "intent", "Internal Server Error", 503)
    ], "an outcome-unknown call stays open, with its error"
    assert [o.key for o in j.close_interrupted()] == ["k2"], "resume closes only the open intent"
    assert [(o.key, o.status, o.http_status) for o in j.unsettled(run)] == [
        ("k1", "failed", 400),
        ("k2", "interrupted", 503),
    ]


def test_a_ledger_from_before_http_status_gets_the_column(tmp_path: Path) -> None:
    (tmp_path / journal_mod.STATE_DIR).mkdir()
    db = sqlite3.connect(tmp_path / journal_mod.STATE_DIR / "state.db")
    db.execute(
        "CREATE TABLE ops (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, phase TEXT, "
        "action TEXT NOT NULL, rtype TEXT NOT NULL, key TEXT NOT NULL, dd_id TEXT, payload TEXT, pre_image TEXT, "
        "status TEXT NOT NULL, error TEXT, intent_at REAL NOT NULL, done_at REAL)"
    )
    db.execute(
        "INSERT INTO ops(run_id, action, rtype, key, status, intent_at) "
        "VALUES('r', 'create', 'monitor', 'k', 'done', 1)"
    )
    db.commit()
    db.close()
    j = Journal(tmp_path)
    assert [(o.key, o.http_status) for o in j.ops("r")] == [("k", None)]
    seq = j.intent("r", None, "create", "monitor", "k2")
    j.outcome(seq, "failed", error="bad", http_status=400)
    assert j.ops("r")[-1].http_status == 400


def test_concurrent_writers_share_commits_and_each_write_is_synced_before_it_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Group commit: one fsync per commit capped apply near 50 writes/s; writers queued behind a commit
    go out together in the next, and each returns only once its row is committed (seen by another reader)."""
    j = Journal(tmp_path)
    run = j.start_run("apply", phase=None, plan_hash=None, dry_run=False)
    commits = 0
    real = j._commit_pending

    def counted() -> None:
        nonlocal commits
        commits += 1
        time.sleep(0.01)  # an fsync's worth: the others queue meanwhile
        real()

    monkeypatch.setattr(j, "_commit_pending", counted)

    def write(i: int) -> int:
        seq = j.intent(run, None, "create", "monitor", f"k{i}", payload={"i": i})
        reader = sqlite3.connect(j.path)  # what a crash right now would leave: the committed rows
        (status,) = reader.execute("SELECT status FROM ops WHERE seq=?", (seq,)).fetchone()
        reader.close()
        return seq if status == "intent" else -1

    with ThreadPoolExecutor(16) as pool:
        seqs = list(pool.map(write, range(64)))
    assert -1 not in seqs and len(set(seqs)) == 64, "every intent committed, with its own row id, on return"
    assert commits < 40, f"{commits} commits for 64 writes: writers did not share them"


def test_a_failing_write_in_a_shared_commit_undoes_only_itself(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    run = j.start_run("apply", phase=None, plan_hash=None, dry_run=False)
    good = journal_mod._Pending((("INSERT INTO meta(k, v) VALUES('a', '1')", ()),))
    bad = journal_mod._Pending((("INSERT INTO meta(k, v) VALUES('b', '2')", ()), ("INSERT INTO nowhere VALUES(1)", ())))
    j._pending = [good, bad]
    j._commit_pending()
    assert good.settled and good.error is None
    assert isinstance(bad.error, sqlite3.OperationalError)
    keys = {k for (k,) in sqlite3.connect(j.path).execute("SELECT k FROM meta")}
    assert "a" in keys and "b" not in keys, "the failing write's first statement was undone with it"
    assert j.run(run)["status"] == "running"
