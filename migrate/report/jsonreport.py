"""report.json: the report data as built by `build_report`, in canonical JSON (stable keys, sorted)."""

from __future__ import annotations

from typing import Any

from migrate.fsutil import dumps


def render(data: dict[str, Any]) -> str:
    return dumps(data)
