"""One Grafana panel → one `WidgetSpec` (the type table lives in mappings/grafana.yaml); the widget payload
is written by the neutral builder (migrate/translate/build/widgets.py).

timeseries/graph → timeseries; stat/singlestat/gauge → query_value; bargauge → toplist;
table → query_table; heatmap → heatmap; text → note; piechart → sunburst. Anything else, and any
panel none of whose targets could be translated, becomes a note widget saying what was there and
what to do, with a manual finding.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from migrate.mappings import parse_duration
from migrate.model import Finding, Outcome
from migrate.translate.grafana.queries import PanelQueries
from migrate.translate.specs.dashboard import Display, Legend, Severity, Threshold, Unit, WidgetKind, WidgetSpec

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
    "red": Severity.ERROR,
    "dark-red": Severity.ERROR,
    "semi-dark-red": Severity.ERROR,
    "orange": Severity.WARNING,
    "yellow": Severity.WARNING,
    "dark-orange": Severity.WARNING,
    "green": Severity.OK,
    "dark-green": Severity.OK,
}


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


def _thresholds(panel: dict[str, Any]) -> tuple[Threshold, ...]:
    return tuple(
        Threshold(float(t["value"]), _SEVERITY.get(str(t["color"]), Severity.INFO))
        for t in panel.get("thresholds") or []
    )


def _unit(unit: Any, units: dict[str, Any]) -> tuple[Unit | None, Finding | None]:
    if not unit or (unit in units and units[unit] is None):
        return None, None
    if unit in units:
        spec = units[unit]
        return Unit(str(spec["unit"]), str(spec.get("per") or "")), None
    label = str(unit).removeprefix("suffix:").removeprefix("prefix:")[:12] or "?"
    return (
        Unit(label, custom=True),
        Finding("grafana.unit_custom", f"unit {unit!r} has no Datadog canonical unit; shown as the label {label!r}"),
    )


def _base(panel: dict[str, Any], kind: WidgetKind, queries: PanelQueries) -> WidgetSpec:
    title, description = str(panel.get("title") or ""), str(panel.get("description") or "")
    return WidgetSpec(kind, title, description, queries=dict(queries.queries), series=tuple(queries.formulas))


def note_widget(panel: dict[str, Any], reason: str, originals: list[str]) -> WidgetSpec:
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
    return WidgetSpec(WidgetKind.NOTE, text="\n".join(lines), color="yellow")


def _timeseries(panel: dict[str, Any], spec: WidgetSpec, findings: list[Finding]) -> WidgetSpec:
    display = Display.LINE
    if panel.get("draw_style") == "bars":
        display = Display.BARS
    elif panel.get("stacking"):
        display = Display.AREA
        if panel["stacking"] == "percent":
            findings.append(
                Finding(
                    "grafana.stacking_percent", "100% stacking has no Datadog equivalent; series are stacked by value"
                )
            )
    legend = panel.get("legend") or {}
    style = panel.get("thresholds_style")
    axis = {k: float(panel[k]) for k in ("min", "max") if isinstance(panel.get(k), int | float)}
    return replace(
        spec,
        display=display,
        legend=Legend(
            show=bool(legend.get("show", True)),
            vertical=legend.get("placement") == "right",
            columns=tuple(sorted({LEGEND_COLUMNS[c] for c in legend.get("calcs") or [] if c in LEGEND_COLUMNS})),
        ),
        y_min=axis.get("min"),
        y_max=axis.get("max"),
        thresholds=_thresholds(panel) if style and style != "off" else (),
    )


def _aggregator(panel: dict[str, Any], findings: list[Finding]) -> str:
    reduce = panel.get("reduce") or "lastNotNull"
    if reduce not in REDUCERS:
        findings.append(Finding("grafana.reducer", f"reducer {reduce!r} has no Datadog aggregator; used avg"))
        return "avg"
    return REDUCERS[reduce]


def _scalar(panel: dict[str, Any], spec: WidgetSpec, queries: PanelQueries, findings: list[Finding]) -> WidgetSpec:
    spec = replace(spec, aggregator=_aggregator(panel, findings))
    if spec.kind is not WidgetKind.QUERY_VALUE:
        return spec
    if len(spec.series) > 1:
        findings.append(
            Finding(
                "grafana.query_value_single",
                f"the {panel.get('type')} panel showed {len(spec.series)} values; "
                "Datadog's query value shows the first",
            )
        )
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
                "grafana.gauge_as_value", "Datadog has no gauge widget; shown as a value with the thresholds as colours"
            )
        )
    precision = panel["decimals"] if isinstance(panel.get("decimals"), int) else None
    return replace(spec, thresholds=_thresholds(panel), precision=precision)


def widget_spec(
    panel: dict[str, Any], widget_type: str | None, queries: PanelQueries, units: dict[str, Any]
) -> tuple[WidgetSpec, list[Finding]]:
    """The widget and the panel-level findings (the target findings are in `queries`)."""
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
        return WidgetSpec(WidgetKind.NOTE, text=str(panel.get("content") or panel.get("title") or " ")), findings
    if queries.empty:
        reason = "none of its queries could be translated" if panel.get("targets") else "it has no queries"
        return note_widget(panel, reason, queries.originals), [
            Finding("grafana.panel_no_queries", reason, Outcome.MANUAL)
        ]
    if widget_type not in _KINDS:
        reason = f"widget type {widget_type!r} from mappings is not produced by this translator"
        return note_widget(panel, reason, queries.originals), [
            Finding("grafana.panel_unsupported", reason, Outcome.MANUAL)
        ]
    if panel.get("repeat"):
        findings.append(
            Finding(
                "grafana.panel_repeat",
                f"Grafana repeated this panel per value of "
                f"${panel['repeat']}; Datadog shows one widget for the selected values",
            )
        )
    kind = _KINDS[widget_type]
    spec = _base(panel, kind, queries)
    unit, unit_finding = _unit(panel.get("unit"), units)
    if unit_finding:
        findings.append(unit_finding)
    if kind is WidgetKind.HEATMAP:  # a heatmap's values are the series' own: no number format
        findings.append(
            Finding(
                "grafana.heatmap",
                "Datadog's heatmap shows the distribution of series values, not pre-bucketed histogram counts",
            )
        )
        return spec, findings
    spec = replace(spec, unit=unit)
    if kind is WidgetKind.TIMESERIES:
        return _timeseries(panel, spec, findings), findings
    return _scalar(panel, spec, queries, findings), findings


_KINDS = {k.value: k for k in WidgetKind if k not in (WidgetKind.NOTE, WidgetKind.GROUP)}
