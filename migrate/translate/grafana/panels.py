"""One Grafana panel → one Datadog widget definition (the type table lives in mappings/grafana.yaml).

timeseries/graph → timeseries; stat/singlestat/gauge → query_value; bargauge → toplist;
table → query_table; heatmap → heatmap; text → note; piechart → sunburst. Anything else, and any
panel none of whose targets could be translated, becomes a note widget saying what was there and
what to do, with a manual finding.
"""

from __future__ import annotations

import re
from typing import Any

from migrate.mappings import parse_duration
from migrate.model import Finding, Outcome
from migrate.translate.grafana.queries import PanelQueries

# Grafana reducer → Datadog scalar aggregator.
REDUCERS = {
    "lastNotNull": "last",
    "last": "last",
    "mean": "avg",
    "max": "max",
    "min": "min",
    "sum": "sum",
    "total": "sum",
    "firstNotNull": "last",
    "first": "last",
}
LEGEND_COLUMNS = {
    "mean": "avg",
    "max": "max",
    "min": "min",
    "sum": "sum",
    "total": "sum",
    "lastNotNull": "value",
    "last": "value",
}
_SEVERITY = {
    "red": "error",
    "dark-red": "error",
    "semi-dark-red": "error",
    "orange": "warning",
    "yellow": "warning",
    "dark-orange": "warning",
    "green": "ok",
    "dark-green": "ok",
}
_PALETTE = {"error": "white_on_red", "warning": "white_on_yellow", "ok": "white_on_green", "info": "white_on_gray"}


# Field override properties that only style a series: dropping them changes looks, not what is shown.
_COSMETIC_OVERRIDES = frozenset(
    {
        "color",
        "custom.lineWidth",
        "custom.fillOpacity",
        "custom.lineStyle",
        "custom.drawStyle",
        "custom.pointSize",
        "custom.showPoints",
        "custom.gradientMode",
        "custom.lineInterpolation",
        "custom.axisPlacement",
        "custom.width",
        "custom.align",
        "custom.minWidth",
        "custom.displayMode",
        "custom.cellOptions",
    }
)


# Resolution overrides (panel `interval` / `maxDataPoints`, target `interval`): Datadog picks a widget's rollup
# from the time frame (20 s for the last hour, 1 m for 4 h, 5 m for a day: docs dashboards/functions/rollup), about
# 150-300 points per series. A min interval under 5 m or a point budget of 100 or more draws about the same graph
# (noted, exact); a longer interval, a variable one or fewer points drew a visibly coarser, smoother graph in Grafana
# (and a min interval also widens $__interval / $__rate_interval in the panel's queries): approximate.
MATERIAL_INTERVAL_SECONDS = 300
MATERIAL_MAX_POINTS = 100


_VARIABLE = re.compile(r"^\$\{?(\w+)\}?$|^\[\[(\w+)\]\]$")


def _interval_seconds(text: str, variables: dict[str, str]) -> float | None:
    """`1m`, `>30s` (Grafana's "at least" spelling), or an interval variable's value, in seconds; None when
    the length is unknown (a variable without a value, anything else)."""
    text = text.lstrip(">").strip()
    match = _VARIABLE.match(text)
    if match:
        text = variables.get(match[1] or match[2], "")
    try:
        return parse_duration(text)
    except ValueError:
        return None


def resolution_finding(panel: dict[str, Any], variables: dict[str, str] | None = None) -> Finding | None:
    """The panel's and its targets' resolution overrides, which a Datadog widget has no field for;
    `variables` are the values the dashboard's interval/constant variables were fixed to."""
    intervals = [("the panel", panel.get("interval"))] + [
        (f"query {t.get('ref_id') or '?'}", t.get("interval")) for t in panel.get("targets") or []
    ]
    parts, material = [], False
    for where, text in intervals:
        if not text:
            continue
        seconds = _interval_seconds(str(text), variables or {})
        material = material or seconds is None or seconds >= MATERIAL_INTERVAL_SECONDS
        parts.append(f"min interval {text} on {where}")
    points = panel.get("max_data_points")
    if isinstance(points, int | float):
        material = material or points < MATERIAL_MAX_POINTS
        parts.append(f"max data points {points:g}")
    if not parts:
        return None
    message = f"{', '.join(parts)} not migrated: Datadog picks the rollup from the time frame (about 150-300 points)"
    if material:
        return Finding(
            "grafana.interval_dropped",
            message
            + "; Grafana drew a coarser, smoother graph"
            + (" and widened $__interval/$__rate_interval" if "min interval" in message else ""),
        )
    return Finding("grafana.interval_dropped", message + "; at these settings the graphs look alike", Outcome.EXACT)


