"""`ddmigrate plan` end to end on disk: files, text diff, exit codes, no credentials needed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from migrate import cli
from migrate.commands.plan import plan
from migrate.ledger import Ledger
from migrate.model import DesiredResource
from migrate.runner.changes import Create
from migrate.translate.store import Translation, write_translation
from tests.unit.test_plan import as_live, desired_monitor


@pytest.fixture(autouse=True)
def no_datadog_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("DD_"):
            monkeypatch.delenv(name)


def make_translation(directory: Path, resources: list[DesiredResource]) -> Path:
    ledger = Ledger()
    for res in resources:
        ledger.record(res.source_refs[0], [], targets=[res])
    write_translation(directory, Translation(resources, ledger, {"mappings_fingerprint": "sha256:abc"}))
    return directory


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path, list[DesiredResource]]:
    desired = [
        desired_monitor("HighErrorRate"),
        desired_monitor("HighLatency", "avg(last_5m):avg:lat{*} > 5"),
        desired_monitor("QueueBacklog", "avg(last_5m):avg:queue{*} > 5"),
    ]
    translation = make_translation(tmp_path / "translation", desired)
    state = tmp_path / "state" / "monitors"
    state.mkdir(parents=True)
    (state / "1.json").write_text(json.dumps(as_live(desired[0], "1")))
    (state / "2.json").write_text(json.dumps(as_live(desired[1], "2", priority=4)))
    (state / "3.json").write_text(json.dumps(as_live(desired_monitor("Retired"), "3")))
    return translation, tmp_path / "state", desired


def test_plan_writes_a_json_plan_and_prints_a_readable_diff(
    world: tuple[Path, Path, list[DesiredResource]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    translation, state, _ = world
    out = tmp_path / "plan.json"
    code = cli.main(["plan", "--translation", str(translation), "--state", str(state), "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert '+ create monitor "QueueBacklog"' in text
    assert '~ update monitor "HighLatency" (id 2)' in text
    assert "    priority: 4 → 2" in text
    assert '- delete monitor "Retired" (id 3)' in text
    assert "HighErrorRate" not in text  # no-ops are counted, not listed
    assert "Plan: 1 to create, 1 to update, 1 to delete, 1 unchanged." in text
    data = json.loads(out.read_text())
    assert data["format"] == "ddmigrate-plan/1"
    assert data["summary"] == {
        "create": 1,
        "update": 1,
        "delete": 1,
        "no-op": 1,
        "adopt_candidates": 0,
        "out_of_scope": 0,
        "other_migrations": 0,
    }
    assert data["translation"]["mappings_fingerprint"] == "sha256:abc"
    assert data["state"]["fingerprint"].startswith("sha256:")
    update = next(c for c in data["changes"] if c["action"] == "update")
    assert update["fields"] == [{"path": "priority", "before": 4, "after": 2}]
    assert update["source_refs"][0]["name"] == "HighLatency"
    assert update["before"]["priority"] == 4 and update["after"]["priority"] == 2


def test_detailed_exitcode(world: tuple[Path, Path, list[DesiredResource]], tmp_path: Path) -> None:
    translation, state, desired = world
    args = ["plan", "--translation", str(translation), "--out", str(tmp_path / "p.json"), "--detailed-exitcode"]
    assert cli.main([*args, "--state", str(state)]) == 2
    # A state that already matches: nothing to do.
    in_sync = tmp_path / "in-sync" / "monitors"
    in_sync.mkdir(parents=True)
    for i, res in enumerate(desired, 1):
        (in_sync / f"{i}.json").write_text(json.dumps(as_live(res, str(i))))
    assert cli.main([*args, "--state", str(in_sync.parent)]) == 0
    assert cli.main([*args, "--state", str(tmp_path / "missing")]) == 1


def test_planning_twice_from_disk_is_identical(world: tuple[Path, Path, list[DesiredResource]], tmp_path: Path) -> None:
    translation, state, _ = world
    first = plan(translation_dir=translation, state_dir=state, out=tmp_path / "a.json")
    second = plan(translation_dir=translation, state_dir=state, out=tmp_path / "b.json")
    a, b = (json.loads((tmp_path / n).read_text()) for n in ("a.json", "b.json"))
    assert first.plan_hash == second.plan_hash == a["plan_hash"] == b["plan_hash"]
    a.pop("created_at"), b.pop("created_at")
    assert a == b


def test_json_flag_prints_the_plan(
    world: tuple[Path, Path, list[DesiredResource]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    translation, _, desired = world
    assert cli.main(["plan", "--translation", str(translation), "--out", str(tmp_path / "p.json"), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["summary"]["create"] == len(desired)
    assert printed == json.loads((tmp_path / "p.json").read_text())


def test_bad_translation_dir_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["plan", "--translation", str(tmp_path), "--out", str(tmp_path / "p.json")])
    err = capsys.readouterr().err
    assert code == 1
    assert "not a translation directory" in err and "Traceback" not in err
    assert not (tmp_path / "p.json").exists()


def test_an_offline_plan_from_a_named_migration_leaves_other_migrations_alone(
    world: tuple[Path, Path, list[DesiredResource]], tmp_path: Path
) -> None:
    """The snapshot's markers name no migration and no ledger here holds them: another migration's (or an
    older version's from another workdir), so nothing is updated or deleted."""
    translation, state, _ = world
    workdir = tmp_path / "wd"
    (workdir / ".ddmigrate").mkdir(parents=True)
    (workdir / ".ddmigrate" / "settings.json").write_text(json.dumps({"migration": "team-a"}))
    foreign = plan(translation_dir=translation, state_dir=state, workdir=workdir)
    assert foreign.summary["create"] == 3 and foreign.summary["delete"] == foreign.summary["update"] == 0
    assert sorted(o["datadog_id"] for o in foreign.other_migrations) == ["1", "2", "3"]
    assert foreign.migration == {"migration": "team-a", "selection": "all"}
    create = next(c for c in foreign.changes if isinstance(c, Create))
    assert "ddmigrate_migration:team-a" in create.payload["tags"], "what would be created names the migration"
    assert plan(translation_dir=translation, state_dir=state).summary["delete"] == 1, "no workdir: as before scopes"
