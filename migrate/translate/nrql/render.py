"""The tree written back as NRQL: ``parse_nrql(to_nrql(tree)) == tree`` for every parsed tree.

The output is canonical, not the original text: clauses in one fixed order, keywords upper case,
aliases single-quoted, parentheses only where precedence needs them. The translator uses it to
quote the part of a query a finding is about.
"""

from __future__ import annotations

from migrate.translate.nrql import ast
from migrate.translate.nrql.expressions import ADD, AND, COMPARE, MUL, NOT, OR, UNARY

_ATOM = 100
_PREC = {"OR": OR, "AND": AND, "+": ADD, "-": ADD, "*": MUL, "/": MUL}


def quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def number(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(value)


def _duration(d: ast.Duration) -> str:
    if d.unit is None:
        return number(d.amount)
    return f"{number(d.amount)} {d.unit}{'' if d.amount == 1 else 's'}"


def _alias(alias: str | None) -> str:
    return "" if alias is None else f" AS {quote(alias)}"


def _prec(e: ast.Expr) -> int:
    if isinstance(e, ast.Binary):
        return _PREC.get(e.op, COMPARE)
    if isinstance(e, ast.In | ast.Like | ast.Is):
        return COMPARE
    if isinstance(e, ast.Not):
        return NOT
    if isinstance(e, ast.Negate) or (isinstance(e, ast.Number) and e.value < 0):
        return UNARY
    return _ATOM


def expr(e: ast.Expr, min_prec: int = OR) -> str:
    text = _expr(e)
    return f"({text})" if _prec(e) < min_prec else text


def _expr(e: ast.Expr) -> str:
    if isinstance(e, ast.Identifier):
        name = f"`{e.name}`" if e.quoted else e.name
        return name if e.field is None else f"{name}[{e.field}]"
    if isinstance(e, ast.Call):
        return f"{e.name}({', '.join(_arg(a) for a in e.args)})"
    if isinstance(e, ast.Binary):
        prec = _PREC.get(e.op, COMPARE)
        return f"{expr(e.left, prec)} {e.op} {expr(e.right, prec + 1)}"
    if isinstance(e, ast.Number):
        return number(e.value)
    if isinstance(e, ast.String):
        return f"r'{e.value}'" if e.raw else quote(e.value)
    if isinstance(e, ast.Variable):
        return f"{{{{{e.name}}}}}"
    if isinstance(e, ast.Star):
        return "*"
    if isinstance(e, ast.Boolean):
        return "true" if e.value else "false"
    if isinstance(e, ast.Null):
        return "NULL"
    if isinstance(e, ast.Duration):
        return _duration(e)
    if isinstance(e, ast.Negate):
        operand = expr(e.operand, UNARY)
        return f"-({operand})" if operand.startswith("-") else f"-{operand}"  # `--` would start a comment
    if isinstance(e, ast.Not):
        return f"NOT {expr(e.operand, NOT)}"
    if isinstance(e, ast.In):
        values = f"({query(e.values)})" if isinstance(e.values, ast.Query) else f"({', '.join(map(expr, e.values))})"
        return f"{expr(e.operand, COMPARE)} {'NOT IN' if e.negated else 'IN'} {values}"
    if isinstance(e, ast.Like):
        word = ("NOT " if e.negated else "") + ("RLIKE" if e.regex else "LIKE")
        return f"{expr(e.operand, COMPARE)} {word} {expr(e.pattern, ADD)}"
    if isinstance(e, ast.Is):
        return f"{expr(e.operand, COMPARE)} IS {'NOT ' if e.negated else ''}{e.value}"
    if isinstance(e, ast.Cases):
        return f"CASES({', '.join(f'WHERE {expr(c.condition)}{_alias(c.alias)}' for c in e.cases)})"
    return f"({query(e.query)})"


def _arg(a: ast.Arg) -> str:
    if isinstance(a, ast.WhereArg):
        return f"WHERE {expr(a.condition)}{_alias(a.alias)}"
    if isinstance(a, ast.NamedArg):
        return f"{a.name}: {expr(a.value)}"
    return expr(a)


def _time(t: ast.TimePoint) -> str:
    if isinstance(t, ast.Ago):
        return f"{_duration(t.duration)} ago"
    if isinstance(t, ast.NamedTime):
        return t.name
    if isinstance(t, ast.Epoch):
        return str(t.millis)
    if isinstance(t, ast.DateTime):
        return quote(t.text)
    return f"{{{{{t.name}}}}}"


def _bucket(b: ast.Bucket) -> str:
    if isinstance(b, ast.Duration):
        return _duration(b)
    if isinstance(b, ast.Keyword):
        return b.word
    return f"{{{{{b.name}}}}}"


def _source(source: ast.Source) -> str:
    if isinstance(source, ast.Query):
        return f"({query(source)})"
    return ", ".join(expr(name) for name in source)


def _facet(item: ast.FacetItem) -> str:
    return " OR ".join(expr(alt, COMPARE) for alt in item.alternatives) + _alias(item.alias)


def _order(item: ast.OrderItem) -> str:
    direction = "" if item.descending is None else (" DESC" if item.descending else " ASC")
    return expr(item.expr) + direction


def query(q: ast.Query) -> str:
    parts = [
        "SELECT " + ", ".join(expr(i.expr) + _alias(i.alias) for i in q.select),
        "FROM " + _source(q.source),
    ]
    if q.where is not None:
        parts.append("WHERE " + expr(q.where))
    if q.facet:
        parts.append("FACET " + ", ".join(map(_facet, q.facet)))
    if q.order_by:
        parts.append("ORDER BY " + ", ".join(map(_order, q.order_by)))
    if q.timeseries is not None:
        bucket = q.timeseries.bucket
        parts.append("TIMESERIES" + ("" if bucket is None else " " + _bucket(bucket)))
    if q.slide_by is not None:
        parts.append("SLIDE BY " + _bucket(q.slide_by))
    if q.limit is not None:
        parts.append("LIMIT " + (str(q.limit) if isinstance(q.limit, int) else _bucket(q.limit)))
    if q.offset is not None:
        parts.append(f"OFFSET {q.offset}")
    for word, point in (("SINCE", q.since), ("UNTIL", q.until), ("COMPARE WITH", q.compare_with)):
        if point is not None:
            parts.append(f"{word} {_time(point)}")
    if q.extrapolate:
        parts.append("EXTRAPOLATE")
    if q.timezone is not None:
        parts.append("WITH TIMEZONE " + quote(q.timezone))
    if q.metric_format is not None:
        parts.append("WITH METRIC_FORMAT " + quote(q.metric_format))
    return " ".join(parts)


def to_nrql(tree: ast.Query) -> str:
    """The query as canonical NRQL text."""
    return query(tree)
