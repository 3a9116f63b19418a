"""The PromQL case table (tests/cases/promql.tsv), one test per row.

Columns: expression, expected Datadog expression, fidelity, finding codes, options. The expected
expression is `QueryResult.expression`, followed by ` <op> <threshold>` when the rule's comparison was
lifted out, and prefixed with `no_data:` for absent(). `-` means empty. Options (`;`-separated):
`ns=NS`, `dist=1`, `by=l1,l2` (default_group_by), `types=name:type,..`, `var.NAME=value`,
`rule.NAME=expr`, `mon=1` (translated for a monitor: range functions keep their window with moving_rollup;
a range the monitor does not keep shows as `alert.range_window`, the finding alerts.py makes of it, and
counts in the fidelity). A known gap is a `manual` row: closing it shows up as a diff in the table.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest

from migrate.mappings import Mappings
from migrate.model import Outcome
from migrate.translate.ddquery import number
from migrate.translate.promql.context import PromqlContext
from migrate.translate.promql.translate import translate_promql
from migrate.translate.query import QueryContext, QueryResult

TABLE = Path(__file__).resolve().parents[1] / "cases" / "promql.tsv"


@dataclass
class Case:
    line: int
    expr: str
    expected: str
    fidelity: str
    codes: list[str]
    options: str


def base_mappings(namespace: str = "app", distributions: bool = False) -> Mappings:
    return Mappings(
        data={
            "prometheus": {
                "namespace": namespace,
                "histogram_buckets_as_distributions": distributions,
                "label_tags": {"instance": "endpoint"},  # as mappings/prometheus.yaml
                "server_labels": ["job", "instance"],
            }
        }
    )


def context_for(options: str) -> QueryContext:
    settings: dict[str, str] = {}
    ctx = QueryContext(mappings=base_mappings())
    for item in filter(None, options.split(";")):
        key, _, value = item.partition("=")
        if key.startswith("var."):
            ctx.variables[key[4:]] = value
        elif key.startswith("rule."):
            ctx.part(PromqlContext).recording_rules[key[5:]] = value
        elif key == "types":
            ctx.part(PromqlContext).metric_types = dict(pair.split(":", 1) for pair in value.split(","))
        elif key == "by":
            ctx.default_group_by = value.split(",")
        elif key == "mon":
            ctx.monitor = value == "1"
        else:
            settings[key] = value
    ctx.mappings = base_mappings(settings.get("ns", "app"), settings.get("dist") == "1")
    return ctx


def rendered(result: QueryResult) -> str:
    text = result.expression or "-"
    if result.comparison is not None:
        text += f" {result.comparison.op} {number(result.comparison.threshold)}"
    return ("no_data:" if result.no_data_alert else "") + text


def load_cases() -> list[Case]:
    cases = []
    with TABLE.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE), start=1):
            if not row or row[0].startswith("#") or line == 1:
                continue
            expr, expected, fidelity, codes, *rest = [*row, ""]
            code_list = [] if codes == "-" else codes.split(",")
            cases.append(Case(line, expr, expected, fidelity, code_list, rest[0] if rest else ""))
    return cases


CASES = load_cases()


def test_table_is_big_enough() -> None:
    assert len(CASES) >= 90
    assert len({(c.expr, c.options) for c in CASES}) == len(CASES), "duplicate rows"


@pytest.mark.parametrize("case", CASES, ids=[f"L{c.line}" for c in CASES])
def test_case(case: Case) -> None:
    result = translate_promql(case.expr, context_for(case.options))
    codes = {f.code for f in result.findings}
    fidelity = result.fidelity
    if any(r.difference for r in result.ranges):
        codes.add("alert.range_window")
        fidelity = Outcome.worst(fidelity, Outcome.APPROXIMATE)
    got = (rendered(result), fidelity.value, sorted(codes))
    assert got == (case.expected, case.fidelity, sorted(set(case.codes))), f"line {case.line}: {case.expr}"
    if case.fidelity != "manual":
        assert result.expression and result.metrics
    else:
        assert all(f.message for f in result.findings)
