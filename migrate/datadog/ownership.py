"""The ownership marker every resource ddmigrate creates carries, and how to recognise it.

Monitors and synthetic tests carry tags; dashboards have no free-form tags, so the same marker is a
footer line in their description. Each resource type declares its `Marker` (migrate/datadog/<type>.py);
rollback and cleanup refuse anything whose marker does not name the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
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

    @property
    def where(self) -> str:
        """The JSON paths that hold the marker, for error messages."""
        return f"$.tags / $.{self.text_field}" if self.tags else f"$.{self.text_field}"


TAGS_AND_FOOTER = Marker("message")  # monitors, synthetic tests: tags + footer in the notification message
FOOTER_IN_DESCRIPTION = Marker("description", tags=False)  # dashboards: no free-form tags


def owned_key(resource_type: str, payload: dict[str, Any]) -> str | None:
    """`resource_type`'s declared marker applied to `payload` (for callers holding only a type name)."""
    # Imported here: the registry imports every resource module, and those import this one.
    from migrate.datadog.resources import spec  # noqa: PLC0415 (a cycle at import time)

    return spec(resource_type).owned_key(payload)


def is_owned(resource_type: str, payload: dict[str, Any]) -> bool:
    return owned_key(resource_type, payload) is not None
