"""What "names a service" means in NRQL for a phase's selection, and which workflows route a policy."""

from __future__ import annotations

import pytest

from migrate.sources.newrelic.selection import SERVICE_ATTRIBUTES, like, named_values, routes

CASES = [
    ("SELECT count(*) FROM Transaction WHERE appName = 'checkout-api'", {"checkout-api"}, []),
    ("FROM Transaction SELECT count(*) WHERE `appName` = 'a' OR appName IN ('b', 'c') FACET name", {"a", "b", "c"}, []),
    ("SELECT count(*) FROM Log WHERE entity.name = 'x\\'y'", {"x'y"}, []),
    ("SELECT count(*) FROM Transaction WHERE appName LIKE 'check%'", set(), ["check%"]),
    ("SELECT count(*) FROM Transaction WHERE appName != 'a' AND appName NOT IN ('b')", set(), []),
    ("SELECT count(*) FROM Transaction WHERE appName IN ({{apps}})", set(), []),
    ("SELECT count(*) FROM Transaction WHERE name = 'appName' AND appname='lower'", {"lower"}, []),
    ("SELECT count(*) FROM Transaction WHERE appName =", set(), []),
]


@pytest.mark.parametrize(("nrql", "values", "patterns"), CASES)
def test_named_services(nrql: str, values: set[str], patterns: list[str]) -> None:
    assert named_values(nrql, SERVICE_ATTRIBUTES) == (values, patterns)


def test_like_patterns() -> None:
    assert like("check%", "checkout-api") and like("%OUT%", "checkout-api")
    assert not like("%", "checkout-api") and not like("%%", "x"), "wildcards alone name no service"
    assert not like("check", "checkout-api")


def workflow(by_id: list[str] | None = None, by_name: tuple[str, str] | None = None) -> dict[str, object]:
    return {
        "policy_ids": [{"operator": "EXACTLY_MATCHES", "values": by_id}] if by_id else [],
        "policy_names": [{"operator": by_name[0], "values": [by_name[1]]}] if by_name else [],
    }


def test_routes() -> None:
    ids, names = {"10"}, {"Checkout (legacy)"}
    assert routes(workflow(by_id=["10", "11"]), ids, names)
    assert not routes(workflow(by_id=["20"]), ids, names)
    assert routes(workflow(by_name=("CONTAINS", "Checkout")), ids, names)
    assert routes(workflow(by_name=("STARTS_WITH", "Check")), ids, names)
    assert not routes(workflow(by_name=("EXACTLY_MATCHES", "Checkout")), ids, names)
    assert routes(workflow(by_name=("DOES_NOT_CONTAIN", "Search")), ids, names), "undecidable: kept"
    assert routes(workflow(), ids, names), "no policy predicate: every policy's issues"
