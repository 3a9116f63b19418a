"""Regenerate migrate/datadog/schema/datadog-v1.json from the vendored Datadog v1 OpenAPI spec.

Keeps only the components reachable from the resource types ddmigrate writes (and the request bodies the
local test server checks), rewritten from OpenAPI 3.0 to plain JSON Schema draft 4 so that jsonschema can
validate without an OpenAPI layer:
- `nullable: true` becomes an explicit null (`type: [..., "null"]`, `None` in an enum, or `anyOf` with null);
- `oneOf` becomes `anyOf`: several Datadog unions overlap (a payload may match two branches), and the
  client library itself deserialises into the first branch that fits, so "exactly one" would reject
  payloads Datadog accepts;
- descriptions and examples are dropped (size), everything else is kept verbatim;
- a union whose branches all require a property with a fixed enum (`type` for the 41 widget definitions)
  gets `x-ddmigrate-discriminator: {property, mapping: {value: [branch indexes]}}`, so validation checks a
  widget against the one definition its `type` names instead of all 41 (draft 4 has no if/then; the
  annotation is ignored by any other validator).

Usage: python scripts/vendor_datadog_schema.py [SPEC] [OUT]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from migrate.datadog.resources import RESOURCE_TYPES

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "tests/corpus/datadog/openapi/v1-openapi.yaml"
OUT = ROOT / "migrate/datadog/schema/datadog-v1.json"
ORIGIN = {
    "repository": "https://github.com/DataDog/datadog-api-client-python",
    "path": ".generator/schemas/v1/openapi.yaml",
    "commit": "6d8f356e4a3fdf83307c9db00e7a081d56a47ea5",
    "license": "Apache-2.0",
}
# The components the resource type declarations name (schema_ref and their other request bodies), in the
# order they are declared: a new type's schema is vendored by declaring it.
ROOTS = tuple(
    dict.fromkeys([*(c for r in RESOURCE_TYPES.values() for c in (r.schema_ref, *r.request_schemas.values()))])
)
_DROP = {"description", "example", "x-enum-varnames", "x-generate-alias-as-model", "x-merge-override"}
PREFIX = "#/components/schemas/"
DISCRIMINATOR = "x-ddmigrate-discriminator"


def reachable(schemas: dict[str, Any], roots: tuple[str, ...]) -> list[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(_refs(schemas[name]))
    return sorted(seen)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"][len(PREFIX) :]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def to_draft4(node: Any) -> Any:
    if isinstance(node, list):
        return [to_draft4(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_draft4(v) for k, v in node.items() if k not in _DROP and not k.startswith("x-")}
    if "properties" in node:  # property names are data, not keywords: keep "description" etc.
        out["properties"] = {k: to_draft4(v) for k, v in node["properties"].items()}
    if "oneOf" in out:
        out["anyOf"] = out.pop("oneOf")
    if out.pop("nullable", False):
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        elif "type" not in out:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def add_discriminators(schemas: dict[str, Any]) -> None:
    """Annotate every union that a required enum property tells apart (see the module docstring)."""
    for node in _objects(schemas):
        branches = node.get("anyOf")
        if not isinstance(branches, list) or len(branches) < 2:
            continue
        for prop in _candidates(schemas, branches):
            values = [_branch_values(schemas, b, prop) for b in branches]
            if all(v is not None for v in values):
                mapping: dict[str, list[int]] = {}
                for index, found in enumerate(values):
                    for value in sorted(found or ()):
                        mapping.setdefault(value, []).append(index)
                node[DISCRIMINATOR] = {"property": prop, "mapping": dict(sorted(mapping.items()))}
                break


def _objects(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node] + [o for v in node.values() for o in _objects(v)]
    if isinstance(node, list):
        return [o for v in node for o in _objects(v)]
    return []


def _resolve(schemas: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        node = schemas[node["$ref"][len(PREFIX) :]]
    return node


def _candidates(schemas: dict[str, Any], branches: list[Any]) -> list[str]:
    """Properties every branch requires (`type` first): the only ones that can discriminate."""
    common: set[str] | None = None
    for branch in branches:
        required = _required(schemas, _resolve(schemas, branch))
        common = required if common is None else common & required
    return sorted(common or (), key=lambda p: (p != "type", p))


def _required(schemas: dict[str, Any], node: Any) -> set[str]:
    if not isinstance(node, dict):
        return set()
    if isinstance(node.get("anyOf"), list):  # a nested union requires what all its branches require
        sets = [_required(schemas, _resolve(schemas, b)) for b in node["anyOf"]]
        return set.intersection(*sets) if sets else set()
    return set(node.get("required") or ())


def _branch_values(schemas: dict[str, Any], branch: Any, prop: str) -> set[str] | None:
    """The string values `prop` may take in this branch; None when the branch does not pin it down."""
    node = _resolve(schemas, branch)
    if not isinstance(node, dict):
        return None
    if isinstance(node.get("anyOf"), list):
        found = [_branch_values(schemas, b, prop) for b in node["anyOf"]]
        return None if any(f is None for f in found) else set().union(*(f or set() for f in found))
    if prop not in (node.get("required") or ()):
        return None
    prop_schema = _resolve(schemas, (node.get("properties") or {}).get(prop))
    enum = prop_schema.get("enum") if isinstance(prop_schema, dict) else None
    if not isinstance(enum, list) or not enum or not all(isinstance(v, str) for v in enum):
        return None
    return set(enum)


def build(spec_path: Path) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader: 0.6 s instead of 6 s
    spec = yaml.load(spec_path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (a safe loader)
    schemas = spec["components"]["schemas"]
    names = reachable(schemas, ROOTS)
    vendored = {n: to_draft4(schemas[n]) for n in names}
    add_discriminators(vendored)
    return {
        "x-origin": {**ORIGIN, "openapi_version": spec["info"].get("version"), "roots": list(ROOTS)},
        "components": {"schemas": vendored},
    }


def main(argv: list[str]) -> int:
    spec_path = Path(argv[0]) if argv else SPEC
    out = Path(argv[1]) if len(argv) > 1 else OUT
    data = build(spec_path)
    out.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    sys.stdout.write(f"{out}: {len(data['components']['schemas'])} schemas, {out.stat().st_size} bytes\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
