"""NR dashboard variables → Datadog template variables.

A query `x = {{v}}` becomes the scope `$v` (nrql/scope), so each variable keeps its name and needs the Datadog
tag it filters on as its prefix. A NRQL variable (`SELECT uniques(attr) FROM T ...`) names its attribute: the
tag is what the NRQL translator groups by for `SELECT count(*) FROM T FACET attr` (the query is built on the
parsed tree, never by editing the text), so the variable and the widgets agree on the mapping. An ENUM
variable's items become the available values; a STRING variable, or an attribute with no tag, a free-text
variable (prefix None) with an approximate finding.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from migrate.model import Finding
from migrate.translate.languages import LANGUAGES
from migrate.translate.nrql import NrqlSyntaxError, ast, parse_nrql, to_nrql
from migrate.translate.query import QueryContext
from migrate.translate.specs.dashboard import TemplateVariable


def _attribute_tag(text: str, ctx: QueryContext) -> tuple[str | None, str]:
    """The Datadog tag of the attribute a `uniques(attr)` variable query lists, or None and why not."""
    try:
        tree = parse_nrql(text)
    except NrqlSyntaxError as exc:
        return None, f"its query does not parse ({exc})"
    first = tree.select[0].expr if tree.select else None
    if not (isinstance(first, ast.Call) and first.name.lower() == "uniques" and first.args):
        return None, "its query does not list one attribute's values with uniques()"
    attr = first.args[0]
    if not isinstance(attr, ast.Identifier):
        return None, "its query lists an expression, not an attribute"
    probe = replace(
        tree,
        select=(ast.SelectItem(ast.Call("count", (ast.Star(),))),),
        facet=(ast.FacetItem((ast.Identifier(attr.name, quoted=True),)),),
        where=None,
        limit=None,
        since=None,
        until=None,
    )
    result = LANGUAGES["nrql"].translate(to_nrql(probe), ctx)
    if result.formula is None or not result.group_by:
        return None, f"the attribute {attr.name} has no Datadog tag ({'; '.join(result.notes) or 'no rule'})"
    return result.group_by[0], ""


def template_variables(
    variables: list[dict[str, Any]], ctx: QueryContext
) -> tuple[tuple[TemplateVariable, ...], list[Finding]]:
    out: list[TemplateVariable] = []
    findings: list[Finding] = []
    for v in variables:
        if not isinstance(v, dict) or not v.get("name"):
            continue
        name = str(v["name"])
        defaults = tuple(str(d) for d in v.get("default_values") or [] if d is not None) or ("*",)
        kind = str(v.get("type") or "")
        prefix: str | None = None
        available: tuple[str, ...] | None = None
        why = ""
        if kind == "NRQL":
            prefix, why = _attribute_tag(str((v.get("nrql_query") or {}).get("query") or ""), ctx)
        elif kind == "ENUM":
            available = tuple(str(i.get("value")) for i in v.get("items") or [] if isinstance(i, dict))
            why = "an ENUM variable names no attribute"
        else:
            why = f"a {kind or 'untyped'} variable names no attribute"
        if prefix is None:
            findings.append(
                Finding(
                    "newrelic.variable_free_text",
                    f"variable {name!r}: {why}; it became a free-text template variable (type the tag:value)",
                )
            )
        if not v.get("multi") and len(defaults) > 1:
            defaults = defaults[:1]
        out.append(TemplateVariable(name, prefix, defaults, available))
    return tuple(out), findings
