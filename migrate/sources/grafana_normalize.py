"""Grafana dashboard JSON → inventory objects: one `dashboard` and one `panel` per panel.

Grafana's JSON has grown over ten years of schema versions; this module hides that from the
translator: legacy `rows[]` become gridPos panels, panels inside collapsed rows are flattened with
their row, and every datasource spelling (null, a name, `{type, uid}`, `${DS_X}`, `$datasource`) is
resolved to a datasource *kind* (`prometheus`, `grafana`, `loki`, ...).
"""

from __future__ import annotations

import re
from typing import Any

from migrate.inventory.store import InventoryObject
from migrate.model import SourceRef, stable_id

SOURCE = "grafana"
GRID_ROW_PX = 30  # Grafana's gridPos height unit, used to convert legacy `rows[].height`
PROMETHEUS_LIKE = ("prometheus", "thanos", "cortex", "mimir", "victoria", "prom")
_VAR_REF = re.compile(r"^\$\{?([A-Za-z0-9_]+)(?::[a-z]+)?\}?$")


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class DatasourceResolver:
    """Which kind of datasource a panel or target queries."""

    def __init__(self, dashboard: dict[str, Any], known: dict[str, str] | None = None) -> None:
        self.known = {k.lower(): v for k, v in (known or {}).items()}  # name or uid -> type (from the API)
        self.variables: dict[str, str] = {}
        for item in dashboard.get("__inputs") or []:
            if isinstance(item, dict) and item.get("type") == "datasource":
                self.variables[str(item.get("name"))] = str(item.get("pluginId") or "unknown")
        for var in _as_dict(dashboard.get("templating")).get("list") or []:
            if isinstance(var, dict) and var.get("type") == "datasource":
                self.variables[str(var.get("name"))] = str(var.get("query") or "unknown")

    def default_kind(self, default: str) -> str:
        """The dashboard's default datasource: the one kind its datasource inputs/variables name, else `default`."""
        kinds = set(self.variables.values()) - {"unknown"}
        return kinds.pop() if len(kinds) == 1 else default

    def kind(self, datasource: Any, default: str = "prometheus") -> str:
        # null, "" and Grafana's "default" mean the default datasource (a mixed panel's targets too)
        if datasource is None or datasource == "" or (isinstance(datasource, str) and datasource.lower() == "default"):
            return self.default_kind(default)
        if isinstance(datasource, dict):
            ds_type, uid = datasource.get("type"), str(datasource.get("uid") or "")
            if uid in ("-- Mixed --",) or ds_type == "mixed":
                return "mixed"
            if ds_type == "datasource":
                return "grafana" if uid in ("grafana", "-- Grafana --") else "dashboard"
            if ds_type:
                return str(ds_type)
            return self.kind(uid or None, default)
        name = str(datasource)
        if name == "-- Grafana --":
            return "grafana"
        if name == "-- Mixed --":
            return "mixed"
        if name == "-- Dashboard --":
            return "dashboard"
        match = _VAR_REF.match(name)
        if match:
            return self.variables.get(match.group(1), default)
        if name.lower() in self.known:
            return self.known[name.lower()]
        if any(p in name.lower() for p in PROMETHEUS_LIKE):
            return "prometheus"
        return f"unknown:{name}"


def legacy_rows_to_panels(rows: list[Any]) -> list[dict[str, Any]]:
    """Schema < 16: `rows[{title, height, collapse, panels[{span}]}]` → gridPos panels and row panels."""
    panels: list[dict[str, Any]] = []
    y = 0
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            continue
        height_text = str(row.get("height") or "250px").removesuffix("px")
        height = max(1, round(float(height_text) / GRID_ROW_PX)) if height_text.replace(".", "").isdigit() else 8
        children: list[dict[str, Any]] = []
        x = 0
        for panel in row.get("panels") or []:
            if not isinstance(panel, dict):
                continue
            width = max(1, min(24, round(float(panel.get("span") or 12) * 2)))
            if x + width > 24:
                x, y = 0, y + height
            children.append({**panel, "gridPos": {"x": x, "y": y + 1, "w": width, "h": height}})
            x += width
        collapsed = bool(row.get("collapse"))
        panels.append(
            {
                "type": "row",
                "title": str(row.get("title") or f"Row {index + 1}"),
                "id": f"row{index + 1}",
                "collapsed": collapsed,
                "gridPos": {"x": 0, "y": y, "w": 24, "h": 1},
                "panels": children if collapsed else [],
                "repeat": row.get("repeat"),
            }
        )
        if not collapsed:
            panels.extend(children)
        y += height + 1
    return panels


