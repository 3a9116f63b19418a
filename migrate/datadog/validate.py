"""Check a Datadog payload before it can be planned: the vendored v1 schema, then the rules Datadog enforces
beyond it (threshold equal to the query's, window limits, layouts, template variables, tick_every, ...).

`validate_payload(type, payload)` returns messages that start with the JSON path of the offending field
(`$.options.thresholds.critical: ...`); an empty list means valid.

The schema is loaded once per process and one validator is built per component. Two keywords are ours:
- `$ref` is a dict lookup (every reference in the vendored file is `#/components/schemas/<name>`), not a
  generic URI resolution per reference;
- `anyOf` follows the `x-ddmigrate-discriminator` annotation the vendoring script adds: a widget is checked
  against the definition its `type` names, not against all 41 (same verdict: every branch requires that
  property with a fixed enum, so the others cannot match).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources as importlib_resources
from typing import Any

from jsonschema import Draft4Validator, ValidationError
from jsonschema.validators import extend

from migrate.datadog import monitor_rules, ownership

SCHEMA_REFS = {
    "monitor": "Monitor",
    "dashboard": "Dashboard",
    "synthetic_test": "SyntheticsAPITest",
    "synthetic_browser_test": "SyntheticsBrowserTest",
    "downtime": "Downtime",
    "monitor_update": "MonitorUpdateRequest",
    "synthetics_delete": "SyntheticsDeleteTestsPayload",
    "synthetics_status": "SyntheticsUpdateTestPauseStatusPayload",
}
REF_PREFIX = "#/components/schemas/"
DISCRIMINATOR = "x-ddmigrate-discriminator"  # written by scripts/vendor_datadog_schema.py

_TAG_RE = re.compile(r"^[A-Za-z][\w\-:./]*$")
_TAG_MAX = 200
_NUM = r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QUERY_RE = re.compile(
    r"^\s*(?:(?P<aggr>avg|sum|min|max|percentile\(p?[\d.]+\))\((?P<window>\w+)\)"
    r"|(?P<change>change|pct_change)\((?:avg|sum|min|max)\((?P<cwindow>\w+)\),\s*(?P<shift>\w+)\))"
    rf":(?P<expr>.+?)\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<threshold>{_NUM}|threshold)\s*$",
    re.DOTALL,
)
# Formula monitors: formula("query1").rollup("sum").last("5m") > 124
_FORMULA_RE = re.compile(
    rf'^\s*formula\(.*\)\.last\("(?P<window>\d+[mhdw])"\)\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<threshold>{_NUM}|threshold)\s*$',
    re.DOTALL,
)
_THRESHOLD_TAIL_RE = re.compile(rf"(>=|<=|==|!=|>|<)\s*({_NUM})\s*$")
_WINDOW_RE = re.compile(r"^(last|current)_(\d+)(mo|m|h|d|w|y)$")
# (unit -> max count) for `last_#<unit>`; change/pct_change windows are shorter.
_WINDOW_LIMITS = {"m": 10080, "h": 168, "d": 7, "w": 1}
_CHANGE_WINDOW_LIMITS = {"m": 2880, "h": 48, "d": 2}
_TIMESHIFTS = {"5m_ago", "10m_ago", "15m_ago", "30m_ago", "1h_ago", "2h_ago", "4h_ago", "1d_ago", "1w_ago"}
_TEMPLATE_VAR_RE = re.compile(r"\$([A-Za-z0-9_\-]+)")


@cache
def _schemas() -> dict[str, Any]:
    text = importlib_resources.files("migrate.datadog").joinpath("schema/datadog-v1.json").read_text("utf-8")
    schemas: dict[str, Any] = json.loads(text)["components"]["schemas"]
    return schemas


def _ref(validator: Draft4Validator, ref: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not ref.startswith(REF_PREFIX):
        raise ValueError(f"vendored schema: unsupported $ref {ref!r}; regenerate it (scripts/vendor_datadog_schema.py)")
    yield from validator.descend(instance, _schemas()[ref[len(REF_PREFIX) :]])


_any_of_all = Draft4Validator.VALIDATORS["anyOf"]


def _any_of(
    validator: Draft4Validator, branches: list[Any], instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    rule = schema.get(DISCRIMINATOR)
    if rule is None or not isinstance(instance, dict):
        yield from _any_of_all(validator, branches, instance, schema)
        return
    prop, mapping = rule["property"], rule["mapping"]
    if prop not in instance:  # every branch requires it
        yield ValidationError(f"{prop!r} is a required property")
        return
    value = instance[prop]
    indexes: list[int] = (mapping.get(value) if isinstance(value, str) else None) or []
    if not indexes:
        known = ", ".join(mapping)
        yield ValidationError(f"unknown or invalid {prop} {value!r} (one of: {known})", path=[prop])
        return
    if len(indexes) == 1:
        yield from validator.descend(instance, branches[indexes[0]], schema_path=indexes[0])
        return
    errors: list[ValidationError] = []
    for index in indexes:  # several branches share the value (two `funnel` widgets): jsonschema's anyOf
        found = list(validator.descend(instance, branches[index], schema_path=index))
        if not found:
            return
        errors += found
    yield ValidationError(f"{instance!r} is not valid under any of the given schemas", context=errors)


_Validator: type[Draft4Validator] = extend(  # type: ignore[no-untyped-call]  # untyped in types-jsonschema
    Draft4Validator, {"$ref": _ref, "anyOf": _any_of}
)


@cache
def _validator(component: str) -> Draft4Validator:
    return _Validator(_schemas()[component])


def json_path(parts: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def schema_errors(component: str, payload: Any) -> list[str]:
    errors = sorted(_validator(component).iter_errors(payload), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{json_path(e.absolute_path)}: {e.message}" for err in errors for e in _most_relevant(err)]


def _most_relevant(error: ValidationError) -> list[ValidationError]:
    """For a union tried branch by branch (two `funnel` widgets, unions without a discriminator), the errors of
    the branch the payload meant."""
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    viable = [errs for errs in branches.values() if not any(_wrong_branch(e) for e in errs)]
    if not viable:
        kind = error.instance.get("type") if isinstance(error.instance, dict) else None
        return [error] if kind is None else [_replace(error, f"unknown or invalid type {kind!r}")]
    return [e for sub in min(viable, key=len) for e in _most_relevant(sub)]


def _wrong_branch(error: ValidationError) -> bool:
    """The discriminator (`type`) or the JSON type itself does not match: this is not the intended branch."""
    rel = list(error.relative_path)
    return (not rel and error.validator == "type") or (rel == ["type"] and error.validator in ("enum", "const"))


def _replace(error: ValidationError, message: str) -> ValidationError:
    error.message = message
    return error


def validate_payload(resource_type: str, payload: dict[str, Any], *, require_owner: bool = True) -> list[str]:
    """Schema + Datadog's own rules. `require_owner=False` for payloads ddmigrate did not make (test server)."""
    if resource_type not in SCHEMA_REFS:
        return [f"$: unknown resource type {resource_type!r}"]
    if not isinstance(payload, dict):
        return [f"$: expected a JSON object, got {type(payload).__name__}"]
    messages = schema_errors(SCHEMA_REFS[resource_type], payload)
    rules = _RULES.get(resource_type)
    if rules is not None:
        messages += list(rules(payload))
    if require_owner and resource_type in ("monitor", "dashboard", "synthetic_test", "synthetic_browser_test"):
        messages += list(_ownership(resource_type, payload))
    return messages


