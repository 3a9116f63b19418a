"""PromQL aggregations → Datadog space aggregations: `sum`/`avg`/`min`/`max` by (...) set the query's
space aggregation and group-by; `count` counts groups; `topk`/`bottomk` become `top()`.

Datadog applies one space aggregation per query, so an aggregation over an aggregation is exact only
when it merges groups the same way (`sum by (a) (sum by (a, b) (x))`); over a formula each query is
aggregated first, which commutes for sum and avg over a linear formula.
"""

from __future__ import annotations

from typing import Any

import promql_parser as pp

from migrate.model import Outcome
from migrate.translate.ddquery import Call, number
from migrate.translate.promql import tables as t
from migrate.translate.promql.selectors import Selectors
from migrate.translate.promql.walk import Manual, Query, Val, strip
from migrate.translate.query import Comparison, QueryResult


class Aggregations(Selectors):
    def aggregate(self, node: Any) -> Val:
        op = str(node.op)
        inner = strip(node.expr)
        if op == "count" and node.modifier is None and _grouped(inner):
            return self.count_groups(inner)
        value = self.visit(node.expr)
        if value.scalar is not None:
            raise Manual("promql.constant", f"{op}() of a constant")
        labels = self.group_labels(node, value)
        if op in ("topk", "bottomk"):
            return self.top(op, node, value)
        if op == "count":
            if labels:
                raise Manual("promql.count_by", "count by (...): Datadog counts series only across the whole query")
            inner = [q for q in value.queries if not q.space]
            if inner and not self.default_group_by:
                raise Manual("promql.count_series", "count() of series that are not grouped: no label list to count")
            for q in inner:
                self.set_aggregation(q, "avg", list(self.default_group_by_tags(q)))
                self.note(
                    "promql.count_series",
                    f"count() of series became the number of distinct "
                    f"{{{', '.join(q.group_by or [])}}} groups of {q.metric}",
                )
            return Val(formula=Call("count_not_null", value.formula), queries=value.queries, group_by=[])
        if op not in ("sum", "avg", "min", "max"):
            raise Manual("promql.unsupported_aggregation", f"{op}() has no Datadog space aggregation")
        self.check_pushed(node)
        single = value.query or (value.linear if op in ("sum", "avg") else None)
        if single is not None:
            self.aggregate_query(single, op, labels)
            return Val(
                formula=value.formula,
                query=value.query,
                queries=value.queries,
                group_by=single.group_by,
                linear=value.linear,
            )
        self.note(
            "promql.aggregation_over_formula",
            f"{op}() of a computed expression: each query is aggregated first, then combined",
        )
        for q in value.queries:
            self.aggregate_query(q, op, labels)
        return Val(formula=value.formula, queries=value.queries, group_by=labels)

    def any_passing(self, agg: Any, result: QueryResult) -> Val:
        """`agg by (g) (x > c)` as a whole rule (or `count by (g) (x > c) > 0`): a group is in the result exactly when
        one of its series passes the filter, whatever the aggregation, so the monitor is `max by {g} (x) > c`
        (`min` for `<`, `<=`)."""
        inner = strip(agg.expr)
        op, vector, threshold = _filter_parts(inner)
        value = self.visit(vector)
        q = value.query
        if q is None or q.space:
            raise Manual("promql.nested_comparison", f"a {op} filter inside {agg.op}() of a computed expression")
        labels = self.group_labels(agg, value)
        space = "max" if op in (">", ">=") else "min"
        self.set_aggregation(q, space, labels)
        result.comparison = Comparison(op, threshold)
        groups = f"by {{{', '.join(q.group_by)}}}" if q.group_by else "of all series"
        self.note(
            "promql.any_series",
            f"{agg.op}() of the series passing {op} {number(threshold)} has a value for a group exactly when one of "
            f"its series passes: the monitor alerts on the {space} {groups} {op} {number(threshold)}",
            Outcome.EXACT,
        )
        return Val(formula=value.formula, query=q, queries=value.queries, group_by=q.group_by)

    def count_groups(self, inner: Any) -> Val:
        """`count(count by (x) (m))`: the number of distinct x, `count_not_null()` of one series per x group (any
        space aggregation makes one: the inner one where Datadog has it, avg for count/group)."""
        value = self.visit(inner.expr)
        labels = self.group_labels(inner, value)
        q = value.query
        if q is None or q.space or not labels:
            raise Manual("promql.count_by", "count() of groups of a computed expression")
        self.set_aggregation(q, str(inner.op) if str(inner.op) in ("sum", "avg", "min", "max") else "avg", labels)
        return Val(formula=Call("count_not_null", value.formula), queries=value.queries, group_by=[])

    def aggregate_query(self, q: Query, op: str, labels: list[str]) -> None:
        if not q.space:
            self.set_aggregation(q, op, labels)
            return
        if q.space.startswith("p"):
            raise Manual("promql.nested_aggregation", f"{op}() of a percentile")
        if (q.space == op and op != "avg") and set(labels) <= set(q.group_by or []):
            q.group_by = labels
            return
        raise Manual(
            "promql.nested_aggregation",
            f"{op}() of a {q.space}() with other groups: Datadog applies one space aggregation per query",
        )

    def set_aggregation(self, q: Query, op: str, labels: list[str]) -> None:
        q.space, q.group_by = op, labels

    def group_labels(self, node: Any, value: Val) -> list[str]:
        modifier = node.modifier
        if modifier is None:
            return []
        q = value.query if isinstance(value.query, Query) else None
        if modifier.type == pp.AggModifierType.Without:
            if not self.default_group_by:
                raise Manual(
                    "promql.without_clause",
                    f"without ({', '.join(modifier.labels)}) keeps every other label, and the label list is unknown",
                )
            self.note("promql.without_clause", f"without ({', '.join(modifier.labels)}) became by the known labels")
            kept = [label for label in self.default_group_by if label not in modifier.labels]
        else:
            kept = list(modifier.labels)
        return self.tags_for(kept, q, f"; dropped from the grouping of {node.op}")

    def check_pushed(self, node: Any) -> None:
        if not self.pushed or node.modifier is None:
            return
        kept = set(node.modifier.labels)
        by = node.modifier.type == pp.AggModifierType.By
        lost = [m.name for m in self.pushed if (m.name not in kept) == by]
        if lost:
            self.note(
                "promql.recording_rule_matchers",
                f"matchers on {', '.join(lost)} were pushed into a recording rule that aggregates that label away",
            )

    def top(self, op: str, node: Any, value: Val) -> Val:
        n = self.scalar(self.visit(node.param), op)
        limit = next((lim for lim in t.TOP_LIMITS if lim >= n), t.TOP_LIMITS[-1])
        note = f"{op}({number(n)}) became top(.., {limit}, 'mean', ..): Datadog ranks series over the whole window"
        if limit != n:
            note += f" and only allows limits {', '.join(map(str, t.TOP_LIMITS))}"
        self.note("promql.topk_as_top", note)
        if node.modifier is not None:  # `topk by (a) (N, x)` ranks within each `a`; top() has no groups
            rank = "highest" if op == "topk" else "lowest"
            self.note(
                "promql.topk_grouped",
                f"{op} {str(node.modifier).strip()} keeps the {number(n)} {rank} series "
                f"within each group; top() keeps the {limit} {rank} series overall",
            )
        direction = "desc" if op == "topk" else "asc"
        return Val(
            formula=Call("top", value.formula, limit, "mean", direction),
            queries=value.queries,
            group_by=value.group_by,
        )


