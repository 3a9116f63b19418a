"""Every Datadog query the corpus translation writes reads back into the query tree and renders to the same text:
all monitors' `query` (metric, forecast, service check, placeholder) and every widget request's queries and
formulas, from tests/corpus/prometheus and tests/corpus/grafana."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from migrate.ledger import Ledger
from migrate.mappings import load_mappings
from migrate.model import DesiredResource
from migrate.sources.grafana import collect_files as collect_grafana
from migrate.sources.prometheus import collect_files as collect_prometheus
from migrate.translate.base import TranslateEnv
from migrate.translate.ddquery import ServiceCheckQuery, parse_formula, parse_monitor, render
from migrate.translate.ddquery.composite import parse_composite, render_composite
from migrate.translate.grafana.dashboards import translate as translate_dashboards
from migrate.translate.query import QueryContext
from migrate.translate.run import run_translators

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def _resources() -> list[DesiredResource]:
    mappings = load_mappings()
    out: list[DesiredResource] = []
    for project in sorted(p for p in (CORPUS / "prometheus").iterdir() if p.is_dir()):
        out += run_translators([collect_prometheus([project])], mappings).resources
    env = TranslateEnv(ctx=QueryContext(mappings=mappings), ledger=Ledger())
    return out + translate_dashboards(collect_grafana([CORPUS / "grafana"]).objects, env)


def _requests(node: Any) -> Iterator[dict[str, Any]]:
    """Widget requests with formula-and-function queries, nested groups included."""
    if isinstance(node, dict):
        if isinstance(node.get("queries"), list):
            yield node
        for value in node.values():
            yield from _requests(value)
    elif isinstance(node, list):
        for item in node:
            yield from _requests(item)


def test_every_corpus_query_reads_back_to_the_same_text() -> None:
    seen: Counter[str] = Counter()
    for res in _resources():
        if res.type == "monitor" and res.payload["type"] == "composite":
            text = res.payload["query"]
            node = parse_composite(text)
            assert render_composite(node) == text, res.key
            assert parse_composite(render_composite(node)) == node, res.key
            seen["composite"] += 1
            continue
        if res.type == "monitor":
            text = res.payload["query"]
            monitor = parse_monitor(text)
            assert render(monitor) == text, res.key
            assert parse_monitor(render(monitor)) == monitor, res.key
            seen["service check" if isinstance(monitor, ServiceCheckQuery) else "monitor"] += 1
            continue
        for request in _requests(res.payload.get("widgets")):
            queries = {q["name"]: q["query"] for q in request["queries"] if q.get("data_source") == "metrics"}
            for formula in request.get("formulas") or [{"formula": name} for name in queries]:
                tree = parse_formula(formula["formula"], queries)
                assert render(tree) == formula["formula"], res.key
                assert {name: render(q) for name, q in tree.queries.items()} == queries, res.key
                seen["formula"] += 1
            seen["widget query"] += len(queries)
    # Not pinned numbers (the corpus tests count outcomes): every kind of query text must have been read.
    assert all(seen[kind] > 0 for kind in ("monitor", "service check", "composite", "formula", "widget query")), seen
