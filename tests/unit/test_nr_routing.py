"""New Relic workflows, channels and destinations → notification handles through the routing rules."""

from __future__ import annotations

from typing import Any

from migrate.inventory.store import InventoryObject
from migrate.ledger import Ledger
from migrate.mappings import load_mappings
from migrate.model import DesiredResource, SourceRef
from migrate.translate.base import TranslateEnv
from migrate.translate.newrelic.routing import Routing
from migrate.translate.newrelic.translator import NEWRELIC
from migrate.translate.query import QueryContext
from migrate.translate.specs.message import When

RULES = [
    {"match": {"nr_channel": "Shop on-call"}, "notify": ["@pagerduty-shop"]},
    {"match": {"nr_channel_type": "SLACK", "nr_channel": "#shop"}, "notify": ["@slack-shop"]},
    {"match": {}, "notify": ["@slack-ops"]},
]


def obj(kind: str, oid: str, **data: Any) -> InventoryObject:
    data = {"id": oid, **data}
    return InventoryObject(SourceRef("newrelic", kind, oid, str(data.get("name") or oid)), data, data)


def workflow(
    oid: str, channels: list[str], policies: list[str] | None = None, critical: bool = False
) -> InventoryObject:
    predicates: list[dict[str, Any]] = []
    if policies is not None:
        predicates.append({"attribute": "labels.policyIds", "operator": "EXACTLY_MATCHES", "values": policies})
    if critical:
        predicates.append({"attribute": "priority", "operator": "EQUAL", "values": ["CRITICAL"]})
    return obj(
        "workflow",
        oid,
        name=oid,
        enabled=True,
        issues_filter={"predicates": predicates},
        channels=[{"channel_id": c} for c in channels],
    )


def world() -> list[InventoryObject]:
    return [
        obj("notification_destination", "d-pd", name="PagerDuty: shop", type="PAGERDUTY_SERVICE_INTEGRATION"),
        obj("notification_destination", "d-sl", name="TechCorp Slack", type="SLACK"),
        obj(
            "notification_channel",
            "c-pd",
            name="Shop on-call",
            destination_id="d-pd",
            type="PAGERDUTY_SERVICE_INTEGRATION",
        ),
        obj("notification_channel", "c-sl", name="#shop", destination_id="d-sl", type="SLACK"),
        obj("notification_channel", "c-other", name="#elsewhere", destination_id="d-sl", type="SLACK"),
        workflow("page-shop", ["c-pd"], ["p1"], critical=True),
        workflow("chat-shop", ["c-sl"], ["p1"]),
        workflow("chat-other", ["c-other"], ["p2"]),
    ]


def test_a_policy_reaches_its_workflows_channels_as_handles() -> None:
    routed = Routing(world(), RULES).for_condition("p1", "shop")
    assert routed.workflows == {"page-shop", "chat-shop"}
    assert [(n.handles, n.when) for n in routed.notify] == [
        (("@pagerduty-shop",), When.ALERT),
        (("@pagerduty-shop",), When.ALERT_RECOVERY),
        (("@slack-shop",), None),
    ]
    assert routed.lines == [
        "@pagerduty-shop (critical only) via workflow 'page-shop' → PAGERDUTY_SERVICE_INTEGRATION 'Shop on-call'",
        "@slack-shop via workflow 'chat-shop' → SLACK '#shop'",
    ]
    assert routed.findings == []


def test_a_channel_only_the_catch_all_matches_is_said() -> None:
    routed = Routing(world(), RULES).for_condition("p2", "other")
    assert [n.handles for n in routed.notify] == [("@slack-ops",)]
    assert [f.code for f in routed.findings] == ["newrelic.route_default"]
    assert "nr_channel: '#elsewhere'" in routed.findings[0].message


def test_filters_that_cannot_be_evaluated_are_named() -> None:
    flow = workflow("by-tag", ["c-sl"])
    flow.normalized["issues_filter"]["predicates"].append({"attribute": "accumulations.tag.team", "values": ["x"]})
    routed = Routing([*world()[:5], flow], RULES).for_condition("p9", "any")
    assert routed.workflows == {"by-tag"}
    assert [f.code for f in routed.findings] == ["newrelic.route_filter"]


def translate(objects: list[InventoryObject]) -> tuple[list[DesiredResource], Ledger]:
    mappings = load_mappings()
    mappings.data["routing"] = RULES
    env = TranslateEnv(QueryContext(mappings), Ledger())
    return NEWRELIC.translate(objects, env), env.ledger


def test_monitors_carry_the_handles_and_every_routing_object_is_ledgered() -> None:
    condition = obj(
        "nrql_condition",
        "c1",
        name="Shop slow",
        policy_id="p1",
        type="STATIC",
        query="SELECT average(duration) FROM Transaction WHERE appName = 'shop'",
        terms=[{"operator": "ABOVE", "threshold": 2, "threshold_duration": 300, "priority": "CRITICAL"}],
    )
    policy = obj("alert_policy", "p1", name="shop", incident_preference="PER_POLICY")
    objects = [*world(), condition, policy, obj("synthetic_monitor", "s1", name="ping")]
    resources, ledger = translate(objects)
    monitor = next(r for r in resources if r.type == "monitor")
    message = monitor.payload["message"]
    assert "{{#is_alert}}\n@pagerduty-shop\n{{/is_alert}}" in message
    assert "@slack-shop" in message
    assert {e.ref.key for e in ledger} == {o.ref.key for o in objects}
    page = ledger.get("newrelic/workflow/page-shop")
    assert page is not None and page.targets == [monitor.key]
    other = ledger.get("newrelic/workflow/chat-other")
    assert other is not None and other.targets == []
    destination = ledger.get("newrelic/notification_destination/d-pd")
    assert destination is not None and destination.outcome.value == "manual"
    synthetic = ledger.get("newrelic/synthetic_monitor/s1")
    assert synthetic is not None and synthetic.outcome.value != "skipped"  # the synthetics front end's entry
