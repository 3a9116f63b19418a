"""An NRQL WHERE (or a filter()/percentage()/CASES condition) as a small boolean tree of attribute terms.

Metric scopes (nrql/scope.py) and log/RUM searches (nrql/search.py) both read this tree, so the two targets
agree on what a condition means; what is not a condition on one attribute (`numeric(x) > 1`, `eventType()`,
a subquery) is manual here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from migrate.translate.nrql import ast, render
from migrate.translate.nrql.findings import Manual


@dataclass(frozen=True, slots=True)
class Var:
    """A dashboard variable `{{name}}` standing for a value."""

    name: str


Value: TypeAlias = str | float | bool | Var

# Term ops: eq ne in not_in like not_like regex not_regex null not_null lt le gt ge
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}
_CMP = {"=": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
NEGATED = {
    "eq": "ne",
    "ne": "eq",
    "in": "not_in",
    "not_in": "in",
    "like": "not_like",
    "not_like": "like",
    "regex": "not_regex",
    "not_regex": "regex",
    "null": "not_null",
    "not_null": "null",
    "lt": "ge",
    "ge": "lt",
    "gt": "le",
    "le": "gt",
}


@dataclass(frozen=True, slots=True)
class Term:
    attr: str
    op: str
    values: tuple[Value, ...] = ()


@dataclass(frozen=True, slots=True)
class All:
    parts: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class Neg:
    part: Cond


Cond: TypeAlias = Term | All | AnyOf | Neg


def condition(expr: ast.Expr) -> Cond:
    """The tree of an NRQL condition, or Manual naming what is not a condition on an attribute."""
    if isinstance(expr, ast.Binary):
        if expr.op in ("AND", "OR"):
            parts = (condition(expr.left), condition(expr.right))
            return both(*parts) if expr.op == "AND" else either(*parts)
        if expr.op in _CMP:
            return _comparison(expr)
    if isinstance(expr, ast.Not):
        return negate(condition(expr.operand))
    if isinstance(expr, ast.In):
        if isinstance(expr.values, ast.Query):
            raise Manual("nrql.subquery", "`IN (SELECT ...)`: Datadog queries cannot filter on another query's result")
        return Term(_attribute(expr.operand), "not_in" if expr.negated else "in", tuple(_value(v) for v in expr.values))
    if isinstance(expr, ast.Like):
        pattern = _value(expr.pattern)
        if not isinstance(pattern, str | Var):
            raise Manual("nrql.where_unsupported", "LIKE needs a string pattern")
        op = "regex" if expr.regex else "like"
        return Term(_attribute(expr.operand), NEGATED[op] if expr.negated else op, (pattern,))
    if isinstance(expr, ast.Is):
        attr = _attribute(expr.operand)
        if expr.value == "NULL":
            return Term(attr, "not_null" if expr.negated else "null")
        return Term(attr, "eq", ((expr.value == "TRUE") != expr.negated,))
    if isinstance(expr, ast.Identifier):  # `WHERE error`: a boolean attribute
        return Term(_attribute(expr), "eq", (True,))
    raise Manual("nrql.where_unsupported", f"the condition `{_text(expr)}` is not a test of one attribute")


def both(*parts: Cond) -> Cond:
    flat: list[Cond] = []
    for p in parts:
        flat.extend(p.parts if isinstance(p, All) else (p,))
    return flat[0] if len(flat) == 1 else All(tuple(flat))


def either(*parts: Cond) -> Cond:
    flat: list[Cond] = []
    for p in parts:
        flat.extend(p.parts if isinstance(p, AnyOf) else (p,))
    return flat[0] if len(flat) == 1 else AnyOf(tuple(flat))


def negate(cond: Cond) -> Cond:
    """NOT pushed down to the terms (De Morgan), so each target sees only negated terms."""
    if isinstance(cond, Term):
        return Term(cond.attr, NEGATED[cond.op], cond.values) if cond.op in NEGATED else Neg(cond)
    if isinstance(cond, Neg):
        return cond.part
    if isinstance(cond, All):
        return either(*map(negate, cond.parts))
    return both(*map(negate, cond.parts))


def conjuncts(cond: Cond | None) -> list[Cond]:
    if cond is None:
        return []
    return list(cond.parts) if isinstance(cond, All) else [cond]


def terms(cond: Cond | None) -> list[Term]:
    """Every term of the tree, in order."""
    out: list[Term] = []
    stack: list[Cond] = [] if cond is None else [cond]
    while stack:
        c = stack.pop()
        if isinstance(c, Term):
            out.append(c)
        elif isinstance(c, Neg):
            stack.append(c.part)
        else:
            stack.extend(reversed(c.parts))
    return out


def _comparison(expr: ast.Binary) -> Cond:
    op: str = expr.op
    left, right = expr.left, expr.right
    if not isinstance(left, ast.Identifier) and isinstance(right, ast.Identifier):
        left, right, op = right, left, _FLIP[op]
    value = _value(right)
    return Term(_attribute(left), _CMP[op], (value,))


def _attribute(expr: ast.Expr) -> str:
    if isinstance(expr, ast.Identifier) and expr.field is None:
        return expr.name
    raise Manual("nrql.where_unsupported", f"`{_text(expr)}` in a condition is not an attribute")


def _value(expr: ast.Expr) -> Value:
    if isinstance(expr, ast.String):
        return expr.value
    if isinstance(expr, ast.Number):
        return float(expr.value)
    if isinstance(expr, ast.Boolean):
        return expr.value
    if isinstance(expr, ast.Variable):
        return Var(expr.name)
    raise Manual("nrql.where_unsupported", f"`{_text(expr)}` in a condition is not a literal value")


def _text(expr: ast.Expr) -> str:
    return render.expr(expr)
