"""Grafana template variables → Datadog template variables, and the text substitutions queries need.

- `label_values(metric, label)` / `label_values(label)` → a Datadog variable whose prefix is the tag the
  label becomes (prometheus `label_tags`, e.g. `job` → `service`), default = the current value or `*`.
  `instance` → `endpoint` is the exception: the tag's values are scrape URLs, not `instance`'s host:port,
  so the variable starts at `*` and offers every endpoint (noted).
- custom / textbox → a variable with `available_values`; the prefix is the label the queries match it on.
- interval / constant → substituted into queries with their current value, then removed (noted).
- datasource → removed (Datadog has one metrics source); adhoc → removed, with a note on the dashboard.
- a custom `allValue` (what "All" sends instead of the value list) becomes Datadog's `*`: noted, exact when
  it matches everything (`.*`), approximate otherwise (`.+` skips series without the label, `a|b` a subset).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from migrate.mappings import Mappings
from migrate.model import Finding, Outcome
from migrate.translate.promql.health import ENDPOINT
from migrate.translate.promql.labels import effective_label_tags

_LABEL_VALUES = re.compile(
    r"^\s*label_values\(\s*(?:(?P<metric>.+?)\s*,\s*)?(?P<label>[A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$", re.DOTALL
)
# `label="...$name..."` (any matcher, any of Grafana's three spellings of the variable)
_MATCH_ON = (
    r'(?P<label>[A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)\s*"(?:[^"$]*)'
    r"(?:\$\{{{name}(?::[a-z]+)?\}}|\$\b{name}\b|\[\[{name}\]\])"
)
_DD_TAG_KEY = re.compile(r"^[a-z][a-z0-9_./-]{0,199}$")


@dataclass
class VariablePlan:
    template_variables: list[dict[str, Any]] = field(default_factory=list)  # Datadog payload entries
    tag_variables: dict[str, str] = field(default_factory=dict)  # Grafana name -> Datadog variable name
    values: dict[str, str] = field(default_factory=dict)  # Grafana name -> literal text substituted in queries
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # lines for the dashboard description


def _current(var: dict[str, Any]) -> list[str]:
    value = var.get("current")
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if v not in (None, "", "$__all", "All")]


def _dd_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)[:80] or "var"


def label_used_with(name: str, exprs: list[str]) -> str | None:
    """The label a variable is matched on in the panel queries, e.g. `pod` for `pod=~"$pod"`."""
    pattern = re.compile(_MATCH_ON.format(name=re.escape(name)))
    for expr in exprs:
        match = pattern.search(expr)
        if match:
            return match.group("label")
    return None


def _tag_for(label: str, mappings: Mappings) -> tuple[str | None, Finding | None]:
    tags = effective_label_tags(mappings)
    if label in tags:
        tag = tags[label]
        if tag is None:
            return None, Finding(
                "grafana.variable_server_label",
                f"label {label!r} is added by the Prometheus server and has no Datadog tag "
                "(mappings prometheus.label_tags)",
                Outcome.APPROXIMATE,
            )
        return tag, None
    tag = label.lower()
    if not _DD_TAG_KEY.match(tag):
        return None, Finding(
            "grafana.variable_tag_invalid", f"label {label!r} is not a valid Datadog tag key", Outcome.APPROXIMATE
        )
    return tag, None


def _options(var: dict[str, Any], kind: str) -> list[str]:
    """The values a custom or textbox variable offers (none for the others: Datadog lists the tag's values)."""
    if kind not in ("custom", "textbox"):
        return []
    options = [o for o in var.get("options") or [] if o not in ("$__all",)]
    if kind == "custom" and not options:
        options = [o.strip() for o in str(var.get("query") or "").split(",") if o.strip()]
    return options


def _endpoint_values(name: str, entry: dict[str, Any], plan: VariablePlan) -> None:
    """`instance` values (`10.0.0.5:8080`) are not `endpoint` values (`http://10.0.0.5:8080/metrics`): a
    default or a value list copied over would select nothing."""
    copied = [v for v in [*entry["defaults"], *entry.get("available_values", [])] if v != "*"]
    if not copied:
        return
    entry["defaults"] = ["*"]
    entry.pop("available_values", None)
    plan.findings.append(
        Finding(
            "grafana.variable_endpoint_values",
            (
                f"variable ${name}: its `instance` values "
                f"({', '.join(copied[:3])}{', ...' if len(copied) > 3 else ''}) "
                f"are host:port, the `{ENDPOINT}` tag holds the scrape URL (`http://<host:port>/metrics`); the "
                "variable "
                "starts at `*` and lists every endpoint"
            ),
            Outcome.APPROXIMATE,
        )
    )


_MATCHES_EVERYTHING = frozenset({".*", "^.*$", "(.*)"})


def _value_filter_findings(name: str, var: dict[str, Any]) -> list[Finding]:
    """A values regex, and Grafana's "All" sending a custom `allValue` where Datadog's All is `*`."""
    findings = []
    if var.get("regex"):
        findings.append(
            Finding(
                "grafana.variable_regex",
                f"variable ${name} filters its values with regex "
                f"{var['regex']!r}; Datadog shows every value of the tag",
                Outcome.APPROXIMATE,
            )
        )
    all_value = var.get("all_value")
    if all_value in _MATCHES_EVERYTHING:
        findings.append(
            Finding(
                "grafana.variable_all_value",
                f"variable ${name}: custom All value {all_value!r} matches every value, as Datadog's `*` does",
                Outcome.EXACT,
            )
        )
    elif all_value:
        findings.append(
            Finding(
                "grafana.variable_all_value",
                f"variable ${name}: All sent the custom value "
                f"{all_value!r} to the queries; in Datadog All is `*`, every value of the tag",
                Outcome.APPROXIMATE,
            )
        )
    return findings


def _first_definitions(variables: list[dict[str, Any]], plan: VariablePlan) -> list[dict[str, Any]]:
    """Datadog rejects a dashboard naming a variable twice; Grafana's queries read the first definition."""
    out: dict[str, dict[str, Any]] = {}
    for var in variables:
        name = str(var["name"])
        if name in out:
            plan.findings.append(
                Finding(
                    "grafana.variable_duplicate",
                    f"variable ${name} is defined twice; the later definition was dropped, queries use the first",
                )
            )
            continue
        out[name] = var
    return list(out.values())


def plan_variables(variables: list[dict[str, Any]], exprs: list[str], mappings: Mappings) -> VariablePlan:
    plan = VariablePlan()
    pinned: dict[str, str] = dict(mappings.section("grafana").get("variable_tags") or {})
    for var in _first_definitions(variables, plan):
        name, kind = str(var["name"]), str(var.get("type") or "query")
        current = _current(var)
        if kind in ("interval", "constant"):
            value = current[0] if current else (str(var.get("query") or "").split(",")[0].strip())
            if kind == "interval" and (not value or value.startswith("$__auto") or value == "auto"):
                value = str(mappings.section("grafana").get("intervals", {}).get("__interval", "1m"))
            plan.values[name] = value
            plan.findings.append(
                Finding(f"grafana.variable_{kind}", f"{kind} variable ${name} fixed to {value!r} in every query")
            )
            continue
        if kind == "datasource":
            plan.notes.append(f"Variable ${name} (datasource) removed: Datadog queries one metrics store.")
            continue
        if kind == "adhoc":
            plan.findings.append(
                Finding(
                    "grafana.variable_adhoc",
                    f"ad hoc filter ${name} has no Datadog equivalent; add template variables "
                    "for the tags you filter on",
                    Outcome.APPROXIMATE,
                )
            )
            plan.notes.append(f"Ad hoc filter ${name} removed: add a template variable per tag you filter on.")
            continue
        label: str | None = None
        query = str(var.get("query") or "")
        match = _LABEL_VALUES.match(query) if kind == "query" else None
        if match:
            label = match.group("label")
        else:
            label = label_used_with(name, exprs)
            if kind == "query":
                plan.findings.append(
                    Finding(
                        "grafana.variable_query",
                        f"variable ${name} query {query!r} is not label_values(); its values "
                        "come from the tag's values in Datadog instead",
                        Outcome.APPROXIMATE,
                    )
                )
        tag: str | None = pinned.get(name)
        if tag is None and label is not None:
            tag, problem = _tag_for(label, mappings)
            if problem is not None:
                plan.findings.append(Finding(problem.code, f"variable ${name}: {problem.message}", problem.outcome))
        if tag is None:
            if label is None and name not in pinned:
                plan.findings.append(
                    Finding(
                        "grafana.variable_unused",
                        f"variable ${name} ({kind}) is not matched on a label in any query; removed",
                        Outcome.APPROXIMATE,
                    )
                )
            values = current or [str(o) for o in var.get("options") or []]
            plan.values[name] = values[0] if len(values) == 1 else ".*"
            continue
        dd_name = _dd_name(name)
        entry: dict[str, Any] = {"name": dd_name, "prefix": tag, "defaults": current or ["*"]}
        options = _options(var, kind)
        if options:
            entry["available_values"] = options
        if label == "instance" and tag == ENDPOINT:
            _endpoint_values(name, entry, plan)
        plan.findings += _value_filter_findings(name, var)
        plan.template_variables.append(entry)
        plan.tag_variables[name] = dd_name
    return plan
