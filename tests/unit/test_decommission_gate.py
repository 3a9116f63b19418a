"""The decommission gate, table-driven over verified / missing / accepted / changed-after-accept / parity
cases, on constructed translations and a real journal; then the CLI's exit codes and grouped output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from migrate import cli
from migrate.commands.accept import accept, revoke
from migrate.commands.decommission_check import decommission_check
from migrate.inventory.store import InventoryObject, write_inventory
from tests.support import auditdata

Objs = dict[str, Any]
Step = Callable[[Path, Path, Objs], None]


def _res(objs: Objs, *letters: str) -> list[Any]:
    return [objs[letter][1] for letter in letters]


def applied(*letters: str) -> Step:
    return lambda t, w, o: auditdata.apply(w, _res(o, *letters))


def verified(*letters: str, problems: list[str] | None = None) -> Step:
    return lambda t, w, o: auditdata.verify(w, _res(o, *letters), problems)


def failed_apply(*letters: str) -> Step:
    return lambda t, w, o: auditdata.apply(w, _res(o, *letters), fail=True)


def accepted(*letters: str) -> Step:
    def step(t: Path, w: Path, o: dict[str, Any]) -> None:
        for x in letters:
            accept(translation_dir=t, refs=[o[x][0].key], reason="reviewed", by="auditor", workdir=w)

    return step


def revoked(letter: str) -> Step:
    def step(t: Path, w: Path, o: dict[str, Any]) -> None:
        revoke(refs=[o[letter][0].key], reason="mistake", by="auditor", workdir=w)

    return step


def parity(letter: str, verdict: str) -> Step:
    return lambda t, w, o: auditdata.add_parity(
        t, {o[letter][0].key: {"verdict": verdict, "detail": f"{verdict} by 12%"}}
    )


def edit_target(letter: str) -> Step:
    """Re-translate with one object's Datadog query changed (an accepted or applied item that changes later)."""

    def step(t: Path, w: Path, o: Objs) -> None:
        desired = json.loads((t / "desired.json").read_text())
        for r in desired["resources"]:
            if r["key"] == o[letter][1].key:
                r["payload"]["query"] += " * 2"
        (t / "desired.json").write_text(json.dumps(desired))

    return step


def edit_finding(letter: str) -> Step:
    def step(t: Path, w: Path, o: Objs) -> None:
        ledger = json.loads((t / "ledger.json").read_text())
        for e in ledger["entries"]:
            if e["key"] == o[letter][0].key:
                e["findings"][0]["message"] += " (new translator)"
        (t / "ledger.json").write_text(json.dumps(ledger))

    return step


ALL = ("E", "A", "M")
CASES: list[tuple[str, list[Step], dict[str, str | None]]] = [
    # name, steps, expected first blocker reason per object (None: clear)
    ("nothing applied", [], {"E": "not_applied", "A": "not_applied", "M": "needs_acceptance", "S": "needs_acceptance"}),
    ("applied, not verified", [applied(*ALL)], {"E": "not_verified", "A": "not_verified"}),
    ("verified", [applied(*ALL), verified(*ALL)], {"E": None, "A": None, "M": "needs_acceptance"}),
    ("verify failed", [applied(*ALL), verified("E", problems=["differs at query"])], {"E": "verify_failed"}),
    ("re-applied after verify", [applied(*ALL), verified(*ALL), applied("E")], {"E": "not_verified", "A": None}),
    ("apply failed", [failed_apply("E")], {"E": "apply_failed"}),
    ("desired changed since apply", [applied(*ALL), verified(*ALL), edit_target("E")], {"E": "changed_since_apply"}),
    ("manual and skipped accepted", [accepted("M", "S")], {"M": None, "S": None, "E": "not_applied"}),
    ("approximate accepted without verify", [accepted("A")], {"A": None}),
    ("accepted, then its Datadog payload changed", [accepted("M"), edit_target("M")], {"M": "acceptance_stale"}),
    ("accepted, then its finding changed", [accepted("A"), edit_finding("A")], {"A": "acceptance_stale"}),
    ("accepted, then revoked", [accepted("M"), revoked("M")], {"M": "needs_acceptance"}),
    ("parity agrees", [applied(*ALL), verified(*ALL), parity("E", "agrees")], {"E": None}),
    ("parity differs", [applied(*ALL), verified(*ALL), parity("E", "differs")], {"E": "parity_differs"}),
    ("parity no data", [applied(*ALL), verified(*ALL), parity("A", "no_data")], {"A": "parity_no_data"}),
    ("parity differs, accepted", [applied(*ALL), verified(*ALL), parity("E", "differs"), accepted("E")], {"E": None}),
    ("accepted before parity differed", [accepted("A"), parity("A", "differs")], {"A": "acceptance_stale"}),
]


@pytest.mark.parametrize(("steps", "expected"), [(s, e) for _, s, e in CASES], ids=[c[0] for c in CASES])
def test_gate_per_object(tmp_path: Path, steps: list[Step], expected: dict[str, str | None]) -> None:
    t, w = tmp_path / "translation", tmp_path / "work"
    w.mkdir()
    objs = auditdata.build(t)["prometheus"]
    for step in steps:
        step(t, w, objs)
    gate = decommission_check(tool="prometheus", translation_dir=t, workdir=w)
    first: dict[str, str] = {}
    for b in gate.blockers:
        first.setdefault(b.key, b.reason)
    for letter, reason in expected.items():
        assert first.get(objs[letter][0].key) == reason, letter
    assert gate.passes is (not gate.blockers)


