"""Every NRQL query of the New Relic corpus (tests/corpus/newrelic) parses, or fails with a located error.

The two that fail are not NRQL, so they are pinned here with the reason; any other failure is a
parser bug. Every parsed tree is written back with to_nrql and must parse to an equal tree.
"""

from __future__ import annotations

import pytest

from bench.nrql import CORPUS, alert_queries, dashboard_queries
from migrate.translate.nrql import NrqlSyntaxError, ast, parse_nrql
from migrate.translate.nrql.render import to_nrql

DASHBOARDS = dashboard_queries(CORPUS)
ALERTS = alert_queries(CORPUS)

# The queries that are not NRQL, with where they are and why.
INVALID = {
    "FROM Log SELECT * where ": ("dashboards/python/python.json", "1:25", "WHERE and then no condition"),
    (
        "average(kentik.snmp.IfOutUtilization) FACET device_name, if_interface_name, if_Alias WHERE metricName ="
        " 'kentik.snmp.IfOutUtilization' AND entity.type in ('ROUTER','SWITCH') and if_Type like 'ethernetcsmacd'"
    ): (
        "alert-policies/network-routers-and-switches/average-transmit-violation.yml",
        "1:1",
        "neither SELECT nor FROM: only the aggregate of a condition's query",
    ),
}
TREES = {q: parse_nrql(q) for _, q in DASHBOARDS + ALERTS if q not in INVALID}


def test_corpus_counts_match_its_sources() -> None:
    # tests/corpus/SOURCES.md: 142 dashboards with 3,557 NRQL queries, 355 NRQL conditions
    assert len(DASHBOARDS) == 3557
    assert len(ALERTS) == 355


def test_every_query_parses_except_the_invalid_ones() -> None:
    failed: dict[str, tuple[str, str]] = {}
    for origin, query in DASHBOARDS + ALERTS:
        if query in INVALID:
            with pytest.raises(NrqlSyntaxError) as caught:
                parse_nrql(query)
            failed[query] = (origin, f"{caught.value.line}:{caught.value.column}")
    assert failed == {query: (origin, where) for query, (origin, where, _) in INVALID.items()}
    assert len(TREES) + len(INVALID) == len({q for _, q in DASHBOARDS + ALERTS})


def test_written_back_queries_parse_to_the_same_tree() -> None:
    for query, tree in TREES.items():
        assert parse_nrql(to_nrql(tree)) == tree, query


def _walk(node: object) -> list[object]:
    found = [node]
    if isinstance(node, tuple):
        for item in node:
            found += _walk(item)
    elif hasattr(node, "__dataclass_fields__"):
        for name in node.__dataclass_fields__:
            found += _walk(getattr(node, name))
    return found


def test_the_corpus_constructs_the_issue_names_are_in_the_trees() -> None:
    """Counted over trees, not text: the constructs SOURCES.md lists as common must really be parsed."""
    trees = list(TREES.values())
    nodes = [n for t in trees for n in _walk(t)]
    assert sum(t.compare_with is not None for t in trees) > 200
    assert sum(t.slide_by is not None for t in trees) > 20
    assert sum(isinstance(t.source, tuple) and len(t.source) > 1 for t in trees) > 300
    assert sum(isinstance(t.source, ast.Query) for t in trees) > 5
    assert sum(isinstance(n, ast.Cases) for n in nodes) > 50
    assert sum(isinstance(n, ast.Variable) for n in nodes) > 100
    assert sum(isinstance(n, ast.In) and isinstance(n.values, ast.Query) for n in nodes) > 0
    assert sum(isinstance(n, ast.WhereArg) for n in nodes) > 300  # filter() / percentage()
    assert sum(isinstance(n, ast.String) and n.raw for n in nodes) > 0
