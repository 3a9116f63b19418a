"""Changes know their inverse and survive a round trip through the plan file."""

import pytest

from migrate.model import SourceRef
from migrate.runner.changes import (
    Action,
    Create,
    Delete,
    FieldChange,
    Mute,
    NoOp,
    Unmute,
    Update,
    change_from_dict,
)
from migrate.runner.journal import Op
from migrate.runner.rollback import applied_change

REF = SourceRef("prometheus", "alerting_rule", "payments.yml/payment-gateway/HighErrorRate", "HighErrorRate")
PAYLOAD = {"name": "High error rate", "type": "query alert", "query": "avg(last_5m):avg:x{*} > 1"}


def test_create_reverses_to_delete_of_the_created_id() -> None:
    create = Create("monitor", "abc", "High error rate", (REF,), payload=PAYLOAD)
    undo = create.reverse(created_id="123")
    assert isinstance(undo, Delete)
    assert (undo.action, undo.datadog_id, undo.key, undo.payload) == (Action.DELETE, "123", "abc", PAYLOAD)
    assert undo.source_refs == (REF,)


def test_delete_reverses_to_create_of_the_deleted_payload() -> None:
    delete = Delete("monitor", "abc", "High error rate", (), "123", payload=PAYLOAD)
    redo = delete.reverse()
    assert isinstance(redo, Create)
    assert redo.payload == PAYLOAD
    assert redo.datadog_id is None  # a re-created resource gets a new id


def test_update_reverse_restores_the_pre_image() -> None:
    before = {**PAYLOAD, "tags": ["a"]}
    after = {**PAYLOAD, "name": "renamed"}
    fields = (FieldChange("name", "High error rate", "renamed"), FieldChange("tags", ["a"], None, after_absent=True))
    update = Update("monitor", "abc", "renamed", (REF,), "123", before=before, after=after, fields=fields)
    undo = update.reverse()
    assert undo.after == before
    assert undo.before == after
    assert undo.fields[1] == FieldChange("tags", None, ["a"], before_absent=True)
    assert undo.reverse() == update


def test_noop_is_its_own_inverse() -> None:
    noop = NoOp("monitor", "abc", "x", (), "1")
    assert noop.reverse() is noop
    assert noop.action is Action.NOOP


def test_every_change_round_trips_through_json() -> None:
    changes = [
        Create("monitor", "k1", "a", (REF,), payload=PAYLOAD),
        Update(
            "monitor",
            "k2",
            "b",
            (REF,),
            "2",
            before={"x": 1},
            after={"x": 2},
            fields=(FieldChange("x", 1, 2), FieldChange("y", None, 3, before_absent=True)),
        ),
        Delete("dashboard", "k3", "c", (), "abc-def-ghi", payload={"title": "c"}, reason="why"),
        NoOp("synthetic_test", "k4", "d", (), "pub-lic-id1"),
    ]
    for change in changes:
        assert change_from_dict(change.to_dict()) == change


def test_absent_is_distinct_from_null() -> None:
    absent = FieldChange("options.timeout_h", None, 1, before_absent=True)
    null = FieldChange("options.timeout_h", None, 1)
    assert absent.to_dict()["before"] != null.to_dict()["before"]
    assert FieldChange.from_dict(null.to_dict()) == null


def test_mute_reverses_to_unmute_of_the_same_resource() -> None:
    mute = Mute("downtime", "k1", "", datadog_id="77", muted_id="1001")
    unmute = mute.reverse()
    assert isinstance(unmute, Unmute) and (unmute.key, unmute.muted_id) == ("k1", "1001")
    assert unmute.reverse() == Mute("downtime", "k1", "", muted_id="1001")


@pytest.mark.parametrize(
    ("action", "undo"),
    [("create", Delete), ("update", Update), ("delete", Create), ("mute", Unmute)],
)
def test_rollback_rebuilds_each_journal_op_as_the_change_it_made(action: str, undo: type) -> None:
    op = Op(
        1, "r", None, action, "monitor", "k1", "42", {"name": "new", "monitor_id": "42"}, {"name": "old"}, "done", None
    )
    reverse = applied_change(op).reverse()
    assert isinstance(reverse, undo)
    if isinstance(reverse, Delete):
        assert reverse.datadog_id == "42"
    if isinstance(reverse, Update):
        assert reverse.after == {"name": "old"} and reverse.before["name"] == "new"
    if isinstance(reverse, Create):
        assert reverse.payload == {"name": "old"}, "re-created from the pre-image"
    if isinstance(reverse, Unmute):
        assert reverse.muted_id == "42"
