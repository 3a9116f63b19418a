"""Fuzzing the NRQL parser: whatever the text, the parser returns a tree or raises NrqlSyntaxError.

10,000+ inputs in all: 8,000 mutations of corpus queries (seeded, so a failure reproduces), 2,000
hypothesis examples (NRQL-shaped token soup and arbitrary text), and hand-made deep nesting. A tree
that comes out must also survive to_nrql and parse back equal, so the fuzz checks the writer too.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.nrql import CORPUS, alert_queries, dashboard_queries
from migrate.translate.nrql import MAX_DEPTH, NrqlSyntaxError, ast, parse_nrql
from migrate.translate.nrql.cursor import TIME_UNITS
from migrate.translate.nrql.lexer import RESERVED
from migrate.translate.nrql.render import to_nrql

QUERIES = [q for _, q in dashboard_queries(CORPUS) + alert_queries(CORPUS)]

# Reserved words, contextual words, names, literals, operators, and openings the lexer must refuse.
FRAGMENTS = (
    sorted(RESERVED)
    + sorted(set(TIME_UNITS))
    + [
        *("BY", "AUTO", "MAX", "AGO", "ASC", "DESC", "TIMEZONE", "METRIC_FORMAT", "CASES", "today", "this", "last"),
        *("count", "average", "percentile", "filter", "rate", "appName", "`request.uri`", "x[latest]", "Transaction"),
        *("1", "0.5", "-3", "10e8", "'x'", "'it\\'s'", '"q"', "r'4.*'", "{{var}}", "{{ v }}", "{{", "}}", "1 day ago"),
        *("(", ")", ",", "*", "/", "+", "-", "=", "!=", "<>", "<", "<=", ">", ">=", ":", "[", "]", ";", ".", "`", "'"),
        *("--", "/*", "*/", "//", "\n", "\t", "WHERE a = 1"),
    ]
)


def check(text: str) -> None:
    """The property: a tree that writes back to itself, or our own located error."""
    try:
        tree = parse_nrql(text)
    except NrqlSyntaxError as error:
        assert error.line >= 1
        assert error.column >= 1
        return
    assert isinstance(tree, ast.Query)
    assert parse_nrql(to_nrql(tree)) == tree


def mutate(rng: random.Random, text: str) -> str:
    i, j = sorted(rng.randrange(len(text) + 1) for _ in range(2))
    choice = rng.randrange(6)
    if choice == 0:  # cut a span out
        return text[:i] + text[j:]
    if choice == 1:  # repeat a span
        return text[:j] + text[i:j] + text[j:]
    if choice == 2:  # insert a fragment
        return text[:i] + rng.choice(FRAGMENTS) + text[i:]
    if choice == 3:  # truncate
        return text[:i]
    if choice == 4:  # swap two characters
        if len(text) < 2:
            return text
        k = rng.randrange(len(text) - 1)
        return text[:k] + text[k + 1] + text[k] + text[k + 2 :]
    return text[:i] + rng.choice(FRAGMENTS) + text[j:]  # replace a span


@pytest.mark.parametrize("seed", range(8))
def test_mutated_corpus_queries(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 (reproducible mutations, nothing secret)
    for _ in range(1000):
        text = rng.choice(QUERIES)
        for _ in range(rng.randint(1, 3)):
            text = mutate(rng, text)
        check(text)


_SETTINGS = settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,  # the same examples in CI as here
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@_SETTINGS
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30), st.sampled_from(["", " "]))
def test_token_soup(fragments: list[str], joiner: str) -> None:
    check(joiner.join(fragments))


@_SETTINGS
@given(st.text(max_size=200))
def test_arbitrary_text(text: str) -> None:
    check(text)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT " + "(" * 10_000 + "x" + ")" * 10_000 + " FROM T",
        "SELECT " + "f(" * 5_000 + "x" + ")" * 5_000 + " FROM T",
        "SELECT x FROM T WHERE " + "NOT " * 5_000 + "a = 1",
        "SELECT " + "- " * 5_000 + "x FROM T",
        "SELECT x FROM " + "(SELECT x FROM " * 2_000 + "T" + ")" * 2_000,
        "SELECT x FROM T WHERE a IN " + "(SELECT a FROM T WHERE a IN " * 2_000 + "(1)" + ")" * 2_000,
    ],
    ids=["parentheses", "calls", "not", "minus", "from-subqueries", "in-subqueries"],
)
def test_deep_nesting_is_a_syntax_error_not_a_recursion_error(text: str) -> None:
    with pytest.raises(NrqlSyntaxError, match=f"at most {MAX_DEPTH} levels of nesting"):
        parse_nrql(text)


@pytest.mark.parametrize("text", ["SELECT 1", "SELECT x FROM T LIMIT 1", "SELECT x FROM T SINCE 1", "SELECT 1.5e3"])
def test_numbers_longer_than_64_bits_are_a_syntax_error(text: str) -> None:
    with pytest.raises(NrqlSyntaxError, match="expected a number NRQL can hold"):
        parse_nrql(text.replace("1", "1" * 5_000) + (" FROM T" if "FROM" not in text else ""))


def test_nesting_up_to_the_limit_parses() -> None:
    depth = MAX_DEPTH - 2  # the SELECT item and the query itself take a level each
    tree = parse_nrql("SELECT " + "(" * depth + "x" + ")" * depth + " FROM T")  # noqa: S608 (NRQL, not SQL)
    assert tree.select[0].expr == ast.Identifier("x")
