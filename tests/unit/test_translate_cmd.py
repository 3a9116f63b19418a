"""The translate driver and verb: context building, ledger completeness, payload validation, CLI exit codes.

The PromQL translator is replaced by a fake here (see test_alerts.py); the corpus test runs the real one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from migrate.cli import main
from migrate.commands.translate import translate
from migrate.errors import DDMigrateError, InputError, StrictFindings
from migrate.inventory.store import Inventory, InventoryObject, write_inventory
from migrate.mappings import load_mappings
from migrate.model import DesiredResource, Outcome, SourceRef
from migrate.translate.base import TranslateEnv, Translator
from migrate.translate.prometheus import rules as prometheus_rules
from migrate.translate.promql.context import PromqlContext
from migrate.translate.query import QueryContext, QueryResult
from migrate.translate.registry import TRANSLATORS
from migrate.translate.run import build_context, run_translators
from tests.unit.test_alerts import fake_result, rule_objects

RULES: list[dict[str, Any]] = [
    {"record": "job:latency:p99", "expr": "histogram_quantile(0.99, sum by (le, job) (rate(lat_bucket[5m])))"},
    {"record": "unused:sum", "expr": "sum(x)"},
    {
        "alert": "LatencyHigh",
        "expr": "job:latency:p99 > 0.5",
        "for": "5m",
        "labels": {"severity": "critical"},
        "translated": {"expression": "p99:techcorp.lat{*}", "op": ">", "threshold": 0.5},
    },
    {
        "alert": "QueueLow",
        "expr": "queue < 1",
        "labels": {"severity": "warning"},
        "translated": {"expression": "avg:techcorp.queue{*}", "op": "<", "threshold": 1},
    },
    {
        "alert": "Joined",
        "expr": "a and b",
        "for": "5m",
        "translated": {"expression": "", "findings": [{"code": "promql.set_operator", "outcome": "manual"}]},
    },
]
METADATA = InventoryObject(
    SourceRef("prometheus", "metric_metadata", "metadata", "metric metadata"),
    {},
    {"types": {"queue": "gauge", "lat": "histogram"}},
)


@pytest.fixture
def fake_promql(monkeypatch: pytest.MonkeyPatch) -> list[QueryContext]:
    table = {r["expr"]: r.get("translated", {}) for r in RULES}
    seen: list[QueryContext] = []

    def fake(expr: str, ctx: QueryContext) -> QueryResult:
        seen.append(ctx)
        return fake_result(expr, table[expr])

    monkeypatch.setattr(prometheus_rules, "promql_translator", lambda: fake)
    return seen


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    out = tmp_path / "inv"
    write_inventory(out, source="prometheus", origin="rules/", objects=[*rule_objects(RULES), METADATA])
    return out


def test_translate_writes_directory_and_counts(
    fake_promql: list[QueryContext], inventory: Path, tmp_path: Path
) -> None:
    result = translate(inventories=[inventory], out=tmp_path / "t")
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == ["desired.json", "ledger.json", "translation.json"]
    ledger = json.loads((tmp_path / "t" / "ledger.json").read_text())
    assert ledger["summary"]["by_outcome"] == {"exact": 2, "approximate": 1, "manual": 1, "skipped": 1}
    assert result.by_outcome == ledger["summary"]["by_outcome"]
    assert result.by_type == {"monitor": 3}
    desired = json.loads((tmp_path / "t" / "desired.json").read_text())
    assert len(desired["resources"]) == 3
    assert result.strict_failed
    lines = result.summary_lines()
    assert lines[0] == "objects: 5 (2 exact, 1 approximate, 1 manual, 1 skipped)"
    assert lines[1] == "resources: 3 monitor"
    meta = json.loads((tmp_path / "t" / "translation.json").read_text())
    assert meta["inventories"][0]["source"] == "prometheus" and meta["mappings"]["fingerprint"]


def test_context_has_metadata_types_and_recording_rules(
    fake_promql: list[QueryContext], inventory: Path, tmp_path: Path
) -> None:
    translate(inventories=[inventory], out=tmp_path / "t")
    prom = fake_promql[0].part(PromqlContext)
    assert prom.metric_types == {"queue": "gauge", "lat": "histogram"}
    assert prom.recording_rules == {"job:latency:p99": RULES[0]["expr"], "unused:sum": "sum(x)"}


def test_first_recording_rule_definition_wins() -> None:
    objects = rule_objects([{"record": "r", "expr": "first"}, {"record": "r", "expr": "second"}])
    ctx = build_context({"prometheus": list(reversed(objects))}, load_mappings(), TRANSLATORS)
    assert ctx.part(PromqlContext).recording_rules == {"r": "first"}


def test_strict_raises_after_writing(fake_promql: list[QueryContext], inventory: Path, tmp_path: Path) -> None:
    with pytest.raises(StrictFindings, match="1 approximate and 1 manual"):
        translate(inventories=[inventory], out=tmp_path / "t", strict=True)
    assert (tmp_path / "t" / "ledger.json").is_file()


def test_cli_prints_summary_and_strict_exits_3(
    fake_promql: list[QueryContext], inventory: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["translate", "--inventory", str(inventory), "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "objects: 5 (2 exact, 1 approximate, 1 manual, 1 skipped)" in out and str(tmp_path / "a") in out
    assert main(["translate", "--inventory", str(inventory), "--out", str(tmp_path / "b"), "--strict"]) == 3
    captured = capsys.readouterr()
    assert "resources: 3 monitor" in captured.out and "--strict" in captured.err
    assert (tmp_path / "b" / "desired.json").is_file()


def test_cli_missing_inventory_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["translate", "--inventory", str(tmp_path / "nope"), "--out", str(tmp_path / "t")]) == 1
    err = capsys.readouterr().err
    assert "inventory directory not found" in err and "Traceback" not in err
    assert not (tmp_path / "t").exists()


def test_cli_usage_error_without_inventory(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["translate", "--out", "x"])
    assert exc.value.code == 2


def test_same_object_in_two_inventories_is_an_input_error(
    fake_promql: list[QueryContext], inventory: Path, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="is in two inventories"):
        translate(inventories=[inventory, inventory], out=tmp_path / "t")
    assert not (tmp_path / "t").exists()


def _inv(objects: Sequence[InventoryObject], source: str = "prometheus") -> Inventory:
    return Inventory(None, source, "", "", list(objects))


def test_source_without_translator_is_skipped_not_dropped() -> None:
    ref = SourceRef("grafana", "dashboard", "uid1", "Payments")
    translation = run_translators([_inv([InventoryObject(ref, {}, {})], "grafana")], load_mappings(), translators={})
    entry = translation.ledger.get(ref.key)
    assert entry is not None and entry.outcome is Outcome.SKIPPED and "no translator" in (entry.reason or "")


def test_translator_that_forgets_an_object_is_caught() -> None:
    def forgetful(objects: Sequence[InventoryObject], env: TranslateEnv) -> list[DesiredResource]:
        return []

    translators = {"prometheus": Translator("prometheus", frozenset({"alerting_rule"}), forgetful)}
    objects = rule_objects([{"alert": "A", "expr": "x > 1"}])
    with pytest.raises(DDMigrateError, match="without a ledger outcome"):
        run_translators([_inv(objects)], load_mappings(), translators=translators)


def test_driver_drops_invalid_payload_and_makes_entry_manual() -> None:
    objects = rule_objects([{"alert": "A", "expr": "x > 1"}])

    def sloppy(objs: Sequence[InventoryObject], env: TranslateEnv) -> list[DesiredResource]:
        resource = DesiredResource("monitor", "k1", {"type": "query alert", "query": "bogus"}, [objs[0].ref])
        env.ledger.record(objs[0].ref, [], targets=[resource])
        return [resource]

    def check(kind: str, payload: dict[str, Any]) -> list[str]:
        return ["$.query: not a monitor query"] if payload["query"] == "bogus" else []

    translators = {"prometheus": Translator("prometheus", frozenset({"alerting_rule"}), sloppy)}
    translation = run_translators([_inv(objects)], load_mappings(), translators=translators, check_payload=check)
    assert translation.resources == []
    entry = translation.ledger.get(objects[0].ref.key)
    assert entry is not None and entry.outcome is Outcome.MANUAL and entry.targets == []
    assert entry.reason == "the k1 payload failed validation: $.query: not a monitor query"
    # the outcome agrees with the findings: the report groups by finding code
    assert [(f.code, f.outcome) for f in entry.findings] == [("datadog.payload_invalid", Outcome.MANUAL)]
    assert Outcome.worst(*(f.outcome for f in entry.findings)) is entry.outcome


def test_context_kinds_are_not_ledgered(fake_promql: list[QueryContext], inventory: Path, tmp_path: Path) -> None:
    result = translate(inventories=[inventory], out=tmp_path / "t")
    assert METADATA.ref.key not in result.translation.ledger
    assert len(result.translation.ledger) == len(RULES)
