"""Secrets by reference: which global variables tests need, the refusal without a value, apply's order."""

from __future__ import annotations

import pytest

from migrate.datadog import ownership
from migrate.errors import DDMigrateError
from migrate.model import DesiredResource, SourceRef
from migrate.runner.apply import waves
from migrate.runner.changes import Create, Delete, Update
from migrate.runner.secrets import VARIABLE, check_values, needed, variable_key, with_variables


def test_one_variable_per_name_carrying_every_user_source_and_no_value() -> None:
    refs = [SourceRef("pingdom", "check", str(i), f"c{i}") for i in range(3)]
    tests = [
        DesiredResource(
            "synthetic_test",
            f"k{i}",
            {"name": f"T{i}", "config": {"configVariables": [{"type": "global", "name": n} for n in names]}},
            [refs[i]],
        )
        for i, names in enumerate((["TOKEN"], ["TOKEN", "PASSWORD"], []))
    ]
    out = with_variables(tests)
    variables = {r.payload["name"]: r for r in out if r.type == VARIABLE}
    assert out[:3] == tests and sorted(variables) == ["PASSWORD", "TOKEN"]
    token = variables["TOKEN"]
    assert token.key == variable_key("TOKEN") and token.source_refs == refs[:2]
    assert token.payload["value"] == {"secure": True}, "the desired payload never holds a value"
    assert ownership.key_from_tags(token.payload["tags"]) == token.key
    assert ownership.key_from_text(token.payload["description"]) == token.key
    assert "DDMIGRATE_SECRET_TOKEN" in token.payload["description"]
    assert with_variables(out) == out, "a variable already desired is not derived twice"


def _variable(name: str) -> DesiredResource:
    (res,) = [r for r in with_variables([_test(name)]) if r.type == VARIABLE]
    return res


def _test(name: str) -> DesiredResource:
    ref = SourceRef("newrelic", "monitor", name, f"Uses {name}")
    return DesiredResource(
        "synthetic_test",
        name.lower(),
        {"name": f"Uses {name}", "config": {"configVariables": [{"type": "global", "name": name}]}},
        [ref],
    )


def test_an_apply_that_writes_a_variable_without_a_value_is_refused_naming_test_and_env() -> None:
    a, b = _variable("A"), _variable("B")
    changes = [
        Create(VARIABLE, a.key, "A", payload=a.payload),
        Update(VARIABLE, b.key, "B", datadog_id="v1", before={}, after=b.payload),
    ]
    desired = [_test("A"), _test("B")]
    check_values(changes, desired, {"DDMIGRATE_SECRET_A": "x", "DDMIGRATE_SECRET_B": "y"})
    with pytest.raises(DDMigrateError) as caught:
        check_values(changes, desired, {"DDMIGRATE_SECRET_A": "x"})
    assert "secret B (update): set DDMIGRATE_SECRET_B (NOT SET); used by 'Uses B'" in caught.value.message
    assert "DDMIGRATE_SECRET_A" not in caught.value.message
    assert needed([Delete(VARIABLE, a.key, "A", datadog_id="v2", payload=a.payload)], desired, {}) == [], (
        "a delete needs no value"
    )


def test_variables_are_written_before_and_deleted_after_everything_else() -> None:
    v = _variable("A")
    create_v = Create(VARIABLE, v.key, "A", payload=v.payload)
    delete_v = Delete(VARIABLE, "k2", "B", datadog_id="v9", payload=v.payload)
    test = Create("synthetic_test", "t", "T", payload={})
    gone = Delete("synthetic_browser_test", "b", "B", datadog_id="p", payload={})
    assert waves([delete_v, test, gone, create_v]) == [[create_v], [test, gone], [delete_v]]
    assert waves([test]) == [[test]]


def test_a_phase_derives_the_variable_the_whole_translation_would() -> None:
    a, b = (
        _test("SHARED"),
        DesiredResource("synthetic_test", "other", _test("SHARED").payload, [SourceRef("pingdom", "check", "9", "x")]),
    )
    (alone,) = [r for r in with_variables([a], [a, b]) if r.type == VARIABLE]
    (whole,) = [r for r in with_variables([a, b]) if r.type == VARIABLE]
    assert alone == whole, "same refs, same payload: phases sharing a variable do not fight over it"
    assert [r for r in with_variables([], [a, b]) if r.type == VARIABLE] == [], "only what the phase's tests use"
