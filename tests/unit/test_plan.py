"""The diff engine: matching by ownership key, field-level diffs after normalisation, safety rules."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from migrate.datadog import ownership
from migrate.model import DesiredResource, SourceRef
from migrate.runner.changes import Action, Delete, Update
from migrate.runner.plan import Plan, compute_plan
from migrate.runner.state import LiveResource, State


def ref(name: str, source: str = "prometheus") -> SourceRef:
    return SourceRef(source, "alerting_rule", f"payments.yml/payment-gateway/{name}", name)


def desired_monitor(
    name: str, query: str = "avg(last_5m):avg:http.errors{service:pay} > 5", source: str = "prometheus", **extra: Any
) -> DesiredResource:
    refs = [ref(name, source)]
    key = ownership.resource_key("monitor", refs)
    payload = {
        "name": name,
        "type": "query alert",
        "query": query,
        "message": f"{name} is firing @slack-payments\n\n{ownership.footer(key, refs)}",
        "tags": [*ownership.ownership_tags(key, refs), "team:payments", "severity:critical"],
        "priority": 2,
        "options": {"thresholds": {"critical": 5}, "notify_no_data": False, "renotify_interval": None},
        **extra,
    }
    return DesiredResource("monitor", key, payload, refs)


def as_live(res: DesiredResource, datadog_id: str, **changes: Any) -> dict[str, Any]:
    """What GET /api/v1/monitor/{id} returns for a desired monitor: server fields, floats, defaults, order."""
    payload = copy.deepcopy(res.payload)
    payload["tags"] = list(reversed(payload["tags"]))
    payload["options"]["thresholds"]["critical"] = float(payload["options"]["thresholds"]["critical"])
    payload["options"].pop("renotify_interval")
    payload["options"].update(
        {
            "silenced": {},
            "include_tags": True,
            "new_host_delay": 300,
            "groupby_simple_monitor": False,
            "notify_audit": False,
        }
    )
    payload.update(
        {
            "id": int(datadog_id),
            "org_id": 321813,
            "created": "2024-10-10T16:39:00+00:00",
            "modified": "2024-10-10T16:39:00+00:00",
            "overall_state": "OK",
            "multi": False,
            "creator": {"handle": "ops@example.com"},
            "deleted": None,
            "restricted_roles": None,
        }
    )
    payload.update(changes)
    return payload


def live(rtype: str, payload: dict[str, Any]) -> LiveResource:
    from migrate.datadog.resources import RESOURCES

    spec = RESOURCES[rtype]
    return LiveResource(rtype, str(payload[spec.id_field]), payload, spec.owned_key(payload), origin="test")


def state_of(*payloads: dict[str, Any], rtype: str = "monitor") -> State:
    return State.from_resources([live(rtype, p) for p in payloads], "test state")


def test_empty_state_plans_a_create_for_every_desired_resource() -> None:
    desired = [desired_monitor("HighErrorRate"), desired_monitor("HighLatency", "avg(last_5m):avg:lat{*} > 1")]
    plan = compute_plan(desired, State.empty())
    assert [c.action for c in plan.changes] == [Action.CREATE, Action.CREATE]
    assert {c.key for c in plan.changes} == {d.key for d in desired}
    assert plan.summary["create"] == 2
    assert plan.has_changes


def test_read_back_copy_with_server_noise_is_a_noop() -> None:
    res = desired_monitor("HighErrorRate")
    plan = compute_plan([res], state_of(as_live(res, "1001")))
    assert [c.action for c in plan.changes] == [Action.NOOP]
    assert plan.changes[0].datadog_id == "1001"
    assert not plan.has_changes


def test_changed_fields_become_an_update_with_before_and_after() -> None:
    res = desired_monitor("HighErrorRate")
    edited = as_live(res, "1001", priority=3, name="edited by hand")
    edited["options"]["thresholds"]["warning"] = 3.0
    edited["options"]["new_host_delay"] = 600  # not the default: a real difference
    [change] = compute_plan([res], state_of(edited)).changes
    assert isinstance(change, Update)
    fields = {f.path: (f.before, f.after, f.after_absent) for f in change.fields}
    assert fields == {
        "name": ("edited by hand", "HighErrorRate", False),
        "priority": (3, 2, False),
        "options.thresholds.warning": (3, None, True),
        "options.new_host_delay": (600, None, True),
    }
    assert change.datadog_id == "1001"
    assert change.after == res.payload
    assert "id" not in change.before and change.before["name"] == "edited by hand"  # pre-image without server fields
    # Applying the reverse would put the pre-image back.
    assert change.reverse().after == change.before


def test_owned_resource_no_longer_desired_is_deleted_unowned_never() -> None:
    gone = desired_monitor("Retired")
    unowned = {
        "id": 77,
        "name": "Hand made",
        "type": "metric alert",
        "query": "avg(last_5m):avg:cpu{*} > 90",
        "message": "hand made",
        "tags": ["team:ops"],
    }
    plan = compute_plan([], state_of(as_live(gone, "1002"), unowned))
    [change] = plan.changes
    assert isinstance(change, Delete)
    assert (change.datadog_id, change.key) == ("1002", gone.key)
    assert change.payload["name"] == "Retired" and "id" not in change.payload
    assert [r.key for r in change.source_refs] == [gone.source_refs[0].key]  # read from the footer
    assert change.reverse().payload == change.payload
    assert all(c.datadog_id != "77" for c in plan.changes)


def test_a_copied_tag_without_footer_does_not_make_a_resource_ours() -> None:
    res = desired_monitor("HighErrorRate")
    clone = as_live(res, "1003", message="copied by hand, tags and all")
    plan = compute_plan([], state_of(clone))
    assert plan.changes == []


def test_unowned_lookalike_is_an_adopt_candidate_and_left_alone() -> None:
    res = desired_monitor("HighErrorRate")
    by_name = {
        "id": 55,
        "name": "higherrorrate ",
        "type": "query alert",
        "query": "avg(last_1h):avg:other{*} > 1",
        "message": "",
        "tags": [],
    }
    by_query = {
        "id": 56,
        "name": "Payments errors",
        "type": "query alert",
        "query": res.payload["query"].replace(" ", "  "),
        "message": "",
        "tags": [],
    }
    plan = compute_plan([res], state_of(by_name, by_query))
    assert [c.action for c in plan.changes] == [Action.CREATE]
    assert [(a.datadog_id, a.match, a.desired_key) for a in plan.adopt_candidates] == [
        ("55", "name", res.key),
        ("56", "query", res.key),
    ]  # sorted by live name
    assert plan.summary["adopt_candidates"] == 2


def test_owned_resources_of_sources_outside_the_scope_are_not_deleted() -> None:
    other = desired_monitor("NrCondition", source="newrelic")
    mine = desired_monitor("Retired")
    plan = compute_plan([], state_of(as_live(other, "2001"), as_live(mine, "2002")), scope={"prometheus"})
    assert [(c.action, c.datadog_id) for c in plan.changes] == [(Action.DELETE, "2002")]
    assert [o["datadog_id"] for o in plan.out_of_scope] == ["2001"]
    assert plan.out_of_scope[0]["sources"] == "newrelic"


def test_a_duplicate_owned_copy_is_deleted_and_the_first_kept() -> None:
    res = desired_monitor("HighErrorRate")
    plan = compute_plan([res], state_of(as_live(res, "900"), as_live(res, "1000")))
    actions = sorted((c.action.value, c.datadog_id) for c in plan.changes)
    assert actions == [("delete", "1000"), ("no-op", "900")]
    delete = next(c for c in plan.changes if isinstance(c, Delete))
    assert "duplicate of 900" in delete.reason


def test_planning_twice_gives_identical_changes_and_hash() -> None:
    desired = [desired_monitor(n) for n in ("B", "A", "C")]
    live_state = state_of(as_live(desired[0], "1", priority=5), as_live(desired[1], "2"))
    first = compute_plan(desired, live_state, now=datetime(2024, 1, 1, tzinfo=UTC))
    second = compute_plan(list(reversed(desired)), live_state, now=datetime(2025, 1, 1, tzinfo=UTC))
    assert [c.to_dict() for c in first.changes] == [c.to_dict() for c in second.changes]
    assert first.plan_hash == second.plan_hash
    assert first.created_at != second.created_at
    assert Plan.from_dict(first.to_dict()).plan_hash == first.plan_hash
    # ...and any input change moves the hash.
    changed = compute_plan([*desired[:2], desired_monitor("C", "avg(last_5m):avg:y{*} > 5")], live_state)
    assert changed.plan_hash != first.plan_hash
    assert changed.desired_hash != first.desired_hash


def test_changes_are_sorted_by_type_then_name() -> None:
    desired = [desired_monitor(n) for n in ("zeta", "Alpha", "beta")]
    assert [c.name for c in compute_plan(desired, State.empty()).changes] == ["Alpha", "beta", "zeta"]


def test_metric_alert_reads_back_as_query_alert_without_a_change() -> None:
    res = desired_monitor("HighErrorRate", type="metric alert")
    assert [c.action for c in compute_plan([res], state_of(as_live(res, "1", type="query alert"))).changes] == [
        Action.NOOP
    ]


def test_a_default_the_desired_payload_sets_is_still_compared() -> None:
    res = desired_monitor("HighErrorRate")
    res.payload["options"]["include_tags"] = False  # desired turns off a server default
    [change] = compute_plan(
        [res], state_of(as_live(res, "1", options={**as_live(res, "1")["options"], "include_tags": True}))
    ).changes
    assert isinstance(change, Update)
    assert [(f.path, f.before, f.after) for f in change.fields] == [("options.include_tags", True, False)]


def test_list_items_are_diffed_by_index_and_unordered_lists_sorted() -> None:
    from migrate.runner.diff import field_changes, normalize

    before = normalize("dashboard", {"widgets": [{"id": 1, "definition": {"title": "a"}}], "tags": ["b", "a"]})
    after = normalize("dashboard", {"widgets": [{"id": 2, "definition": {"title": "b"}}], "tags": ["a", "b"]})
    assert [(f.path, f.before, f.after) for f in field_changes(before, after)] == [
        ("widgets.0.definition.title", "a", "b")
    ]


def test_diff_text_is_coloured_only_on_a_terminal() -> None:
    import io

    from migrate.report.diff_text import plan_lines, print_lines

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    plan = compute_plan([desired_monitor("HighErrorRate")], State.empty())
    plain, tty = io.StringIO(), Tty()
    print_lines(plan_lines(plan), plain)
    print_lines(plan_lines(plan), tty)
    assert '+ create monitor "HighErrorRate"' in plain.getvalue()
    assert "\x1b[" not in plain.getvalue()
    assert "\x1b[" in tty.getvalue()
    assert '+ create monitor "HighErrorRate"' in tty.getvalue()


def test_diff_text_shows_tag_additions_and_long_values_on_their_own_lines() -> None:
    from migrate.report.diff_text import plan_lines

    res = desired_monitor("HighErrorRate", query="avg(last_5m):avg:http.errors{service:pay} by {host} > 5" + " " * 60)
    edited = as_live(res, "1", query="avg(last_5m):avg:http.errors{service:pay} by {host} > 9")
    edited["tags"] = [*edited["tags"], "oncall:night"]
    plan = compute_plan([res], state_of(edited))
    text = "\n".join(t for _, t in plan_lines(plan))
    assert '    tags: -"oncall:night"' in text
    assert '    query:\n      - "avg(last_5m):avg:http.errors{service:pay} by {host} > 9"\n      + "' in text
    assert "(1 managed by ddmigrate, 0 not: those are never changed)" in text


def test_an_owned_resource_that_names_no_source_is_never_in_a_scoped_plan() -> None:
    """A marker whose source lines and source tags were edited away cannot prove it came from this
    translation's sources: a scoped plan leaves it out of scope instead of deleting it."""
    other = desired_monitor("NrCondition", source="newrelic")
    payload = as_live(other, "2001")
    key = other.key
    payload["message"] = f"edited by hand\nManaged by ddmigrate (id: {key})."
    payload["tags"] = [t for t in payload["tags"] if not t.startswith("ddmigrate_source:")]
    assert ownership.owned_key("monitor", payload) == key
    plan = compute_plan([], state_of(payload), scope={"prometheus"})
    assert plan.of(Action.DELETE) == []
    assert [o["datadog_id"] for o in plan.out_of_scope] == ["2001"]
    assert [c.action for c in compute_plan([], state_of(payload)).changes] == [Action.DELETE], "no scope: all"
