"""Crash safety, for real: `python -m migrate apply` in a subprocess SIGKILLs itself after its N-th journal write
(DDMIGRATE_CRASH_AFTER_WRITES) at 20 points spread over the run, against the local Datadog server running in
this process; a re-run without the variable must leave the org exactly as planned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from migrate.commands.apply import apply
from migrate.runner.journal import CRASH_ENV, Journal
from migrate.runner.live import connect
from migrate.testing.ddserver import DatadogTestServer
from tests.support.ddorg import ROOT, assert_org_exactly, build_translation, desired, owned_keys, renamed, variant

POINTS = 20


@pytest.fixture(scope="module")
def translations(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(v1, v2): v1 has the first 20 resources under other names; v2 renames them back and adds 19 more."""
    base = tmp_path_factory.mktemp("crash")
    full = build_translation(base)
    first = {r.key for r in sorted(desired(full), key=lambda r: r.key)[:20]}
    v1 = variant(full, base / "v1", lambda r: renamed(r, "[v1] ") if r.key in first else None)
    return v1, full


def crash_points(total_writes: int) -> list[int]:
    points = sorted({1 + round(i * (total_writes - 1) / (POINTS - 1)) for i in range(POINTS)})
    assert len(points) == POINTS
    return points


def one_crash(crash_at: int, total: int, v1: Path, v2: Path, workdir: Path) -> str | None:
    """Set up, kill an apply at its `crash_at`-th journal write, resume; None when the org ends as planned."""
    with DatadogTestServer() as dd:
        env = {**dd.env, "DD_API_URL": dd.url}
        _, setup = apply(workdir=workdir, translation_dir=v1, progress=False, conn=connect(env))
        assert setup.ok, setup.failures
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
        child_env.update(env, **{CRASH_ENV: str(crash_at), "PYTHONPATH": str(ROOT)})
        killed = subprocess.run(
            [
                sys.executable,
                "-m",
                "migrate",
                "apply",
                "--workdir",
                str(workdir),
                "--translation",
                str(v2),
                "--concurrency",
                "4",
            ],
            env=child_env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if killed.returncode != -signal.SIGKILL:
            return f"N={crash_at}: apply exited {killed.returncode}, not SIGKILL: {killed.stderr[-500:]}"
        time.sleep(0.05)  # let the server finish a request the dead process had fully sent
        _, resumed = apply(workdir=workdir, translation_dir=v2, progress=False, conn=connect(env))
        if not resumed.ok:
            return f"N={crash_at}: resume failed: {resumed.failures[:3]}"
        try:
            assert_org_exactly(dd, workdir, desired(v2))
        except AssertionError as exc:
            return f"N={crash_at}: {exc}"
        journal = Journal(workdir)
        statuses = [r["status"] for r in journal.runs(verb="apply")]
        journal.close()
        # Killed after its very last write (finish_run), the run was complete and says so.
        if statuses != ["ok", "ok" if crash_at == total else "crashed", "ok"]:
            return f"N={crash_at}: runs recorded as {statuses}"
        if any(n > 1 for n in owned_keys(dd).values()):
            return f"N={crash_at}: duplicates"
    return None


def test_sigkill_at_20_points_then_resume(translations: tuple[Path, Path], tmp_path: Path) -> None:
    v1, v2 = translations
    changes = len(desired(v2))  # 20 updates + the creates
    total = 2 * changes + 2  # start_run, intent + outcome per change, finish_run
    points = crash_points(total)
    with ThreadPoolExecutor(4) as pool:
        problems = list(pool.map(lambda n: one_crash(n, total, v1, v2, tmp_path / f"n{n}"), points))
    assert [p for p in problems if p] == []
    assert points[0] == 1 and points[-1] == total, "the kills cover the whole run, first write to last"
