"""validate_payload: the vendored v1 schema plus the rules Datadog enforces beyond it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.datadog import ownership
from migrate.datadog.resources import RESOURCE_TYPES
from migrate.datadog.validate import validate_payload, validate_request
from migrate.model import SourceRef

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "datadog"
REF = SourceRef("prometheus", "alerting_rule", "rules.yml/api/HighErrorRate", "HighErrorRate")
KEY = ownership.resource_key("monitor", [REF])
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 176 cassettes in 0.1 s instead of 1.1 s


def corpus_payload(name: str) -> dict[str, Any]:
    text = (CORPUS / "payloads" / name).read_text()
    # The client's own test payloads are templates; give them concrete values.
    payload: dict[str, Any] = json.loads(
        text.replace("{{ unique_lower_alnum }}", "abc123").replace("{{ unique }}", "Unique-1")
    )
    return payload


def owned_monitor(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "query alert",
        "name": "High error rate on api",
        "query": "min(last_5m):sum:http.requests.errors{service:api} by {host} > 0.05",
        "message": "Error rate is high @pagerduty-api\n\n" + ownership.footer(KEY, [REF]),
        "tags": [*ownership.ownership_tags(KEY, [REF]), "team:payments"],
        "priority": 2,
        "options": {"thresholds": {"critical": 0.05, "warning": 0.02}, "notify_no_data": False},
    }
    payload.update(changes)
    return payload


def owned_dashboard(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "title": "API",
        "description": "Migrated.\n\n" + ownership.footer(KEY, [REF]),
        "layout_type": "ordered",
        "template_variables": [{"name": "env", "prefix": "env", "defaults": ["prod"]}],
        "widgets": [
            {
                "definition": {
                    "type": "timeseries",
                    "requests": [{"q": "avg:system.load.1{$env}", "display_type": "line"}],
                }
            }
        ],
    }
    payload.update(changes)
    return payload


def owned_synthetic(**changes: Any) -> dict[str, Any]:
    payload = corpus_payload("synthetics_api_http_test_payload.json")
    payload["tags"] = ownership.ownership_tags(KEY, [REF])
    payload["message"] = "Site down\n\n" + ownership.footer(KEY, [REF])
    payload.update(changes)
    return payload


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("monitor", "monitor_payload.json"),
        ("monitor", "multi_alert_monitor_payload.json"),
        ("dashboard", "dashboard_payload.json"),
        ("dashboard", "screenboard_dashboard_payload.json"),
        ("synthetic_test", "synthetics_api_http_test_payload.json"),
        ("synthetic_test", "synthetics_api_test_multi_step_payload.json"),
        ("synthetic_test", "synthetics_api_grpc_test_payload.json"),
    ],
)
def test_corpus_payloads_are_valid(kind: str, name: str) -> None:
    assert validate_payload(kind, corpus_payload(name), require_owner=False) == []


def test_cassette_bodies_agree_with_what_datadog_answered() -> None:
    """Every recorded POST of a monitor/dashboard/API test: 200 ⇔ no message from us."""
    kinds = {
        "/api/v1/monitor": "monitor",
        "/api/v1/dashboard": "dashboard",
        "/api/v1/synthetics/tests/api": "synthetic_test",
    }
    checked = rejected = 0
    for path in sorted((CORPUS / "cassettes").glob("*.yaml")):
        for interaction in yaml.load(path.read_text(), Loader=LOADER)["interactions"]:  # noqa: S506 (a safe loader)
            request = interaction["request"]
            kind = kinds.get(request["uri"].split("datadoghq.com")[-1])
            if request["method"] != "POST" or kind is None or not request["body"]:
                continue
            status = interaction["response"]["status"]["code"]
            messages = validate_payload(kind, json.loads(request["body"]), require_owner=False)
            assert (status == 200) == (not messages), (path.name, status, messages)
            checked += 1
            rejected += status != 200
    assert checked > 100
    assert rejected >= 4


def test_owned_payloads_pass() -> None:
    assert validate_payload("monitor", owned_monitor()) == []
    assert validate_payload("dashboard", owned_dashboard()) == []
    assert validate_payload("synthetic_test", owned_synthetic()) == []


def only(messages: list[str], path: str) -> str:
    assert len(messages) == 1, messages
    assert messages[0].startswith(path), messages
    return messages[0]


def test_bogus_enum_names_the_field() -> None:
    messages = validate_payload("monitor", owned_monitor(type="bogus alert"))
    assert "'bogus alert' is not one of" in only(messages, "$.type")


def test_missing_required_field() -> None:
    payload = owned_monitor()
    del payload["query"]
    assert "'query' is a required property" in only(validate_payload("monitor", payload), "$")


def test_wrong_json_type_deep_in_the_payload() -> None:
    payload = owned_monitor()
    payload["options"]["thresholds"]["warning"] = "high"
    assert "is not of type" in only(validate_payload("monitor", payload), "$.options.thresholds.warning")


def test_threshold_must_equal_the_query_threshold() -> None:
    payload = owned_monitor(options={"thresholds": {"critical": 90}})
    payload["query"] = "avg(last_5m):avg:system.cpu.user{*} > 200"
    message = only(validate_payload("monitor", payload), "$.options.thresholds.critical")
    assert "Alert threshold (90.0) does not match that used in the query (200.0)." in message


@pytest.mark.parametrize(
    ("op", "critical", "warning", "ok"),
    [(">", 10, 5, True), (">", 10, 15, False), (">=", 10, 10, False), ("<", 10, 15, True), ("<=", 10, 5, False)],
)
def test_warning_on_the_right_side_of_critical(op: str, critical: float, warning: float, ok: bool) -> None:
    payload = owned_monitor(
        query=f"avg(last_5m):avg:queue.depth{{*}} {op} {critical}",
        options={"thresholds": {"critical": critical, "warning": warning}},
    )
    messages = validate_payload("monitor", payload)
    assert messages == [] if ok else only(messages, "$.options.thresholds.warning")


@pytest.mark.parametrize(
    ("window", "ok"),
    [
        ("last_1m", True),
        ("last_10080m", True),
        ("last_10081m", False),
        ("last_0m", False),
        ("last_168h", True),
        ("last_169h", False),
        ("last_1d", True),
        ("last_1w", True),
        ("last_2w", False),
        ("last_5x", False),
        ("current_1mo", True),
    ],
)
def test_window_limits(window: str, ok: bool) -> None:
    payload = owned_monitor(query=f"avg({window}):avg:system.load.1{{*}} > 0.05")
    messages = validate_payload("monitor", payload)
    assert messages == [] if ok else "$.query" in only(messages, "$.query")


def test_change_windows_are_shorter() -> None:
    good = owned_monitor(query="change(avg(last_5m),last_5m):avg:system.load.1{*} > 0.05")
    assert validate_payload("monitor", good) == []
    bad = owned_monitor(query="pct_change(avg(last_3d),1d_ago):avg:system.load.1{*} > 0.05")
    assert "out of range" in only(validate_payload("monitor", bad), "$.query")


def test_query_shape() -> None:
    payload = owned_monitor(query="avg:system.load.1{*} > 0.05")
    assert "time_aggr" in only(validate_payload("monitor", payload), "$.query")


def test_priority_and_tags() -> None:
    assert "out of range" in only(validate_payload("monitor", owned_monitor(priority=7)), "$.priority")
    payload = owned_monitor()
    payload["tags"].append("bad tag with spaces")
    assert "invalid tag" in only(validate_payload("monitor", payload), f"$.tags[{len(payload['tags']) - 1}]")


def test_ownership_marker_required_for_our_payloads() -> None:
    payload = owned_monitor(message="no footer")
    assert "ownership marker" in only(validate_payload("monitor", payload), "$.tags / $.message")
    assert validate_payload("monitor", payload, require_owner=False) == []
    assert "ownership" in only(validate_payload("dashboard", owned_dashboard(description="x")), "$.description")


def test_free_layout_needs_widget_layout() -> None:
    payload = owned_dashboard(layout_type="free")
    assert "required" in only(validate_payload("dashboard", payload), "$.widgets[0].layout")
    payload["widgets"][0]["layout"] = {"x": 0, "y": 0, "width": 4, "height": 2}
    assert validate_payload("dashboard", payload) == []


def test_group_widgets_are_checked_inside() -> None:
    inner = {"definition": {"type": "timeseries", "requests": [{"q": "avg:x{$region}"}]}}
    group = {"definition": {"type": "group", "layout_type": "ordered", "widgets": [inner]}}
    messages = validate_payload("dashboard", owned_dashboard(widgets=[group]))
    message = only(messages, "$.widgets[0].definition.widgets[0]")
    assert "$region is not defined" in message
    nested = {"definition": {"type": "group", "layout_type": "ordered", "widgets": [group]}}
    messages = validate_payload("dashboard", owned_dashboard(widgets=[nested]))
    assert any("cannot contain another group" in m for m in messages)


def test_widget_union_reports_the_intended_branch() -> None:
    widget = {"definition": {"type": "timeseries", "requests": [{"display_type": "zigzag", "q": "avg:x{*}"}]}}
    messages = validate_payload("dashboard", owned_dashboard(widgets=[widget]))
    message = only(messages, "$.widgets[0].definition.requests[0].display_type")
    assert "zigzag" in message
    unknown = {"definition": {"type": "sparkline"}}
    assert "unknown or invalid type 'sparkline'" in only(
        validate_payload("dashboard", owned_dashboard(widgets=[unknown])), "$.widgets[0].definition"
    )


def test_dashboard_tags_only_team() -> None:
    assert "team" in only(validate_payload("dashboard", owned_dashboard(tags=["tm:x"])), "$.tags[0]")


@pytest.mark.parametrize(("tick", "ok"), [(30, True), (604800, True), (29, False), (604801, False)])
def test_synthetics_tick_every(tick: int, ok: bool) -> None:
    payload = owned_synthetic()
    payload["options"] = {**payload["options"], "tick_every": tick}
    messages = validate_payload("synthetic_test", payload)
    assert messages == [] if ok else all(m.startswith("$.options.tick_every") for m in messages) and messages


def test_synthetics_locations_and_assertions() -> None:
    assert "location" in only(validate_payload("synthetic_test", owned_synthetic(locations=[])), "$.locations")
    payload = owned_synthetic()
    payload["config"] = copy.deepcopy(payload["config"])
    payload["config"]["assertions"] = []
    assert "assertion" in only(validate_payload("synthetic_test", payload), "$.config.assertions")


def test_unknown_type_and_non_object() -> None:
    assert validate_payload("slo", {}) == ["$: unknown resource type 'slo'"]
    assert validate_payload("monitor", [])[0].startswith("$: expected a JSON object")  # type: ignore[arg-type]


def test_unknown_widget_type_names_the_field_and_the_known_types() -> None:
    unknown = {"definition": {"type": "sparkline"}}
    message = only(validate_payload("dashboard", owned_dashboard(widgets=[unknown])), "$.widgets[0].definition.type")
    assert "timeseries" in message and "query_value" in message
    missing: dict[str, Any] = {"definition": {"requests": []}}
    message = only(validate_payload("dashboard", owned_dashboard(widgets=[missing])), "$.widgets[0].definition")
    assert "'type' is a required property" in message


@pytest.mark.parametrize(
    ("kind", "changes", "path"),
    [
        ("monitor", {"options": "x"}, "$.options"),
        ("monitor", {"tags": 1.5}, "$.tags"),
        ("dashboard", {"widgets": [{"definition": "x"}]}, "$.widgets[0].definition"),
        ("dashboard", {"template_variable_presets": ["x"], "template_variables": True}, "$.template_variable"),
        ("synthetic_test", {"options": "x", "config": 3}, "$."),
    ],
)
def test_wrong_json_types_are_schema_errors_not_crashes(kind: str, changes: dict[str, Any], path: str) -> None:
    payload = {"monitor": owned_monitor, "dashboard": owned_dashboard, "synthetic_test": owned_synthetic}[kind]()
    payload.update(changes)
    messages = validate_payload(kind, payload, require_owner=False)
    assert messages and any(m.startswith(path) for m in messages), messages


def reference_verdict(component: str, payload: dict[str, Any]) -> bool:
    """Plain jsonschema over the vendored file (every union branch tried): the answer ours must give."""
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    from migrate.datadog.validate import _schemas

    root = Resource.from_contents({"components": {"schemas": _schemas()}}, default_specification=DRAFT4)
    validator = Draft4Validator(
        {"$ref": f"urn:x#/components/schemas/{component}"}, registry=Registry().with_resource("urn:x", root)
    )
    return bool(validator.is_valid(payload))


@pytest.mark.parametrize(
    "definition",
    [
        {
            "type": "funnel",
            "requests": [{"query": {"data_source": "rum", "query_string": "", "steps": []}, "request_type": "funnel"}],
        },  # two branches share `funnel`
        {"type": "funnel", "requests": "bad"},
        {"type": "topology_map", "requests": []},  # a nested union
        {"type": "group", "layout_type": "ordered", "widgets": [{"definition": {"type": "note", "content": "x"}}]},
        {"type": "group", "layout_type": "ordered", "widgets": [{"definition": {"type": "note"}}]},
        {"type": "timeseries", "requests": [{"queries": [{"data_source": "metrics", "name": "a", "query": "x"}]}]},
        {"type": "timeseries", "requests": [{"queries": [{"data_source": "nope", "name": "a", "query": "x"}]}]},
        {"type": "timeseries", "requests": [{"queries": [{"name": "a", "query": "x"}]}]},
        {"type": 3},
        {"type": "sparkline"},
        {"title": "no type"},
    ],
)
def test_discriminated_unions_give_the_verdict_of_trying_every_branch(definition: dict[str, Any]) -> None:
    payload = owned_dashboard(widgets=[{"definition": definition}])
    assert (validate_payload("dashboard", payload) == []) == reference_verdict("Dashboard", payload)


def test_vendored_discriminators_are_what_the_script_generates() -> None:
    """The annotations come from scripts/vendor_datadog_schema.py (re-derived here from the vendored schemas)."""
    from scripts.vendor_datadog_schema import DISCRIMINATOR, OUT, add_discriminators

    shipped = json.loads(OUT.read_text())["components"]["schemas"]
    bare = json.loads(OUT.read_text(), object_hook=lambda d: {k: v for k, v in d.items() if k != DISCRIMINATOR})
    bare = bare["components"]["schemas"]
    add_discriminators(bare)
    assert bare == shipped
    widget = shipped["WidgetDefinition"][DISCRIMINATOR]
    assert widget["property"] == "type" and len(widget["mapping"]["funnel"]) == 2 and len(widget["mapping"]) == 40


def test_the_vendored_components_are_those_the_declarations_reach() -> None:
    """scripts/vendor_datadog_schema.py vendors what the declarations name (schema_ref, request_schemas)."""
    from scripts.vendor_datadog_schema import OUT, ROOTS, reachable

    components = json.loads(OUT.read_text())["components"]["schemas"]
    for rtype in RESOURCE_TYPES.values():
        for component in (rtype.schema_ref, *rtype.request_schemas.values()):
            assert component in ROOTS and component in components, f"{rtype.name}: {component}"
    assert sorted(reachable(components, ROOTS)) == sorted(components), "nothing vendored that no declaration needs"
    assert validate_request("monitor", "update", {"query": 5}) != [], "a request body is checked against its component"
    assert validate_request("monitor", "pause", {}) == ["$: 'monitor' declares no 'pause' request"]
