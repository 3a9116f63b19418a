from migrate.datadog import ownership
from migrate.model import SourceRef

REF = SourceRef("prometheus", "alerting_rule", "payments.yml/payment-gateway/HighErrorRate", "HighErrorRate")


def test_owned_monitor_needs_tag_and_footer() -> None:
    key = ownership.resource_key("monitor", [REF])
    payload = {"tags": ownership.ownership_tags(key, [REF]), "message": "x\n\n" + ownership.footer(key, [REF])}
    assert ownership.owned_key("monitor", payload) == key
    # A hand-made clone that copied only the tags is not ours.
    assert ownership.owned_key("monitor", {"tags": payload["tags"], "message": "copied"}) is None
    assert not ownership.is_owned("monitor", {"tags": ["team:payments"], "message": ""})


def test_dashboard_marker_lives_in_description() -> None:
    key = ownership.resource_key("dashboard", [REF])
    assert ownership.owned_key("dashboard", {"description": "Latency\n\n" + ownership.footer(key, [REF])}) == key
    assert ownership.owned_key("dashboard", {"description": "hand made"}) is None


def test_resource_key_is_order_independent() -> None:
    other = SourceRef("prometheus", "alerting_rule", "payments.yml/payment-gateway/HighErrorRate#2", "x")
    assert ownership.resource_key("monitor", [REF, other]) == ownership.resource_key("monitor", [other, REF])
    assert ownership.resource_key("monitor", [REF]) != ownership.resource_key("dashboard", [REF])
