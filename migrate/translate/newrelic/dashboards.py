"""New Relic dashboards → Datadog dashboards (ordered layout), one ledger entry per dashboard and widget.

One Datadog dashboard per NR dashboard, each page a group widget (a one-page dashboard has no group). A
dashboard with more than `MAX_WIDGETS` widgets becomes one Datadog dashboard per page instead, said in a
finding. NR's grid is 12 columns like Datadog's: `column`/`row` (1-based) become x/y, width and height are
kept, so widgets keep their positions and sizes relative to each other. Variables become template variables
(`variables.py`). No `source_metrics`: those name Prometheus metrics for bridge mode, and NR data does not
come through the bridge. The dashboard's entry covers pages, layout and variables; each widget's entry carries one
`newrelic.query` finding per NRQL query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from migrate.datadog.ownership import resource_key
from migrate.inventory.store import InventoryObject
from migrate.model import DesiredResource, Finding, Outcome, SourceRef
from migrate.translate.base import TranslateEnv
from migrate.translate.build.dashboard import DASHBOARD, build_dashboard
from migrate.translate.newrelic.variables import template_variables
from migrate.translate.newrelic.widgets import note_widget, translate_queries, widget_spec
from migrate.translate.query import QueryContext
from migrate.translate.specs.dashboard import DashboardSpec, Layout, WidgetKind, WidgetSpec

COLUMNS = 12
# Datadog documents no widget count per dashboard in the sources we hold; past this many widgets one dashboard
# gets slow to load and to read, so a larger NR dashboard becomes one Datadog dashboard per page (our choice).
MAX_WIDGETS = 100


@dataclass(frozen=True)
class Page:
    ref: SourceRef  # the page (a target's identity, not a ledgered object)
    name: str
    widgets: tuple[WidgetSpec, ...]


def layout(raw: Any) -> Layout:
    """NR layout (1-based column/row, 12 columns) → Datadog's ordered grid (0-based), clamped to the grid."""
    data = raw if isinstance(raw, dict) else {}

    def whole(name: str, default: int) -> int:
        value = data.get(name)
        return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else default

    x = min(max(whole("column", 1) - 1, 0), COLUMNS - 1)
    width = min(max(whole("width", 4), 1), COLUMNS - x)
    return Layout(x, max(whole("row", 1) - 1, 0), width, max(whole("height", 3), 1))


def _widget(obj: InventoryObject, ctx: QueryContext) -> tuple[WidgetSpec, list[Finding], str]:
    """One widget's spec, findings and original NRQL. A widget the translators fail on becomes
    a note and a manual finding naming it: one widget must never stop the dashboard or the run."""
    data = obj.normalized
    try:
        queries = translate_queries(data, ctx)
        spec, findings = widget_spec(data, obj.payload if isinstance(obj.payload, dict) else {}, queries)
        findings = queries.findings + findings
        originals = queries.originals
    except Exception as exc:  # any failure is this widget's, recorded in the ledger
        originals = [str(q.get("query")) for q in data.get("queries") or [] if isinstance(q, dict)]
        reason = f"widget {data.get('title') or obj.ref.id!r}: cannot translate ({type(exc).__name__}: {exc})"
        spec = note_widget(str(data.get("title") or ""), str(data.get("visualization")), reason, originals)
        findings = [Finding("newrelic.widget_error", reason, Outcome.MANUAL)]
    return replace(spec, layout=layout(data.get("layout"))), findings, "\n".join(originals)


def _height(widgets: Sequence[WidgetSpec]) -> int:
    return max((w.layout.y + w.layout.height for w in widgets if w.layout is not None), default=0)


def _grouped(pages: list[Page]) -> list[WidgetSpec]:
    """Pages stacked top to bottom as full-width groups; children keep their positions inside the group."""
    out, y = [], 0
    for page in pages:
        height = _height(page.widgets) + 1  # the group's title bar
        out.append(WidgetSpec(WidgetKind.GROUP, page.name, children=page.widgets, layout=Layout(0, y, COLUMNS, height)))
        y += height
    return out


