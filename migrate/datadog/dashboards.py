"""Dashboards: `/api/v1/dashboard`. No free-form tags, so ownership is the footer in `description`.

The list endpoint returns summaries (with `description`), so owned dashboards are found from the list and
then read in full.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from datadog_api_client.v1.api.dashboards_api import DashboardsApi

from migrate import paging
from migrate.datadog import ownership
from migrate.datadog.base import ResourceOps, ResourceType

PAGE_SIZE = 100

DASHBOARD = ResourceType(
    name="dashboard",
    api_path="/api/v1/dashboard",
    id_field="id",
    schema_ref="Dashboard",
    server_fields=frozenset(
        {
            "id",
            "author_handle",
            "author_name",
            "created_at",
            "modified_at",
            "url",
            "is_read_only",
            "restricted_roles",
            "widgets.*.id",
            "widgets.*.definition.widgets.*.id",
            "reflow_type",
        }
    ),
    owned_key=lambda payload: ownership.owned_key("dashboard", payload),
    server_defaults={"template_variables": [], "notify_list": [], "reflow_type": "auto"},
    unordered=frozenset({"tags", "notify_list"}),
)


class DashboardOps(ResourceOps):
    rtype = DASHBOARD
    api_class = DashboardsApi
    create_op, get_op = "create_dashboard", "get_dashboard"
    update_op, delete_op = "update_dashboard", "delete_dashboard"
    id_param = "dashboard_id"

    def list_all(self) -> Iterator[dict[str, Any]]:
        """Dashboard summaries (id, title, description, ...), not full dashboards."""

        def page(start: int) -> list[dict[str, Any]]:
            data = self._call("list_dashboards", query={"count": PAGE_SIZE, "start": start}).data or {}
            batch: list[dict[str, Any]] = data.get("dashboards") or []
            return batch

        return paging.by_offset(page, limit=PAGE_SIZE, what="Datadog dashboards")

    def list_owned(self) -> list[dict[str, Any]]:
        owned = (s for s in self.list_all() if DASHBOARD.owned_key(s))
        # A dashboard deleted between list and get is simply not there any more.
        return [d for d in (self.get(s["id"]) for s in owned) if d is not None and DASHBOARD.owned_key(d)]

    def find_by_key(self, key: str) -> dict[str, Any] | None:
        summary = next((s for s in self.list_all() if DASHBOARD.owned_key(s) == key), None)
        return self.get(summary["id"]) if summary else None
