"""A condition (nrql/where) as Datadog log / RUM search text (docs logs/explorer/search_syntax).

Search has the whole boolean algebra (AND by a space, OR, `-` for NOT), so everything a condition on attributes
says is kept; the differences are in matching: free text (`message`) is searched by word, not compared whole,
and `@attr:value` is case-sensitive as NRQL's `=` is. Numeric comparisons need the attribute declared as a
measure (facet) in Datadog, which the finding-free translation assumes.
"""

from __future__ import annotations

from collections.abc import Callable

from migrate.translate.ddquery import number
from migrate.translate.nrql.findings import Manual, Notes
from migrate.translate.nrql.where import All, Cond, Neg, Term, Value, Var

# An attribute's search key (`status`, `@http.url`), "message" for the free text, None: dropped.
KeyOf = Callable[[str], str | None]
MESSAGE = "message"
_SPECIAL = set('+-=&|><!(){}[]^"~*?:\\/ ')
_COMPARE = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def search(base: str, cond: Cond | None, key_of: KeyOf, notes: Notes) -> str:
    text = _cond(cond, key_of, notes, top=True) if cond is not None else ""
    return " ".join(p for p in (base, text) if p) or "*"


def _cond(cond: Cond, key_of: KeyOf, notes: Notes, *, top: bool = False) -> str:
    if isinstance(cond, Term):
        return _term(cond, key_of, notes)
    if isinstance(cond, Neg):
        return f"-({_cond(cond.part, key_of, notes)})"
    joiner = " " if isinstance(cond, All) else " OR "
    parts = [p for p in (_cond(c, key_of, notes) for c in cond.parts) if p]
    text = joiner.join(parts)
    return text if (top and isinstance(cond, All)) or len(parts) < 2 else f"({text})"


def _term(term: Term, key_of: KeyOf, notes: Notes) -> str:
    key = key_of(term.attr)
    if key is None:
        notes.approximate("nrql.condition_dropped", f"the condition on `{term.attr}` was dropped: no such attribute")
        return ""
    op, values = term.op, term.values
    if key == MESSAGE:
        return _free_text(term, notes)
    negative = op in ("ne", "not_in", "not_like", "null")
    if op in ("null", "not_null"):
        body = f"{key}:*"
    elif op in _COMPARE:
        if not isinstance(values[0], float):
            raise Manual("nrql.where_unsupported", f"`{term.attr}` compared with < or > to a non-number")
        body = f"{key}:{_COMPARE[op]}{number(values[0])}"
    elif op in ("in", "not_in"):
        body = (
            f"{key}:(" + " OR ".join(_exact(v) for v in values) + ")"
            if len(values) > 1
            else f"{key}:{_exact(values[0])}"
        )
    elif op in ("like", "not_like"):
        body = f"{key}:{_wildcard(values[0])}"
    elif op in ("eq", "ne"):
        body = f"{key}:{_exact(values[0])}"
    else:
        raise Manual("nrql.regex", f"RLIKE on `{term.attr}`: Datadog search has no regular expressions")
    return ("-" if negative else "") + body


def _free_text(term: Term, notes: Notes) -> str:
    """`message LIKE '%timeout%'` → `*timeout*`; whole-message equality becomes a phrase search (approximate)."""
    value = term.values[0] if term.values else None
    if not isinstance(value, str) or term.op not in ("like", "not_like", "eq", "ne"):
        raise Manual("nrql.where_unsupported", f"`message` tested with `{term.op}` has no free-text search form")
    text = str(value)
    sign = "-" if term.op in ("ne", "not_like") else ""
    if term.op in ("like", "not_like"):
        core = text.strip("%")
        if "%" not in core and not any(ch in _SPECIAL for ch in core):
            return sign + text.replace("%", "*")
    notes.approximate(
        "nrql.free_text",
        f"the message test {text!r} became the phrase search {_exact(text.replace('%', ' ').strip())}: "
        "Datadog matches words of the message, not the whole text or any substring",
    )
    return sign + _exact(text.replace("%", " ").strip())


def _exact(value: Value) -> str:
    if isinstance(value, Var):
        return f"${value.name}.value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number(value)
    if value and not any(ch in _SPECIAL for ch in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wildcard(value: Value) -> str:
    """A LIKE pattern: `%` is `*`, every other special character escaped (quotes would disable wildcards)."""
    if isinstance(value, Var):
        return f"${value.name}.value"
    return "".join("*" if ch == "%" else ("\\" + ch if ch in _SPECIAL else ch) for ch in str(value))
