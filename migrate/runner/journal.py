"""The runner's ledger database: SQLite (WAL) in the working directory, `.ddmigrate/state.db`.

Every remote call is bracketed: an *intent* row is committed before the call, its *outcome* after.
A crash (even SIGKILL) therefore leaves an exact record: resume and rollback read the intents that
have no outcome and look the resource up before acting again. The outcome statuses:
- `done`: the call succeeded;
- `failed`: Datadog answered with an error that means nothing changed (a 400 on create, a 403): the
  row keeps the HTTP status and Datadog's message, rollback skips it, resume never looks it up;
- `refused`: ddmigrate itself declined (no ownership marker for the key);
- `interrupted`: no outcome was recorded (the process died, or Datadog's answer never came and the
  change may have been made): the next apply or rollback closes such intents and looks them up.

The table `applied` is the last-applied state (ddmigrate key -> Datadog id + payload) that three-way
planning compares with; `revision` goes up with every outcome, so a saved plan can tell that the ledger
moved under it. Commits are synced (`synchronous=FULL`): after a power cut an intent whose call reached
Datadog, with its pre-image, is still there. The ledger refuses a network filesystem (WAL and the lock
need one host's local disk).

For crash tests, `DDMIGRATE_CRASH_AFTER_WRITES=N` makes the process SIGKILL itself right after the
commit that holds its N-th journal write (concurrent writers share commits: see `Journal._write`).
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import signal
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrate.errors import DDMigrateError, InputError
from migrate.runner.localdisk import network_fs

STATE_DIR = ".ddmigrate"
CRASH_ENV = "DDMIGRATE_CRASH_AFTER_WRITES"
_BUMP = "INSERT INTO meta(k, v) VALUES('revision', '1') ON CONFLICT(k) DO UPDATE SET v = CAST(v AS INTEGER) + 1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, verb TEXT NOT NULL, phase TEXT, plan_hash TEXT, dry_run INTEGER NOT NULL,
  started_at REAL NOT NULL, finished_at REAL, status TEXT NOT NULL, who TEXT NOT NULL, summary TEXT);
CREATE TABLE IF NOT EXISTS ops (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, phase TEXT, action TEXT NOT NULL,
  rtype TEXT NOT NULL, key TEXT NOT NULL, dd_id TEXT, payload TEXT, pre_image TEXT,
  status TEXT NOT NULL, error TEXT, intent_at REAL NOT NULL, done_at REAL, http_status INTEGER);
CREATE INDEX IF NOT EXISTS ops_run ON ops(run_id);
CREATE TABLE IF NOT EXISTS applied (
  rtype TEXT NOT NULL, key TEXT NOT NULL, dd_id TEXT NOT NULL, payload TEXT NOT NULL, phase TEXT,
  run_id TEXT, adopted INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (rtype, key));
CREATE TABLE IF NOT EXISTS verify_results (
  run_id TEXT NOT NULL, phase TEXT, rtype TEXT NOT NULL, key TEXT NOT NULL, ok INTEGER NOT NULL,
  problems TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS phase_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, phase TEXT NOT NULL, status TEXT NOT NULL, run_id TEXT,
  plan_hash TEXT, who TEXT NOT NULL, at REAL NOT NULL, detail TEXT);
"""


def who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        user = f"uid{os.getuid()}"
    return f"{user}@{socket.gethostname()}"


@dataclass(frozen=True)
class Op:
    seq: int
    run_id: str
    phase: str | None
    action: str  # create | update | delete | mute | unmute
    rtype: str
    key: str
    dd_id: str | None
    payload: dict[str, Any] | None
    pre_image: dict[str, Any] | None
    status: str  # intent | done | failed | refused | interrupted (see the module docstring)
    error: str | None
    http_status: int | None = None  # Datadog's HTTP status, for a failed call


