"""What an NRQL aggregation asks of an event type's Datadog data, and the shared parts of the builders.

`Agg` is one aggregation call (`average(duration)`, `percentile(duration, 95)`, `rate(count(*), 1 minute)`);
a `Family` (nrql/apm, nrql/samples, nrql/events) turns it, with the condition and the facets, into a Datadog
expression over queries. The translator (nrql/translate) handles everything around: math, filter(),
percentage(), CASES, COMPARE WITH.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from migrate.translate.ddquery import BinOp, Filter, MetricQuery, Node, Number
from migrate.translate.nrql.findings import Manual, Notes
from migrate.translate.nrql.rules import AttributeRule, Rules
from migrate.translate.nrql.where import Cond

# NRQL aggregation → Datadog space aggregation of a gauge (latest is noted where it is used).
SPACE = {"average": "avg", "sum": "sum", "min": "min", "max": "max", "latest": "avg"}
PERCENTILE_NAMES = {50.0: "p50", 75.0: "p75", 90.0: "p90", 95.0: "p95", 99.0: "p99", 99.9: "p99.9"}


@dataclass(frozen=True, slots=True)
class Agg:
    fn: str  # lower case: average sum min max count percentile median latest apdex uniquecount
    attr: str | None  # None: `*`
    level: float | None = None  # percentile()'s level; median is 50
    threshold: float | None = None  # apdex()'s t
    per: float | None = None  # rate(x, unit): the unit in seconds


class Family(Protocol):
    def build(self, agg: Agg, cond: Cond | None, facets: tuple[str, ...]) -> Node: ...


def percentile_space(level: float, what: str) -> str:
    name = PERCENTILE_NAMES.get(level)
    if name is None:
        raise Manual("nrql.percentile_level", f"percentile {level:g} of {what}: Datadog computes p50 p75 p90 p95 p99")
    return name


def derived(
    rule: AttributeRule, space: str, filters: tuple[Filter, ...], group: tuple[str, ...], *, notes: Notes, attr: str
) -> Node:
    """The attribute's value from its metrics: their sum, times `multiply`, divided by `divide`, plus `add`.

    An aggregation commutes with `x * k + c` when it is avg, min or max (min and max swap when k < 0), and sum
    with no `c`; it commutes with a sum of metrics only when it is avg or sum (max of a sum is not a sum of maxes).
    """
    scale = rule.multiply / rule.divide
    if scale < 0 and space in ("min", "max"):
        space = "max" if space == "min" else "min"
    if rule.add and space == "sum":
        raise Manual("nrql.unsupported_aggregation", f"sum() of {attr}, which Datadog derives with an offset")
    if len(rule.metrics) > 1 and space not in ("avg", "sum"):
        notes.approximate(
            "nrql.sum_of_metrics", f"{space} of {attr} became the sum of the {space}s of {', '.join(rule.metrics)}"
        )
    node: Node | None = None
    for metric in rule.metrics:
        q = MetricQuery(metric, filters, space, group)
        node = q if node is None else BinOp(node, "+", q)
    assert node is not None
    return scaled(node, rule)


def scaled(node: Node, rule: AttributeRule) -> Node:
    negative = rule.multiply < 0
    factor = abs(rule.multiply)
    if factor != 1:
        node = BinOp(Number(factor), "*", node) if negative else BinOp(node, "*", Number(factor))
    if rule.divide != 1:
        node = BinOp(node, "/", Number(rule.divide))
    if negative:
        return BinOp(Number(rule.add), "-", node) if rule.add else BinOp(Number(-1), "*", node)
    return BinOp(node, "+", Number(rule.add)) if rule.add else node


def tag_key(attr: str, tables: tuple[dict[str, str | None], ...]) -> str | None:
    """The Datadog tag of an attribute: the first table naming it (None: none exists), else the attribute
    lowercased (Datadog lowercases tag keys on intake)."""
    for table in tables:
        if attr in table:
            return table[attr]
    return attr.lower()


def rules_note(rules: Rules) -> str:
    return f"namespace `{rules.namespace}`" if rules.namespace else "no namespace"
