"""Monitors: `/api/v1/monitor`, owned by tags `managed_by:ddmigrate` + `ddmigrate_id:<key>` and the footer in
`message`. Listing filters server-side by monitor tag and pages 1,000 at a time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from datadog_api_client.v1.api.monitors_api import MonitorsApi

from migrate.datadog import monitor_rules, ownership
from migrate.datadog.base import AlreadyExists, Paging, ResourceOps, ResourceType
from migrate.datadog.client import DatadogApiError
from migrate.translate.ddquery import composite

PAGE_SIZE = 1000
_DUPLICATE_RE = re.compile(r"Duplicate of an existing monitor_id:(\d+)")

# Options Datadog fills in when a create leaves them out; equal to these, they are not a change.
OPTION_DEFAULTS: dict[str, Any] = {
    "notify_no_data": False,
    "notify_audit": False,
    "new_host_delay": 300,
    "include_tags": True,
    "silenced": {},
    "require_full_window": False,
    "escalation_message": "",
    "locked": False,
    "groupby_simple_monitor": False,
}


class DuplicateMonitor(AlreadyExists):
    """Datadog refused a create as the duplicate of monitor `monitor_id` (which may be ours from a lost reply)."""

    def __init__(self, base: DatadogApiError, monitor_id: int) -> None:
        super().__init__(base, str(monitor_id))
        self.monitor_id = monitor_id


def _squeeze(text: Any) -> str:
    return re.sub(r"\s+", "", str(text or ""))


COMPOSITE = "composite"


def _references(payload: dict[str, Any]) -> list[str]:
    if payload.get("type") != COMPOSITE:
        return []
    return composite.referenced_keys(str(payload.get("query") or ""))


def _resolve(payload: dict[str, Any], ids: Mapping[str, str]) -> dict[str, Any]:
    """A composite's query with the Datadog id of each monitor it names by key (the others stay symbolic)."""
    if payload.get("type") != COMPOSITE or not _references(payload):
        return payload
    return {**payload, "query": composite.resolve(str(payload["query"]), ids)}


def _symbolic(payload: dict[str, Any], keys: Mapping[str, str]) -> dict[str, Any]:
    if payload.get("type") != COMPOSITE:
        return payload
    try:
        return {**payload, "query": composite.symbolic(str(payload.get("query") or ""), keys)}
    except composite.QuerySyntaxError:
        return payload  # not one we can read: the diff shows it as it is


def _unverifiable(payload: dict[str, Any]) -> str | None:
    if str(payload.get("type")) == COMPOSITE:
        return "a composite monitor has no metric data of its own: verify checks the monitors it combines"
    if str(payload.get("type")) == "service check":
        return (
            "a service check monitor reads check runs, which the metrics API does not serve: confirm in "
            "Datadog that the check reports (e.g. `datadog-agent status` on the Agent)"
        )
    return None


MONITOR = ResourceType(
    name="monitor",
    api_path="/api/v1/monitor",
    id_field="id",
    schema_ref="Monitor",
    server_fields=frozenset(
        {
            "id",
            "created",
            "created_at",
            "modified",
            "deleted",
            "creator",
            "org_id",
            "overall_state",
            "overall_state_modified",
            "state",
            "matching_downtimes",
            "multi",
            "restricted_roles",
            "draft_status",
            "assets",
        }
    ),
    restorable=frozenset({"restricted_roles", "draft_status"}),
    # Datadog's "Edit a monitor" (PUT /api/v1/monitor/{id}) takes a MonitorUpdateRequest whose fields are all
    # optional: what is not sent is kept, `"priority": null` clears it; `options` is replaced as one object.
    update_merges=True,
    marker=ownership.TAGS_AND_FOOTER,
    int_ids=True,
    paging=Paging("page", PAGE_SIZE, ("page", "page_size")),
    rules=monitor_rules.check,
    request_schemas={"update": "MonitorUpdateRequest"},
    snapshot_dir="monitors",
    required_fields=("query", "type"),
    identity=lambda payload: _squeeze(payload.get("query")),
    # A composite's query names monitors, not metrics: verify checks the parts' data.
    query_texts=lambda payload: [] if payload.get("type") == COMPOSITE else [str(payload.get("query") or "")],
    unverifiable=_unverifiable,
    reads_metrics=True,
    muted_in_parallel_run=True,
    server_defaults={f"options.{name}": value for name, value in OPTION_DEFAULTS.items()},
    unordered=frozenset({"tags", "restricted_roles", "options.renotify_statuses", "options.notify_by"}),
    aliases={"type": {"metric alert": "query alert"}},  # both mean the same monitor; Datadog reads back the latter
    references=_references,
    refers=lambda payload: payload.get("type") == COMPOSITE,
    resolve=_resolve,
    symbolic=_symbolic,
)


class MonitorOps(ResourceOps):
    rtype = MONITOR
    api_class = MonitorsApi
    create_op, get_op, update_op, delete_op = "create_monitor", "get_monitor", "update_monitor", "delete_monitor"
    id_param = "monitor_id"
    list_op = "list_monitors"

    def create(self, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            return super().create(payload)
        except DatadogApiError as exc:
            match = next((m for m in map(_DUPLICATE_RE.search, exc.errors) if m), None) if exc.status == 400 else None
            if match:
                raise DuplicateMonitor(exc, int(match.group(1))) from None
            raise

    def list_owned(self) -> list[dict[str, Any]]:
        # `monitor_tags` filters on the monitor's own tags (`tags` would filter on the query scope).
        return [p for p in self.list_all(monitor_tags=ownership.MANAGED_TAG) if MONITOR.owned_key(p)]

    def find_by_key(self, key: str, migration: str | None = None) -> dict[str, Any] | None:
        found = self.list_all(monitor_tags=f"{ownership.ID_TAG_PREFIX}{key}")
        return next((p for p in found if MONITOR.owned_by(p, key, migration)), None)

    def validate(self, payload: dict[str, Any], monitor_id: int | None = None) -> list[str] | None:
        """Datadog's own check of a monitor definition: [] when valid, else its error messages."""
        try:
            if monitor_id is None:
                self._call("validate_monitor", body=payload)
            else:
                self._call("validate_existing_monitor", path={"monitor_id": monitor_id}, body=payload)
        except DatadogApiError as exc:
            if exc.status == 400:
                return exc.errors or ["invalid monitor"]
            raise
        return []
