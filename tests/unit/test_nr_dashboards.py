"""New Relic dashboards: tests/cases/nr_widgets.yaml (widget kinds), layout, pages, the split, variables."""

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
from migrate.translate.newrelic.dashboards import MAX_WIDGETS, layout, translate_dashboards
from migrate.translate.newrelic.widgets import VISUALIZATIONS
from migrate.translate.query import QueryContext
from migrate.translate.specs.dashboard import Layout

ROWS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "cases" / "nr_widgets.yaml").read_text(encoding="utf-8")
)
APM = "SELECT average(duration) FROM Transaction WHERE appName = 'shop' TIMESERIES"


def widget(wid: str, viz: str = "viz.line", query: str = APM, **extra: Any) -> InventoryObject:
    data = {"visualization": viz, "title": wid, "queries": [{"query": query}] if query else [], **extra}
    return InventoryObject(SourceRef("newrelic", "widget", wid, wid), {}, data)


def dashboard(pages: dict[str, list[str]], variables: list[dict[str, Any]] | None = None) -> InventoryObject:
    data = {
        "name": "Shop",
        "guid": "g",
        "pages": [{"guid": f"page-{n}", "name": n, "widgets": ids} for n, ids in pages.items()],
        "variables": variables or [],
    }
    return InventoryObject(SourceRef("newrelic", "dashboard", "g", "Shop"), data, data)


def translate(objects: list[InventoryObject]) -> tuple[list[DesiredResource], Ledger]:
    env = TranslateEnv(QueryContext(load_mappings()), Ledger())
    return translate_dashboards(objects, env), env.ledger


@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_widget_becomes_the_expected_datadog_widget(row: dict[str, Any]) -> None:
    data = {**row["widget"], "title": row["name"], "layout": {"column": 5, "row": 2, "width": 4, "height": 3}}
    data["queries"] = [{"query": q} for q in data.get("queries") or []]
    obj = InventoryObject(
        SourceRef("newrelic", "widget", "g/1", row["name"]), {"rawConfiguration": row.get("raw", {})}, data
    )
    resources, ledger = translate([dashboard({"P": ["g/1"]}), obj])
    placed = resources[0].payload["widgets"][0]
    definition, expect = placed["definition"], row["expect"]
    request = (definition.get("requests") or [{}])[0]
    assert definition["type"] == expect["type"]
    assert request.get("display_type") == expect.get("display_type")
    assert [f["formula"] for f in request.get("formulas") or []] == expect.get("formulas", [])
    formats = [[c["comparator"], c["value"], c["palette"]] for c in request.get("conditional_formats") or []]
    assert formats == expect.get("conditional_formats", [])
    assert [f"{m['value']} {m['display_type']}" for m in definition.get("markers") or []] == expect.get("markers", [])
    assert placed["layout"] == expect["layout"]
    entry = ledger.get(obj.ref.key)
    assert entry is not None
    assert (entry.outcome.value, sorted({f.code for f in entry.findings})) == (expect["outcome"], expect["codes"])
    assert validate_payload("dashboard", resources[0].payload) == []


def test_the_widget_table_covers_every_visualization() -> None:

    assert set(VISUALIZATIONS) <= {r["widget"]["visualization"] for r in ROWS}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"column": 1, "row": 1, "width": 4, "height": 3}, Layout(0, 0, 4, 3)),
        ({"column": 9, "row": 7, "width": 4, "height": 2}, Layout(8, 6, 4, 2)),
        ({"column": 11, "row": 1, "width": 6, "height": 3}, Layout(10, 0, 2, 3)),  # clamped to the 12 columns
        ({}, Layout(0, 0, 4, 3)),
        ("not a layout", Layout(0, 0, 4, 3)),
    ],
)
def test_nr_layout_keeps_the_12_column_grid(raw: Any, expected: Layout) -> None:
    assert layout(raw) == expected


def test_pages_become_groups_stacked_in_order() -> None:
    objects = [
        dashboard({"Overview": ["a", "b"], "Hosts": ["c"]}),
        widget("a", layout={"column": 1, "row": 1, "width": 6, "height": 3}),
        widget("b", layout={"column": 7, "row": 1, "width": 6, "height": 4}),
        widget("c", layout={"column": 1, "row": 1, "width": 12, "height": 2}),
    ]
    resources, ledger = translate(objects)
    assert len(resources) == 1
    groups = resources[0].payload["widgets"]
    assert [(g["definition"]["title"], g["layout"]) for g in groups] == [
        ("Overview", {"x": 0, "y": 0, "width": 12, "height": 5}),
        ("Hosts", {"x": 0, "y": 5, "width": 12, "height": 3}),
    ]
    assert [w["layout"]["x"] for w in groups[0]["definition"]["widgets"]] == [0, 6]
    assert {e.ref.key for e in ledger} == {o.ref.key for o in objects}
    assert validate_payload("dashboard", resources[0].payload) == []


def test_a_dashboard_over_the_widget_limit_becomes_one_dashboard_per_page() -> None:
    per_page = MAX_WIDGETS // 2 + 1
    pages = {f"P{p}": [f"w{p}-{i}" for i in range(per_page)] for p in range(2)}
    objects = [dashboard(pages)] + [
        widget(w, viz="viz.markdown", query="", text=w) for ids in pages.values() for w in ids
    ]
    resources, ledger = translate(objects)
    assert [r.payload["title"] for r in resources] == ["Shop / P0", "Shop / P1"]
    assert [len(r.payload["widgets"]) for r in resources] == [per_page, per_page]
    entry = ledger.get("newrelic/dashboard/g")
    assert entry is not None and [r.key for r in resources] == entry.targets
    assert "newrelic.dashboard_split" in {f.code for f in entry.findings}
    first = ledger.get("newrelic/widget/w1-0")
    assert first is not None and first.targets == [resources[1].key]


def test_variables_become_template_variables_with_the_attribute_tag() -> None:
    nrql = {"query": "FROM Transaction SELECT uniques(name) WHERE appName = 'shop' SINCE 1 day ago"}
    variables: list[dict[str, Any]] = [
        {"name": "transaction", "type": "NRQL", "nrql_query": nrql, "default_values": ["*"], "multi": True},
        {"name": "region", "type": "ENUM", "items": [{"value": "eu"}, {"value": "us"}], "default_values": ["eu"]},
    ]
    query = "SELECT count(*) FROM Transaction WHERE appName = 'shop' AND name IN ({{transaction}}) TIMESERIES"
    resources, ledger = translate([dashboard({"P": ["a"]}, variables), widget("a", query=query)])
    payload = resources[0].payload
    assert payload["template_variables"] == [
        {"name": "transaction", "prefix": "resource_name", "defaults": ["*"]},
        {"name": "region", "prefix": None, "defaults": ["eu"], "available_values": ["eu", "us"]},
    ]
    assert "$transaction" in payload["widgets"][0]["definition"]["requests"][0]["queries"][0]["query"]
    entry = ledger.get("newrelic/dashboard/g")
    assert entry is not None and [f.code for f in entry.findings] == ["newrelic.variable_free_text"]


def test_a_widget_whose_dashboard_was_not_collected_is_skipped() -> None:
    _, ledger = translate([widget("orphan")])
    entry = ledger.get("newrelic/widget/orphan")
    assert entry is not None and entry.outcome.value == "skipped"