def _description(norm: dict[str, Any]) -> str:
    where = f'Migrated from New Relic dashboard "{norm.get("name")}" (guid {norm.get("guid")}).'
    link = f"New Relic link: {norm['permalink']}" if norm.get("permalink") else ""
    return "\n".join(p for p in (str(norm.get("description") or ""), where, link) if p)


def translate_dashboard(
    dashboard: InventoryObject, widgets: dict[str, InventoryObject], env: TranslateEnv
) -> list[DesiredResource]:
    norm = dashboard.normalized
    variables, variable_findings = template_variables(norm.get("variables") or [], env.ctx)
    ref = dashboard.ref
    page_list = [p for p in norm.get("pages") or [] if isinstance(p, dict)]
    total = sum(len(p.get("widgets") or []) for p in page_list)
    split = len(page_list) > 1 and total > MAX_WIDGETS
    title = str(norm.get("name") or ref.name)
    pages: list[Page] = []
    ledgered: list[tuple[InventoryObject, list[Finding], str, int]] = []
    for index, page in enumerate(page_list):
        page_ref = SourceRef(ref.source, "dashboard_page", str(page.get("guid") or f"{ref.id}/{index}"), "", ref.origin)
        specs = []
        for wid in page.get("widgets") or []:
            obj = widgets.get(str(wid))
            if obj is None:
                continue  # the collector ledgers what it could not read
            spec, findings, original = _widget(obj, env.ctx)
            specs.append(spec)
            ledgered.append((obj, findings, original, index))
        pages.append(Page(page_ref, str(page.get("name") or f"Page {index + 1}"), tuple(specs)))

    findings = list(variable_findings)
    if split:
        findings.append(
            Finding(
                "newrelic.dashboard_split",
                f"{total} widgets on {len(pages)} pages: more than {MAX_WIDGETS} for one Datadog dashboard, so each "
                "page became its own dashboard (titled '<dashboard> / <page>')",
                Outcome.EXACT,
            )
        )
        specs_out = [
            DashboardSpec(
                refs=(ref, p.ref),
                title=f"{title} / {p.name}",
                description=_description(norm) + f"\nPage {p.name!r}.",
                widgets=p.widgets,
                template_variables=variables,
            )
            for p in pages
        ]
    else:
        widgets_out = list(pages[0].widgets) if len(pages) == 1 else _grouped(pages)
        if len(pages) > 1:
            findings.append(Finding("newrelic.pages_grouped", f"{len(pages)} pages became groups", Outcome.EXACT))
        specs_out = [
            DashboardSpec(
                refs=(ref,),
                title=title,
                description=_description(norm),
                widgets=tuple(widgets_out),
                template_variables=variables,
            )
        ]
    keys = [resource_key(DASHBOARD, s.refs) for s in specs_out]
    for obj, widget_findings, original, index in ledgered:
        target = keys[index] if split else keys[0]
        env.ledger.record(obj.ref, widget_findings, targets=[target], original=original or None)
    env.ledger.record(ref, findings, targets=keys)
    return [build_dashboard(s).resource for s in specs_out]


def translate_dashboards(objects: Sequence[InventoryObject], env: TranslateEnv) -> list[DesiredResource]:
    """Every dashboard with its widgets; a widget whose dashboard was not collected is ledgered as skipped."""
    widgets = {o.ref.id: o for o in objects if o.ref.kind == "widget"}
    out: list[DesiredResource] = []
    placed: set[str] = set()
    for obj in objects:
        if obj.ref.kind != "dashboard":
            continue
        placed |= {str(w) for p in obj.normalized.get("pages") or [] for w in p.get("widgets") or []}
        out += translate_dashboard(obj, widgets, env)
    for wid, obj in widgets.items():
        if wid not in placed:
            env.ledger.record(obj.ref, [], skipped=True, reason="its dashboard is not in the inventory")
    return out
