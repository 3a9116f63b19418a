"""The PromQL translator beyond the case table: the whole rule corpus, variables, robustness."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.model import Outcome
from migrate.translate.ddquery import AsCount, BinOp, MetricQuery, Number, Ref, Rollup, render, walk
from migrate.translate.languages import LANGUAGES
from migrate.translate.promql.context import PromqlContext
from migrate.translate.promql.translate import selector_names, translate_promql
from migrate.translate.promql.vars import substitute
from migrate.translate.query import QueryContext
from tests.unit.test_promql_cases import base_mappings

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "prometheus"
CODE = re.compile(r"^promql\.[a-z_]+$")


def corpus_rules() -> list[tuple[str, str, str | None]]:
    """(file, expression, record name) for every rule under tests/corpus/prometheus."""
    rules = []
    for path in sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yml", ".yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            body: Any = doc.get("spec", doc) if isinstance(doc, dict) else {}
            for group in (body or {}).get("groups") or []:
                for rule in group.get("rules") or []:
                    rules.append((str(path.relative_to(CORPUS)), str(rule["expr"]), rule.get("record")))
    return rules


RULES = corpus_rules()


def test_corpus_is_there() -> None:
    assert len(RULES) > 800
    assert sum(1 for _, _, record in RULES if record) > 100


@pytest.mark.parametrize("distributions", [False, True])
def test_every_corpus_rule_translates(distributions: bool) -> None:
    records = {record: expr for _, expr, record in RULES if record}
    ctx = QueryContext(
        mappings=base_mappings("ns", distributions), parts={PromqlContext: PromqlContext(recording_rules=records)}
    )
    outcomes = dict.fromkeys(Outcome, 0)
    for path, expr, _ in RULES:
        result = translate_promql(expr, ctx)  # must not raise
        outcomes[result.fidelity] += 1
        where = f"{path}: {expr}"
        assert all(CODE.match(f.code) and f.message for f in result.findings), where
        if result.fidelity is Outcome.MANUAL:
            assert result.formula is None, where
            continue
        assert result.expression, where
        assert result.metrics and result.source_metrics, where
        assert result.formula is not None, where
        used = {r.name for r in walk(result.formula.expr) if isinstance(r, Ref)}
        assert used == set(result.queries), where  # every query is in the formula, and only those
    # Not a pinned number (the table pins behaviour): the corpus must exercise every outcome.
    assert outcomes[Outcome.EXACT] and outcomes[Outcome.APPROXIMATE] and outcomes[Outcome.MANUAL]


def test_recording_rules_are_inlined_not_renamed() -> None:
    rules = {"job:errors:rate5m": "sum by (job, code) (rate(errors_total[5m]))"}
    ctx = QueryContext(mappings=base_mappings(), parts={PromqlContext: PromqlContext(recording_rules=rules)})
    result = translate_promql('sum by (code) (job:errors:rate5m{code="500"}) > 1', ctx)
    assert {name: render(q) for name, q in result.queries.items()} == {
        "a": "sum:app.errors.count{code:500} by {code}.as_rate()"
    }
    assert result.source_metrics == ["errors_total"]
    assert result.metrics == ["app.errors.count"]


def test_type_sources_in_order() -> None:
    mappings = base_mappings()
    mappings.data["prometheus"]["metric_types"] = {"jobs": "counter", "queue": "gauge"}
    ctx = QueryContext(mappings=mappings)
    ctx.part(PromqlContext).metric_types = {"queue": "counter"}
    assert translate_promql("sum(rate(jobs[5m]))", ctx).expression == "sum:app.jobs.count{*}.as_rate()"
    # collected metadata beats the mappings
    assert translate_promql("sum(rate(queue[5m]))", ctx).expression == "sum:app.queue.count{*}.as_rate()"
    ctx.part(PromqlContext).metric_types = {}
    assert translate_promql("sum(rate(queue[5m]))", ctx).expression == "per_second(sum:app.queue{*})"


def test_default_group_by_maps_labels_to_tags() -> None:
    ctx = QueryContext(mappings=base_mappings(), default_group_by=["instance", "job", "pod"])
    result = translate_promql("node_load1 > 4", ctx)
    assert result.expression == "avg:app.node_load1{*} by {endpoint,pod}"
    assert result.group_by == ["endpoint", "pod"]
    assert {"promql.no_aggregation", "promql.server_label"} <= {f.code for f in result.findings}


def test_variables_substitution() -> None:
    text, findings = substitute('rate(x{a="$a",b=~"${b:regex}",c="[[c]]"}[$__rate_interval])', {"a": "1", "b": "$host"})
    assert text == 'rate(x{a="1",b=~"__ddvar_host__",c="__ddvar_c__"}[300s1ms])'
    assert [f.code for f in findings] == ["promql.template_variable"]
    assert substitute('label_replace(x, "d", "$1", "s", "(.*)")', {})[0] == 'label_replace(x, "d", "$1", "s", "(.*)")'


def test_selector_names_and_languages_registry() -> None:
    assert selector_names("sum(rate(a_total[5m])) / b{x='$v'}") == ["a_total", "b"]
    assert selector_names("sum(") == []
    assert LANGUAGES["promql"].translate is translate_promql


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        " ",
        "{",
        "sum(",
        "x[5m",
        "1 +",
        "$",
        "${}",
        "rate(x)",
        '"str"',
        "x{a=~'('}",
        "x" * 5000,
        "(" * 300 + "x" + ")" * 300,
    ],
)
def test_bad_input_is_a_manual_finding_not_an_exception(garbage: str) -> None:
    result = translate_promql(garbage, QueryContext(mappings=base_mappings()))
    assert result.fidelity in (Outcome.MANUAL, Outcome.APPROXIMATE, Outcome.EXACT)
    if result.fidelity is Outcome.MANUAL:
        assert result.findings and result.expression == ""


def test_the_result_is_a_query_tree() -> None:
    result = translate_promql("sum(increase(x_total[1h])) / 2", QueryContext(mappings=base_mappings()))
    assert result.formula is not None
    assert result.formula.expr == BinOp(Ref("a"), "/", Number(2))
    assert result.queries == {"a": MetricQuery("app.x.count", space="sum", modifiers=(AsCount(), Rollup("sum", 3600)))}
