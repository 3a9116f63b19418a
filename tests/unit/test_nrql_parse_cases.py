"""The NRQL parse table (tests/cases/nrql_parse.yaml): each query's clauses, or its exact syntax error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.errors import TranslationError
from migrate.translate.nrql import NrqlSyntaxError, parse_nrql
from migrate.translate.nrql.dump import clauses
from migrate.translate.nrql.render import to_nrql

CASES = Path(__file__).resolve().parents[1] / "cases" / "nrql_parse.yaml"


def load_cases() -> list[dict[str, Any]]:
    rows = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    assert isinstance(rows, list)
    return rows


ROWS = load_cases()
PARSED = [r for r in ROWS if "error" not in r]
ERRORS = [r for r in ROWS if "error" in r]


def test_table_is_big_enough() -> None:
    assert len(PARSED) >= 100
    assert len(ERRORS) >= 20
    assert len({r["nrql"] for r in ROWS}) == len(ROWS), "a query is in the table twice"


@pytest.mark.parametrize("row", PARSED, ids=[r["nrql"][:60] for r in PARSED])
def test_parse(row: dict[str, Any]) -> None:
    expected = {k: v for k, v in row.items() if k != "nrql"}
    assert clauses(parse_nrql(row["nrql"])) == expected


@pytest.mark.parametrize("row", PARSED, ids=[r["nrql"][:60] for r in PARSED])
def test_written_back_parses_to_the_same_tree(row: dict[str, Any]) -> None:
    tree = parse_nrql(row["nrql"])
    assert parse_nrql(to_nrql(tree)) == tree


@pytest.mark.parametrize("row", ERRORS, ids=[r["nrql"][:60] for r in ERRORS])
def test_error(row: dict[str, Any]) -> None:
    with pytest.raises(NrqlSyntaxError) as caught:
        parse_nrql(row["nrql"])
    assert str(caught.value) == row["error"]


def test_error_carries_its_location_and_is_a_translation_error() -> None:
    query = "SELECT count(*)\nFROM Transaction\nWHERE appName IN 'shop'"
    with pytest.raises(NrqlSyntaxError) as caught:
        parse_nrql(query)
    error = caught.value
    assert isinstance(error, TranslationError)  # the CLI's one error boundary reports it without a traceback
    assert (error.line, error.column) == (3, 18)
    assert query[error.offset :] == "'shop'"
    assert error.expected == "'(' to open the IN list"
    assert error.found == "'shop'"
