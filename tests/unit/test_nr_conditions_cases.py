"""tests/cases/nr_conditions.yaml: NRQL alert conditions → Datadog monitors, one row per option."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.datadog.validate import validate_payload
from migrate.inventory.store import InventoryObject
from migrate.ledger import Ledger
from migrate.mappings import load_mappings
from migrate.model import DesiredResource, SourceRef
from migrate.translate.base import TranslateEnv
from migrate.translate.newrelic.translator import NEWRELIC
from migrate.translate.query import QueryContext

ROWS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "cases" / "nr_conditions.yaml").read_text(encoding="utf-8")
)
DEFAULTS: dict[str, Any] = {"policy_id": "p1", "type": "STATIC", "terms": [], "signal": None, "expiration": None}
POLICY = {"name": "shop", "incident_preference": "PER_CONDITION_AND_TARGET"}


def translate_row(row: dict[str, Any]) -> tuple[DesiredResource, TranslateEnv, SourceRef]:
    condition = {**DEFAULTS, "id": row["name"], "name": row["name"], **row["condition"]}
    policy = {"id": "p1", **row.get("policy", POLICY)}
    ref = SourceRef("newrelic", "nrql_condition", row["name"], row["name"])
    objects = [
        InventoryObject(ref, condition, condition),
        InventoryObject(SourceRef("newrelic", "alert_policy", "p1", policy["name"]), policy, policy),
    ]
    env = TranslateEnv(QueryContext(load_mappings()), Ledger())
    resources = NEWRELIC.translate(objects, env)
    return resources[0], env, ref


def test_the_table_covers_every_option() -> None:
    assert len(ROWS) >= 25
    conditions = [r["condition"] for r in ROWS]
    operators = {t["operator"] for c in conditions for t in c["terms"]}
    assert {"ABOVE", "BELOW", "EQUALS", "ABOVE_OR_EQUALS", "BELOW_OR_EQUALS"} <= operators
    assert {c.get("type", "STATIC") for c in conditions} == {"STATIC", "BASELINE", "OUTLIER"}
    assert {r["expect"]["type"] for r in ROWS} == {"query alert", "log alert", "rum alert"}


@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_condition_becomes_the_expected_monitor(row: dict[str, Any]) -> None:
    resource, env, ref = translate_row(row)
    expect = row["expect"]
    payload = resource.payload
    assert (payload["type"], payload["query"]) == (expect["type"], expect["query"])
    assert {k: payload["options"].get(k) for k in expect["options"]} == expect["options"]
    entry = env.ledger.get(ref.key)
    assert entry is not None
    assert (entry.outcome.value, sorted({f.code for f in entry.findings})) == (expect["outcome"], expect["codes"])
    assert validate_payload("monitor", payload) == []


def test_policy_becomes_a_tag_and_runbook_and_description_the_message() -> None:
    row = next(r for r in ROWS if r["name"] == "runbook_description")
    resource, _, _ = translate_row({**row, "policy": {"name": "Shop (prod)", "incident_preference": "PER_POLICY"}})
    assert "nr_policy:shop_prod" in resource.payload["tags"]
    message = resource.payload["message"]
    assert message.startswith(row["condition"]["description"])
    assert f"Runbook: {row['condition']['runbook_url']}" in message


def test_an_untranslatable_condition_is_a_muted_placeholder_with_the_nrql() -> None:
    row = next(r for r in ROWS if r["name"] == "untranslatable")
    resource, env, ref = translate_row(row)
    assert resource.payload["name"].startswith("[ddmigrate: manual] ")
    assert row["condition"]["query"] in resource.payload["message"]
    entry = env.ledger.get(ref.key)
    assert entry is not None and entry.reason
