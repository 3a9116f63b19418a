"""`WidgetSpec` → a Datadog widget definition (the formulas-and-functions request form).

Queries are written from the query tree (`ddquery.render` for metric queries; log and RUM queries as
event query definitions); each series is a formula over the widget's query names. Colours follow the
threshold's severity: `<severity> dashed` markers on a timeseries, white-on-colour conditional formats on
a query value.
"""

from __future__ import annotations

from typing import Any

from migrate.translate.build.queries import query_definition
from migrate.translate.ddquery import number, render
from migrate.translate.specs.dashboard import Series, Severity, Unit, WidgetKind, WidgetSpec

PALETTES = {
    Severity.ERROR: "white_on_red",
    Severity.WARNING: "white_on_yellow",
    Severity.OK: "white_on_green",
    Severity.INFO: "white_on_gray",
}
SCALAR = (WidgetKind.QUERY_VALUE, WidgetKind.TOPLIST, WidgetKind.QUERY_TABLE, WidgetKind.SUNBURST)
DESCRIPTION_LIMIT = 4000


def widget_definition(spec: WidgetSpec) -> dict[str, Any]:
    if spec.kind is WidgetKind.NOTE:
        return note(spec.text, spec.color)
    if spec.kind is WidgetKind.GROUP:
        raise ValueError("a group's definition needs its children's layouts: use build.dashboard")
    definition: dict[str, Any] = {"type": spec.kind.value, "title": spec.title}
    if spec.description:
        definition["description"] = spec.description[:DESCRIPTION_LIMIT]
    if spec.kind is WidgetKind.TIMESERIES:
        definition.update(_timeseries(spec))
    elif spec.kind is WidgetKind.HEATMAP:
        request = {"queries": _queries(spec), "formulas": _formulas(spec.series, None), "response_format": "timeseries"}
        definition["requests"] = [request]
    else:
        definition.update(_scalar(spec))
    return definition


def note(text: str, color: str = "white") -> dict[str, Any]:
    return {
        "type": "note",
        "content": text,
        "background_color": color,
        "font_size": "14",
        "text_align": "left",
        "show_tick": False,
        "has_padding": True,
    }


def _queries(spec: WidgetSpec, aggregator: str | None = None) -> list[dict[str, Any]]:
    out = [query_definition(name, q) for name, q in spec.queries.items()]
    return [{**q, "aggregator": aggregator} for q in out] if aggregator else out


def number_format(unit: Unit | None) -> dict[str, Any] | None:
    if unit is None:
        return None
    if unit.custom:
        return {"unit": {"type": "custom_unit_label", "label": unit.name}}
    fmt: dict[str, Any] = {"type": "canonical_unit", "unit_name": unit.name}
    if unit.per:
        fmt["per_unit_name"] = unit.per
    return {"unit": fmt}


def _formulas(series: tuple[Series, ...], fmt: dict[str, Any] | None) -> list[dict[str, Any]]:
    out = []
    for s in series:
        formula: dict[str, Any] = {"formula": render(s.expr)}
        if s.alias:
            formula["alias"] = s.alias
        if fmt is not None:
            formula["number_format"] = fmt
        out.append(formula)
    return out


def _timeseries(spec: WidgetSpec) -> dict[str, Any]:
    request = {
        "queries": _queries(spec),
        "formulas": _formulas(spec.series, number_format(spec.unit)),
        "response_format": "timeseries",
        "display_type": spec.display.value,
    }
    out: dict[str, Any] = {"requests": [request], "show_legend": spec.legend.show}
    if spec.legend.show:
        out["legend_layout"] = "vertical" if spec.legend.vertical else "auto"
        if spec.legend.columns:
            out["legend_columns"] = sorted(spec.legend.columns)
    axis = {k: number(v) for k, v in (("min", spec.y_min), ("max", spec.y_max)) if v is not None}
    if axis:
        out["yaxis"] = axis
    if spec.thresholds:
        out["markers"] = [
            {"value": f"y = {t.value:g}", "display_type": f"{t.severity.value} dashed"} for t in spec.thresholds
        ]
    return out


def _scalar(spec: WidgetSpec) -> dict[str, Any]:
    formulas = _formulas(spec.series, number_format(spec.unit))
    request: dict[str, Any] = {"queries": _queries(spec, spec.aggregator), "response_format": "scalar"}
    out: dict[str, Any] = {}
    if spec.kind is WidgetKind.QUERY_VALUE:
        formulas = formulas[:1]  # a query value shows one value
        steps = sorted(spec.thresholds, key=lambda t: -t.value)
        request["conditional_formats"] = [
            {"comparator": ">=", "value": float(t.value), "palette": PALETTES[t.severity]} for t in steps
        ]
        if spec.precision is not None:
            out["precision"] = spec.precision
        out["autoscale"] = True
    elif spec.kind is WidgetKind.TOPLIST:
        formulas = [{**f, "limit": {"count": spec.top, "order": "desc"}} for f in formulas]
    request["formulas"] = formulas
    out["requests"] = [request]
    return out
