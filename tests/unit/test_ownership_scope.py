"""The scope in the ownership marker: footer and tags agree, translation code's scope-less markers are
stamped at plan time, markers from before scopes belong to the ledger that holds them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.datadog import ownership
from migrate.datadog.ownership import FOOTER_IN_DESCRIPTION, TAGS_AND_FOOTER, Scope
from migrate.errors import InputError
from migrate.model import SourceRef
from migrate.runner.plan import compute_plan
from migrate.runner.scope import Ownership, migration_name, selection_of, settings_path
from migrate.runner.state import LiveResource, State
from migrate.testing.synthetic import desired_monitors

REF = SourceRef("prometheus", "alerting_rule", "a.yml/g/HighLatency", "HighLatency")
KEY = ownership.resource_key("monitor", [REF])
TEAM_A = Scope("team-a", "all")


def monitor(scope: Scope | None) -> dict[str, object]:
    return {
        "name": "HighLatency",
        "message": "Paging.\n\n" + ownership.footer(KEY, [REF], scope),
        "tags": ["team:x", *ownership.ownership_tags(KEY, [REF], scope)],
    }


def test_footer_and_tags_name_the_scope_and_stamping_a_scope_less_marker_gives_the_same() -> None:
    scoped = monitor(TEAM_A)
    assert TAGS_AND_FOOTER.key(scoped) == KEY and TAGS_AND_FOOTER.scope(scoped) == TEAM_A
    assert "ddmigrate_migration:team-a" in scoped["tags"]  # type: ignore[operator]
    stamped = TAGS_AND_FOOTER.stamped(monitor(None), TEAM_A)
    assert stamped["message"] == scoped["message"] and set(stamped["tags"]) == set(scoped["tags"])  # type: ignore[call-overload]
    moved = TAGS_AND_FOOTER.stamped(scoped, Scope("team-a", "service:checkout"))
    assert TAGS_AND_FOOTER.scope(moved) == Scope("team-a", "service:checkout"), "re-stamping replaces the scope"
    dashboard = {"title": "t", "description": "About.\n" + ownership.footer(KEY, [REF])}
    assert FOOTER_IN_DESCRIPTION.scope(FOOTER_IN_DESCRIPTION.stamped(dashboard, TEAM_A)) == TEAM_A


def test_a_marker_from_before_scopes_has_none_and_tags_that_disagree_match_no_migration() -> None:
    assert TAGS_AND_FOOTER.key(monitor(None)) == KEY and TAGS_AND_FOOTER.scope(monitor(None)) is None
    edited = monitor(TEAM_A)
    edited["tags"] = [t for t in edited["tags"] if not t.startswith("ddmigrate_migration:")]  # type: ignore[attr-defined]
    edited["tags"].append("ddmigrate_migration:team-b")  # type: ignore[attr-defined]
    scope = TAGS_AND_FOOTER.scope(edited)
    assert scope is not None and scope.migration not in ("team-a", "team-b")


def test_ownership_keeps_scope_less_resources_its_ledger_holds_and_leaves_the_rest_alone() -> None:
    own = Ownership(TEAM_A, frozenset({("monitor", "1")}))
    held = LiveResource("monitor", "1", monitor(None), KEY)
    stranger = LiveResource("monitor", "2", monitor(None), KEY)
    other = LiveResource("monitor", "3", monitor(Scope("team-b")), KEY)
    assert own.mine(held) and not own.mine(stranger) and not own.mine(other)
    state = State.from_resources([held, stranger, other], "test", own.mine)
    plan = compute_plan([], state, migration=TEAM_A)
    assert [(c.action.value, c.datadog_id) for c in plan.changes] == [("delete", "1")]
    assert {o["datadog_id"]: o["migration"] for o in plan.other_migrations} == {"2": "", "3": "team-b"}


def test_only_the_plans_own_selection_is_deleted() -> None:
    want = desired_monitors(2)
    own = Ownership(Scope("m", "service:a"))
    mine_a = [LiveResource("monitor", str(i), p, r.key) for i, (r, p) in enumerate(_stamped(want, "service:a"))]
    others = [LiveResource("monitor", f"b{i}", p, r.key) for i, (r, p) in enumerate(_stamped(want, "service:b"))]
    plan = compute_plan([], State.from_resources([*mine_a, *others], "t", own.mine), migration=own.scope)
    assert sorted(c.datadog_id or "" for c in plan.changes) == ["0", "1"]
    assert {o["selection"] for o in plan.out_of_scope} == {"service:b"}


def _stamped(want: list, selection: str) -> list:  # type: ignore[type-arg]
    return [(r, TAGS_AND_FOOTER.stamped(r.payload, Scope("m", selection))) for r in want]


def test_the_default_name_differs_per_workdir_and_org_and_the_settings_name_wins(tmp_path: Path) -> None:
    names = {migration_name(tmp_path, ledger, site) for ledger in ("l1", "l2") for site in ("https://a", "https://b")}
    assert len(names) == 4
    settings_path(tmp_path).parent.mkdir(parents=True)
    settings_path(tmp_path).write_text(json.dumps({"migration": "payments"}))
    assert migration_name(tmp_path, "l1", "https://a") == "payments"
    settings_path(tmp_path).write_text(json.dumps({"migration": "Payments Team!"}))
    with pytest.raises(InputError, match="not usable in a Datadog tag"):
        migration_name(tmp_path, "l1", "https://a")


def test_the_selection_comes_from_the_translation_or_its_inventories(tmp_path: Path) -> None:
    assert selection_of({}, tmp_path) == "all"
    assert selection_of({"inventories": [{"source": "prometheus"}]}, tmp_path) == "all"
    inventories = [{"selection": "service:b"}, {"selection": "service:a"}, {}]
    assert selection_of({"inventories": inventories}, tmp_path) == "service:a/service:b"
    with pytest.raises(InputError, match=r"translation\.json"):
        selection_of({"selection": "has space"}, tmp_path)
