"""`and` / `or` / `unless` between alert conditions → composite monitors (tests/cases/composites.yaml), through the
real collector, PromQL translator, payload validation and ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.datadog.validate import validate_payload
from migrate.mappings import load_mappings
from migrate.model import DesiredResource, LedgerEntry, Outcome
from migrate.report.items import new_queries
from migrate.sources.prometheus import collect_files
from migrate.translate.ddquery.composite import parse_composite, referenced_keys, render_named
from migrate.translate.run import run_translators

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parents[1] / "cases" / "composites.yaml").read_text())


def translate_rule(
    tmp_path: Path, expr: str, for_: str | None = None, name: str = "Combined"
) -> tuple[LedgerEntry, list[DesiredResource]]:
    rule: dict[str, Any] = {"alert": name, "expr": expr, "labels": {"severity": "critical"}}
    if for_:
        rule["for"] = for_
    (tmp_path / "rules.yml").write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [rule]}]}))
    translation = run_translators([collect_files([tmp_path])], load_mappings())
    (entry,) = [e for e in translation.ledger if e.ref.kind == "alerting_rule"]
    by_key = {r.key: r for r in translation.resources}
    return entry, [by_key[k] for k in entry.targets]


def lettered(composite: DesiredResource, parts: list[DesiredResource]) -> str:
    """The composite's query with its parts named a, b, ... in the order the ledger lists them."""
    letters = {p.key: chr(ord("a") + i) for i, p in enumerate(parts)}
    node = parse_composite(composite.payload["query"])
    return render_named(node, letters)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_composite_case(case: dict[str, Any], tmp_path: Path) -> None:
    entry, targets = translate_rule(tmp_path, case["expr"], case.get("for"))
    expect = case["expect"]
    codes = {f.code for f in entry.findings}
    assert entry.outcome.value == expect["outcome"], entry.findings
    assert set(expect.get("codes", [])) <= codes, codes
    assert not set(expect.get("no_codes", [])) & codes, codes
    if "reason" in expect:
        assert expect["reason"] in (entry.reason or ""), entry.reason
    for r in targets:
        assert validate_payload(r.type, r.payload) == [], r.key
    if "query" not in expect:
        assert len(targets) == 1  # one monitor, or the muted placeholder of a manual rule
        return
    composite, *parts = targets
    assert composite.payload["type"] == "composite"
    assert lettered(composite, parts) == expect["query"]
    assert sorted(referenced_keys(composite.payload["query"])) == sorted(p.key for p in parts)
    assert composite.metadata["parts"] == [p.key for p in parts]
    if "parts" in expect:
        assert [p.payload["query"] for p in parts] == expect["parts"]
    for part in parts:  # owned, tagged, silent: the composite notifies
        assert part.payload["type"] != "composite"
        assert "managed_by:ddmigrate" in part.payload["tags"]
        assert f"ddmigrate_id:{part.key}" in part.payload["tags"]
        assert "@" not in part.payload["message"]
        assert part.source_refs == composite.source_refs
        assert "priority" not in part.payload
    assert f"ddmigrate_id:{composite.key}" in composite.payload["tags"]
    assert composite.payload.get("priority") is not None


def test_part_keys_are_stable_and_distinct(tmp_path: Path) -> None:
    expr = CASES[0]["expr"]
    first = [r.key for r in translate_rule(tmp_path, expr, "10m")[1]]
    again = [r.key for r in translate_rule(tmp_path, expr, "10m")[1]]
    assert first == again
    assert len(set(first)) == 3


def test_composite_notifies_the_routes_parts_do_not(tmp_path: Path) -> None:
    entry, targets = translate_rule(tmp_path, CASES[1]["expr"], "5m")
    assert entry.outcome is Outcome.APPROXIMATE
    composite, *parts = targets
    assert "Managed by ddmigrate" in composite.payload["message"]
    assert all("It notifies nobody; the composite does." in p.payload["message"] for p in parts)


def test_report_names_the_parts(tmp_path: Path) -> None:
    entry, targets = translate_rule(tmp_path, CASES[3]["expr"])  # a && !b
    by_key = {r.key: r for r in targets}
    composite, *parts = new_queries(entry, by_key)
    names = [r.payload["name"] for r in targets[1:]]
    assert composite == f"composite: a && !b (a = {names[0]}; b = {names[1]})"
    assert parts == [r.payload["query"] for r in targets[1:]]