def extras_findings(panel: dict[str, Any], variables: dict[str, str] | None = None) -> list[Finding]:
    """Resolution overrides, a legacy alert, transformations and field overrides have no widget field: each
    is reported."""
    resolution = resolution_finding(panel, variables)
    findings: list[Finding] = [resolution] if resolution else []
    alert = panel.get("legacy_alert")
    if alert:
        findings.append(
            Finding(
                "grafana.panel_alert",
                f"the panel carries a legacy Grafana alert "
                f"{alert['name']!r} ({alert['conditions']} condition(s)); dashboards do not migrate "
                "alerts: recreate it as a Datadog monitor on the panel's query",
                Outcome.MANUAL,
            )
        )
    if panel.get("transformations"):
        findings.append(
            Finding(
                "grafana.transformations_dropped",
                "Grafana transformations "
                f"({', '.join(panel['transformations'])}) reshape the query results; Datadog shows "
                "the queries as they are",
            )
        )
    overrides = list(panel.get("overrides") or [])
    if overrides:
        cosmetic = set(overrides) <= _COSMETIC_OVERRIDES
        findings.append(
            Finding(
                "grafana.overrides_dropped",
                f"per-series field overrides ({', '.join(overrides)}) "
                "were not migrated" + ("; they only style the series" if cosmetic else ""),
                Outcome.EXACT if cosmetic else Outcome.APPROXIMATE,
            )
        )
    return findings


def _severity(color: Any) -> str:
    return _SEVERITY.get(str(color), "info")


def _number_format(unit: Any, units: dict[str, Any]) -> tuple[dict[str, Any] | None, Finding | None]:
    if not unit or (unit in units and units[unit] is None):
        return None, None
    if unit in units:
        spec = units[unit]
        fmt: dict[str, Any] = {"type": "canonical_unit", "unit_name": spec["unit"]}
        if spec.get("per"):
            fmt["per_unit_name"] = spec["per"]
        return {"unit": fmt}, None
    label = str(unit).removeprefix("suffix:").removeprefix("prefix:")[:12] or "?"
    return (
        {"unit": {"type": "custom_unit_label", "label": label}},
        Finding("grafana.unit_custom", f"unit {unit!r} has no Datadog canonical unit; shown as the label {label!r}"),
    )


def _base(panel: dict[str, Any], widget_type: str) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": widget_type, "title": panel.get("title") or ""}
    if panel.get("description"):
        definition["description"] = str(panel["description"])[:4000]
    return definition


def note_widget(panel: dict[str, Any], reason: str, originals: list[str]) -> dict[str, Any]:
    """What was there, and what to do: nothing disappears from the dashboard silently."""
    lines = [
        f"**{panel.get('title') or 'Untitled panel'}** — Grafana `{panel.get('type')}` panel, not migrated.",
        "",
        f"Why: {reason}",
        "",
        "To do: rebuild this widget by hand in Datadog.",
    ]
    if originals:
        lines += ["", "Original queries:", *[f"- `{q}`" for q in originals]]
    return {
        "type": "note",
        "content": "\n".join(lines),
        "background_color": "yellow",
        "font_size": "14",
        "text_align": "left",
        "show_tick": False,
        "has_padding": True,
    }


def _scalar_queries(queries: PanelQueries, aggregator: str) -> list[dict[str, Any]]:
    return [{**q, "aggregator": aggregator} for q in queries.queries]


def _formulas(queries: PanelQueries, number_format: dict[str, Any] | None) -> list[dict[str, Any]]:
    if number_format is None:
        return [dict(f) for f in queries.formulas]
    return [{**f, "number_format": number_format} for f in queries.formulas]


def _timeseries(
    panel: dict[str, Any], queries: PanelQueries, fmt: dict[str, Any] | None, findings: list[Finding]
) -> dict[str, Any]:
    definition = _base(panel, "timeseries")
    display = "line"
    if panel.get("draw_style") == "bars":
        display = "bars"
    elif panel.get("stacking"):
        display = "area"
        if panel["stacking"] == "percent":
            findings.append(
                Finding(
                    "grafana.stacking_percent", "100% stacking has no Datadog equivalent; series are stacked by value"
                )
            )
    definition["requests"] = [
        {
            "queries": queries.queries,
            "formulas": _formulas(queries, fmt),
            "response_format": "timeseries",
            "display_type": display,
        }
    ]
    legend = panel.get("legend") or {}
    definition["show_legend"] = bool(legend.get("show", True))
    if legend.get("show", True):
        definition["legend_layout"] = "vertical" if legend.get("placement") == "right" else "auto"
        columns = sorted({LEGEND_COLUMNS[c] for c in legend.get("calcs") or [] if c in LEGEND_COLUMNS})
        if columns:
            definition["legend_columns"] = columns
    axis = {k: str(panel[k]) for k in ("min", "max") if isinstance(panel.get(k), int | float)}
    if axis:
        definition["yaxis"] = axis
    style = panel.get("thresholds_style")
    if style and style != "off":
        definition["markers"] = [
            {"value": f"y = {t['value']:g}", "display_type": f"{_severity(t['color'])} dashed"}
            for t in panel.get("thresholds") or []
        ]
    return definition