@dataclass(frozen=True)
class Applied:
    rtype: str
    key: str
    dd_id: str
    payload: dict[str, Any]
    phase: str | None
    run_id: str | None
    adopted: bool


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Ledgers written before a column existed get it (CREATE TABLE IF NOT EXISTS leaves old tables alone)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(ops)")}
    if "http_status" not in columns:
        db.execute("ALTER TABLE ops ADD COLUMN http_status INTEGER")


def _load(text: str | None) -> dict[str, Any] | None:
    return None if text is None else dict(json.loads(text))


def _dump(data: dict[str, Any] | None) -> str | None:
    return None if data is None else json.dumps(data, sort_keys=True)


@dataclass
class _Pending:
    """One queued journal write: its statements, then what committing them gave (see `Journal._write`)."""

    statements: tuple[tuple[str, tuple[Any, ...]], ...]
    rowid: int = 0  # the first statement's
    settled: bool = False  # committed, or failed with `error`
    error: Exception | None = None


class Journal:
    """One connection per process; every write commits at once (the point of a journal)."""

    def __init__(self, workdir: Path, *, create: bool = True) -> None:
        """`create=False` (verbs that read what an apply recorded): a missing ledger is an error, not a new one."""
        self.dir = workdir / STATE_DIR
        self.path = self.dir / "state.db"
        if not create and not self.path.is_file():
            raise InputError(
                f"no ddmigrate ledger here ({STATE_DIR}/state.db)",
                path=str(workdir),
                hint="pass --workdir DIR where `ddmigrate apply` ran (default: current directory)",
            )
        fstype = network_fs(workdir)
        if fstype:
            raise InputError(
                f"the ledger cannot live on a network filesystem ({fstype})",
                path=str(workdir),
                hint="use a --workdir on a local disk: SQLite's WAL journal and the writer lock are "
                "not safe over NFS/SMB; back the directory up to the share instead",
            )
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            _add_missing_columns(self._db)
            # Identifies this ledger: a plan names the ledger it was made from (another workdir's is refused).
            self._db.execute("INSERT OR IGNORE INTO meta(k, v) VALUES('ledger_id', ?)", (uuid.uuid4().hex,))
        except (OSError, sqlite3.DatabaseError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise InputError(
                f"cannot open the ledger database: {reason}",
                path=str(self.path),
                hint="--workdir must be a writable directory, and its ledger the state.db ddmigrate "
                "wrote (restore it from a backup if it is damaged)",
            ) from None
        self._writes = 0
        self._mutex = threading.RLock()
        self._queued = threading.Lock()  # guards `_pending` only, so writers queue while a commit syncs
        self._pending: list[_Pending] = []
        crash = os.environ.get(CRASH_ENV, "")
        self._crash_after = int(crash) if crash.isdigit() else 0

    def close(self) -> None:
        self._db.close()

    def ledger_id(self) -> str:
        return str(self._query("SELECT v FROM meta WHERE k='ledger_id'")[0][0])

    def bound_site(self) -> str:
        """The org this ledger records ("" before the first command that wrote to Datadog)."""
        rows = self._query("SELECT v FROM meta WHERE k='datadog_site'")
        return str(rows[0][0]) if rows else ""

    def check_org(self, site: str, *, bind: bool) -> None:
        """A ledger records one Datadog org: refuse another site / API URL (its ids mean other resources there).

        `bind`: the first command that writes to Datadog through this ledger records the org.
        """
        rows = self._query("SELECT v FROM meta WHERE k='datadog_site'")
        if rows and rows[0][0] != site:
            raise DDMigrateError(
                f"this ledger ({self.path}) records what ddmigrate did in the Datadog org at {rows[0][0]}, "
                f"but DD_SITE / DD_API_URL point at {site}",
                hint="point DD_SITE / DD_API_URL at that org, or use another --workdir for this one",
            )
        if not rows and bind:
            self._write("INSERT OR IGNORE INTO meta(k, v) VALUES('datadog_site', ?)", (site,))

    def scratch_copy(self, directory: Path) -> Journal:
        """A throw-away copy of the ledger (for dry runs: same code path, nothing recorded here)."""
        copy = Journal(directory)
        self._db.backup(copy._db)
        return copy

    # -- writes -------------------------------------------------------------------------------
    def _write(
        self,
        sql: str,
        params: tuple[Any, ...],
        *,
        bump: bool = False,
        more: tuple[tuple[str, tuple[Any, ...]], ...] = (),
    ) -> int:
        """Commit one write (a row, its companions and the revision move together), then count it.

        Group commit: each synced commit costs an fsync (3-10 ms on this project's disks), and apply's threads
        write two rows per call, so one commit each capped apply near 50 writes/s. A write is queued; whoever
        holds the connection next commits everything queued in one transaction, each write in a savepoint
        of its own (a failing one is undone alone), and every writer returns only once its write is synced:
        an intent is still durable before its call is made."""
        mine = _Pending(((sql, params), *more, *(((_BUMP, ()),) if bump else ())))
        with self._queued:
            self._pending.append(mine)
        with self._mutex:  # apply threads share the connection: one transaction at a time
            if not mine.settled:
                self._commit_pending()
        if mine.error is not None:
            raise mine.error
        return mine.rowid

    def _commit_pending(self) -> None:
        with self._queued:
            batch, self._pending = self._pending, []
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            for item in batch:
                db.execute("SAVEPOINT one")
                try:
                    first, *rest = item.statements
                    item.rowid = int(db.execute(*first).lastrowid or 0)
                    for statement in rest:
                        db.execute(*statement)
                except sqlite3.Error as exc:
                    db.execute("ROLLBACK TO one")
                    item.error = exc
                db.execute("RELEASE one")
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            for item in batch:
                item.error = item.error or exc
        for item in batch:
            item.settled = True
            self._writes += item.error is None
        # Still holding the connection, so no writer of this batch goes on to its call: the crash lands
        # right after the commit that holds the N-th write.
        if self._crash_after and self._writes >= self._crash_after:
            os.kill(os.getpid(), signal.SIGKILL)

    def start_run(self, verb: str, *, phase: str | None, plan_hash: str | None, dry_run: bool) -> str:
        run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self._write(
            "INSERT INTO runs(id, verb, phase, plan_hash, dry_run, started_at, status, who) VALUES(?,?,?,?,?,?,?,?)",
            (run_id, verb, phase, plan_hash, int(dry_run), time.time(), "running", who()),
        )
        return run_id

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None:
        self._write(
            "UPDATE runs SET finished_at=?, status=?, summary=? WHERE id=?",
            (time.time(), status, json.dumps(summary, sort_keys=True), run_id),
        )

    def mark_abandoned_runs(self) -> list[str]:
        """Runs still 'running' while we hold the lock were killed: say so instead of leaving them open."""
        ids = [r[0] for r in self._query("SELECT id FROM runs WHERE status='running'")]
        for run_id in ids:
            self._write("UPDATE runs SET status='crashed' WHERE id=?", (run_id,))
        return ids

    def close_interrupted(self) -> list[Op]:
        """Intents left open by a killed run: mark them `interrupted` (resume re-plans against the live org).

        Returns them, so the caller can settle what the plan cannot see (`runner.apply.reconcile`)."""
        open_ = self.open_intents()
        for op in open_:
            self._write("UPDATE ops SET status='interrupted', done_at=? WHERE seq=?", (time.time(), op.seq))
        self.mark_abandoned_runs()
        return open_

    def intent(
        self,
        run_id: str,
        phase: str | None,
        action: str,
        rtype: str,
        key: str,
        *,
        dd_id: str | None = None,
        payload: dict[str, Any] | None = None,
        pre_image: dict[str, Any] | None = None,
    ) -> int:
        return self._write(
            "INSERT INTO ops(run_id, phase, action, rtype, key, dd_id, payload, pre_image, status, intent_at) "
            "VALUES(?,?,?,?,?,?,?,?,'intent',?)",
            (run_id, phase, action, rtype, key, dd_id, _dump(payload), _dump(pre_image), time.time()),
        )

    def outcome(
        self,
        seq: int,
        status: str,
        *,
        dd_id: str | None = None,
        error: str | None = None,
        http_status: int | None = None,
        applied: Applied | None = None,
        forget: tuple[str, str] | None = None,
    ) -> None:
        """Close an intent; update last-applied state in the same transaction (the revision moves)."""
        more: list[tuple[str, tuple[Any, ...]]] = []
        if applied is not None:
            more.append(
                (
                    "INSERT OR REPLACE INTO applied(rtype, key, dd_id, payload, phase, run_id, adopted) "
                    "VALUES(?,?,?,?,?,?,?)",
                    (
                        applied.rtype,
                        applied.key,
                        applied.dd_id,
                        _dump(applied.payload),
                        applied.phase,
                        applied.run_id,
                        int(applied.adopted),
                    ),
                )
            )
        if forget is not None:
            more.append(("DELETE FROM applied WHERE rtype=? AND key=?", forget))
        self._write(
            "UPDATE ops SET status=?, dd_id=COALESCE(?, dd_id), error=?, http_status=?, done_at=? WHERE seq=?",
            (status, dd_id, error, http_status, time.time(), seq),
            bump=True,
            more=tuple(more),
        )

    def note_error(self, seq: int, error: str, http_status: int | None) -> None:
        """Say why a call's outcome is unknown, leaving the intent open (resume looks it up, as after a crash)."""
        self._write("UPDATE ops SET error=?, http_status=? WHERE seq=? AND status='intent'", (error, http_status, seq))

    def record_adoption(self, applied: Applied) -> None:
        self._write(
            "INSERT OR REPLACE INTO applied(rtype, key, dd_id, payload, phase, run_id, adopted) VALUES(?,?,?,?,?,?,1)",
            (applied.rtype, applied.key, applied.dd_id, _dump(applied.payload), applied.phase, applied.run_id),
            bump=True,
        )

    def record_verify(self, run_id: str, phase: str | None, rtype: str, key: str, problems: list[str]) -> None:
        self._write(
            "INSERT INTO verify_results VALUES(?,?,?,?,?,?,?)",
            (run_id, phase, rtype, key, int(not problems), json.dumps(problems), time.time()),
        )

    def phase_event(
        self, phase: str, status: str, *, run_id: str | None, plan_hash: str | None = None, detail: str | None = None
    ) -> None:
        self._write(
            "INSERT INTO phase_events(phase, status, run_id, plan_hash, who, at, detail) VALUES(?,?,?,?,?,?,?)",
            (phase, status, run_id, plan_hash, who(), time.time(), detail),
        )

    # -- reads --------------------------------------------------------------------------------
    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self._mutex:
            return self._db.execute(sql, params).fetchall()

    def revision(self) -> int:
        rows = self._query("SELECT v FROM meta WHERE k='revision'")
        return int(rows[0][0]) if rows else 0

    def applied(self) -> dict[tuple[str, str], Applied]:
        rows = self._query("SELECT rtype, key, dd_id, payload, phase, run_id, adopted FROM applied")
        return {(r[0], r[1]): Applied(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], bool(r[6])) for r in rows}

    def applied_one(self, rtype: str, key: str) -> Applied | None:
        """One key's last-applied row (apply looks up one per change; `applied()` reads them all)."""
        rows = self._query(
            "SELECT rtype, key, dd_id, payload, phase, run_id, adopted FROM applied WHERE rtype=? AND key=?",
            (rtype, key),
        )
        if not rows:
            return None
        r = rows[0]
        return Applied(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], bool(r[6]))

    def ops(self, run_id: str) -> list[Op]:
        return list(self._ops("WHERE run_id=? ORDER BY seq", (run_id,)))

    def open_intents(self) -> list[Op]:
        return list(self._ops("WHERE status='intent' ORDER BY seq", ()))

    def unsettled(self, run_id: str) -> list[Op]:
        """A run's calls that did not succeed: failed, refused, interrupted or still open (in order)."""
        return list(self._ops("WHERE run_id=? AND status NOT IN ('done') ORDER BY seq", (run_id,)))

    def _ops(self, where: str, params: tuple[Any, ...]) -> Iterator[Op]:
        cols = "seq, run_id, phase, action, rtype, key, dd_id, payload, pre_image, status, error, http_status"
        sql = f"SELECT {cols} FROM ops {where}"  # noqa: S608 (`where` is one of three fixed clauses)
        for r in self._query(sql, params):
            yield Op(r[0], r[1], r[2], r[3], r[4], r[5], r[6], _load(r[7]), _load(r[8]), r[9], r[10], r[11])

    def runs(self, *, phase: str | None = None, verb: str | None = None) -> list[dict[str, Any]]:
        rows = self._query(
            "SELECT id, verb, phase, plan_hash, dry_run, started_at, finished_at, status, who, summary FROM runs "
            "WHERE (? IS NULL OR phase=?) AND (? IS NULL OR verb=?) ORDER BY started_at, id",
            (phase, phase, verb, verb),
        )
        cols = ("id", "verb", "phase", "plan_hash", "dry_run", "started_at", "finished_at", "status", "who", "summary")
        return [dict(zip(cols, r, strict=True)) for r in rows]

    def run(self, run_id: str) -> dict[str, Any]:
        found = [r for r in self.runs() if r["id"] == run_id]
        if not found:
            raise DDMigrateError(
                f"no run {run_id!r} in the ledger {self.path}", hint="`ddmigrate history` lists the runs"
            )
        return found[0]

    def phase_events(self, phase: str | None = None) -> list[dict[str, Any]]:
        rows = self._query(
            "SELECT seq, phase, status, run_id, plan_hash, who, at, detail FROM phase_events "
            "WHERE (? IS NULL OR phase=?) ORDER BY seq",
            (phase, phase),
        )
        cols = ("seq", "phase", "status", "run_id", "plan_hash", "who", "at", "detail")
        return [dict(zip(cols, r, strict=True)) for r in rows]

    def verify_results(self, run_id: str) -> list[tuple[str, str, list[str]]]:
        rows = self._query("SELECT rtype, key, problems FROM verify_results WHERE run_id=?", (run_id,))
        return [(r[0], r[1], json.loads(r[2])) for r in rows]


