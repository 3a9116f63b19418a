"""Every NRQL query of the New Relic corpus (3,557 dashboard + 355 alert queries) through the translator.

No exception escapes; every result that is not manual renders, and each query and formula read back with the
one reader (`ddquery.parse_query` / `parse_formula`) is the same tree. The counts per outcome are printed
(`pytest -s`) and bounded below, so a change that loses translations shows up here; the mutated-corpus fuzz
inputs (tests/unit/test_nrql_fuzz.py's mutations) go through the translator too.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from bench.nrql import CORPUS, alert_queries, dashboard_queries
from migrate.mappings import load_mappings
from migrate.model import Outcome
from migrate.translate.ddquery import parse_formula, parse_query, render
from migrate.translate.nrql.translate import PARSE_ERROR, translate_nrql
from migrate.translate.query import QueryContext, QueryResult
from tests.unit.test_nrql_fuzz import mutate

DASHBOARDS = [q for _, q in dashboard_queries(CORPUS)]
ALERTS = [q for _, q in alert_queries(CORPUS)]


@pytest.fixture(scope="module")
def ctx() -> QueryContext:
    return QueryContext(mappings=load_mappings())


def check_round_trip(result: QueryResult) -> None:
    assert result.formula is not None, result.original
    assert len(result.labels) == len(result.formulas)
    for name, query in result.queries.items():
        assert parse_query(render(query)) == query, (name, result.original)
    for formula in result.formulas:
        texts = {name: render(q) for name, q in formula.queries.items()}
        assert parse_formula(render(formula), texts) == formula, result.original


def outcomes(queries: list[str], ctx: QueryContext) -> tuple[Counter[str], Counter[str]]:
    by_outcome: Counter[str] = Counter()
    manual_codes: Counter[str] = Counter()
    for text in queries:
        result = translate_nrql(text, ctx)
        by_outcome[result.fidelity.value] += 1
        if result.fidelity is Outcome.MANUAL:
            assert result.formula is None and all(f.message for f in result.findings)
            manual_codes[result.findings[-1].code] += 1
        else:
            check_round_trip(result)
    return by_outcome, manual_codes


@pytest.mark.parametrize(("name", "queries", "floor"), [("dashboard", DASHBOARDS, 1300), ("alert", ALERTS, 180)])
def test_corpus_translates(name: str, queries: list[str], floor: int, ctx: QueryContext) -> None:
    by_outcome, manual_codes = outcomes(queries, ctx)
    print(f"\n{name} queries: {len(queries)}: " + ", ".join(f"{k} {v}" for k, v in sorted(by_outcome.items())))  # noqa: T201
    print("  manual by reason: " + ", ".join(f"{k} {v}" for k, v in manual_codes.most_common()))  # noqa: T201
    assert sum(by_outcome.values()) == len(queries)
    assert by_outcome["exact"] + by_outcome["approximate"] >= floor


def test_fuzzed_corpus_queries_translate_without_exceptions(ctx: QueryContext) -> None:
    rng = random.Random(11)  # noqa: S311 (reproducible mutations, nothing secret)
    parse_errors = 0
    for _ in range(3000):
        text = rng.choice(DASHBOARDS + ALERTS)
        for _ in range(rng.randint(1, 3)):
            text = mutate(rng, text)
        result = translate_nrql(text, ctx)
        if result.fidelity is not Outcome.MANUAL:
            check_round_trip(result)
        parse_errors += any(f.code == PARSE_ERROR for f in result.findings)
    assert 0 < parse_errors < 3000  # the mutations reach both the parser's errors and the translator