def flatten_panels(panels: list[Any]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """(panel, row) pairs in reading order. Panels after an open row belong to it until the next row;
    a collapsed row carries its own `panels`."""
    out: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    current_row: dict[str, Any] | None = None
    for panel in sorted((p for p in panels if isinstance(p, dict)), key=_position):
        if panel.get("type") == "row":
            current_row = panel
            out.append((panel, None))
            for child in sorted((c for c in panel.get("panels") or [] if isinstance(c, dict)), key=_position):
                out.append((child, panel))
            continue
        out.append((panel, current_row))
    return out


def _position(panel: dict[str, Any]) -> tuple[int, int]:
    grid = _as_dict(panel.get("gridPos"))
    return int(grid.get("y") or 0), int(grid.get("x") or 0)


def _grid(panel: dict[str, Any]) -> dict[str, int]:
    grid = _as_dict(panel.get("gridPos"))
    return {k: int(grid.get(k) or d) for k, d in (("x", 0), ("y", 0), ("w", 12), ("h", 8))}


def _thresholds(defaults: dict[str, Any]) -> list[dict[str, Any]]:
    steps = _as_dict(defaults.get("thresholds")).get("steps") or []
    return [
        {"value": s.get("value"), "color": s.get("color")}
        for s in steps
        if isinstance(s, dict) and isinstance(s.get("value"), int | float)
    ]


def _panel_fields(panel: dict[str, Any], resolver: DatasourceResolver) -> dict[str, Any]:
    field_config = _as_dict(panel.get("fieldConfig"))
    defaults = _as_dict(field_config.get("defaults"))
    custom = _as_dict(defaults.get("custom"))
    options = _as_dict(panel.get("options"))
    legend = _as_dict(options.get("legend")) or _as_dict(panel.get("legend"))
    panel_kind = resolver.kind(panel.get("datasource"))
    targets: list[dict[str, Any]] = []
    for target in panel.get("targets") or []:
        if not isinstance(target, dict):
            continue
        ds = target.get("datasource")
        kind = panel_kind if ds is None or panel_kind != "mixed" else resolver.kind(ds)
        if kind == "mixed":
            kind = resolver.kind(ds)
        targets.append(
            {
                "ref_id": str(target.get("refId") or chr(ord("A") + len(targets) % 26)),
                "expr": target.get("expr") if isinstance(target.get("expr"), str) else None,
                "legend": str(target.get("legendFormat") or ""),
                "hidden": bool(target.get("hide")),
                "instant": bool(target.get("instant")),
                "format": str(target.get("format") or "time_series"),
                "datasource_kind": kind,
                "raw_query": None if isinstance(target.get("expr"), str) else _other_query(target),
                "interval": _text(target.get("interval")),
            }
        )
    stacking = _as_dict(custom.get("stacking")).get("mode")
    if stacking is None and panel.get("stack"):
        stacking = "normal"
    reduce_calcs = _as_dict(options.get("reduceOptions")).get("calcs") or []
    return {
        "title": str(panel.get("title") or ""),
        "type": str(panel.get("type") or "unknown"),
        "description": str(panel.get("description") or ""),
        "grid": _grid(panel),
        "datasource_kind": panel_kind,
        "targets": targets,
        "unit": defaults.get("unit") or _legacy_unit(panel),
        "decimals": defaults.get("decimals", panel.get("decimals")),
        "min": defaults.get("min"),
        "max": defaults.get("max"),
        "thresholds": _thresholds(defaults),
        "thresholds_style": _as_dict(custom.get("thresholdsStyle")).get("mode"),
        "stacking": stacking if stacking not in (None, "none") else None,
        "draw_style": custom.get("drawStyle") or ("bars" if panel.get("bars") else None),
        "fill_opacity": custom.get("fillOpacity", panel.get("fill")),
        "legend": {
            "show": legend.get("showLegend", legend.get("show", True)) is not False
            and legend.get("displayMode") != "hidden",
            "placement": legend.get("placement"),
            "calcs": list(legend.get("calcs") or []),
        },
        "reduce": str(reduce_calcs[0]) if reduce_calcs else None,
        "content": str(options.get("content") or panel.get("content") or ""),
        "mode": str(options.get("mode") or panel.get("mode") or "markdown"),
        "library_panel": _as_dict(panel.get("libraryPanel")).get("uid"),
        "repeat": panel.get("repeat"),
        **_panel_extras(panel, field_config),
    }


def _panel_extras(panel: dict[str, Any], field_config: dict[str, Any]) -> dict[str, Any]:
    """What a panel carries beyond its queries and display (min interval, max data points, legacy alert,
    transformations, overrides): the translator reports each, so none is dropped without a word."""
    alert = _as_dict(panel.get("alert"))
    transformations = [
        str(t.get("id"))
        for t in panel.get("transformations") or []
        if isinstance(t, dict) and t.get("id") and not t.get("disabled")
    ]
    overrides = sorted(
        {
            str(p.get("id"))
            for o in field_config.get("overrides") or []
            if isinstance(o, dict)
            for p in o.get("properties") or []
            if isinstance(p, dict) and p.get("id")
        }
    )
    max_points = panel.get("maxDataPoints")
    return {
        "interval": _text(panel.get("interval")),
        "max_data_points": max_points
        if isinstance(max_points, int | float) and not isinstance(max_points, bool)
        else None,
        "legacy_alert": (
            {"name": str(alert.get("name") or "unnamed"), "conditions": len(alert.get("conditions") or [])}
            if alert
            else None
        ),
        "transformations": transformations,
        "overrides": overrides,
    }


def _text(value: Any) -> str | None:
    """A Grafana string setting that is unset when empty (`interval: ""` is Grafana's default)."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    return str(value).strip() or None


def _annotations(dashboard: dict[str, Any], resolver: DatasourceResolver) -> list[dict[str, Any]]:
    """Annotation queries other than Grafana's built-in one (manual annotations and alert state changes)."""
    out = []
    for item in _as_dict(dashboard.get("annotations")).get("list") or []:
        if not isinstance(item, dict) or item.get("builtIn"):
            continue
        target = _as_dict(item.get("target"))
        tags = item.get("tags") or target.get("tags")
        query = (
            item.get("expr")
            or target.get("expr")
            or item.get("query")
            or target.get("query")
            or (f"events tagged {', '.join(map(str, tags))}" if isinstance(tags, list) and tags else "")
        )
        out.append(
            {
                "name": str(item.get("name") or "unnamed"),
                "enabled": item.get("enable") is not False,
                "datasource_kind": resolver.kind(item.get("datasource")),
                "query": str(query),
            }
        )
    return out


def _links(dashboard: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "title": str(link.get("title") or link.get("tags") or link.get("type") or "link"),
            "url": str(link.get("url") or ""),
        }
        for link in dashboard.get("links") or []
        if isinstance(link, dict)
    ]


