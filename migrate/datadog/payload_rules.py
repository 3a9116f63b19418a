"""Helpers the per-type rules share (monitor_rules.py, dashboards.py, synthetics.py).

A rule reads only well-typed parts of a payload: a wrong JSON type is already a schema error, never a crash.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

TAG_RE = re.compile(r"^[A-Za-z][\w\-:./]*$")
TAG_MAX = 200


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def number(value: Any) -> float | None:
    """Numbers only (booleans are not thresholds)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def tags(payload: dict[str, Any]) -> Iterator[str]:
    """Datadog's tag syntax, for types with free-form tags (monitors, synthetic tests)."""
    for i, tag in enumerate(as_list(payload.get("tags"))):
        if isinstance(tag, str) and (len(tag) > TAG_MAX or not TAG_RE.match(tag)):
            yield (
                f"$.tags[{i}]: invalid tag {tag!r} (start with a letter; letters, digits, _ - : . / only; "
                f"at most {TAG_MAX} characters)"
            )
