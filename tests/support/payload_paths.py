"""Read expected payload fragments from the builder case tables (tests/cases/*_build.yaml)."""

from __future__ import annotations

from typing import Any

MISSING = object()


def at(payload: Any, path: str) -> Any:
    """The value at a dotted path (list items by index), or MISSING."""
    node = payload
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return MISSING
    return node


def fill(value: Any, key: str) -> Any:
    """Expected values may name the resource key as {key} (it is computed, not written in the table)."""
    if isinstance(value, str):
        return value.replace("{key}", key)
    if isinstance(value, list):
        return [fill(v, key) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, key) for k, v in value.items()}
    return value


def check_fragments(payload: dict[str, Any], key: str, case: dict[str, Any]) -> None:
    for path, expected in case.get("expect", {}).items():
        assert at(payload, path) == fill(expected, key), path
    for path in case.get("absent", []):
        assert at(payload, path) is MISSING, path