def _aggregator(panel: dict[str, Any], findings: list[Finding]) -> str:
    reduce = panel.get("reduce") or "lastNotNull"
    if reduce not in REDUCERS:
        findings.append(Finding("grafana.reducer", f"reducer {reduce!r} has no Datadog aggregator; used avg"))
        return "avg"
    return REDUCERS[reduce]


def _conditional_formats(panel: dict[str, Any]) -> list[dict[str, Any]]:
    steps = sorted(panel.get("thresholds") or [], key=lambda t: -float(t["value"]))
    return [{"comparator": ">=", "value": float(t["value"]), "palette": _PALETTE[_severity(t["color"])]} for t in steps]


def _scalar(
    panel: dict[str, Any], widget_type: str, queries: PanelQueries, fmt: dict[str, Any] | None, findings: list[Finding]
) -> dict[str, Any]:
    definition = _base(panel, widget_type)
    aggregator = _aggregator(panel, findings)
    formulas = _formulas(queries, fmt)
    request: dict[str, Any] = {"queries": _scalar_queries(queries, aggregator), "response_format": "scalar"}
    if widget_type == "query_value":
        if len(formulas) > 1:
            findings.append(
                Finding(
                    "grafana.query_value_single",
                    f"the {panel.get('type')} panel showed "
                    f"{len(formulas)} values; Datadog's query value shows the first",
                )
            )
            formulas = formulas[:1]
        if queries.group_by:
            findings.append(
                Finding(
                    "grafana.query_value_groups",
                    f"one value per series (by {', '.join(queries.group_by)}) became one aggregate value",
                )
            )
        if panel.get("type") == "gauge":
            findings.append(
                Finding(
                    "grafana.gauge_as_value",
                    "Datadog has no gauge widget; shown as a value with the thresholds as colours",
                )
            )
        request["conditional_formats"] = _conditional_formats(panel)
        if isinstance(panel.get("decimals"), int):
            definition["precision"] = panel["decimals"]
        definition["autoscale"] = True
    elif widget_type == "toplist":
        formulas = [{**f, "limit": {"count": 10, "order": "desc"}} for f in formulas]
    request["formulas"] = formulas
    definition["requests"] = [request]
    return definition


def build_widget(
    panel: dict[str, Any], widget_type: str | None, queries: PanelQueries, units: dict[str, Any]
) -> tuple[dict[str, Any], list[Finding]]:
    """The widget definition and the panel-level findings (the target findings are in `queries`)."""
    findings: list[Finding] = []
    if panel.get("library_panel") and not panel.get("targets"):
        reason = f"library panel {panel['library_panel']} was not expanded (its model lives outside the dashboard)"
        return note_widget(panel, reason, []), [Finding("grafana.library_panel", reason, Outcome.MANUAL)]
    if widget_type is None:
        reason = f"Datadog has no widget for Grafana's {panel.get('type')!r} panel"
        return note_widget(panel, reason, queries.originals), [
            Finding("grafana.panel_unsupported", reason, Outcome.MANUAL)
        ]
    if widget_type == "note":
        if panel.get("mode") == "html":
            findings.append(Finding("grafana.text_html", "HTML text is shown as Markdown"))
        content = str(panel.get("content") or panel.get("title") or " ")
        return {
            "type": "note",
            "content": content,
            "background_color": "white",
            "font_size": "14",
            "text_align": "left",
            "show_tick": False,
            "has_padding": True,
        }, findings
    if queries.empty:
        reason = "none of its queries could be translated" if panel.get("targets") else "it has no queries"
        return note_widget(panel, reason, queries.originals), [
            Finding("grafana.panel_no_queries", reason, Outcome.MANUAL)
        ]
    if panel.get("repeat"):
        findings.append(
            Finding(
                "grafana.panel_repeat",
                f"Grafana repeated this panel per value of "
                f"${panel['repeat']}; Datadog shows one widget for the selected values",
            )
        )
    fmt, unit_finding = _number_format(panel.get("unit"), units)
    if unit_finding:
        findings.append(unit_finding)
    if widget_type == "timeseries":
        return _timeseries(panel, queries, fmt, findings), findings
    if widget_type == "heatmap":
        findings.append(
            Finding(
                "grafana.heatmap",
                "Datadog's heatmap shows the distribution of series values, not pre-bucketed histogram counts",
            )
        )
        definition = _base(panel, "heatmap")
        definition["requests"] = [
            {"queries": queries.queries, "formulas": _formulas(queries, None), "response_format": "timeseries"}
        ]
        return definition, findings
    if widget_type in ("query_value", "toplist", "query_table", "sunburst"):
        return _scalar(panel, widget_type, queries, fmt, findings), findings
    reason = f"widget type {widget_type!r} from mappings is not produced by this translator"
    return note_widget(panel, reason, queries.originals), [Finding("grafana.panel_unsupported", reason, Outcome.MANUAL)]
