"""The ownership marker every resource ddmigrate creates carries, and how to recognise it.

Monitors and synthetic tests carry tags; dashboards have no free-form tags, so the same marker is a
footer line in their description. Rollback and cleanup refuse anything where `is_owned` is false.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from migrate.model import SourceRef, stable_id

MANAGED_TAG = "managed_by:ddmigrate"
ID_TAG_PREFIX = "ddmigrate_id:"
FOOTER_PREFIX = "Managed by ddmigrate"
_FOOTER_RE = re.compile(r"Managed by ddmigrate \(id: ([0-9a-f]{12})\)")


def resource_key(resource_type: str, refs: Iterable[SourceRef]) -> str:
    """Stable identity of a desired resource: the same source objects always give the same key."""
    return stable_id(resource_type + "|" + "|".join(sorted(r.key for r in refs)))


def ownership_tags(key: str, refs: Iterable[SourceRef]) -> list[str]:
    sources = sorted({f"ddmigrate_source:{r.source}" for r in refs})
    return [MANAGED_TAG, f"{ID_TAG_PREFIX}{key}", *sources]


def footer(key: str, refs: Iterable[SourceRef]) -> str:
    """A text block naming the marker and every source object (for messages and descriptions)."""
    lines = [f"{FOOTER_PREFIX} (id: {key}). Source:"]
    lines += [f"- {r.key}" for r in sorted(refs)]
    return "\n".join(lines)


def key_from_tags(tags: Iterable[str]) -> str | None:
    tags = list(tags)
    if MANAGED_TAG not in tags:
        return None
    return next((t[len(ID_TAG_PREFIX) :] for t in tags if t.startswith(ID_TAG_PREFIX)), None)


def key_from_text(text: str | None) -> str | None:
    match = _FOOTER_RE.search(text or "")
    return match.group(1) if match else None


def owned_key(resource_type: str, payload: dict[str, Any]) -> str | None:
    """The ddmigrate key of a live or desired resource, or None when we do not own it."""
    if resource_type == "dashboard":
        return key_from_text(payload.get("description"))
    key = key_from_tags(payload.get("tags") or [])
    # A tag alone is easy to copy by hand; the footer must agree so a cloned monitor is not "ours".
    if key is not None and key_from_text(payload.get("message")) == key:
        return key
    return None


def is_owned(resource_type: str, payload: dict[str, Any]) -> bool:
    return owned_key(resource_type, payload) is not None
