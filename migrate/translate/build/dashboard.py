"""The one dashboard builder: `DashboardSpec` → a Datadog dashboard payload (ordered layout).

Dashboards have no free-form tags, so the ownership marker is the footer at the end of the description
(the spec's description, then its notes, one per line), which is cut to leave room for it (Datadog keeps
4000 characters). Groups carry their children with
positions relative to the group.
"""

from __future__ import annotations

from typing import Any

from migrate.datadog import ownership
from migrate.model import DesiredResource
from migrate.translate.build.common import Built, SpecError
from migrate.translate.build.monitor import share_labels, source_types
from migrate.translate.build.widgets import DESCRIPTION_LIMIT, widget_definition
from migrate.translate.specs.dashboard import DashboardSpec, TemplateVariable, WidgetKind, WidgetSpec

DASHBOARD = "dashboard"


def build_dashboard(spec: DashboardSpec) -> Built:
    if not spec.refs:
        raise SpecError(f"dashboard {spec.title!r}: a spec needs at least one source reference")
    key = ownership.resource_key(DASHBOARD, spec.refs)
    marker = ownership.footer(key, spec.refs)
    where = spec.refs[0].key
    text = "\n".join(p for p in (spec.description, *spec.notes) if p)
    payload: dict[str, Any] = {
        "title": spec.title,
        "description": text[: DESCRIPTION_LIMIT - len(marker) - 2] + "\n\n" + marker,
        "layout_type": "ordered",
        "widgets": [_widget(w, where, spec.reflow_fixed) for w in spec.widgets],
        "template_variables": [_variable(v) for v in spec.template_variables],
    }
    if spec.reflow_fixed:
        payload["reflow_type"] = "fixed"
    metadata: dict[str, Any] = {"source_metrics": sorted(set(spec.source_metrics))}
    if spec.source_types:
        metadata["source_types"] = source_types(spec.source_types)
    if spec.shared_labels:
        metadata["share_labels"] = share_labels(spec.shared_labels)
    return Built(DesiredResource(DASHBOARD, key, payload, list(spec.refs), metadata=metadata))


def _widget(spec: WidgetSpec, where: str, fixed: bool) -> dict[str, Any]:
    if spec.kind is WidgetKind.GROUP:
        definition: dict[str, Any] = {
            "type": "group",
            "title": spec.title,
            "layout_type": "ordered",
            "show_title": True,
            "widgets": [_widget(c, where, fixed) for c in spec.children],
        }
    else:
        definition = widget_definition(spec)
    out: dict[str, Any] = {"definition": definition}
    if spec.layout is not None:
        out["layout"] = {
            "x": spec.layout.x,
            "y": spec.layout.y,
            "width": spec.layout.width,
            "height": spec.layout.height,
        }
    elif fixed:
        raise SpecError(f"{where}: widget {spec.title!r} has no layout, which a fixed-reflow dashboard needs")
    return out


def _variable(v: TemplateVariable) -> dict[str, Any]:
    out: dict[str, Any] = {"name": v.name, "prefix": v.prefix, "defaults": list(v.defaults)}
    if v.available_values is not None:
        out["available_values"] = list(v.available_values)
    return out
