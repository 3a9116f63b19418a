"""Grafana → Datadog dashboards, driven by the case tables in tests/cases/grafana_*.yaml."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.datadog.ownership import owned_key
from migrate.datadog.validate import validate_payload
from migrate.ledger import Ledger
from migrate.model import DesiredResource, Outcome
from migrate.sources.grafana_normalize import normalize_dashboard
from migrate.translate.base import TranslateEnv
from migrate.translate.grafana.dashboards import translate
from migrate.translate.grafana.layout import Placed, pack
from migrate.translate.query import QueryContext
from migrate.translate.specs.dashboard import WidgetKind, WidgetSpec
from tests.support.sample_mappings import sample_mappings

CASES = Path(__file__).resolve().parents[1] / "cases"


def _cases(name: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load((CASES / name).read_text(encoding="utf-8")))


def _subset(expected: Any, actual: Any, where: str = "") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} missing in {sorted(actual)}"
            _subset(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            _subset(e, a, f"{where}[{i}]")
    else:
        assert expected == actual, f"{where}: expected {expected!r}, got {actual!r}"


def _run(dashboard: dict[str, Any], mapping_dirs: list[Path] | None = None) -> tuple[DesiredResource, Ledger]:
    env = TranslateEnv(ctx=QueryContext(mappings=sample_mappings(*(mapping_dirs or []))), ledger=Ledger())
    (resource,) = translate(normalize_dashboard(dashboard, origin="test.json"), env)
    return resource, env.ledger


def _widgets(payload: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for widget in payload["widgets"]:
        out += _widgets(widget["definition"]) if widget["definition"]["type"] == "group" else [widget]
    return out


@pytest.mark.parametrize("case", _cases("grafana_panels.yaml"), ids=lambda c: c["name"])
def test_panel_mapping(case: dict[str, Any]) -> None:
    panel = {"id": 7, "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}, **case["panel"]}
    resource, ledger = _run({"uid": "d1", "title": "T", "panels": [panel]})
    (widget,) = _widgets(resource.payload)
    _subset(case["widget"], widget["definition"], "widget")
    entry = ledger.get("grafana/panel/d1/7")
    assert entry is not None
    assert entry.outcome.value == case["outcome"], [f.to_dict() for f in entry.findings]
    codes = {f.code for f in entry.findings}
    assert set(case.get("codes", [])) <= codes
    queries = Counter(f.outcome.value for f in entry.findings if f.code == "grafana.query")
    assert sum(queries.values()) == len([t for t in panel.get("targets", []) if t.get("expr")])
    if "queries" in case:
        assert dict(queries) == case["queries"]
    assert validate_payload("dashboard", resource.payload) == []


@pytest.mark.parametrize("case", _cases("grafana_variables.yaml"), ids=lambda c: c["name"])
def test_variables(case: dict[str, Any]) -> None:
    panel = {
        "id": 1,
        "type": "timeseries",
        "title": "p",
        "gridPos": {"x": 0, "y": 0, "w": 24, "h": 8},
        "targets": [{"refId": "A", "expr": case["expr"]}],
    }
    resource, ledger = _run({"uid": "v", "title": "V", "panels": [panel], "templating": {"list": case["variables"]}})
    _subset(case["dd"], resource.payload["template_variables"], "template_variables")
    query = _widgets(resource.payload)[0]["definition"]["requests"][0]["queries"][0]["query"]
    if "query" in case:
        assert query == case["query"]
    if "query_contains" in case:
        assert case["query_contains"] in query
    dashboard_entry = ledger.get("grafana/dashboard/v")
    assert dashboard_entry is not None
    assert set(case.get("codes", [])) <= {f.code for f in dashboard_entry.findings}
    assert validate_payload("dashboard", resource.payload) == []


def test_instance_variables_follow_the_instance_mapping(tmp_path: Path) -> None:
    """By default `instance` is `endpoint` (scrape URLs): host:port values are not offered; an operator layer
    mapping `instance: host` keeps them, since those are meant to be the same names."""
    variable = {"name": "target", "type": "custom", "query": "pg-1:9090,pg-2:9090", "current": {"value": "pg-2:9090"}}
    panel = {
        "id": 1,
        "type": "timeseries",
        "title": "p",
        "gridPos": {"x": 0, "y": 0, "w": 24, "h": 8},
        "targets": [{"refId": "A", "expr": 'sum(rate(payment_gateway_requests_total{instance="$target"}[5m]))'}],
    }
    dashboard = {"uid": "v", "title": "V", "panels": [panel], "templating": {"list": [variable]}}
    resource, ledger = _run(dashboard)
    assert resource.payload["template_variables"] == [{"name": "target", "prefix": "endpoint", "defaults": ["*"]}]
    entry = ledger.get("grafana/dashboard/v")
    assert entry is not None
    (finding,) = [f for f in entry.findings if f.code == "grafana.variable_endpoint_values"]
    assert "pg-1:9090, pg-2:9090" in finding.message and finding.outcome is Outcome.APPROXIMATE

    (tmp_path / "host.yaml").write_text("prometheus:\n  label_tags:\n    instance: host\n")
    resource, ledger = _run(dashboard, [tmp_path])
    assert resource.payload["template_variables"] == [
        {"name": "target", "prefix": "host", "defaults": ["pg-2:9090"], "available_values": ["pg-1:9090", "pg-2:9090"]}
    ]
    entry = ledger.get("grafana/dashboard/v")
    assert entry is not None and "grafana.variable_endpoint_values" not in {f.code for f in entry.findings}


@pytest.mark.parametrize("case", _cases("grafana_layout.yaml"), ids=lambda c: c["name"])
def test_layout(case: dict[str, Any]) -> None:
    items = [Placed(WidgetSpec(WidgetKind.NOTE, text=str(i)), grid) for i, grid in enumerate(case["panels"])]
    widgets, _ = pack(items, 3)
    layouts = [asdict(w.layout) if w.layout else None for w in widgets]
    assert layouts == case["layout"]
    cells = [
        (x, y)
        for w in layouts
        if w is not None
        for x in range(w["x"], w["x"] + w["width"])
        for y in range(w["y"], w["y"] + w["height"])
    ]
    assert len(cells) == len(set(cells)), "widgets overlap"


def test_rows_become_groups_and_collapsed_rows_keep_their_panels() -> None:
    def ts(pid: int, y: int) -> dict[str, Any]:
        return {
            "id": pid,
            "type": "timeseries",
            "title": f"p{pid}",
            "gridPos": {"x": 0, "y": y, "w": 24, "h": 6},
            "targets": [{"refId": "A", "expr": "sum(billing_invoice_queue_depth)"}],
        }

    dashboard = {
        "uid": "r",
        "title": "Rows",
        "panels": [
            ts(1, 0),
            {"id": 2, "type": "row", "title": "Open", "gridPos": {"x": 0, "y": 6, "w": 24, "h": 1}},
            ts(3, 7),
            {
                "id": 4,
                "type": "row",
                "title": "Closed",
                "collapsed": True,
                "gridPos": {"x": 0, "y": 13, "w": 24, "h": 1},
                "panels": [ts(5, 14), ts(6, 20)],
            },
            {"id": 8, "type": "row", "title": "Empty", "gridPos": {"x": 0, "y": 14, "w": 24, "h": 1}},
        ],
    }
    resource, ledger = _run(dashboard)
    top = resource.payload["widgets"]
    assert [w["definition"]["type"] for w in top] == ["timeseries", "group", "group"]
    assert [w["definition"].get("title") for w in top] == ["p1", "Open", "Closed"]
    assert [w["definition"]["title"] for w in top[2]["definition"]["widgets"]] == ["p5", "p6"]
    assert [w["layout"]["y"] for w in top] == [0, 2, 5]  # each group is as tall as its content + title
    assert len(ledger) == 5  # the dashboard and its four panels; rows are layout
    assert ledger.get("grafana/dashboard/r") is not None
    assert {f.code for f in ledger.get("grafana/dashboard/r").findings} == {"grafana.row_empty"}  # type: ignore[union-attr]


def test_ownership_marker_source_reference_and_source_metrics() -> None:
    resource, ledger = _run(
        {
            "uid": "own",
            "title": "Own",
            "folder": "x",
            "panels": [
                {
                    "id": 1,
                    "type": "timeseries",
                    "title": "a",
                    "targets": [{"refId": "A", "expr": "sum(rate(payment_gateway_requests_total[5m]))"}],
                }
            ],
        }
    )
    assert owned_key("dashboard", resource.payload) == resource.key
    assert "grafana/dashboard/own" in resource.payload["description"]
    assert resource.metadata["source_metrics"] == ["payment_gateway_requests_total"]
    entry = ledger.get("grafana/panel/own/1")
    assert entry is not None and entry.targets == [resource.key]
    assert entry.outcome is Outcome.EXACT


def test_annotation_queries_are_reported_and_links_kept_in_the_description() -> None:
    resource, ledger = _run(
        {
            "uid": "ann",
            "title": "Ann",
            "panels": [],
            "annotations": {
                "list": [
                    {"builtIn": 1, "name": "Annotations & Alerts", "datasource": "-- Grafana --", "enable": True},
                    {
                        "name": "deploys",
                        "datasource": {"type": "prometheus", "uid": "p"},
                        "enable": True,
                        "expr": "changes(kube_deployment_status_observed_generation[1m]) > 0",
                    },
                ]
            },
            "links": [{"title": "Runbooks", "url": "https://wiki.example.com/runbooks", "type": "link"}],
        }
    )
    entry = ledger.get("grafana/dashboard/ann")
    assert entry is not None and entry.outcome is Outcome.APPROXIMATE
    (dropped,) = [f for f in entry.findings if f.code == "grafana.annotation_dropped"]  # the built-in one is not
    assert "deploys" in dropped.message and "kube_deployment_status_observed_generation" in dropped.message
    assert "Runbooks https://wiki.example.com/runbooks" in resource.payload["description"]


def test_a_repeated_row_is_reported() -> None:
    _, ledger = _run(
        {
            "uid": "rr",
            "title": "RR",
            "panels": [
                {
                    "id": 1,
                    "type": "row",
                    "title": "Per node",
                    "repeat": "node",
                    "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1},
                },
                {
                    "id": 2,
                    "type": "timeseries",
                    "title": "p",
                    "gridPos": {"x": 0, "y": 1, "w": 24, "h": 6},
                    "targets": [{"refId": "A", "expr": "sum(billing_invoice_queue_depth)"}],
                },
            ],
        }
    )
    entry = ledger.get("grafana/dashboard/rr")
    assert entry is not None and entry.outcome is Outcome.APPROXIMATE
    assert [f.code for f in entry.findings] == ["grafana.row_repeat"] and "$node" in entry.findings[0].message


def test_resolution_overrides_are_named_with_where_they_were_set() -> None:
    _, ledger = _run(
        {
            "uid": "res",
            "title": "Res",
            "panels": [
                {
                    "id": 1,
                    "type": "timeseries",
                    "title": "p",
                    "interval": "10m",
                    "maxDataPoints": 500,
                    "targets": [
                        {"refId": "A", "expr": "sum(billing_invoice_queue_depth)", "interval": "30s"},
                        {"refId": "B", "expr": "sum(billing_invoice_queue_depth)", "interval": ""},
                    ],
                },
                {
                    "id": 2,
                    "type": "timeseries",
                    "title": "q",
                    "targets": [{"refId": "A", "expr": "sum(billing_invoice_queue_depth)"}],
                },
            ],
        }
    )
    entry = ledger.get("grafana/panel/res/1")
    assert entry is not None
    (finding,) = [f for f in entry.findings if f.code == "grafana.interval_dropped"]
    assert finding.outcome is Outcome.APPROXIMATE
    assert "min interval 10m on the panel" in finding.message and "min interval 30s on query A" in finding.message
    assert "query B" not in finding.message and "max data points 500" in finding.message
    plain = ledger.get("grafana/panel/res/2")
    assert plain is not None and "grafana.interval_dropped" not in {f.code for f in plain.findings}


@pytest.mark.parametrize(
    ("all_value", "outcome"),
    [(".*", Outcome.EXACT), (".+", Outcome.APPROXIMATE), ("prod|staging", Outcome.APPROXIMATE), (None, None)],
)
def test_a_custom_all_value_is_named(all_value: str | None, outcome: Outcome | None) -> None:
    variable: dict[str, Any] = {
        "name": "env",
        "type": "custom",
        "query": "prod,staging",
        "includeAll": True,
        "current": {"value": "$__all"},
    }
    if all_value is not None:
        variable["allValue"] = all_value
    panel = {
        "id": 1,
        "type": "timeseries",
        "title": "p",
        "targets": [{"refId": "A", "expr": 'sum(billing_invoice_queue_depth{environment=~"$env"})'}],
    }
    resource, ledger = _run({"uid": "all", "title": "All", "panels": [panel], "templating": {"list": [variable]}})
    assert resource.payload["template_variables"][0]["defaults"] == ["*"]
    entry = ledger.get("grafana/dashboard/all")
    assert entry is not None
    found = [f for f in entry.findings if f.code == "grafana.variable_all_value"]
    if outcome is None:
        assert found == []
    else:
        (finding,) = found
        assert finding.outcome is outcome and repr(all_value) in finding.message


def test_an_interval_variable_on_a_target_is_judged_by_its_value() -> None:
    def run(current: str) -> Outcome:
        variable = {"name": "resolution", "type": "interval", "query": "30s,5m,1h", "current": {"value": current}}
        _, ledger = _run(
            {
                "uid": "iv",
                "title": "Iv",
                "templating": {"list": [variable]},
                "panels": [
                    {
                        "id": 1,
                        "type": "timeseries",
                        "title": "p",
                        "targets": [
                            {"refId": "A", "expr": "sum(billing_invoice_queue_depth)", "interval": "$resolution"}
                        ],
                    }
                ],
            }
        )
        entry = ledger.get("grafana/panel/iv/1")
        assert entry is not None
        (finding,) = [f for f in entry.findings if f.code == "grafana.interval_dropped"]
        return finding.outcome

    assert run("30s") is Outcome.EXACT
    assert run("1h") is Outcome.APPROXIMATE


def test_a_comparison_finding_says_what_the_widget_graphs() -> None:
    _, ledger = _run(
        {
            "uid": "cmp",
            "title": "Cmp",
            "panels": [
                {
                    "id": 1,
                    "type": "timeseries",
                    "title": "p",
                    "targets": [
                        {"refId": "A", "expr": "sum(billing_invoice_queue_depth) > 10"},
                        {"refId": "B", "expr": "sum(billing_invoice_queue_depth) > sum(billing_invoice_queue_limit)"},
                    ],
                }
            ],
        }
    )
    entry = ledger.get("grafana/panel/cmp/1")
    assert entry is not None
    a, b = [f.message for f in entry.findings if f.code == "grafana.query_comparison"]
    assert a.startswith("A: the comparison > 10 ") and "the unfiltered left side: sum:" in a
    assert b.startswith("B: the comparison X > Y ") and "the difference of the two sides" in b
    assert "billing_invoice_queue_depth{*} - sum:" in b and "left side" not in b


@pytest.mark.parametrize("expr", ["rate(x_total[99999999y])", "x > 10 ^ 400", "x offset 99999999y"])
def test_a_panel_that_cannot_be_translated_is_manual_and_the_others_are_kept(expr: str) -> None:
    """One panel's translation failing (a range too long for a timedelta, an overflowing constant) used to
    abort the whole translate run with "internal error: ValueError"."""
    grid = {"x": 0, "y": 0, "w": 12, "h": 8}
    bad = {"id": 1, "type": "timeseries", "title": "Broken", "gridPos": grid, "targets": [{"expr": expr}]}
    good = {"id": 2, "type": "timeseries", "title": "Fine", "gridPos": {**grid, "x": 12}}
    good["targets"] = [{"expr": "sum(rate(y_total[5m]))"}]
    resource, ledger = _run({"uid": "d1", "title": "T", "panels": [bad, good]})
    by_name = {e.ref.name: e for e in ledger}
    broken = by_name["Broken"]
    assert broken.outcome is Outcome.MANUAL
    assert [f.code for f in broken.findings] == ["grafana.panel_error"]
    assert "panel 'Broken'" in str(broken.reason) and "cannot translate" in str(broken.reason)
    assert by_name["Fine"].outcome is not Outcome.MANUAL
    kinds = [w["definition"]["type"] for w in _widgets(resource.payload)]
    assert kinds == ["note", "timeseries"], "the broken panel is a note saying why, the good one is kept"
    assert expr in _widgets(resource.payload)[0]["definition"]["content"]
    assert not validate_payload("dashboard", resource.payload)


def test_an_undefined_variable_affects_only_its_panels_query() -> None:
    """A panel matching on `$nope`, which the dashboard's templating does not define, used to keep `{$nope}` in
    its query: Datadog rejects a dashboard referring to an undefined template variable, so every panel was lost.
    Now that matcher is dropped with a finding on that panel alone."""
    grid = {"x": 0, "y": 0, "w": 12, "h": 8}
    undefined = {"id": 1, "type": "timeseries", "title": "Undefined", "gridPos": grid}
    undefined["targets"] = [{"expr": 'sum(rate(x_total{pod=~"$nope", code="500"}[5m]))'}]
    defined = {"id": 2, "type": "timeseries", "title": "Defined", "gridPos": {**grid, "x": 12}}
    defined["targets"] = [{"expr": 'sum(rate(y_total{pod=~"$pod"}[5m]))'}]
    templating = {"list": [{"name": "pod", "type": "custom", "query": "a,b", "current": {"value": "a"}}]}
    resource, ledger = _run({"uid": "d1", "title": "T", "panels": [undefined, defined], "templating": templating})
    assert validate_payload("dashboard", resource.payload) == []
    queries = [w["definition"]["requests"][0]["queries"][0]["query"] for w in _widgets(resource.payload)]
    assert queries == ["sum:techcorp.x.count{code:500}.as_rate()", "sum:techcorp.y.count{$pod}.as_rate()"]
    by_name = {e.ref.name: e for e in ledger}
    (finding,) = [f for f in by_name["Undefined"].findings if f.code == "promql.template_variable_undefined"]
    assert "$nope" in finding.message and finding.outcome is Outcome.APPROXIMATE
    assert by_name["Defined"].outcome is Outcome.EXACT
    dashboard = ledger.get("grafana/dashboard/d1")
    assert dashboard is not None and dashboard.outcome is Outcome.EXACT
