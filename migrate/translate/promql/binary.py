"""PromQL binary operators → Datadog formulas: arithmetic (constants folded), comparisons inside an
expression (`cutoff_min`/`cutoff_max`), vector matching (`on`/`ignoring`) and set operators.

A formula cannot say which series pair up: Datadog joins the two sides' series by their tags, so
matching is exact only when both sides are grouped by the same tags (and `on`/`ignoring` keep them all).
"""

from __future__ import annotations

import math
from typing import Any

import promql_parser as pp

from migrate.translate.ddquery import BINARY_OPS, BinOp, Call, number
from migrate.translate.promql import tables as t
from migrate.translate.promql.info_join import InfoJoins, info_join
from migrate.translate.promql.walk import Manual, Val, constant, selected_names, strip

COMPARISONS = {">", "<", ">=", "<=", "==", "!="}
FLIP = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}  # `N op X` is `X FLIP[op] N`


class Binary(InfoJoins):
    def binary(self, node: Any) -> Val:
        op = str(node.op)
        if op in ("and", "or", "unless"):
            return self.set_operator(node, op)
        join = info_join(node, self.prom.metric_types, self.server_labels)
        if join is not None:
            return self.joined(join)
        lhs, rhs = self.visit(node.lhs), self.visit(node.rhs)
        if op in COMPARISONS:
            return self.filter_comparison(node, op, lhs, rhs)
        if lhs.scalar is not None and rhs.scalar is not None:
            return self.fold(op, lhs.scalar, rhs.scalar)
        if lhs.scalar is None and rhs.scalar is None:
            self.vector_matching(node, lhs, rhs)
        if op == "^":
            return Val(
                formula=Call("pow", lhs.formula, rhs.formula),
                queries=lhs.queries + rhs.queries,
                group_by=lhs.group_by if lhs.group_by is not None else rhs.group_by,
            )
        if op not in BINARY_OPS:
            raise Manual("promql.unsupported_operator", f"the {op} operator has no Datadog formula equivalent")
        return self.combine(lhs, op, rhs)

    def combine(self, lhs: Val, op: str, rhs: Val) -> Val:
        return Val(
            formula=BinOp(lhs.formula, op, rhs.formula),
            queries=lhs.queries + rhs.queries,
            group_by=lhs.group_by if lhs.group_by is not None else rhs.group_by,
        )

    def fold(self, op: str, a: float, b: float) -> Val:
        ops = {"+": a + b, "-": a - b, "*": a * b}
        if op in ops:
            v = ops[op]
        elif op == "/" and b != 0:
            v = a / b
        elif op == "^":
            v = a**b
        else:
            raise Manual("promql.unsupported_operator", f"constant {op} has no finite value")
        # `14.4 * 0.001` is 0.014400000000000001 in binary floating point; the author meant 0.0144, and the
        # monitor query and thresholds.critical must show the same number.
        if math.isfinite(v):
            v = float(f"{v:.15g}")
        return constant(v)

    def vector_matching(self, node: Any, lhs: Val, rhs: Val) -> None:
        modifier = node.modifier
        if modifier is not None and modifier.card in (
            pp.VectorMatchCardinality.ManyToOne,
            pp.VectorMatchCardinality.OneToMany,
        ):
            raise Manual(
                "promql.group_modifier",
                "group_left/group_right (many-to-one matching) has no Datadog formula equivalent",
            )
        left, right = _groups(lhs), _groups(rhs)
        matching = modifier.matching if modifier is not None else None
        if matching is None:
            if left is not None and right is not None and left != right:
                self.note(
                    "promql.vector_matching",
                    "the two sides are grouped differently; Datadog matches the "
                    "series it can, PromQL would require identical label sets",
                )
            return
        include = matching.type == pp.LabelModifierType.Include
        if include and matching.labels and left is None and right is None:
            self.match_on(lhs, rhs, list(matching.labels))
            return
        labels = {self.tag_for(label, None)[0] or label for label in matching.labels}
        if left is None or right is None or left != right:
            raise Manual("promql.vector_matching", "on()/ignoring() between sides with different or unknown labels")
        if (include and labels != left) or (not include and labels & left):
            raise Manual("promql.vector_matching", "on()/ignoring() that does not reduce to matching every tag")

    def match_on(self, lhs: Val, rhs: Val, labels: list[str]) -> None:
        """`x / on (a, b) y` between series nothing aggregates: one-to-one matching needs each side to have one
        series per (a, b) (Prometheus refuses duplicates), so grouping both sides by those labels' tags pairs the
        same series, and a monitor alerts per (a, b)."""
        for q in [*lhs.queries, *rhs.queries]:
            if q.group_by is None and not q.space:
                q.space = "sum" if q.kind in t.COUNT_LIKE else "avg"
                q.group_by = self.tags_for(labels, q, "; left out of the on() matching (the sides pair more coarsely)")

    def filter_comparison(self, node: Any, op: str, lhs: Val, rhs: Val) -> Val:
        if is_bool(node):
            raise Manual("promql.bool_comparison", f"{op} bool (0/1 results) has no Datadog equivalent")
        if lhs.scalar is None and rhs.scalar is not None:
            vec, n = lhs, rhs.scalar
        elif rhs.scalar is None and lhs.scalar is not None:
            vec, n, op = rhs, lhs.scalar, FLIP[op]
        else:
            raise Manual("promql.nested_comparison", f"a {op} filter between two vectors inside an expression")
        if op in ("==", "!="):
            raise Manual("promql.nested_comparison", f"a {op} filter inside an expression")
        fn = "cutoff_min" if op in (">", ">=") else "cutoff_max"
        if op in (">", "<"):
            self.note(
                "promql.comparison_filter",
                f"the {op} {number(n)} filter became {fn}(), which keeps values equal to {number(n)}",
            )
        return Val(formula=Call(fn, vec.formula, n), queries=vec.queries, group_by=vec.group_by)

    def set_operator(self, node: Any, op: str) -> Val:
        rhs = strip(node.rhs)
        if op == "or" and isinstance(rhs, pp.Call) and rhs.func.name == "vector":
            lhs = self.visit(node.lhs)
            if self.visit(rhs).scalar == 0 and lhs.scalar is None:
                if lhs.group_by:
                    self.note(
                        "promql.set_operator",
                        "`or vector(0)` became default_zero(), which fills gaps per "
                        "group instead of adding one unlabelled 0 when everything is missing",
                    )
                return Val(formula=Call("default_zero", lhs.formula), queries=lhs.queries, group_by=lhs.group_by)
        raise Manual("promql.set_operator", f"`{op}` between vectors has no Datadog formula equivalent")


def without_guard(node: Any) -> tuple[Any, Any | None]:
    """(condition, guard) for `<condition> and <guard>` where the guard only asks that an expression over
    metrics the condition already reads be above zero (`A / B > 0.9 and B > 0`, `... and rate(x[5m]) > 0`):
    it suppresses no-traffic or no-capacity noise. (node, None) for anything else."""
    node = strip(node)
    if not (isinstance(node, pp.BinaryExpr) and str(node.op) == "and"):
        return node, None
    guard = strip(node.rhs)
    if not isinstance(guard, pp.BinaryExpr) or str(guard.op) not in (">", "!=") or is_bool(guard):
        return node, None
    zero = strip(guard.rhs)
    if not isinstance(zero, pp.NumberLiteral) or float(zero.val) != 0:
        return node, None
    read = selected_names(guard.lhs)
    if not read or not read <= selected_names(node.lhs):
        return node, None
    return strip(node.lhs), guard


def is_bool(node: Any) -> bool:
    return bool(node.modifier is not None and node.modifier.return_bool)


def _groups(value: Val) -> set[str] | None:
    gb = value.group_by if value.group_by is not None else (value.query.group_by if value.query else None)
    return None if gb is None else set(gb)
