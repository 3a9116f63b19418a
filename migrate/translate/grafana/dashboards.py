"""Grafana dashboards → Datadog dashboards (ordered layout), one ledger entry per dashboard and panel.

The dashboard's own entry covers its variables and layout; each panel's entry carries one
`grafana.query` finding per target, so every query is accounted for. The ownership footer and the
source reference go in the description (Datadog dashboards have no free-form tags).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from migrate.datadog.ownership import resource_key
from migrate.inventory.store import InventoryObject
from migrate.model import DesiredResource, Finding, Outcome
from migrate.translate.base import TranslateEnv, Translator
from migrate.translate.build.dashboard import DASHBOARD, build_dashboard
from migrate.translate.grafana.layout import Placed, pack
from migrate.translate.grafana.panels import extras_findings, note_widget, widget_spec
from migrate.translate.grafana.queries import PanelQueries, translate_targets
from migrate.translate.grafana.variables import plan_variables
from migrate.translate.query import QueryContext, SharedLabels
from migrate.translate.specs.dashboard import DashboardSpec, TemplateVariable, WidgetKind, WidgetSpec

SOURCE = "grafana"


def _panel_exprs(panels: list[InventoryObject]) -> list[str]:
    return [str(t["expr"]) for p in panels for t in p.normalized.get("targets") or [] if t.get("expr")]


def _dashboard_findings(dashboard: dict[str, Any]) -> list[Finding]:
    """Dashboard-wide features with no place in the payload: repeated rows, annotation queries (events
    overlaid on every graph)."""
    repeated = [
        Finding(
            "grafana.row_repeat",
            f"Grafana repeated the row {row['title']!r} per value of "
            f"${row['repeat']}; Datadog shows one group for the selected values",
        )
        for row in dashboard.get("rows") or []
        if row.get("repeat")
    ]
    return repeated + [
        Finding(
            "grafana.annotation_dropped",
            f"annotation {a['name']!r} ({a['datasource_kind']}"
            + (f": {a['query'][:200]}" if a.get("query") else "")
            + ") is not migrated: Datadog overlays "
            "events per widget; send these events to Datadog and add an event overlay by hand",
        )
        for a in dashboard.get("annotations") or []
    ]


def _description(dashboard: dict[str, Any]) -> str:
    where = f'Migrated from Grafana dashboard "{dashboard["title"]}" (uid {dashboard["uid"]}'
    where += f", folder {dashboard['folder']})." if dashboard.get("folder") else ")."
    return "\n".join(p for p in (dashboard.get("description") or "", where) if p)


def _variable(entry: dict[str, Any]) -> TemplateVariable:
    values = entry.get("available_values")
    return TemplateVariable(
        str(entry["name"]), entry["prefix"], tuple(entry["defaults"]), None if values is None else tuple(values)
    )


def _panel(
    data: dict[str, Any], ctx: QueryContext, kinds: set[str], widget_type: str | None, units: dict[str, Any]
) -> tuple[PanelQueries, WidgetSpec, list[Finding]]:
    """One panel's queries, widget and findings. A panel the translators fail on (a range too long for a
    timedelta, a constant that overflows, a bug) becomes a note widget and a manual finding naming it:
    one panel must never stop the dashboard or the run."""
    try:
        queries = translate_targets(data, ctx, kinds)
        widget, findings = widget_spec(data, widget_type, queries, units)
        return queries, widget, queries.findings + findings
    except Exception as exc:  # any failure is this panel's, recorded in the ledger
        originals = [str(t["expr"]) for t in data.get("targets") or [] if t.get("expr")]
        reason = f"panel {data.get('title') or data.get('id')!r}: cannot translate ({type(exc).__name__}: {exc})"
        failed = PanelQueries(originals=originals)
        return failed, note_widget(data, reason, originals), [Finding("grafana.panel_error", reason, Outcome.MANUAL)]


def translate_dashboard(
    dashboard: InventoryObject, panels: list[InventoryObject], env: TranslateEnv
) -> DesiredResource:
    mappings = env.ctx.mappings
    settings = mappings.section("grafana")
    norm = dashboard.normalized
    plan = plan_variables(list(norm.get("templating") or []), _panel_exprs(panels), mappings)
    plan.notes += [f"Grafana link: {link['title']} {link['url']}".rstrip() for link in norm.get("links") or []]
    variables = {**env.ctx.variables, **plan.values, **{k: f"${v}" for k, v in plan.tag_variables.items()}}
    ctx = replace(env.ctx, variables=variables, variables_closed=True)
    prometheus_kinds = set(settings.get("prometheus_datasources") or ["prometheus"])
    panel_types: dict[str, str] = dict(settings.get("panel_types") or {})
    units: dict[str, Any] = dict(settings.get("units") or {})
    key = resource_key(DASHBOARD, [dashboard.ref])

    groups: dict[str, Placed] = {}
    top: list[Placed] = []
    for row in norm.get("rows") or []:
        group = Placed(WidgetSpec(WidgetKind.GROUP, str(row["title"])), row["grid"])
        groups[row["id"]] = group
        top.append(group)
    source_metrics: set[str] = set()
    source_types: set[tuple[str, str]] = set()
    shared_labels: list[SharedLabels] = []
    for panel in panels:
        data = panel.normalized
        queries, widget, findings = _panel(data, ctx, prometheus_kinds, panel_types.get(str(data.get("type"))), units)
        all_findings = findings + extras_findings(data, plan.values)
        source_metrics |= queries.source_metrics
        source_types |= queries.source_types
        shared_labels += [s for s in queries.shared_labels if s not in shared_labels]
        env.ledger.record(panel.ref, all_findings, targets=[key], original="\n".join(queries.originals) or None)
        placed = Placed(widget, dict(data.get("grid") or {}))
        row_id = data.get("row")
        (groups[row_id].children if row_id in groups else top).append(placed)

    divisor = float((settings.get("layout") or {}).get("height_divisor", 3))
    widgets, _ = pack([g for g in top if g.widget.kind is not WidgetKind.GROUP or g.children], divisor)
    spec = DashboardSpec(
        refs=(dashboard.ref,),
        title=str(norm.get("title") or dashboard.ref.name),
        description=_description(norm),
        notes=tuple(plan.notes),
        widgets=tuple(widgets),
        template_variables=tuple(_variable(v) for v in plan.template_variables),
        source_metrics=tuple(source_metrics),
        source_types=tuple(sorted(source_types)),
        shared_labels=tuple(shared_labels),
    )
    dashboard_findings = list(plan.findings) + _dashboard_findings(norm)
    empty_rows = [g.widget.title for g in top if g.widget.kind is WidgetKind.GROUP and not g.children]
    if empty_rows:
        dashboard_findings.append(
            Finding("grafana.row_empty", f"empty rows dropped: {', '.join(empty_rows)}", Outcome.EXACT)
        )
    # Schema validation is the driver's job (run._drop_invalid): an invalid payload makes this
    # dashboard's objects manual there, so it is not repeated here.
    env.ledger.record(dashboard.ref, dashboard_findings, targets=[key])
    return build_dashboard(spec).resource


def translate(objects: Sequence[InventoryObject], env: TranslateEnv) -> list[DesiredResource]:
    panels: dict[str, list[InventoryObject]] = {}
    for obj in objects:
        if obj.ref.kind == "panel":
            panels.setdefault(str(obj.normalized.get("dashboard_uid")), []).append(obj)
    return [translate_dashboard(obj, panels.get(obj.ref.id, []), env) for obj in objects if obj.ref.kind == "dashboard"]


TRANSLATOR = Translator(source=SOURCE, ledgered_kinds=frozenset({"dashboard", "panel"}), translate=translate)
