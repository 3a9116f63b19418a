"""A recording rule that only a Grafana panel reads is inlined into that widget: the ledger says so (and names the
dashboard), instead of "not referenced"."""

from __future__ import annotations

from migrate.inventory.store import Inventory, InventoryObject
from migrate.mappings import load_mappings
from migrate.model import Outcome, SourceRef
from migrate.sources.grafana_normalize import normalize_dashboard
from migrate.translate.run import run_translators


def _rule(record: str, expr: str, index: int) -> InventoryObject:
    ref = SourceRef("prometheus", "recording_rule", f"r.yml/g/{record}", record, "files")
    normalized = {"record": record, "expr": expr, "file": "r.yml", "group": "g", "index": index, "labels": {}}
    return InventoryObject(ref=ref, payload={}, normalized=normalized)


def test_a_recording_rule_only_a_panel_reads_is_inlined_into_its_widget() -> None:
    rules = [
        _rule("job:requests:rate5m", "sum by (job) (rate(requests_total[5m]))", 0),
        _rule("job:errors:ratio", "sum by (job) (rate(errors_total[5m])) / job:requests:rate5m", 1),
        _rule("unused:rule", "sum(x)", 2),
    ]
    dashboard = {
        "uid": "d",
        "title": "D",
        "panels": [{"id": 1, "type": "timeseries", "targets": [{"refId": "A", "expr": 'job:errors:ratio{job="api"}'}]}],
    }
    prometheus = Inventory(path=None, source="prometheus", origin="files", collected_at="", objects=rules)
    grafana = Inventory(
        path=None, source="grafana", origin="files", collected_at="", objects=normalize_dashboard(dashboard, origin="f")
    )
    translation = run_translators([prometheus, grafana], load_mappings())
    (board,) = [r.key for r in translation.resources if r.type == "dashboard"]
    for record in ("job:errors:ratio", "job:requests:rate5m"):  # directly, and through the other rule
        entry = translation.ledger.get(f"prometheus/recording_rule/r.yml/g/{record}")
        assert entry is not None and entry.outcome is Outcome.EXACT, entry
        assert entry.reason == "inlined into the widgets of grafana/panel/d/1"
        assert entry.targets == [board]
    unused = translation.ledger.get("prometheus/recording_rule/r.yml/g/unused:rule")
    assert unused is not None and unused.outcome is Outcome.SKIPPED
    assert "not referenced by any migrated alert or dashboard widget" in (unused.reason or "")
