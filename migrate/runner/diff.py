"""Field-level comparison of a desired payload with a live one, after normalisation.

Normalisation removes what is not a real difference:
- the fields the server adds (`RESOURCES[type].server_fields`, dotted paths, `*` for any list item);
- `None` versus missing, and empty `{}`/`[]` versus missing;
- key order (dicts compare unordered), and list order where Datadog does not care (`UNORDERED`);
- `2` versus `2.0` (Datadog reads thresholds back as floats), and spellings Datadog stores differently
  (`ALIASES`: a "metric alert" monitor reads back as "query alert");
- live fields the desired payload does not set whose value is Datadog's default (`SERVER_DEFAULTS`):
  a read-back monitor carries `options.silenced: {}` and the like that nobody asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from migrate.datadog.monitors import OPTION_DEFAULTS
from migrate.datadog.resources import RESOURCES
from migrate.runner.changes import FieldChange

# List fields whose order Datadog ignores (it may return them reordered).
UNORDERED: dict[str, frozenset[str]] = {
    "monitor": frozenset({"tags", "restricted_roles", "options.renotify_statuses", "options.notify_by"}),
    "dashboard": frozenset({"tags", "notify_list"}),
    "synthetic_test": frozenset({"tags", "locations"}),
}

# Values the server fills in when a field is not sent; a live field absent from desired with this value is equal.
SERVER_DEFAULTS: dict[str, dict[str, Any]] = {
    "monitor": {
        **{f"options.{name}": value for name, value in OPTION_DEFAULTS.items()},
        "options.locked": False, "options.groupby_simple_monitor": False,
    },
    "dashboard": {"template_variables": [], "notify_list": [], "reflow_type": "auto"},
    "synthetic_test": {"status": "live"},
}

# Values Datadog stores under another spelling: (type, top-level field) -> {sent: read back}.
ALIASES: dict[tuple[str, str], dict[Any, Any]] = {("monitor", "type"): {"metric alert": "query alert"}}


def _matches(path: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    return len(path) == len(pattern) and all(p in ("*", q) for p, q in zip(pattern, path, strict=True))


def normalize(resource_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The canonical form of a payload for comparison (and for storing pre-images)."""
    spec = RESOURCES.get(resource_type)
    ignored = [tuple(p.split(".")) for p in (spec.server_fields if spec else ())]
    unordered = UNORDERED.get(resource_type, frozenset())
    result = _norm(payload, (), ignored, unordered)
    if not isinstance(result, dict):
        return {}
    for (rtype, name), aliases in ALIASES.items():
        if rtype == resource_type and isinstance(result.get(name), str) and result[name] in aliases:
            result[name] = aliases[result[name]]
    return result


def _norm(value: Any, path: tuple[str, ...], ignored: list[tuple[str, ...]], unordered: frozenset[str]) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k in sorted(value):
            sub = (*path, str(k))
            if any(_matches(sub, p) for p in ignored):
                continue
            v = _norm(value[k], sub, ignored, unordered)
            if v is None or v in ({}, []):
                continue
            out[str(k)] = v
        return out
    if isinstance(value, list):
        items = [_norm(v, (*path, "*"), ignored, unordered) for v in value]
        if ".".join(path) in unordered:
            items.sort(key=_sort_key)
        return items
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _sort_key(value: Any) -> tuple[str, str]:
    return (type(value).__name__, repr(value))


def strip_defaults(resource_type: str, desired: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
    """`live` (normalised) without the server-default fields that `desired` does not set."""
    defaults = SERVER_DEFAULTS.get(resource_type, {})
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
    cleaned = _norm(out, (), [], frozenset())  # drop containers that became empty
    return cleaned if isinstance(cleaned, dict) else {}


def _equal(a: Any, b: Any) -> bool:
    return bool(_norm({"v": a}, (), [], frozenset()) == _norm({"v": b}, (), [], frozenset()))


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
    if (isinstance(before, list) and isinstance(after, list) and len(before) == len(after)
            and any(isinstance(v, dict | list) for v in before)):
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            yield from field_changes(b, a, f"{path}.{i}" if path else str(i))
        return
    if before != after or isinstance(before, bool) != isinstance(after, bool):  # True == 1 in Python
        yield FieldChange(path, before, after)