def _ownership(resource_type: str, payload: dict[str, Any]) -> Iterator[str]:
    if ownership.owned_key(resource_type, payload) is None:
        where = "$.description" if resource_type == "dashboard" else "$.tags / $.message"
        yield f"{where}: the ddmigrate ownership marker is missing or inconsistent (tags and footer must agree)"


def _dict(value: Any) -> dict[str, Any]:
    """The rules read only well-typed parts; a wrong JSON type is already a schema error, never a crash."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _tags(payload: dict[str, Any]) -> Iterator[str]:
    for i, tag in enumerate(_list(payload.get("tags"))):
        if isinstance(tag, str) and (len(tag) > _TAG_MAX or not _TAG_RE.match(tag)):
            yield (
                f"$.tags[{i}]: invalid tag {tag!r} (start with a letter; letters, digits, _ - : . / only; "
                f"at most {_TAG_MAX} characters)"
            )


def _monitor(payload: dict[str, Any]) -> Iterator[str]:
    yield from _tags(payload)
    priority = payload.get("priority")
    if isinstance(priority, int) and not 1 <= priority <= 5:
        yield f"$.priority: {priority} is out of range (1 to 5)"
    query, kind = payload.get("query"), payload.get("type")
    if not isinstance(query, str):
        return
    thresholds = _dict(_dict(payload.get("options")).get("thresholds"))
    if kind in ("log alert", "event-v2 alert", "rum alert", "trace-analytics alert", "process alert"):
        tail = _THRESHOLD_TAIL_RE.search(query)
        if tail is None:
            yield "$.query: The value provided for parameter 'query' is invalid: invalid operator specified"
        else:
            yield from _threshold_rules(tail[1], tail[2], thresholds)
        return
    if kind == "service check":
        yield from monitor_rules.service_check(query, thresholds)
        return
    if kind not in ("query alert", "metric alert"):
        return
    formula = _FORMULA_RE.match(query)
    if formula is not None:
        yield from _threshold_rules(formula["op"], formula["threshold"], thresholds)
        return
    match = _QUERY_RE.match(query)
    if match is None:
        yield "$.query: a metric monitor query must look like time_aggr(last_Nm):expression operator number"
        return
    if match["expr"].lstrip().startswith("forecast("):
        yield from monitor_rules.forecast(match["aggr"] or "", match["window"] or "", match["expr"], match["op"])
    else:
        yield from _window_rules(match)
        yield from monitor_rules.metric_functions(match["aggr"] or "change", match["expr"])
    yield from _threshold_rules(match["op"], match["threshold"], thresholds)


def _window_rules(match: re.Match[str]) -> Iterator[str]:
    window = match["window"] or match["cwindow"]
    limits = _CHANGE_WINDOW_LIMITS if match["change"] else _WINDOW_LIMITS
    parsed = _WINDOW_RE.match(window)
    if parsed is None:
        yield f"$.query: invalid time window {window!r} (last_#m, last_#h, last_#d or last_1w)"
        return
    scope, count, unit = parsed[1], int(parsed[2]), parsed[3]
    if scope == "current":
        if match["change"] or count != 1 or unit not in ("d", "w", "mo", "y"):
            yield f"$.query: invalid calendar window {window!r} (current_1d, current_1w, current_1mo or current_1y)"
    elif unit not in limits or not 1 <= count <= limits[unit]:
        allowed = ", ".join(f"last_#{u} 1-{n}" for u, n in limits.items())
        yield f"$.query: time window {window!r} is out of range ({allowed})"
    if match["change"] and match["shift"] not in _TIMESHIFTS and not re.match(r"^last_\d+[mhd]$", match["shift"]):
        yield f"$.query: invalid timeshift {match['shift']!r} (one of {', '.join(sorted(_TIMESHIFTS))})"


def _number(value: Any) -> float | None:
    """Numbers only (a wrong JSON type is already a schema error; booleans are not thresholds)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _threshold_rules(op: str, query_threshold: str, thresholds: dict[str, Any]) -> Iterator[str]:
    if query_threshold == "threshold":  # dynamic threshold given by options.thresholds.critical_query
        return
    critical = _number(thresholds.get("critical"))
    if critical is None:  # absent: Datadog takes the query's threshold
        return
    if critical != float(query_threshold):
        yield (
            f"$.options.thresholds.critical: Alert threshold ({critical}) does not match that used in the "
            f"query ({float(query_threshold)})."
        )
    above = op in (">", ">=")
    if op in ("==", "!="):
        return
    for name in ("warning", "critical_recovery"):
        value = _number(thresholds.get(name))
        if value is not None and (value >= critical if above else value <= critical):
            side = "below" if above else "above"
            yield f"$.options.thresholds.{name}: {value} must be {side} the critical threshold {critical} for '{op}'"
    warning, recovery = _number(thresholds.get("warning")), _number(thresholds.get("warning_recovery"))
    if warning is not None and recovery is not None and (recovery >= warning if above else recovery <= warning):
        yield f"$.options.thresholds.warning_recovery: {recovery} must be on the recovery side of warning {warning}"