def any_passing_shape(node: Any) -> Any | None:
    """The aggregation of a rule that fires when any series of a group passes a filter: `agg by (g) (x > c)` alone,
    or `count by (g) (x > c) > 0` (also `>= 1`, `!= 0`: a count is at least 1). None for anything else."""
    node = strip(node)
    if isinstance(node, pp.BinaryExpr) and str(node.op) in (">", ">=", "!=") and not _bool(node):
        rhs = strip(node.rhs)
        bound = {">": 0.0, ">=": 1.0, "!=": 0.0}[str(node.op)]
        lhs = strip(node.lhs)
        if not (isinstance(rhs, pp.NumberLiteral) and float(rhs.val) == bound and isinstance(lhs, pp.AggregateExpr)):
            return None
        if str(lhs.op) not in ("count", "group"):
            return None
        node = lhs
    if not isinstance(node, pp.AggregateExpr) or node.param is not None:
        return None
    if str(node.op) not in ("sum", "avg", "min", "max", "count", "group"):
        return None
    return node if _filter_parts(strip(node.expr)) is not None else None


def _filter_parts(node: Any) -> Any:
    """(op, vector side, threshold) of `x > c` / `c < x` (a filter, not `bool`), None otherwise."""
    if not isinstance(node, pp.BinaryExpr) or _bool(node) or str(node.op) not in (">", ">=", "<", "<="):
        return None
    lhs, rhs = strip(node.lhs), strip(node.rhs)
    if isinstance(rhs, pp.NumberLiteral) and not isinstance(lhs, pp.NumberLiteral):
        return str(node.op), lhs, float(rhs.val)
    if isinstance(lhs, pp.NumberLiteral) and not isinstance(rhs, pp.NumberLiteral):
        return {">": "<", "<": ">", ">=": "<=", "<=": ">="}[str(node.op)], rhs, float(lhs.val)
    return None


def _bool(node: Any) -> bool:
    return bool(node.modifier is not None and node.modifier.return_bool)


def _grouped(node: Any) -> bool:
    """An aggregation `by (...)` that makes one series per group (its values do not matter to a count)."""
    return (
        isinstance(node, pp.AggregateExpr)
        and str(node.op) in ("count", "group", "sum", "avg", "min", "max")
        and node.modifier is not None
        and node.modifier.type == pp.AggModifierType.By
        and bool(node.modifier.labels)
    )
