"""Check a Datadog payload before it can be planned: the vendored v1 schema component the resource type
declares (`schema_ref`), then the rules Datadog enforces beyond it, which each type declares next to it
(`rules`: thresholds and windows in monitor_rules.py, layouts and template variables in dashboards.py,
tick_every in synthetics.py), then its ownership marker.

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
from collections.abc import Iterator
from functools import cache
from importlib import resources as importlib_resources
from typing import Any

from jsonschema import Draft4Validator, ValidationError
from jsonschema.validators import extend

from migrate.datadog.resources import RESOURCE_TYPES, RESOURCES

REF_PREFIX = "#/components/schemas/"
DISCRIMINATOR = "x-ddmigrate-discriminator"  # written by scripts/vendor_datadog_schema.py


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
    """Schema + Datadog's own rules, as the type declares them (`schema_ref`, `rules`, `marker`).

    `require_owner=False` for payloads ddmigrate did not make (the local test server)."""
    spec = RESOURCE_TYPES.get(resource_type)
    if spec is None:
        return [f"$: unknown resource type {resource_type!r}"]
    if not isinstance(payload, dict):
        return [f"$: expected a JSON object, got {type(payload).__name__}"]
    messages = schema_errors(spec.schema_ref, payload) + list(spec.rules(payload))
    if require_owner and resource_type in RESOURCES and spec.owned_key(payload) is None:
        where = spec.marker.where
        messages.append(
            f"{where}: the ddmigrate ownership marker is missing or inconsistent (tags and footer must agree)"
        )
    return messages


def validate_request(resource_type: str, request: str, body: Any) -> list[str]:
    """Another body one of the type's endpoints takes (`request_schemas`: update, delete, pause ...)."""
    spec = RESOURCE_TYPES.get(resource_type)
    component = spec.request_schemas.get(request) if spec else None
    if component is None:
        return [f"$: {resource_type!r} declares no {request!r} request"]
    if not isinstance(body, dict):
        return [f"$: expected a JSON object, got {type(body).__name__}"]
    return schema_errors(component, body)
