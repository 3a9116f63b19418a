"""New Relic dashboards → inventory objects: one `dashboard` and one `widget` per widget.

Like the Grafana source's dashboard + panel objects: the translator records one ledger entry per widget
(and so per widget query) and one per dashboard; the dashboard keeps its pages (the Datadog groups, or
dashboards, to come), its variables and the order of its widgets.

Three shapes arrive here, and they differ only in a few fields: the NerdGraph `DashboardEntity` (guids,
widget ids, `linkedEntities`), the UI's JSON export and the quickstart files (no guids, no widget ids,
`linkedEntityGuids`). A dashboard without a guid is identified by the caller (its file).
"""

from __future__ import annotations

import re
from typing import Any

from migrate.inventory.store import InventoryObject
from migrate.model import SourceRef

SOURCE = "newrelic"
_HANDLED = {"nrqlQueries", "text", "thresholds", "facet", "legend", "yAxisLeft", "yAxisRight", "platformOptions"}
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake(value: Any) -> Any:
    """NerdGraph's camelCase keys as snake_case, recursively (`thresholdDuration` → `threshold_duration`)."""
    if isinstance(value, dict):
        return {_CAMEL.sub(r"_\1", str(k)).lower(): snake(v) for k, v in value.items() if k != "__typename"}
    if isinstance(value, list):
        return [snake(v) for v in value]
    return value


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def tag_map(tags: Any) -> dict[str, list[str]]:
    """NerdGraph's `[{key, values}]` (or an already keyed mapping) as key → values."""
    if isinstance(tags, dict):
        return {str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])] for k, vs in tags.items()}
    out: dict[str, list[str]] = {}
    for tag in as_list(tags):
        if isinstance(tag, dict) and tag.get("key") is not None:
            out.setdefault(str(tag["key"]), []).extend(str(v) for v in as_list(tag.get("values")))
    return out


def _account_ids(query: dict[str, Any]) -> list[int]:
    ids: list[Any] = query["accountIds"] if isinstance(query.get("accountIds"), list) else [query.get("accountId")]
    return [int(i) for i in ids if isinstance(i, int) and not isinstance(i, bool)]


def widget_queries(widget: dict[str, Any]) -> list[dict[str, Any]]:
    """The NRQL of a widget: `rawConfiguration.nrqlQueries`, else the typed `configuration.<viz>`."""
    raw = as_dict(widget.get("rawConfiguration"))
    queries = as_list(raw.get("nrqlQueries"))
    if not queries:
        for typed in as_dict(widget.get("configuration")).values():
            queries += as_list(as_dict(typed).get("nrqlQueries"))
    return [
        {"account_ids": _account_ids(q), "query": str(q["query"])}
        for q in queries
        if isinstance(q, dict) and isinstance(q.get("query"), str)
    ]


def _linked(widget: dict[str, Any]) -> list[dict[str, Any]]:
    out = [
        {"guid": str(e.get("guid")), "name": str(e.get("name") or ""), "type": str(e.get("__typename") or "")}
        for e in as_list(widget.get("linkedEntities"))
        if isinstance(e, dict) and e.get("guid")
    ]
    out += [{"guid": str(g), "name": "", "type": ""} for g in as_list(widget.get("linkedEntityGuids")) if g]
    return out


def _layout(widget: dict[str, Any]) -> dict[str, int]:
    layout = as_dict(widget.get("layout"))
    # NerdGraph's grid: 12 columns, row and column 1-based; defaults are the UI's for a new widget.
    defaults = {"column": 1, "row": 1, "width": 4, "height": 3}
    return {k: int(v) if isinstance(v := layout.get(k), int) else d for k, d in defaults.items()}