def _dashboard(payload: dict[str, Any]) -> Iterator[str]:
    for i, tag in enumerate(_list(payload.get("tags"))):
        if not (isinstance(tag, str) and tag.startswith("team:")):
            yield f"$.tags[{i}]: Invalid tag format. Valid tag keys are: team."
    for i, var in enumerate(_list(payload.get("template_variables"))):
        if isinstance(var, dict) and "default" in var and "defaults" in var:
            yield f"$.template_variables[{i}]: 'default' and 'defaults' cannot both be set (use 'defaults')"
    for i, preset in enumerate(_list(payload.get("template_variable_presets"))):
        for j, var in enumerate(_list(_dict(preset).get("template_variables"))):
            if isinstance(var, dict) and "value" in var and "values" in var:
                where = f"$.template_variable_presets[{i}].template_variables[{j}]"
                yield f"{where}: 'value' and 'values' cannot both be set"
    needs_layout = payload.get("layout_type") == "free" or payload.get("reflow_type") == "fixed"
    names = [str(v.get("name")) for v in _list(payload.get("template_variables")) if isinstance(v, dict)]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        yield f"$.template_variables: template variable {dup!r} is defined more than once"
    yield from _widgets(payload.get("widgets"), "$.widgets", needs_layout, set(names), in_group=False)


