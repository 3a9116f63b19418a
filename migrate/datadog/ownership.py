"""The ownership marker every resource ddmigrate creates carries, and how to recognise it.

Monitors and synthetic tests carry tags; dashboards have no free-form tags, so the same marker is a
footer line in their description. Each resource type declares its `Marker` (migrate/datadog/<type>.py);
rollback and cleanup refuse anything whose marker does not name the key.

The marker also names its `Scope`: the migration it belongs to (one per workdir and org, or the name the
operator gives it) and the source selection it came from ("all", or e.g. one service). Translation code
writes the marker without a scope (it does not know the workdir); the runner stamps it at plan time
(`Marker.stamped`). A marker without a scope was written by a version before scopes: see
migrate/runner/scope.py for whom it belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from migrate.model import SourceRef, stable_id

MANAGED_TAG = "managed_by:ddmigrate"
ID_TAG_PREFIX = "ddmigrate_id:"
MIGRATION_TAG_PREFIX = "ddmigrate_migration:"
SELECTION_TAG_PREFIX = "ddmigrate_selection:"
FOOTER_PREFIX = "Managed by ddmigrate"
ALL = "all"  # the selection of an inventory that collected everything it was pointed at
# Both parts are tag values: lowercase letters, digits and `_ - . : /` (a selection such as service:checkout).
NAME_RE = re.compile(r"[a-z0-9][a-z0-9_.\-]{0,62}")
SELECTION_RE = re.compile(r"[a-z0-9][a-z0-9_.:/\-]{0,99}")
_FOOTER_RE = re.compile(
    r"Managed by ddmigrate \(id: (?P<key>[0-9a-f]{12})"
    r"(?:, migration: (?P<migration>[a-z0-9_.\-]+), selection: (?P<selection>[a-z0-9_.:/\-]+))?\)"
)


@dataclass(frozen=True, order=True)
class Scope:
    """Which migration a resource belongs to, and the source selection it came from."""

    migration: str
    selection: str = ALL

    def __str__(self) -> str:
        return f"{self.migration} ({self.selection})"


def resource_key(resource_type: str, refs: Iterable[SourceRef]) -> str:
    """Stable identity of a desired resource: the same source objects always give the same key."""
    return stable_id(resource_type + "|" + "|".join(sorted(r.key for r in refs)))


def part_key(key: str, part: str) -> str:
    """A resource made for one part of another (a composite monitor's operand `a`): its own stable key, derived
    from the whole's, so the same source objects always give the same parts."""
    return stable_id(f"{key}#{part}")


def scope_tags(scope: Scope | None) -> list[str]:
    return (
        []
        if scope is None
        else [f"{MIGRATION_TAG_PREFIX}{scope.migration}", f"{SELECTION_TAG_PREFIX}{scope.selection}"]
    )


def ownership_tags(key: str, refs: Iterable[SourceRef], scope: Scope | None = None) -> list[str]:
    sources = sorted({f"ddmigrate_source:{r.source}" for r in refs})
    return [MANAGED_TAG, f"{ID_TAG_PREFIX}{key}", *scope_tags(scope), *sources]


def footer_head(key: str, scope: Scope | None = None) -> str:
    where = "" if scope is None else f", migration: {scope.migration}, selection: {scope.selection}"
    return f"{FOOTER_PREFIX} (id: {key}{where})"


def footer(key: str, refs: Iterable[SourceRef], scope: Scope | None = None) -> str:
    """A text block naming the marker and every source object (for messages and descriptions)."""
    lines = [f"{footer_head(key, scope)}. Source:"]
    lines += [f"- {r.key}" for r in sorted(refs)]
    return "\n".join(lines)


def key_from_tags(tags: Iterable[str]) -> str | None:
    tags = list(tags)
    if MANAGED_TAG not in tags:
        return None
    return next((t[len(ID_TAG_PREFIX) :] for t in tags if t.startswith(ID_TAG_PREFIX)), None)


def key_from_text(text: str | None) -> str | None:
    match = _FOOTER_RE.search(text or "")
    return match["key"] if match else None


def scope_from_text(text: str | None) -> Scope | None:
    match = _FOOTER_RE.search(text or "")
    return Scope(match["migration"], match["selection"]) if match and match["migration"] else None


def scope_from_tags(tags: Iterable[str]) -> Scope | None:
    found = {t.split(":", 1)[0] + ":": t.split(":", 1)[1] for t in tags if isinstance(t, str) and ":" in t}
    migration = found.get(MIGRATION_TAG_PREFIX)
    return None if migration is None else Scope(migration, found.get(SELECTION_TAG_PREFIX, ALL))


@dataclass(frozen=True)
class Marker:
    """Where one resource type carries the marker: the footer in `text_field`, and with `tags` the tags as well."""

    text_field: str
    tags: bool = True

    def key(self, payload: dict[str, Any]) -> str | None:
        """The ddmigrate key of a live or desired resource, or None when we do not own it."""
        footer_key = key_from_text(payload.get(self.text_field))
        if not self.tags:
            return footer_key
        # A tag alone is easy to copy by hand; the footer must agree so a cloned monitor is not "ours".
        key = key_from_tags(payload.get("tags") or [])
        return key if key is not None and footer_key == key else None

    def scope(self, payload: dict[str, Any]) -> Scope | None:
        """The scope the footer names (None: a marker from before scopes). With tags, the tags must agree,
        or the resource is not recognised as anyone's (`key` would still be; callers check both)."""
        scope = scope_from_text(payload.get(self.text_field))
        if self.tags and scope_from_tags(payload.get("tags") or []) != scope:
            return _CONFLICT
        return scope

    def stamped(self, payload: dict[str, Any], scope: Scope) -> dict[str, Any]:
        """`payload` with its marker naming `scope` (footer and, with tags, the tags kept consistent)."""
        text = payload.get(self.text_field)
        match = _FOOTER_RE.search(text) if isinstance(text, str) else None
        if match is None or not isinstance(text, str):
            return payload
        out = {
            **payload,
            self.text_field: text[: match.start()] + footer_head(match["key"], scope) + text[match.end() :],
        }
        if self.tags:
            kept = [
                t
                for t in payload.get("tags") or []
                if not str(t).startswith((MIGRATION_TAG_PREFIX, SELECTION_TAG_PREFIX))
            ]
            out["tags"] = [*kept, *scope_tags(scope)]
        return out

    @property
    def where(self) -> str:
        """The JSON paths that hold the marker, for error messages."""
        return f"$.tags / $.{self.text_field}" if self.tags else f"$.{self.text_field}"


# Footer and tags naming different scopes: edited by hand, so nobody's (never deleted, never updated).
_CONFLICT = Scope("<conflicting marker>", "<conflicting marker>")
TAGS_AND_FOOTER = Marker("message")  # monitors, synthetic tests: tags + footer in the notification message
FOOTER_IN_DESCRIPTION = Marker("description", tags=False)  # dashboards: no free-form tags


def owned_key(resource_type: str, payload: dict[str, Any]) -> str | None:
    """`resource_type`'s declared marker applied to `payload` (for callers holding only a type name)."""
    # Imported here: the registry imports every resource module, and those import this one.
    from migrate.datadog.resources import spec  # noqa: PLC0415 (a cycle at import time)

    return spec(resource_type).owned_key(payload)


def is_owned(resource_type: str, payload: dict[str, Any]) -> bool:
    return owned_key(resource_type, payload) is not None
