"""A condition (nrql/where) as a Datadog metric scope: `Filter` terms ANDed together.

A metric scope ANDs its terms; OR exists only between values of one tag (`k IN (a,b)`, `(k:a* OR k:b*)`), so
an OR across attributes, a numeric comparison or a NOT over a group is manual here. LIKE's `%` is Datadog's
`*` (both match any run of characters); RLIKE goes through the PromQL path's regex reduction.
"""

from __future__ import annotations

from collections.abc import Callable

from migrate.translate.ddquery import Filter, number, tag_value
from migrate.translate.nrql.findings import Manual, Notes
from migrate.translate.nrql.where import AnyOf, Cond, Neg, Term, Value, Var, conjuncts
from migrate.translate.promql.tables import regex_values

# An attribute's Datadog tag key; None: Datadog has no tag for it (the term is dropped, and said).
TagOf = Callable[[str], str | None]


def scope(cond: Cond | None, tag_of: TagOf, notes: Notes) -> tuple[Filter, ...]:
    out: list[Filter] = []
    for part in conjuncts(cond):
        f = _filter(part, tag_of, notes)
        if f is not None and f not in out:
            out.append(f)
    return tuple(out)


def _filter(cond: Cond, tag_of: TagOf, notes: Notes) -> Filter | None:
    if isinstance(cond, Term):
        key = tag_of(cond.attr)
        if key is None:
            notes.approximate(
                "nrql.condition_dropped", f"the condition on `{cond.attr}` was dropped: Datadog has no tag for it"
            )
            return None
        return _term(key, cond, notes)
    if isinstance(cond, AnyOf):
        return _any(cond, tag_of, notes)
    if isinstance(cond, Neg):
        raise Manual("nrql.where_unsupported", "a NOT over this condition has no metric scope form")
    raise Manual("nrql.where_or", "an OR across attributes: a Datadog metric scope ORs values of one tag only")


def _term(key: str, term: Term, notes: Notes) -> Filter:
    op, values = term.op, term.values
    if any(isinstance(v, Var) for v in values):
        return _variable(key, term)
    if op in ("eq", "ne"):
        return Filter(key, op, (_tag(values[0], notes),))
    if op in ("in", "not_in"):
        texts = tuple(dict.fromkeys(_tag(v, notes) for v in values))
        if len(texts) == 1:
            return Filter(key, "eq" if op == "in" else "ne", texts)
        return Filter(key, op, texts)
    if op in ("like", "not_like"):
        pattern = _tag(str(values[0]).replace("%", "*"), notes)
        if pattern.strip("*") == "":
            return Filter(key, "has" if op == "like" else "has_not")
        return Filter(key, "eq" if op == "like" else "ne", (pattern,))
    if op in ("regex", "not_regex"):
        reduced = regex_values(str(values[0]))
        if reduced is None or (op == "not_regex" and len(reduced[0]) > 1):
            raise Manual("nrql.regex", f"RLIKE {values[0]!r} needs regular expression matching, which scopes lack")
        found, approximate = reduced
        if approximate:
            notes.approximate("nrql.regex", f"RLIKE {values[0]!r} became the wildcard {', '.join(found)}")
        texts = tuple(_tag(t, notes) for t in found)
        if len(texts) == 1:
            return Filter(key, "eq" if op == "regex" else "ne", (texts[0],))
        return Filter(key, "any" if any("*" in t for t in texts) else "in", tuple(texts))
    if op in ("null", "not_null"):
        return Filter(key, "has_not" if op == "null" else "has")
    raise Manual("nrql.where_unsupported", f"`{term.attr}` compared with <, >: metric scopes only match tag values")


def _variable(key: str, term: Term) -> Filter:
    """`x = {{v}}` / `x IN ({{v}})`: the dashboard's template variable `$v` (its tag is the variable's)."""
    if term.op in ("eq", "in") and len(term.values) == 1 and isinstance(term.values[0], Var):
        return Filter("", "var", (f"${term.values[0].name}",))
    raise Manual("nrql.variable", f"a dashboard variable used with `{term.op}` on `{term.attr}` has no scope form")


def _any(cond: AnyOf, tag_of: TagOf, notes: Notes) -> Filter | None:
    parts = cond.parts
    if not all(isinstance(p, Term) and p.op in ("eq", "in", "like") for p in parts):
        raise Manual("nrql.where_or", "an OR of conditions other than equalities: a metric scope cannot express it")
    attrs = {p.attr for p in parts if isinstance(p, Term)}
    if len(attrs) > 1:
        raise Manual("nrql.where_or", f"an OR across attributes ({', '.join(sorted(attrs))}): a metric scope cannot")
    values: list[str] = []
    for p in parts:
        assert isinstance(p, Term)
        f = _filter(p, tag_of, notes)
        if f is None:
            return None
        if f.op in ("var", "has"):
            raise Manual("nrql.where_or", "an OR with a variable or a match-all pattern has no scope form")
        values.extend(f.values)
    key = tag_of(attrs.pop()) or ""
    texts = tuple(dict.fromkeys(values))
    return Filter(key, "any" if any("*" in t for t in texts) else "in", texts)


def _tag(value: Value, notes: Notes) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number(value)
    text = tag_value(str(value))
    if text != str(value).lower():
        notes.approximate("nrql.tag_value", f"the value {value!r} is written {text!r} as Datadog stores tags")
    return text
