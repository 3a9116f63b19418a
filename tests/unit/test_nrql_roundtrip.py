"""to_nrql and the parser agree on every tree: random trees (hypothesis) written out and read back are equal.

The corpus shows that parsed queries survive the trip; this goes the other way, from trees no query
in the corpus has (deep mixes of precedence, odd names and strings, every clause at once), so a
missing parenthesis or escape in to_nrql fails here. Trees are drawn in the parser's own normal form:
a negative number literal is a Number, never Negate(Number); several WHERE clauses are one.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.translate.nrql import ast, parse_nrql, to_nrql
from migrate.translate.nrql.cursor import TIME_UNITS
from migrate.translate.nrql.lexer import RESERVED

UNITS = sorted(set(TIME_UNITS.values()))
NAMES = st.sampled_from(["appName", "duration", "k8s.podName", "x", "_a1", "max", "minutes", "auto", "desc", "r"])
QUOTED = st.text(st.characters(blacklist_characters="`", blacklist_categories=["Cs"]), min_size=1, max_size=8)
VARIABLES = st.from_regex(r"[A-Za-z0-9_.\-]{1,8}", fullmatch=True).map(ast.Variable)
TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)
RAW = st.from_regex(r"[A-Za-z0-9 .*|\[\]()?<>+^$-]{0,10}", fullmatch=True)
FUNCTIONS = st.sampled_from(["count", "average", "percentile", "filter", "rate", "latest", "if", "concat", "Count"])
AMOUNT = st.integers(0, 10**6) | st.floats(0, 1e6, allow_nan=False, allow_infinity=False)
NUMBER = st.integers(-(10**18), 10**18) | st.floats(allow_nan=False, allow_infinity=False)

identifiers = st.builds(ast.Identifier, NAMES) | st.builds(ast.Identifier, QUOTED, st.just(True))
fields = st.builds(ast.Identifier, NAMES, st.booleans(), st.sampled_from(["count", "latest", "sum"]))
leaves = st.one_of(
    NUMBER.map(ast.Number),
    st.builds(ast.String, TEXT),
    st.builds(ast.String, RAW, st.just(True)),
    st.sampled_from([ast.Boolean(True), ast.Boolean(False), ast.Null()]),
    identifiers,
    fields,
    VARIABLES,
    st.builds(ast.Duration, AMOUNT, st.sampled_from(UNITS)),
)


def _negate(e: Any) -> Any:
    return ast.Number(-e.value) if isinstance(e, ast.Number) else ast.Negate(e)  # the parser folds -5 the same way


def _extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    operators = st.sampled_from(["+", "-", "*", "/", "=", "!=", "<", "<=", ">", ">=", "AND", "OR"])
    args = children | st.builds(ast.WhereArg, children, st.none() | TEXT) | st.builds(ast.NamedArg, NAMES, children)
    return st.one_of(
        st.builds(ast.Binary, operators, children, children),
        children.map(_negate),
        children.map(ast.Not),
        st.builds(ast.In, children, st.lists(children, max_size=3).map(tuple), st.booleans()),
        st.builds(ast.Like, children, children, st.booleans(), st.booleans()),
        st.builds(ast.Is, children, st.sampled_from(["NULL", "TRUE", "FALSE"]), st.booleans()),
        st.builds(ast.Call, FUNCTIONS, st.lists(args | st.just(ast.Star()), max_size=3).map(tuple)),
        st.lists(st.builds(ast.Case, children, st.none() | TEXT), min_size=1, max_size=3).map(
            lambda cases: ast.Cases(tuple(cases))
        ),
    )


expressions = st.recursive(leaves, _extend, max_leaves=8)
# Subqueries one level deep, with a few clauses: nesting them further only makes examples slow.
subqueries = st.builds(
    ast.Query,
    select=st.lists(st.builds(ast.SelectItem, expressions, st.none() | TEXT), min_size=1, max_size=2).map(tuple),
    source=st.lists(identifiers, min_size=1, max_size=2).map(tuple),
    where=st.none() | expressions,
    facet=st.lists(st.builds(ast.FacetItem, st.tuples(expressions)), max_size=1).map(tuple),
    limit=st.none() | st.just(ast.Keyword("MAX")),
)
subquery_values = st.builds(ast.In, expressions, subqueries, st.booleans()) | subqueries.map(ast.Subquery)
times = st.one_of(
    st.builds(ast.Ago, st.builds(ast.Duration, AMOUNT, st.sampled_from(UNITS))),
    st.sampled_from(["today", "yesterday", "now", "this week", "last month", "this quarter"]).map(ast.NamedTime),
    st.integers(0, 2**62).map(ast.Epoch),
    st.builds(ast.DateTime, TEXT),
    VARIABLES,
)
buckets = st.one_of(
    st.builds(ast.Duration, AMOUNT, st.none() | st.sampled_from(UNITS)),
    st.sampled_from([ast.Keyword("AUTO"), ast.Keyword("MAX")]),
    VARIABLES,
)


def _queries() -> st.SearchStrategy[ast.Query]:
    value = expressions | subquery_values
    sources = st.lists(identifiers | VARIABLES, min_size=1, max_size=3).map(tuple) | subqueries
    return st.builds(
        ast.Query,
        select=st.lists(
            st.builds(ast.SelectItem, value | st.just(ast.Star()), st.none() | TEXT), min_size=1, max_size=2
        ).map(tuple),
        source=sources,
        where=st.none() | value,
        facet=st.lists(
            st.builds(ast.FacetItem, st.lists(expressions, min_size=1, max_size=2).map(tuple), st.none() | TEXT),
            max_size=1,
        ).map(tuple),
        order_by=st.lists(st.builds(ast.OrderItem, expressions, st.none() | st.booleans()), max_size=1).map(tuple),
        timeseries=st.none() | st.builds(ast.Timeseries, st.none() | buckets),
        slide_by=st.none() | buckets,
        limit=st.none() | st.integers(0, 10**6) | st.just(ast.Keyword("MAX")) | VARIABLES,
        offset=st.none() | st.integers(0, 10**6),
        since=st.none() | times,
        until=st.none() | times,
        compare_with=st.none() | times,
        extrapolate=st.booleans(),
        timezone=st.none() | TEXT,
        metric_format=st.none() | TEXT,
    )


# Deterministic and unhurried: the same examples every run, no example database, no deadline on a loaded machine.
_BASE = settings(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))


@settings(_BASE, max_examples=300)
@given(expressions)
def test_written_expression_parses_back_equal(expr: ast.Expr) -> None:
    tree = ast.Query(select=(ast.SelectItem(expr),), source=(ast.Identifier("T"),))
    text = to_nrql(tree)
    assert parse_nrql(text) == tree, text


@settings(_BASE, max_examples=100)
@given(_queries())
def test_written_query_parses_back_equal(tree: ast.Query) -> None:
    text = to_nrql(tree)
    assert parse_nrql(text) == tree, text


def test_names_the_strategy_uses_are_not_reserved() -> None:
    # a reserved word in NAMES would make the writer's bare identifier unreadable, and the test moot
    assert not {"appName", "duration", "k8s.podName", "x", "_a1", "max", "minutes", "auto", "desc", "r"} & {
        w.lower() for w in RESERVED
    }