class LockHeld(DDMigrateError):
    """Another ddmigrate process is writing to this org's ledger."""


class WriterLock:
    """One writer at a time (apply, rollback, cutover, adopt), with who holds it written into the lock file.

    `flock` is released by the kernel when the holder dies, so a SIGKILLed apply never leaves a stale lock.
    """

    def __init__(self, journal: Journal, command: str) -> None:
        self.path = journal.dir / "lock"
        self.command = command
        self._fd: int | None = None

    def __enter__(self) -> WriterLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = Path(self.path).read_text(encoding="utf-8", errors="replace").strip() or "{}"
            os.close(fd)
            try:
                info = json.loads(holder)
            except json.JSONDecodeError:
                info = None
            info = info if isinstance(info, dict) else {}
            raise LockHeld(
                f"another ddmigrate {info.get('command', 'command')} holds the ledger lock: "
                f"pid {info.get('pid', '?')}, {info.get('who', '?')}, since {info.get('since', '?')}",
                hint="wait for it to finish; a killed process releases the lock by itself",
            ) from None
        os.ftruncate(fd, 0)
        info = {
            "pid": os.getpid(),
            "who": who(),
            "command": self.command,
            "since": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        os.write(fd, json.dumps(info).encode("utf-8"))
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing releases the flock
            self._fd = None