def _legacy_unit(panel: dict[str, Any]) -> str | None:
    yaxes = panel.get("yaxes") or []
    if yaxes and isinstance(yaxes[0], dict) and yaxes[0].get("format") not in (None, "short"):
        return str(yaxes[0]["format"])
    return str(panel["format"]) if isinstance(panel.get("format"), str) else None


def _other_query(target: dict[str, Any]) -> str:
    """A non-PromQL target's query text, kept so the manual ledger entry shows what was there."""
    for key in ("query", "rawSql", "expr", "target", "queryText"):
        if isinstance(target.get(key), str):
            return str(target[key])
    return ""


def _variables(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for var in _as_dict(dashboard.get("templating")).get("list") or []:
        if not isinstance(var, dict) or not var.get("name"):
            continue
        query = var.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        current = _as_dict(var.get("current"))
        options = [
            str(o.get("value")) for o in var.get("options") or [] if isinstance(o, dict) and o.get("value") is not None
        ]
        out.append(
            {
                "name": str(var["name"]),
                "type": str(var.get("type") or "query"),
                "label": str(var.get("label") or ""),
                "query": "" if query is None else str(query),
                "current": current.get("value"),
                "options": options,
                "multi": bool(var.get("multi")),
                "include_all": bool(var.get("includeAll")),
                "all_value": _text(var.get("allValue")) if var.get("includeAll") else None,
                "regex": str(var.get("regex") or ""),
                "hidden": var.get("hide") == 2,
            }
        )
    return out


def normalize_dashboard(
    dashboard: dict[str, Any],
    *,
    origin: str,
    folder: str = "",
    folder_uid: str = "",
    known_datasources: dict[str, str] | None = None,
) -> list[InventoryObject]:
    """One dashboard object followed by one object per (non-row) panel."""
    title = str(dashboard.get("title") or "Untitled")
    uid = str(dashboard.get("uid") or f"title-{stable_id(title, 10)}")
    resolver = DatasourceResolver(dashboard, known_datasources)
    panels = list(dashboard.get("panels") or [])
    if not panels and dashboard.get("rows"):
        panels = legacy_rows_to_panels(list(dashboard["rows"]))
    flat = flatten_panels(panels)
    rows: list[dict[str, Any]] = []
    objects: list[InventoryObject] = []
    summaries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, (panel, row) in enumerate(flat):
        raw_id = str(panel.get("id")) if panel.get("id") is not None else f"idx{index}"
        panel_id = raw_id if raw_id not in seen else f"{raw_id}-{index}"
        seen.add(panel_id)
        if panel.get("type") == "row":
            rows.append(
                {
                    "id": panel_id,
                    "title": str(panel.get("title") or ""),
                    "grid": _grid(panel),
                    "collapsed": bool(panel.get("collapsed")),
                    "repeat": panel.get("repeat") or None,
                }
            )
            continue
        fields = _panel_fields(panel, resolver)
        row_id = None
        if row is not None:
            row_id = next((r["id"] for r in reversed(rows) if r["title"] == str(row.get("title") or "")), None)
        fields.update({"dashboard_uid": uid, "panel_id": panel_id, "row": row_id})
        ref = SourceRef(SOURCE, "panel", f"{uid}/{panel_id}", fields["title"] or f"panel {panel_id}", origin)
        payload = {k: v for k, v in panel.items() if k != "panels"}
        objects.append(InventoryObject(ref=ref, payload=payload, normalized=fields))
        summaries.append(
            {
                "id": panel_id,
                "title": fields["title"],
                "type": fields["type"],
                "row": row_id,
                "grid": fields["grid"],
                "targets": len(fields["targets"]),
            }
        )
    normalized = {
        "uid": uid,
        "title": title,
        "description": str(dashboard.get("description") or ""),
        "folder": folder,
        "folder_uid": folder_uid,
        "tags": [str(t) for t in dashboard.get("tags") or []],
        "rows": rows,
        "panels": summaries,
        "templating": _variables(dashboard),
        "time": _as_dict(dashboard.get("time")),
        "inputs": [str(i.get("name")) for i in dashboard.get("__inputs") or [] if isinstance(i, dict)],
        "annotations": _annotations(dashboard, resolver),
        "links": _links(dashboard),
        "schema_version": dashboard.get("schemaVersion"),
    }
    dash_ref = SourceRef(SOURCE, "dashboard", uid, title, origin)
    return [InventoryObject(ref=dash_ref, payload=dashboard, normalized=normalized), *objects]
