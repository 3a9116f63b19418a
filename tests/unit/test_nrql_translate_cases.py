"""The NRQL → Datadog case table (tests/cases/nrql.tsv), one test per row.

Columns: NRQL, the expected Datadog formulas (each written inline as a monitor would read it, ` ;; ` between
the formulas of several SELECT items, percentiles, CASES and COMPARE WITH copies; `-` for none), fidelity,
finding codes (`,`-separated, `-` for none), options (`;`-separated: `span.APP=SPAN` names a service's span,
`ns=NS` the OpenMetrics namespace, `metric.NAME=DD` maps a dimensional metric). The rules are the shipped
newrelic.yaml with the Prometheus section this table fixes (namespace `app`, `instance` → `endpoint`,
`job` → `service`). A known gap is a `manual` row: closing it shows up as a diff in the table.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest

from migrate.mappings import Mappings, load_mappings
from migrate.translate.ddquery import render
from migrate.translate.nrql.rules import NrqlContext
from migrate.translate.nrql.translate import translate_nrql
from migrate.translate.query import QueryContext, QueryResult

TABLE = Path(__file__).resolve().parents[1] / "cases" / "nrql.tsv"
SEPARATOR = " ;; "
_SHIPPED = load_mappings()


@dataclass
class Case:
    line: int
    nrql: str
    expected: str
    fidelity: str
    codes: list[str]
    options: str


def context_for(options: str) -> QueryContext:
    newrelic = dict(_SHIPPED.section("newrelic"))
    prometheus = {"namespace": "app", "label_tags": {"instance": "endpoint", "job": "service"}}
    spans: dict[str, str] = {}
    metrics: dict[str, str] = {}
    for item in filter(None, options.split(";")):
        key, _, value = item.partition("=")
        if key.startswith("span."):
            spans[key[5:]] = value
        elif key.startswith("metric."):
            metrics[key[7:]] = value
        elif key == "ns":
            prometheus["namespace"] = value
        else:
            raise ValueError(f"unknown option {key!r}")
    newrelic["metrics"] = metrics
    ctx = QueryContext(mappings=Mappings(data={"newrelic": newrelic, "prometheus": prometheus}))
    ctx.part(NrqlContext).spans.update(spans)
    return ctx


def rendered(result: QueryResult) -> str:
    return SEPARATOR.join(render(f.inline()) for f in result.formulas) or "-"


def load_cases() -> list[Case]:
    cases = []
    with TABLE.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE), start=1):
            if not row or row[0].startswith("#") or line == 1:
                continue
            nrql, expected, fidelity, codes, *rest = [*row, ""]
            cases.append(Case(line, nrql, expected, fidelity, [] if codes == "-" else codes.split(","), rest[0]))
    return cases


CASES = load_cases()


def test_table_is_big_enough() -> None:
    assert len(CASES) >= 150
    assert len({(c.nrql, c.options) for c in CASES}) == len(CASES), "duplicate rows"


@pytest.mark.parametrize("case", CASES, ids=[f"L{c.line}" for c in CASES])
def test_case(case: Case) -> None:
    result = translate_nrql(case.nrql, context_for(case.options))
    got = (rendered(result), result.fidelity.value, sorted({f.code for f in result.findings}))
    assert got == (case.expected, case.fidelity, sorted(set(case.codes))), f"line {case.line}: {case.nrql}"
    assert all(f.message for f in result.findings)
    if case.fidelity != "manual":
        assert len(result.labels) == len(result.formulas)
