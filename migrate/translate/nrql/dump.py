"""A compact, unambiguous rendering of the tree (S-expressions), for case tables and debugging.

Unlike to_nrql it shows the structure: ``a - b - c`` is ``(- (- a b) c)``, a FACET fallback is
``(first a b)``, and each predicate has its own head (``not-in``, ``is-not-null``, ``rlike``).
"""

from __future__ import annotations

from migrate.translate.nrql import ast, render
from migrate.translate.nrql.render import number, quote


def expr(e: ast.Expr | ast.Arg) -> str:
    if isinstance(e, ast.Call):
        return f"({' '.join([e.name, *map(expr, e.args)])})"
    if isinstance(e, ast.Binary):
        return f"({e.op.lower()} {expr(e.left)} {expr(e.right)})"
    if isinstance(e, ast.Duration):
        return bucket(e)
    if isinstance(e, ast.Negate):
        return f"(neg {expr(e.operand)})"
    if isinstance(e, ast.Not):
        return f"(not {expr(e.operand)})"
    if isinstance(e, ast.In):
        head = "not-in" if e.negated else "in"
        values = query(e.values) if isinstance(e.values, ast.Query) else f"[{' '.join(map(expr, e.values))}]"
        return f"({head} {expr(e.operand)} {values})"
    if isinstance(e, ast.Like):
        head = ("not-" if e.negated else "") + ("rlike" if e.regex else "like")
        return f"({head} {expr(e.operand)} {expr(e.pattern)})"
    if isinstance(e, ast.Is):
        return f"(is-{'not-' if e.negated else ''}{e.value.lower()} {expr(e.operand)})"
    if isinstance(e, ast.Cases):
        return f"(cases {' '.join(_labelled('case', c.condition, c.alias) for c in e.cases)})"
    if isinstance(e, ast.WhereArg):
        return _labelled("where", e.condition, e.alias)
    if isinstance(e, ast.NamedArg):
        return f"{e.name}={expr(e.value)}"
    if isinstance(e, ast.Subquery):
        return query(e.query)
    return render.expr(e)  # names and literals read the same in both


def _labelled(head: str, condition: ast.Expr, alias: str | None) -> str:
    return f"({head} {expr(condition)}{'' if alias is None else ' ' + quote(alias)})"


def aliased(e: str, alias: str | None) -> str:
    return e if alias is None else f"(as {e} {quote(alias)})"


def bucket(b: ast.Bucket) -> str:
    if isinstance(b, ast.Duration):
        return number(b.amount) if b.unit is None else f"({number(b.amount)} {b.unit})"
    if isinstance(b, ast.Keyword):
        return b.word.lower()
    return expr(b)


def time(t: ast.TimePoint) -> str:
    if isinstance(t, ast.Ago):
        return f"(ago {number(t.duration.amount)} {t.duration.unit})"
    if isinstance(t, ast.NamedTime):
        return t.name
    if isinstance(t, ast.Epoch):
        return f"(epoch {t.millis})"
    if isinstance(t, ast.DateTime):
        return f"(datetime {quote(t.text)})"
    return expr(t)


def clauses(q: ast.Query) -> dict[str, str | list[str]]:
    """Each clause the query has, dumped; clauses it does not have are left out."""
    out: dict[str, str | list[str]] = {"select": [aliased(expr(i.expr), i.alias) for i in q.select]}
    out["from"] = [query(q.source)] if isinstance(q.source, ast.Query) else [expr(n) for n in q.source]
    if q.where is not None:
        out["where"] = expr(q.where)
    if q.facet:
        out["facet"] = [aliased(_fallback(f.alternatives), f.alias) for f in q.facet]
    if q.order_by:
        out["order_by"] = [_order(o) for o in q.order_by]
    if q.timeseries is not None:
        out["timeseries"] = "default" if q.timeseries.bucket is None else bucket(q.timeseries.bucket)
    if q.slide_by is not None:
        out["slide_by"] = bucket(q.slide_by)
    if q.limit is not None:
        out["limit"] = str(q.limit) if isinstance(q.limit, int) else bucket(q.limit)
    if q.offset is not None:
        out["offset"] = str(q.offset)
    for name, point in (("since", q.since), ("until", q.until), ("compare_with", q.compare_with)):
        if point is not None:
            out[name] = time(point)
    if q.extrapolate:
        out["extrapolate"] = "true"
    if q.timezone is not None:
        out["timezone"] = q.timezone
    if q.metric_format is not None:
        out["metric_format"] = q.metric_format
    return out


def _fallback(alternatives: tuple[ast.Expr, ...]) -> str:
    return expr(alternatives[0]) if len(alternatives) == 1 else f"(first {' '.join(map(expr, alternatives))})"


def _order(o: ast.OrderItem) -> str:
    return expr(o.expr) if o.descending is None else f"({'desc' if o.descending else 'asc'} {expr(o.expr)})"


def query(q: ast.Query) -> str:
    parts = []
    for name, value in clauses(q).items():
        parts.append(f"{name}=[{', '.join(value)}]" if isinstance(value, list) else f"{name}={value}")
    return f"(query {' '.join(parts)})"
