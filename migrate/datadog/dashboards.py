"""Dashboards: `/api/v1/dashboard`. No free-form tags, so ownership is the footer in `description`.

The list endpoint returns summaries (with `description`), so owned dashboards are found from the list and
then read in full.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from datadog_api_client.v1.api.dashboards_api import DashboardsApi

from migrate.datadog import ownership
from migrate.datadog.base import Paging, ResourceOps, ResourceType
from migrate.datadog.payload_rules import as_dict, as_list

PAGE_SIZE = 100
_TEMPLATE_VAR_RE = re.compile(r"\$([A-Za-z0-9_\-]+)")


def rules(payload: dict[str, Any]) -> Iterator[str]:
    """Datadog's dashboard rules beyond the schema: team tags, template variables, layouts, groups."""
    for i, tag in enumerate(as_list(payload.get("tags"))):
        if not (isinstance(tag, str) and tag.startswith("team:")):
            yield f"$.tags[{i}]: Invalid tag format. Valid tag keys are: team."
    for i, var in enumerate(as_list(payload.get("template_variables"))):
        if isinstance(var, dict) and "default" in var and "defaults" in var:
            yield f"$.template_variables[{i}]: 'default' and 'defaults' cannot both be set (use 'defaults')"
    for i, preset in enumerate(as_list(payload.get("template_variable_presets"))):
        for j, var in enumerate(as_list(as_dict(preset).get("template_variables"))):
            if isinstance(var, dict) and "value" in var and "values" in var:
                where = f"$.template_variable_presets[{i}].template_variables[{j}]"
                yield f"{where}: 'value' and 'values' cannot both be set"
    needs_layout = payload.get("layout_type") == "free" or payload.get("reflow_type") == "fixed"
    names = [str(v.get("name")) for v in as_list(payload.get("template_variables")) if isinstance(v, dict)]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        yield f"$.template_variables: template variable {dup!r} is defined more than once"
    yield from _widgets(payload.get("widgets"), "$.widgets", needs_layout, set(names), in_group=False)


def _widgets(widgets: Any, path: str, needs_layout: bool, variables: set[str], *, in_group: bool) -> Iterator[str]:
    for i, widget in enumerate(widgets if isinstance(widgets, list) else []):
        if not isinstance(widget, dict):
            continue
        here = f"{path}[{i}]"
        definition = as_dict(widget.get("definition"))
        if needs_layout and "layout" not in widget:
            yield f"{here}.layout: required on this dashboard (free layout or fixed reflow)"
        if definition.get("type") == "group":
            if in_group:
                yield f"{here}.definition: a group widget cannot contain another group widget"
            fixed = needs_layout or definition.get("layout_type") == "free"
            nested = f"{here}.definition.widgets"
            yield from _widgets(definition.get("widgets"), nested, fixed, variables, in_group=True)
            continue
        for where, text in query_strings(definition, f"{here}.definition"):
            for name in _TEMPLATE_VAR_RE.findall(text):
                if name not in variables:
                    yield f"{where}: template variable ${name} is not defined in $.template_variables"


def query_strings(node: Any, path: str = "$") -> Iterator[tuple[str, str]]:
    """(JSON path, text) of every query string (`q` / `query`) under `node`, nested groups included."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("q", "query") and isinstance(value, str):
                yield f"{path}.{key}", value
            else:
                yield from query_strings(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from query_strings(value, f"{path}[{i}]")


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
    restorable=frozenset({"reflow_type", "restricted_roles"}),  # PUT replaces the dashboard: send them back
    marker=ownership.FOOTER_IN_DESCRIPTION,
    name_field="title",
    paging=Paging("offset", PAGE_SIZE, ("start", "count"), items="dashboards", summaries=True),
    rules=rules,
    snapshot_dir="dashboards",
    required_fields=("title", "widgets"),
    query_texts=lambda payload: [text for _, text in query_strings(payload.get("widgets"))],
    reads_metrics=True,
    server_defaults={"template_variables": [], "notify_list": [], "reflow_type": "auto"},
    unordered=frozenset({"tags", "notify_list"}),
)


class DashboardOps(ResourceOps):
    rtype = DASHBOARD
    api_class = DashboardsApi
    create_op, get_op = "create_dashboard", "get_dashboard"
    update_op, delete_op = "update_dashboard", "delete_dashboard"
    list_op = "list_dashboards"  # summaries (id, title, description, ...), not full dashboards
    id_param = "dashboard_id"

    def list_owned(self) -> list[dict[str, Any]]:
        owned = (s for s in self.list_all() if DASHBOARD.owned_key(s))
        # A dashboard deleted between list and get is simply not there any more.
        return [d for d in (self.get(s["id"]) for s in owned) if d is not None and DASHBOARD.owned_key(d)]

    def find_by_key(self, key: str, migration: str | None = None) -> dict[str, Any] | None:
        summary = next((s for s in self.list_all() if DASHBOARD.owned_by(s, key, migration)), None)
        return self.get(summary["id"]) if summary else None