def _widget_fields(widget: dict[str, Any]) -> dict[str, Any]:
    raw = as_dict(widget.get("rawConfiguration"))
    markdown = as_dict(as_dict(widget.get("configuration")).get("markdown")).get("text")
    return {
        "title": str(widget.get("title") or ""),
        "visualization": str(as_dict(widget.get("visualization")).get("id") or "unknown"),
        "layout": _layout(widget),
        "queries": widget_queries(widget),
        "text": str(raw.get("text") if isinstance(raw.get("text"), str) else markdown or ""),
        "thresholds": as_list(raw.get("thresholds")),
        "facet": snake(as_dict(raw.get("facet"))),
        "legend": snake(as_dict(raw.get("legend"))),
        "y_axis_left": snake(as_dict(raw.get("yAxisLeft"))),
        "y_axis_right": snake(as_dict(raw.get("yAxisRight"))),
        "ignore_time_range": bool(as_dict(raw.get("platformOptions")).get("ignoreTimeRange")),
        "other_options": sorted(str(k) for k in raw if k not in _HANDLED),
        "linked_entities": _linked(widget),
    }


def _variables(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for var in as_list(dashboard.get("variables")):
        if not isinstance(var, dict) or not var.get("name"):
            continue
        defaults = [as_dict(as_dict(d).get("value")).get("string") for d in as_list(var.get("defaultValues"))]
        nrql = as_dict(var.get("nrqlQuery"))
        out.append(
            {
                "name": str(var["name"]),
                "title": str(var.get("title") or ""),
                "type": str(var.get("type") or "STRING"),
                "multi": bool(var.get("isMultiSelection")),
                "default_values": [str(d) for d in defaults if d is not None],
                "items": [snake(i) for i in as_list(var.get("items")) if isinstance(i, dict)],
                "nrql_query": {"account_ids": _account_ids(nrql), "query": str(nrql["query"])}
                if isinstance(nrql.get("query"), str)
                else None,
                "replacement_strategy": var.get("replacementStrategy"),
                "options": snake(as_dict(var.get("options"))),
            }
        )
    return out


def normalize_dashboard(dashboard: dict[str, Any], *, dashboard_id: str, origin: str) -> list[InventoryObject]:
    """The dashboard object first, then one object per widget in page order."""
    name = str(dashboard.get("name") or "Untitled")
    pages: list[dict[str, Any]] = []
    raw_pages: list[dict[str, Any]] = []
    widgets: list[InventoryObject] = []
    for page_index, page in enumerate(p for p in as_list(dashboard.get("pages")) if isinstance(p, dict)):
        ids = []
        for index, widget in enumerate(w for w in as_list(page.get("widgets")) if isinstance(w, dict)):
            # NerdGraph's widget ids are unique and survive moving a widget or reordering pages; files have
            # none, so there the position names the widget.
            wid = str(widget.get("id") or f"page{page_index + 1}/w{index + 1}")
            full_id = f"{dashboard_id}/{wid}"
            fields = _widget_fields(widget)
            fields.update(
                dashboard_id=dashboard_id,
                dashboard_name=name,
                page_index=page_index,
                page_guid=page.get("guid"),
                page_name=str(page.get("name") or ""),
                widget_id=wid,
            )
            label = fields["title"] or f"{fields['visualization']} widget {wid}"
            widgets.append(
                InventoryObject(SourceRef(SOURCE, "widget", full_id, label, origin), widget, normalized=fields)
            )
            ids.append(full_id)
        raw_pages.append({**{k: v for k, v in page.items() if k != "widgets"}, "widgets": ids})
        pages.append(
            {
                "index": page_index,
                "guid": page.get("guid"),
                "name": str(page.get("name") or f"Page {page_index + 1}"),
                "description": str(page.get("description") or ""),
                "widgets": ids,
            }
        )
    normalized = {
        "guid": dashboard.get("guid"),
        "name": name,
        "description": str(dashboard.get("description") or ""),
        "permissions": dashboard.get("permissions"),
        "account_id": dashboard.get("accountId"),
        "permalink": dashboard.get("permalink"),
        "tags": tag_map(dashboard.get("tags")),
        "pages": pages,
        "variables": _variables(dashboard),
        "widget_count": len(widgets),
        "query_count": sum(len(w.normalized["queries"]) for w in widgets),
    }
    # The widgets are objects of their own; the dashboard's payload keeps its pages without them.
    payload = {**dashboard, "pages": raw_pages}
    ref = SourceRef(SOURCE, "dashboard", dashboard_id, name, origin)
    return [InventoryObject(ref, payload, normalized=normalized), *widgets]