def _widgets(widgets: Any, path: str, needs_layout: bool, variables: set[str], *, in_group: bool) -> Iterator[str]:
    for i, widget in enumerate(widgets if isinstance(widgets, list) else []):
        if not isinstance(widget, dict):
            continue
        here = f"{path}[{i}]"
        definition = _dict(widget.get("definition"))
        if needs_layout and "layout" not in widget:
            yield f"{here}.layout: required on this dashboard (free layout or fixed reflow)"
        if definition.get("type") == "group":
            if in_group:
                yield f"{here}.definition: a group widget cannot contain another group widget"
            fixed = needs_layout or definition.get("layout_type") == "free"
            nested = f"{here}.definition.widgets"
            yield from _widgets(definition.get("widgets"), nested, fixed, variables, in_group=True)
            continue
        for where, text in _query_strings(definition, f"{here}.definition"):
            for name in _TEMPLATE_VAR_RE.findall(text):
                if name not in variables:
                    yield f"{where}: template variable ${name} is not defined in $.template_variables"


def _query_strings(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("q", "query") and isinstance(value, str):
                yield f"{path}.{key}", value
            else:
                yield from _query_strings(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _query_strings(value, f"{path}[{i}]")


def _synthetic(payload: dict[str, Any], min_tick: int = 30) -> Iterator[str]:
    yield from _tags(payload)
    tick = _dict(payload.get("options")).get("tick_every")
    if isinstance(tick, int) and not min_tick <= tick <= 604800:
        yield f"$.options.tick_every: {tick} is out of range ({min_tick} to 604800 seconds)"
    if not payload.get("locations"):
        yield "$.locations: at least one location is required"
    if payload.get("type") == "browser":
        return
    config = _dict(payload.get("config"))
    if payload.get("subtype") == "multi":
        if not config.get("steps"):
            yield "$.config.steps: a multistep API test needs at least one step"
    elif not config.get("assertions"):
        yield "$.config.assertions: at least one assertion is required"


_RULES: dict[str, Callable[[dict[str, Any]], Iterator[str]]] = {
    "monitor": _monitor,
    "monitor_update": _monitor,
    "dashboard": _dashboard,
    "synthetic_test": _synthetic,
    # browser tests run at most once a minute (terraform-provider-datadog synthetics_test docs)
    "synthetic_browser_test": lambda payload: _synthetic(payload, min_tick=60),
}
