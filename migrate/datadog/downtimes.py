"""Downtimes: the scoped mute ddmigrate puts on a monitor during a phase's parallel run (`mute_until_cutover`).

Downtimes have no tags; ours carry the ownership footer in `message`, so `cutover` and rollback only ever
cancel downtimes ddmigrate created, never one an operator set.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from datadog_api_client.v1.api.downtimes_api import DowntimesApi

from migrate.datadog import ownership
from migrate.datadog.base import ResourceOps, ResourceType
from migrate.datadog.client import NotFound

DOWNTIME = ResourceType(
    name="downtime",
    api_path="/api/v1/downtime",
    id_field="id",
    schema_ref="Downtime",
    server_fields=frozenset(
        {
            "id",
            "active",
            "active_child",
            "canceled",
            "creator_id",
            "created",
            "modified",
            "disabled",
            "downtime_type",
            "parent_id",
            "updater_id",
            "monitor_tags",
        }
    ),
    marker=ownership.Marker("message", tags=False),  # downtimes have no tags
    int_ids=True,
    rules=lambda payload: iter(() if payload.get("scope") else ["$.scope: scope is required"]),
)


class DowntimeOps(ResourceOps):
    rtype = DOWNTIME
    api_class = DowntimesApi
    create_op, get_op, update_op, delete_op = "create_downtime", "get_downtime", "update_downtime", "cancel_downtime"
    list_op = "list_downtimes"
    id_param = "downtime_id"

    def mute_monitor(self, monitor_id: int, key: str, *, reason: str = "parallel run before cutover") -> dict[str, Any]:
        """Silence every group of one monitor until cancelled; the marker names the monitor's ddmigrate key."""
        payload = {
            "monitor_id": monitor_id,
            "scope": ["*"],
            "start": int(time.time()),
            "message": f"ddmigrate: {reason}.\n{ownership.FOOTER_PREFIX} (id: {key}).",
        }
        return self.create(payload)

    def list_all(self, **query: Any) -> Iterator[dict[str, Any]]:
        return super().list_all(current_only=True, **query)

    def mutes_for(self, monitor_id: int) -> list[dict[str, Any]]:
        """ddmigrate's active downtimes on one monitor (none when the monitor is gone: Datadog answers 404)."""
        try:
            found: list[dict[str, Any]] = (
                self._call("list_monitor_downtimes", path={"monitor_id": monitor_id}).data or []
            )
        except NotFound:
            return []
        return [d for d in found if DOWNTIME.owned_key(d) and not d.get("canceled")]

    def unmute_monitor(self, monitor_id: int) -> int:
        """Cancel ddmigrate's downtimes on the monitor; returns how many were cancelled."""
        return sum(self.delete(d["id"]) for d in self.mutes_for(monitor_id))
