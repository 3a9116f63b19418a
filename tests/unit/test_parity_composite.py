"""A composite's firing from its parts' states (migrate/parity/composite.py `combine`): the boolean operators step
by step, and groups paired by the tags the parts have in common."""

from __future__ import annotations

from migrate.parity.composite import combine, project
from migrate.translate.ddquery.composite import parse_composite

TIMES = range(0, 600, 60)  # ten steps


def _on(*minutes: int) -> set[int]:
    return {m * 60 for m in minutes}


def test_and_or_not_step_by_step() -> None:
    states = {"a": {"pod:p1": _on(1, 2, 3, 4)}, "b": {"pod:p1": _on(3, 4, 5)}}
    tags = ["pod"]
    assert combine(parse_composite("a && b"), states, tags, TIMES) == {"pod:p1": _on(3, 4)}
    assert combine(parse_composite("a || b"), states, tags, TIMES) == {"pod:p1": _on(1, 2, 3, 4, 5)}
    assert combine(parse_composite("a && !b"), states, tags, TIMES) == {"pod:p1": _on(1, 2)}
    # precedence as Datadog reads it: ! then && then ||
    assert combine(parse_composite("!a || b && a"), states, tags, TIMES) == {"pod:p1": _on(0, 3, 4, 5, 6, 7, 8, 9)}


def test_groups_pair_by_common_tags() -> None:
    # a per (endpoint, mountpoint), b per endpoint: the composite's groups are the endpoints; one of a's groups in
    # alert puts its endpoint in alert
    states = {
        "a": {
            "endpoint:h1,mountpoint:/": _on(1, 2),
            "endpoint:h1,mountpoint:/data": _on(2, 3),
            "endpoint:h2,mountpoint:/": _on(5),
        },
        "b": {"endpoint:h1": _on(2, 3), "endpoint:h2": _on(1)},
    }
    assert combine(parse_composite("a && b"), states, ["endpoint"], TIMES) == {
        "endpoint:h1": _on(2, 3),
        "endpoint:h2": set(),
    }
    # a group only one part has: the other is not in alert there, so its negation holds
    only_a = {"a": {"pod:p1": _on(1), "pod:p2": _on(4)}, "b": {"pod:p1": _on(1)}}
    assert combine(parse_composite("a && !b"), only_a, ["pod"], TIMES) == {"pod:p1": set(), "pod:p2": _on(4)}


def test_ungrouped_parts_are_one_group() -> None:
    states = {"a": {"*": _on(1, 2)}, "b": {"*": _on(2)}}
    assert combine(parse_composite("a && !b"), states, [], TIMES) == {"*": _on(1)}
    assert project("endpoint:h1,pod:p1", ["pod"]) == "pod:p1" and project("endpoint:h1", []) == "*"
