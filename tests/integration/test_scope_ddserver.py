"""Migrations scoped so one never deletes another's resources: two workdirs applying two translations to one
org in every order of plan / apply / rollback, and one workdir applying three source selections one after
the other (a service-by-service Phase 2). End to end through the CLI against the local Datadog server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from migrate.commands.apply import apply
from migrate.datadog import ownership
from migrate.datadog.resources import spec
from migrate.errors import DDMigrateError
from migrate.model import DesiredResource
from migrate.runner.changes import Action
from migrate.runner.plan import Plan
from migrate.runner.scope import settings_path
from migrate.testing.ddserver import DatadogTestServer
from migrate.translate.store import Translation, read_translation, write_translation
from tests.support.ddorg import (
    KINDS,
    apply_run_ids,
    composites_last,
    desired,
    linked_keys,
    renamed,
    run_cli,
    store_of,
)


def subset(source: Path, out: Path, keys: set[str], *, selection: str | None = None, prefix: str = "") -> Path:
    """A translation of the resources in `keys` (optionally renamed), recording a source selection."""
    tr = read_translation(source)
    kept = [renamed(r, prefix) if prefix else r for r in tr.resources if r.key in keys]
    meta = {k: v for k, v in tr.meta.items() if k != "ddmigrate_version"}
    if selection is not None:
        meta["selection"] = selection
    write_translation(out, Translation(kept, tr.ledger, meta))
    return out


def live(dd: DatadogTestServer) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(type, migration, key) -> the stored payload, for every owned resource."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for rtype in KINDS:
        for payload in store_of(dd, rtype).values():
            key = ownership.owned_key(rtype, payload)
            scope = spec(rtype).marker.scope(payload) if key else None
            if key is not None:
                out[(rtype, scope.migration if scope else "", key)] = json.loads(json.dumps(payload))
    return out


def of_migration(state: dict[tuple[str, str, str], dict[str, Any]], name: str) -> dict[tuple[str, str], Any]:
    return {(t, k): p for (t, m, k), p in state.items() if m == name}


def migration_of(workdir: Path) -> str:
    return json.loads(settings_path(workdir).read_text())["migration"]  # type: ignore[no-any-return]


def name_workdir(workdir: Path, name: str) -> Path:
    settings_path(workdir).parent.mkdir(parents=True, exist_ok=True)
    settings_path(workdir).write_text(json.dumps({"migration": name}), encoding="utf-8")
    return workdir


def keys_of(resources: list[DesiredResource]) -> set[tuple[str, str]]:
    return {(r.type, r.key) for r in resources}


def test_two_workdirs_never_delete_each_others_resources(
    translation: Path, tmp_path: Path, dd: DatadogTestServer
) -> None:
    everything = composites_last(sorted(desired(translation), key=lambda r: (r.type, r.key)))
    keys = [r.key for r in everything]
    # Team A owns the first 20, team B the rest and 3 of A's (both translated the same rules).
    a_keys, b_keys = set(keys[:20]), set(keys[17:])
    tr_a = subset(translation, tmp_path / "tr-a", a_keys)
    tr_b = subset(translation, tmp_path / "tr-b", b_keys, prefix="[B] ")
    wd_a, wd_b = tmp_path / "wd-a", tmp_path / "wd-b"  # default migration names: one per workdir and org

    code, out, err = run_cli("apply", "--workdir", wd_a, "--translation", tr_a)
    assert code == 0, err
    code, out, err = run_cli("apply", "--workdir", wd_b, "--translation", tr_b)
    assert code == 0, err
    assert "0 to delete" in out and f"created {len(b_keys)}" in out
    assert out.count("owned by another migration, left alone") == len(a_keys)
    after_both = live(dd)
    names = {m for _, m, _ in after_both}
    assert len(names) == 2 and all(n.startswith("wd-") for n in names), names
    by_size = sorted(names, key=lambda n: len(of_migration(after_both, n)))
    name_a, name_b = by_size  # A has 20, B has the rest
    assert {k for _, k in of_migration(after_both, name_a)} == a_keys
    assert {k for _, k in of_migration(after_both, name_b)} == b_keys
    a_before = of_migration(after_both, name_a)

    # Plans from either side, in any order, delete nothing of the other's.
    for wd, tr in ((wd_a, tr_a), (wd_b, tr_b)):
        code, out, err = run_cli("plan", "--live", "--workdir", wd, "--translation", tr, "--out", wd / "p.json")
        assert code == 0, err
        assert "0 to create, 0 to update, 0 to delete" in out, out

    # Rolling B back removes B's and leaves A's exactly as they were (the 3 shared keys included).
    code, out, err = run_cli("rollback", "--workdir", wd_b, _only_run(wd_b))
    assert code == 0, err
    assert of_migration(live(dd), name_a) == a_before and not of_migration(live(dd), name_b)

    # B again, then A drops 5 of its resources: A deletes only its own five, after confirming.
    code, _, err = run_cli("apply", "--workdir", wd_b, "--translation", tr_b)
    assert code == 0, err
    b_now = of_migration(live(dd), name_b)
    tr_a2 = subset(translation, tmp_path / "tr-a2", set(keys[5:20]))
    code, out, err = run_cli("apply", "--workdir", wd_a, "--translation", tr_a2)
    assert code == 1 and "--yes" in err and "deletes 5 resource(s)" in err, err
    assert of_migration(live(dd), name_a) == a_before, "a refused apply changes nothing"
    code, out, err = run_cli("apply", "--workdir", wd_a, "--translation", tr_a2, "--yes")
    assert code == 0, err
    assert "5 to delete" in out
    assert {k for _, k in of_migration(live(dd), name_a)} == set(keys[5:20])
    assert of_migration(live(dd), name_b) == b_now, "B's resources (shared keys too) are untouched"

    # Rolling A's deletes back re-creates its five; B's stay as they were.
    code, out, err = run_cli("rollback", "--workdir", wd_a, apply_run_ids(wd_a)[-1])
    assert code == 0, err
    assert {k for _, k in of_migration(live(dd), name_a)} == a_keys
    assert of_migration(live(dd), name_b) == b_now


def test_a_named_migration_applies_three_selections_and_keeps_all(
    translation: Path, tmp_path: Path, dd: DatadogTestServer
) -> None:
    everything = sorted(desired(translation), key=lambda r: (r.type, r.key))
    linked = linked_keys(everything)  # a composite and its parts are one service's
    alone = [r for r in everything if r.key not in linked]
    services = {name: {r.key for r in alone[i::3]} for i, name in enumerate(("checkout", "search", "auth"))}
    services["auth"] |= linked
    wd = name_workdir(tmp_path / "wd", "payments-phase2")
    for name, keys in services.items():
        tr = subset(translation, tmp_path / f"tr-{name}", keys, selection=f"service:{name}")
        code, out, err = run_cli("apply", "--workdir", wd, "--translation", tr)
        assert code == 0, err
        assert "0 to delete" in out, out
    state = live(dd)
    assert {m for _, m, _ in state} == {migration_of(wd)}
    assert {(t, k) for t, _, k in state} == keys_of(everything), "all three services' resources are present"
    for (rtype, _, key), payload in state.items():
        scope = spec(rtype).marker.scope(payload)
        assert scope is not None and key in services[scope.selection.removeprefix("service:")]

    # Re-applying one service without one of its resources deletes that one only.
    checkout = sorted(services["checkout"])
    tr = subset(translation, tmp_path / "tr-checkout2", set(checkout[1:]), selection="service:checkout")
    code, out, err = run_cli("apply", "--workdir", wd, "--translation", tr, "--yes")
    assert code == 0, err
    assert "1 to delete" in out
    assert {(t, k) for t, _, k in live(dd)} == keys_of(everything) - {
        (r.type, r.key) for r in everything if r.key == checkout[0]
    }


def _only_run(workdir: Path) -> str:
    (run_id,) = apply_run_ids(workdir)
    return run_id


def test_deletes_are_applied_only_once_confirmed(translation: Path, tmp_path: Path, dd: DatadogTestServer) -> None:
    """`apply` without a reviewed plan asks (the prompt is `confirm`); a no, or no one to ask, changes nothing."""

    keys = [r.key for r in composites_last(sorted(desired(translation), key=lambda r: r.key))][:6]
    first = subset(translation, tmp_path / "first", set(keys))
    fewer = subset(translation, tmp_path / "fewer", set(keys[1:]))
    assert apply(workdir=tmp_path, translation_dir=first, progress=False)[1].ok
    asked: list[int] = []

    def no(plan: Plan) -> bool:
        asked.append(len(plan.of(Action.DELETE)))
        return False

    before = live(dd)
    with pytest.raises(DDMigrateError, match="not confirmed"):
        apply(workdir=tmp_path, translation_dir=fewer, progress=False, confirm=no)
    with pytest.raises(DDMigrateError, match="--yes"):
        apply(workdir=tmp_path, translation_dir=fewer, progress=False)
    assert asked == [1] and live(dd) == before, "refused before any call"
    _, result = apply(workdir=tmp_path, translation_dir=fewer, progress=False, confirm=lambda plan: True)
    assert result.counts["deleted"] == 1 and len(live(dd)) == len(before) - 1
