"""The registry of Datadog resource types ddmigrate manages.

Each type is one module (monitors.py, dashboards.py, synthetics.py, downtimes.py) that declares a
`ResourceType`; this dict is the only place they are listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from migrate.datadog import ownership


@dataclass(frozen=True)
class ResourceType:
    name: str  # monitor | dashboard | synthetic_test | downtime
    api_path: str  # collection path, e.g. /api/v1/monitor
    id_field: str  # id | public_id
    schema_ref: str  # component in the vendored v1 schema, e.g. "Monitor"
    # Fields the server adds or rewrites; a diff ignores them (dotted paths, "*" matches any list item).
    server_fields: frozenset[str] = field(default_factory=frozenset)
    owned_key: Callable[[dict[str, Any]], str | None] = field(default=lambda p: None)


def _by_tags(name: str) -> Callable[[dict[str, Any]], str | None]:
    return lambda payload: ownership.owned_key(name, payload)


MONITOR = ResourceType(
    name="monitor",
    api_path="/api/v1/monitor",
    id_field="id",
    schema_ref="Monitor",
    server_fields=frozenset({
        "id", "created", "modified", "deleted", "creator", "org_id", "overall_state",
        "overall_state_modified", "state", "matching_downtimes", "multi", "restricted_roles",
        "draft_status", "assets",
    }),
    owned_key=_by_tags("monitor"),
)

DASHBOARD = ResourceType(
    name="dashboard",
    api_path="/api/v1/dashboard",
    id_field="id",
    schema_ref="Dashboard",
    server_fields=frozenset({
        "id", "author_handle", "author_name", "created_at", "modified_at", "url", "is_read_only",
        "restricted_roles", "widgets.*.id", "widgets.*.definition.widgets.*.id", "reflow_type",
    }),
    owned_key=_by_tags("dashboard"),
)

SYNTHETIC_TEST = ResourceType(
    name="synthetic_test",
    api_path="/api/v1/synthetics/tests/api",
    id_field="public_id",
    schema_ref="SyntheticsAPITest",
    server_fields=frozenset({"public_id", "monitor_id", "created_at", "modified_at", "creator", "status"}),
    owned_key=_by_tags("synthetic_test"),
)

RESOURCES: dict[str, ResourceType] = {r.name: r for r in (MONITOR, DASHBOARD, SYNTHETIC_TEST)}