def test_gate_passes_when_everything_is_verified_or_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t, w = tmp_path / "translation", tmp_path / "work"
    w.mkdir()
    objs = auditdata.build(t, sources=("prometheus", "grafana"))
    p = objs["prometheus"]
    argv = ["decommission-check", "prometheus", "--translation", str(t), "--workdir", str(w)]
    assert cli.main(argv) == 1
    out = capsys.readouterr().out
    assert "decommission gate BLOCKED: 4 of 4 objects" in out
    # grouped by reason, each object with the command that clears it
    assert "\nneeds_acceptance (2): no verified Datadog equivalent" in out
    assert "\nnot_applied (2): a target was never applied" in out
    assert f"clear: ddmigrate accept {p['M'][0].key} --translation {t} --workdir {w}" in out
    assert f"clear: ddmigrate apply --translation {t} --phases FILE --phase NAME --workdir {w}" in out
    auditdata.apply(w, _res(p, *ALL))
    auditdata.verify(w, _res(p, *ALL))
    assert (
        cli.main(
            [
                "accept",
                p["M"][0].key,
                p["S"][0].key,
                "--translation",
                str(t),
                "--workdir",
                str(w),
                "--reason",
                "owner: pay team; decided in review 12",
                "--by",
                "jane",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert cli.main(argv) == 0
    assert "all 4 objects verified or accepted" in capsys.readouterr().out
    # grafana has its own gate: still blocked, prometheus' evidence does not count for it
    assert cli.main([*argv[:1], "grafana", *argv[2:]]) == 1


def test_gate_names_inventory_objects_missing_from_the_ledger(tmp_path: Path) -> None:
    t, w = tmp_path / "translation", tmp_path / "work"
    w.mkdir()
    objs = auditdata.build(t)["prometheus"]
    extra = auditdata.ref("prometheus", "alerting_rule", "Forgotten")
    inv = tmp_path / "inv"
    objects = [InventoryObject(r, {"name": r.name}) for r in (objs["E"][0], extra)]
    write_inventory(inv, source="prometheus", origin="files", objects=objects)
    meta = json.loads((t / "translation.json").read_text())
    meta["inventories"] = [{"path": str(inv), "source": "prometheus"}]
    (t / "translation.json").write_text(json.dumps(meta))
    gate = decommission_check(tool="prometheus", translation_dir=t, workdir=w)
    missing = gate.grouped()["not_translated"]
    assert [b.key for b in missing] == [extra.key]
    assert missing[0].command == f"ddmigrate translate --inventory {inv} --out {t}"


def test_a_tool_with_no_objects_does_not_pass(tmp_path: Path) -> None:
    t = tmp_path / "translation"
    auditdata.build(t, sources=("prometheus",))
    gate = decommission_check(tool="pingdom", translation_dir=t, workdir=tmp_path)
    assert not gate.passes
    assert list(gate.grouped()) == ["no_objects"]


def test_accept_refuses_exact_objects_and_unknown_refs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t = tmp_path / "translation"
    objs = auditdata.build(t)["prometheus"]
    base = ["accept", "--translation", str(t), "--workdir", str(tmp_path), "--reason", "ok"]
    assert cli.main([*base, objs["E"][0].key]) == 1
    assert "is exact: it is cleared by verifying it" in capsys.readouterr().err
    assert cli.main([*base, "prometheus/nothing/here"]) == 1
    assert "no object 'prometheus/nothing/here' in the ledger" in capsys.readouterr().err
    assert cli.main(["accept", "--translation", str(t), "--workdir", str(tmp_path), objs["M"][0].key]) == 2
    assert not (tmp_path / "acceptances.json").exists()


def test_accept_list_and_revoke_keep_the_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t = tmp_path / "translation"
    objs = auditdata.build(t)["prometheus"]
    w = ["--workdir", str(tmp_path)]
    assert (
        cli.main(
            [
                "accept",
                "prometheus/*/rules/prometheus[MS]",
                "--translation",
                str(t),
                *w,
                "--reason",
                "r1",
                "--by",
                "ann",
            ]
        )
        == 0
    )
    assert cli.main(["accept", objs["M"][0].key, "--translation", str(t), *w, "--reason", "r2", "--by", "bob"]) == 0
    capsys.readouterr()
    assert cli.main(["accept", "--list", "--translation", str(t), *w]) == 0
    listed = capsys.readouterr().out
    assert "2 acceptances in force" in listed
    assert f"valid     {objs['M'][0].key}  manual  by bob" in listed
    assert cli.main(["accept", "--revoke", objs["S"][0].key, *w, "--by", "carol", "--reason", "wrong"]) == 0
    records = json.loads((tmp_path / "acceptances.json").read_text())["records"]
    assert [(r["by"], r["reason"], (r["revoked"] or {}).get("by")) for r in records] == [
        ("ann", "r1", "bob"),  # superseded by bob's review
        ("ann", "r1", "carol"),
        ("bob", "r2", None),
    ]
    assert all(r["content_hash"].startswith("sha256:") and r["at"].endswith("Z") for r in records)
