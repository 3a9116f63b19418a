"""Every New Relic dashboard and NRQL condition in tests/corpus/newrelic: no crash, every payload schema-valid,
every widget query and every condition accounted for in the ledger."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from migrate.datadog.validate import validate_payload
from migrate.inventory.store import Inventory
from migrate.ledger import Ledger
from migrate.mappings import load_mappings
from migrate.model import DesiredResource
from migrate.sources import newrelic
from migrate.translate.base import TranslateEnv
from migrate.translate.newrelic.translator import NEWRELIC
from migrate.translate.query import QueryContext

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "newrelic"
README = Path(__file__).resolve().parents[2] / "README.md"
Corpus = tuple[Inventory, list[DesiredResource], Ledger]


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    inventory = newrelic.collect({"from_files": [CORPUS]})
    env = TranslateEnv(ctx=QueryContext(mappings=load_mappings()), ledger=Ledger())
    return inventory, NEWRELIC.translate(inventory.objects, env), env.ledger


def test_every_object_has_one_ledger_entry(corpus: Corpus) -> None:
    inventory, resources, ledger = corpus
    assert {e.ref.key for e in ledger} == {o.ref.key for o in inventory.objects}
    counts = Counter(r.type for r in resources)
    assert counts["monitor"] == len(inventory.by_kind("nrql_condition")) == 355
    # one dashboard per NR dashboard, or one per page where a dashboard was split (said in its entry)
    split = [e for e in ledger if any(f.code == "newrelic.dashboard_split" for f in e.findings)]
    pages = sum(
        len(o.normalized["pages"]) for o in inventory.by_kind("dashboard") if any(o.ref.key == e.ref.key for e in split)
    )
    assert counts["dashboard"] == len(inventory.by_kind("dashboard")) - len(split) + pages


def test_every_widget_query_and_condition_is_counted(corpus: Corpus) -> None:
    inventory, _, ledger = corpus
    for obj in inventory.objects:
        entry = ledger.get(obj.ref.key)
        assert entry is not None
        counted = Counter(f.code for f in entry.findings)
        if obj.ref.kind == "widget":
            queries = obj.normalized["queries"]
            assert counted["newrelic.query"] + counted["newrelic.query_empty"] == len(queries), obj.ref.key
        elif obj.ref.kind == "nrql_condition":
            assert counted["newrelic.condition_query"] + counted["newrelic.condition_error"] == 1, obj.ref.key


def test_payloads_are_schema_valid(corpus: Corpus) -> None:
    _, resources, _ = corpus
    invalid = {r.key: validate_payload(r.type, r.payload) for r in resources}
    assert {k: v for k, v in invalid.items() if v} == {}


def test_counts_for_the_readme(corpus: Corpus) -> None:
    """README's New Relic table; run with -s to print it. Every object lands in exactly one column."""
    inventory, _, ledger = corpus
    columns = ("exact", "approximate", "manual")
    rows: dict[str, Counter[str]] = {k: Counter() for k in ("dashboard", "widget", "query", "nrql_condition")}
    for obj in inventory.objects:
        entry = ledger.get(obj.ref.key)
        if entry is None or obj.ref.kind not in rows:
            continue
        rows[obj.ref.kind][entry.outcome.value] += 1
        if obj.ref.kind == "widget":
            rows["query"].update(f.outcome.value for f in entry.findings if f.code == "newrelic.query")
    sys.stdout.write(
        "\n"
        + "\n".join(f"{k} ({sum(c.values())}): " + " / ".join(str(c[o]) for o in columns) for k, c in rows.items())
        + "\n"
    )
    assert sum(rows["widget"].values()) == len(inventory.by_kind("widget"))
    assert sum(rows["query"].values()) == 3557
    assert sum(rows["nrql_condition"].values()) == 355
    assert all(set(c) <= set(columns) for c in rows.values())
    titles = {
        "dashboard": "dashboards",
        "widget": "widgets",
        "query": "widget queries",
        "nrql_condition": "NRQL conditions",
    }
    readme = README.read_text(encoding="utf-8")
    for kind, counts in rows.items():
        row = f"| {titles[kind]} ({sum(counts.values()):,}) | " + " | ".join(f"{counts[o]:,}" for o in columns) + " |"
        assert row in readme, f"README's New Relic table is stale; measured: {row}"


def test_the_readme_figures_around_the_table_are_measured(corpus: Corpus) -> None:
    """The prose beside the table: dashboards made, monitor kinds, and the findings it counts."""
    _, resources, ledger = corpus
    monitors = [r for r in resources if r.type == "monitor"]
    placeholders = [m for m in monitors if "ddmigrate_status:manual" in m.payload["tags"]]
    working = [m for m in monitors if m not in placeholders]

    def conditions_with(code: str) -> int:
        return sum(1 for e in ledger if e.ref.kind == "nrql_condition" and any(f.code == code for f in e.findings))

    manual_unmapped = sum(
        1
        for e in ledger
        if e.ref.kind == "widget"
        and e.outcome.value == "manual"
        and any(f.code == "nrql.unmapped_event_type" for f in e.findings)
    )
    figures = [
        f"({sum(1 for r in resources if r.type == 'dashboard')} dashboards in all)",
        f"Conditions: {sum(1 for m in working if m.payload['type'] == 'query alert')} query alerts",
        f"({sum(1 for m in working if 'anomalies(' in m.payload['query'])} of the 13 baselines as `anomalies()`",
        f"{sum(1 for m in working if m.payload['type'] == 'rum alert')} RUM and "
        f"{sum(1 for m in working if m.payload['type'] == 'log alert')} log monitors",
        f"{len(placeholders)} muted placeholders keeping their NRQL",
        f"{conditions_with('newrelic.violation_time_limit')} of them set `violationTimeLimitSeconds`",
        f"{conditions_with('newrelic.count_per_window')} count conditions",
        f"(`nrql.unmapped_event_type`, {manual_unmapped:,}:",
    ]
    prose = " ".join(README.read_text(encoding="utf-8").split())
    assert [f for f in figures if f not in prose] == [], "README's New Relic figures are stale"
