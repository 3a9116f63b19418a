"""Composite monitor query text: one reader and writer (precedence, parentheses), keys <-> ids."""

from __future__ import annotations

import pytest

from migrate.translate.ddquery.composite import (
    QuerySyntaxError,
    monitor_ids,
    parse_composite,
    referenced_keys,
    render_composite,
    resolve,
    symbolic,
)

A, B, C = "aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("1 && 2", "1 && 2"),
        ("1&&!2", "1 && !2"),
        ("(1 || 2) && 3", "(1 || 2) && 3"),
        ("1 || 2 && 3", "1 || 2 && 3"),
        ("((1)) && (2 || 3)", "1 && (2 || 3)"),
        ("!(1 && 2)", "!(1 && 2)"),
    ],
)
def test_reads_and_writes_back(text: str, canonical: str) -> None:
    assert render_composite(parse_composite(text)) == canonical
    assert parse_composite(canonical) == parse_composite(text)


@pytest.mark.parametrize("text", ["", "1 &&", "1 & 2", "(1 && 2", "1 2", "ddmigrate_id:xyz && 1"])
def test_refuses_what_is_no_composite(text: str) -> None:
    with pytest.raises(QuerySyntaxError):
        parse_composite(text)


def test_keys_become_ids_and_back() -> None:
    query = f"ddmigrate_id:{A} && !(ddmigrate_id:{B} || ddmigrate_id:{C})"
    assert referenced_keys(query) == [A, B, C]
    partly = resolve(query, {A: "11", B: "22"})
    assert partly == f"11 && !(22 || ddmigrate_id:{C})"
    assert referenced_keys(partly) == [C]
    full = resolve(partly, {C: "33"})
    assert monitor_ids(full) == ["11", "22", "33"]
    assert symbolic(full, {"11": A, "22": B, "33": C}) == query
    assert referenced_keys("not a composite") == []
