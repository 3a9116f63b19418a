"""Field-level comparison of a desired payload with a live one, after normalisation: the one normaliser.

Each resource type declares what is not a real difference (`migrate/datadog/<type>.py`, a `ResourceType`);
this module applies it, for plan, apply, verify, rollback and adopt alike:
- the fields the server adds (`server_fields`, dotted paths, `*` for any list item);
- `None` versus missing, and empty `{}`/`[]` versus missing;
- key order (dicts compare unordered), and list order where Datadog does not care (`unordered`);
- `2` versus `2.0` (Datadog reads thresholds back as floats), and spellings Datadog stores differently
  (`aliases`: a "metric alert" monitor reads back as "query alert");
- live fields the desired payload does not set whose value is Datadog's default (`server_defaults`, in
  `strip_defaults`): a read-back monitor carries `options.silenced: {}` and the like that nobody asked for.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from migrate.datadog.base import ResourceType
from migrate.datadog.ownership import Marker
from migrate.datadog.resources import RESOURCE_TYPES as _TYPES
from migrate.runner.changes import FieldChange

# An unknown type: canonical form only.
_PLAIN = ResourceType(name="", api_path="", id_field="", schema_ref="", marker=Marker(""))


_LEAF = ""  # marks an ignored path in the tree built by `_ignore_tree` (no real segment is empty)
Tree = dict[str, Any]


@functools.cache
def _ignore_tree(paths: frozenset[str]) -> Tree:
    """Dotted paths as a tree of segments, so normalising walks it alongside the payload in one pass."""
    root: Tree = {}
    for dotted in paths:
        node = root
        for part in dotted.split("."):
            node = node.setdefault(part, {})
        node[_LEAF] = True
    return root


def _child(node: Tree | None, segment: str) -> Tree | None:
    """The subtree for `segment`; `*` matches any list item or dict key."""
    if not node:
        return None
    exact, star = node.get(segment), node.get("*")
    if exact is None or star is None:
        return exact if exact is not None else star
    return {**star, **exact}


def normalize(resource_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The canonical form of a payload for comparison (and for storing pre-images)."""
    spec = _TYPES.get(resource_type, _PLAIN)
    result = _norm(payload, "", _ignore_tree(spec.server_fields), spec.unordered)
    if not isinstance(result, dict):
        return {}
    for name, aliases in spec.aliases.items():
        if isinstance(result.get(name), str) and result[name] in aliases:
            result[name] = aliases[result[name]]
    return result


def pre_image(resource_type: str, live: dict[str, Any]) -> dict[str, Any]:
    """What rollback sends back to restore `live` exactly: every field as read, minus only the server-managed
    ones no write sets (`ResourceType.read_only`). Unlike `normalize`, nulls, empty values and fields the
    server rewrites stay: `options.silenced: {"*": null}` is a mute, `reflow_type` the operator's choice."""
    spec = _TYPES.get(resource_type, _PLAIN)
    result = _strip(live, _ignore_tree(spec.read_only))
    return result if isinstance(result, dict) else {}


def restore_payload(resource_type: str, pre: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The update that turns `current` back into the pre-image `pre`. A full-replace update needs `pre` as
    it is; one that keeps what it is not sent (`update_merges`) also needs a null for every field the
    pre-image did not have, or a field the apply added (a `priority`) would stay."""
    spec = _TYPES.get(resource_type, _PLAIN)
    if not spec.update_merges:
        return dict(pre)
    added = {k: None for k in current if k not in pre and k not in spec.read_only}
    return {**added, **pre}


def _strip(value: Any, ignored: Tree | None) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            sub = _child(ignored, str(k))
            if sub is not None and sub.get(_LEAF):
                continue
            out[k] = _strip(v, sub)
        return out
    if isinstance(value, list):
        return [_strip(v, _child(ignored, "*")) for v in value]
    return value


def equivalent(resource_type: str, desired: dict[str, Any], live: dict[str, Any]) -> bool:
    """Raw `live` is what applying raw `desired` would leave: nothing to change."""
    want = normalize(resource_type, desired)
    return strip_defaults(resource_type, want, normalize(resource_type, live)) == want


def _norm(value: Any, path: str, ignored: Tree | None, unordered: frozenset[str]) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k in sorted(value):
            sub = _child(ignored, str(k))
            if sub is not None and sub.get(_LEAF):
                continue
            v = _norm(value[k], f"{path}.{k}" if path else str(k), sub, unordered)
            if v is None or v in ({}, []):
                continue
            out[str(k)] = v
        return out
    if isinstance(value, list):
        sub = _child(ignored, "*")
        items = [_norm(v, path, sub, unordered) for v in value]
        if path in unordered:
            items.sort(key=_sort_key)
        return items
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _sort_key(value: Any) -> tuple[str, str]:
    return (type(value).__name__, repr(value))


def strip_defaults(resource_type: str, desired: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
    """`live` (normalised) without the server-default fields that `desired` does not set."""
    defaults = _TYPES.get(resource_type, _PLAIN).server_defaults
    if not defaults:
        return live
    out = _copy(live)
    for dotted, default in defaults.items():
        parts = dotted.split(".")
        if _get(desired, parts) is not _ABSENT:
            continue
        parent = _get(out, parts[:-1])
        if isinstance(parent, dict) and parts[-1] in parent and _equal(parent[parts[-1]], default):
            del parent[parts[-1]]
    cleaned = _norm(out, "", None, frozenset())  # drop containers that became empty
    return cleaned if isinstance(cleaned, dict) else {}


def _equal(a: Any, b: Any) -> bool:
    return bool(_norm({"v": a}, "", None, frozenset()) == _norm({"v": b}, "", None, frozenset()))


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


_ABSENT = object()


def _get(value: Any, parts: list[str]) -> Any:
    for part in parts:
        if not isinstance(value, dict) or part not in value:
            return _ABSENT
        value = value[part]
    return value


def field_changes(before: Any, after: Any, path: str = "") -> Iterator[FieldChange]:
    """Differences between two normalised payloads, as dotted paths (list items by index), in order."""
    if isinstance(before, dict) and isinstance(after, dict):
        for k in sorted(set(before) | set(after)):
            sub = f"{path}.{k}" if path else k
            if k not in before:
                yield FieldChange(sub, None, after[k], before_absent=True)
            elif k not in after:
                yield FieldChange(sub, before[k], None, after_absent=True)
            else:
                yield from field_changes(before[k], after[k], sub)
        return
    if (
        isinstance(before, list)
        and isinstance(after, list)
        and len(before) == len(after)
        and any(isinstance(v, dict | list) for v in before)
    ):
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            yield from field_changes(b, a, f"{path}.{i}" if path else str(i))
        return
    if before != after or isinstance(before, bool) != isinstance(after, bool):  # True == 1 in Python
        yield FieldChange(path, before, after)
