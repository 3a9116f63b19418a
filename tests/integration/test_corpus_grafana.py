"""Every Grafana dashboard in tests/corpus/grafana: no crash, every payload schema-valid, every panel and
every target accounted for in the ledger."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from migrate.datadog.validate import validate_payload
from migrate.ledger import Ledger
from migrate.mappings import load_mappings
from migrate.model import DesiredResource
from migrate.sources.grafana import Collected, collect_files
from migrate.translate.base import TranslateEnv
from migrate.translate.grafana.dashboards import translate
from migrate.translate.query import QueryContext

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "grafana"


@pytest.fixture(scope="module")
def corpus() -> tuple[Collected, list[DesiredResource], Ledger]:
    collected = collect_files([CORPUS])
    env = TranslateEnv(ctx=QueryContext(mappings=load_mappings()), ledger=Ledger())
    return collected, translate(collected.objects, env), env.ledger


def test_every_dashboard_and_panel_has_one_ledger_entry(
    corpus: tuple[Collected, list[DesiredResource], Ledger],
) -> None:
    collected, resources, ledger = corpus
    assert len(resources) == len(collected.dashboards()) >= 40
    assert {e.ref.key for e in ledger} == {o.ref.key for o in collected.objects}


def test_every_target_is_counted_in_its_panel(corpus: tuple[Collected, list[DesiredResource], Ledger]) -> None:
    collected, _, ledger = corpus
    for obj in collected.objects:
        if obj.ref.kind != "panel":
            continue
        entry = ledger.get(obj.ref.key)
        assert entry is not None
        counted = Counter(f.code for f in entry.findings)
        targets = obj.normalized["targets"]
        assert counted["grafana.query"] + counted["grafana.query_empty"] == len(targets), obj.ref.key


@pytest.mark.parametrize("index", range(0, 42, 6))
def test_payloads_are_schema_valid(corpus: tuple[Collected, list[DesiredResource], Ledger], index: int) -> None:
    """A slice per test id keeps failures readable; together the slices cover every dashboard."""
    _, resources, _ = corpus
    for resource in resources[index : index + 6]:
        assert validate_payload("dashboard", resource.payload) == [], resource.payload["title"]


def test_no_internal_placeholder_reaches_a_payload(corpus: tuple[Collected, list[DesiredResource], Ledger]) -> None:
    # Template variables travel through the PromQL parser as `__ddvar_<name>__` label values; one left in a
    # Datadog query would filter on a value that never exists, silently.
    import json

    _, resources, _ = corpus
    leaked = [r.payload.get("title", r.key) for r in resources if "__ddvar_" in json.dumps(r.payload)]
    assert not leaked, leaked


def test_counts_for_the_readme(corpus: tuple[Collected, list[DesiredResource], Ledger]) -> None:
    """README's Grafana table; run with -s to print it. Every panel and target lands in exactly one column."""
    collected, _, ledger = corpus
    panels: Counter[str] = Counter()
    queries: Counter[str] = Counter()
    for obj in collected.objects:
        entry = ledger.get(obj.ref.key)
        if obj.ref.kind != "panel" or entry is None:
            continue
        panels[entry.outcome.value] += 1
        queries.update(f.outcome.value for f in entry.findings if f.code == "grafana.query")
    codes = Counter(f.code for e in ledger for f in e.findings if e.ref.kind == "panel")
    columns = ("exact", "approximate", "manual")
    sys.stdout.write(
        f"\npanels ({sum(panels.values())}): "
        + " / ".join(str(panels[k]) for k in columns)
        + f"\nqueries ({sum(queries.values())}): "
        + " / ".join(str(queries[k]) for k in columns)
        + "\npanel codes: "
        + ", ".join(f"{c} {n}" for c, n in codes.most_common(30))
        + "\n"
    )
    assert sum(panels.values()) == sum(1 for o in collected.objects if o.ref.kind == "panel")
    assert set(panels) <= {"exact", "approximate", "manual"}
