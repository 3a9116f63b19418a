"""Read a `DashboardSpec` from plain data (tests/cases/dashboards_build.yaml).

Queries and series are Datadog query text read by the query tree's own reader (`ddquery.parse_query`,
`parse_expression`); everything else uses the dataclasses' field names, enums by value.
"""

from __future__ import annotations

from typing import Any

from migrate.model import SourceRef
from migrate.translate.ddquery import parse_expression, parse_query
from migrate.translate.specs.dashboard import (
    DashboardSpec,
    Display,
    Layout,
    Legend,
    Series,
    Severity,
    TemplateVariable,
    Threshold,
    Unit,
    WidgetKind,
    WidgetSpec,
)


def _legend(data: dict[str, Any]) -> Legend:
    return Legend(bool(data.get("show", True)), bool(data.get("vertical", False)), tuple(data.get("columns", ())))


def widget(data: dict[str, Any]) -> WidgetSpec:
    data = dict(data)
    layout = data.pop("layout", None)
    unit = data.pop("unit", None)
    return WidgetSpec(
        kind=WidgetKind(data.pop("kind")),
        queries={str(k): parse_query(str(v)) for k, v in (data.pop("queries", None) or {}).items()},
        series=tuple(Series(parse_expression(str(s["expr"])), str(s.get("alias", ""))) for s in data.pop("series", [])),
        display=Display(data.pop("display", "line")),
        unit=None if unit is None else Unit(**unit),
        thresholds=tuple(Threshold(float(t["value"]), Severity(t["severity"])) for t in data.pop("thresholds", [])),
        legend=_legend(data.pop("legend", None) or {}),
        children=tuple(widget(c) for c in data.pop("children", [])),
        layout=None if layout is None else Layout(**layout),
        **data,  # scalars: title, description, aggregator, y_min, y_max, precision, top, text, color
    )


def dashboard_spec(data: dict[str, Any], ref: SourceRef) -> DashboardSpec:
    data = dict(data)
    variables = data.pop("template_variables", [])
    return DashboardSpec(
        refs=(ref,),
        title=str(data.pop("title")),
        widgets=tuple(widget(w) for w in data.pop("widgets", [])),
        template_variables=tuple(
            TemplateVariable(
                str(v["name"]),
                v.get("prefix"),
                tuple(v.get("defaults", ["*"])),
                None if v.get("available_values") is None else tuple(v["available_values"]),
            )
            for v in variables
        ),
        source_metrics=tuple(data.pop("source_metrics", ())),
        notes=tuple(data.pop("notes", ())),
        **data,  # description, reflow_fixed
    )
