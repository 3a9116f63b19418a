"""A plan and a ledger belong to one Datadog org (site / API URL): a plan made against org A is refused
against org B, and a ledger that applied to A refuses every writing verb pointed at B."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.runner.journal import Journal
from migrate.testing.ddserver import DatadogTestServer
from tests.support.ddorg import point_env, run_cli, server


def test_plan_and_ledger_are_bound_to_the_org(
    translation: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wd = ("--workdir", tmp_path)
    plan = tmp_path / "plan.json"
    with server() as org_a, server() as org_b:
        point_env(monkeypatch, org_a)
        code, _, err = run_cli("plan", "--live", *wd, "--translation", translation, "--out", plan)
        assert code == 0, err

        point_env(monkeypatch, org_b)
        code, _, err = run_cli("apply", *wd, "--translation", translation, "--plan", plan)
        assert code == 1
        assert org_a.url in err and org_b.url in err, err
        assert _writes(org_b) == [], "nothing was sent to the other org"

        point_env(monkeypatch, org_a)
        code, _, err = run_cli(
            "apply", "--workdir", tmp_path / "elsewhere", "--translation", translation, "--plan", plan
        )
        assert code == 1 and "another ledger" in err, err
        assert _writes(org_a) == []
        code, _, err = run_cli("apply", *wd, "--translation", translation, "--plan", plan)
        assert code == 0, err
        assert org_a.monitors

        point_env(monkeypatch, org_b)
        for argv in (
            ("apply", *wd, "--translation", translation),
            ("verify", *wd, "--translation", translation, "--no-metrics"),
            ("rollback", *wd, _first_run(tmp_path)),
        ):
            code, _, err = run_cli(*argv)
            assert code == 1, argv
            assert "ledger" in err and org_a.url in err, err
        assert _writes(org_b) == [] and not org_b.monitors

        point_env(monkeypatch, org_a)
        code, _, err = run_cli("rollback", *wd, _first_run(tmp_path))
        assert code == 0, err
        assert not org_a.monitors


def _writes(dd: DatadogTestServer) -> list[str]:
    return [f"{r.method} {r.path}" for r in dd.requests if r.method != "GET" and not r.path.endswith("/validate")]


def _first_run(workdir: Path) -> str:
    journal = Journal(workdir)
    try:
        return str(journal.runs(verb="apply")[0]["id"])
    finally:
        journal.close()
