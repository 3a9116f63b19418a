"""A credential written as a literal into a scripted monitor never reaches the inventory: the collector
redacts the script it stores (migrate/scrub_script.py), and the translator then keeps the monitor manual
instead of building a test around the redacted value."""

from __future__ import annotations

from pathlib import Path

from migrate.inventory.store import write_inventory
from migrate.ledger import Ledger
from migrate.sources.newrelic.synthetics import normalize_monitor
from migrate.translate.base import TranslateEnv
from migrate.translate.newrelic.synthetics import synthetic_monitors
from migrate.translate.query import QueryContext
from tests.support.sample_mappings import sample_mappings

CANARY = "sk_live_canary_5f2e9c1a77"
SCRIPT = (
    "const assert = require('assert');\n"
    f"$http.get({{url: 'https://pay.example.com/health', headers: {{'X-Api-Token': '{CANARY}'}}}},\n"
    "  (err, res) => { assert.equal(res.statusCode, 200); });\n"
)


def test_a_literal_credential_in_a_script_is_not_collected_and_keeps_the_monitor_manual(tmp_path: Path) -> None:
    outline = {"guid": "MTIzfFNZTlRI", "name": "pay health", "monitorType": "SCRIPT_API", "period": 5, "tags": []}
    obj = normalize_monitor(outline, origin="recording", script=SCRIPT)
    write_inventory(tmp_path / "inv", source="newrelic", origin="recording", objects=[obj])
    written = [p.read_text(encoding="utf-8") for p in (tmp_path / "inv").rglob("*") if p.is_file()]
    assert written and not [t for t in written if CANARY in t]
    assert "https://pay.example.com/health" in obj.normalized["script"], "the rest of the script is kept"

    ledger = Ledger()
    resources = synthetic_monitors([obj], TranslateEnv(QueryContext(mappings=sample_mappings()), ledger))
    (entry,) = list(ledger)
    assert entry.outcome.value == "manual" and "literal credential" in (entry.reason or "")
    assert CANARY not in repr([r.payload for r in resources]) + repr(entry.to_dict())
