"""One New Relic widget → one `WidgetSpec`, every NRQL query in it accounted for.

The visualization id picks the Datadog widget (`VISUALIZATIONS`): line/area/stacked bar → timeseries,
bar → top list, billboard and bullet → query value (a top list when the query has a FACET), table →
query table, pie → sunburst, heatmap → heatmap, markdown → note. Widgets Datadog has no counterpart for
among the kinds built here (histogram, log table, JSON, event feed, funnel, custom visualizations)
become a note widget saying what was there and what to do, with a manual finding. Each query leaves
one `newrelic.query` finding whose outcome is its fidelity (what the report counts), followed by the
translator's own findings prefixed with the query's number.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from migrate.model import Finding, Outcome
from migrate.translate.ddquery import Query, Ref, substitute
from migrate.translate.languages import LANGUAGES
from migrate.translate.query import QueryContext
from migrate.translate.specs.dashboard import Display, Series, Severity, Threshold, WidgetKind, WidgetSpec

QUERY_CODE = "newrelic.query"


@dataclass(frozen=True)
class Viz:
    kind: WidgetKind | None  # None: no Datadog widget here, a note with the reason
    display: Display = Display.LINE
    note: str = ""  # why a visualization has no widget, or what changes


VISUALIZATIONS: dict[str, Viz] = {
    "viz.line": Viz(WidgetKind.TIMESERIES),
    "viz.area": Viz(WidgetKind.TIMESERIES, Display.AREA),
    "viz.stacked-bar": Viz(WidgetKind.TIMESERIES, Display.BARS),
    "viz.bar": Viz(WidgetKind.TOPLIST),
    "viz.billboard": Viz(WidgetKind.QUERY_VALUE),
    "viz.bullet": Viz(WidgetKind.QUERY_VALUE, note="the bullet chart became a value coloured at its limit"),
    "viz.table": Viz(WidgetKind.QUERY_TABLE),
    "viz.pie": Viz(WidgetKind.SUNBURST),
    "viz.heatmap": Viz(WidgetKind.HEATMAP, note="Datadog's heatmap shows the distribution of the series' values"),
    "viz.markdown": Viz(WidgetKind.NOTE),
    "viz.histogram": Viz(None, note="a histogram of event values needs Datadog's distribution widget"),
    "logger.log-table-widget": Viz(None, note="a log table is a Datadog log stream (list) widget"),
    "viz.json": Viz(None, note="raw JSON results have no Datadog widget"),
    "viz.event-feed": Viz(None, note="an event feed is a Datadog event stream or list widget"),
    "viz.funnel": Viz(None, note="funnels are Datadog RUM funnel analysis, not a dashboard query"),
}
_SEVERITY = {"CRITICAL": Severity.ERROR, "WARNING": Severity.WARNING}


@dataclass
class WidgetQueries:
    queries: dict[str, Query] = field(default_factory=dict)  # dashboard-unique names within the widget (q1, ...)
    series: list[Series] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    originals: list[str] = field(default_factory=list)
    group_by: list[str] = field(default_factory=list)


def translate_queries(widget: dict[str, Any], ctx: QueryContext) -> WidgetQueries:
    out = WidgetQueries()
    counter = 0
    queries = [q for q in widget.get("queries") or [] if isinstance(q, dict)]
    for i, item in enumerate(queries, start=1):
        where = f"query {i}" if len(queries) > 1 else "query"
        text = str(item.get("query") or "").strip()
        if not text:
            out.findings.append(Finding("newrelic.query_empty", f"{where}: empty, nothing to translate", Outcome.EXACT))
            continue
        out.originals.append(text)
        result = LANGUAGES["nrql"].translate(text, ctx)
        fidelity = result.fidelity if result.formula is not None else Outcome.MANUAL
        out.findings.append(Finding(QUERY_CODE, f"{where}: {fidelity.value}: {result.expression or text}", fidelity))
        out.findings += [Finding(f.code, f"{where}: {f.message}", f.outcome) for f in result.findings]
        if result.formula is None:
            if fidelity is not Outcome.MANUAL or not any(f.outcome is Outcome.MANUAL for f in result.findings):
                out.findings.append(Finding("newrelic.query_untranslated", f"{where}: no query", Outcome.MANUAL))
            continue
        if result.time_frame is not None:
            out.findings.append(_time_finding(where, bool(widget.get("ignore_time_range"))))
        names: dict[str, Ref] = {}
        for name, query in result.queries.items():
            counter += 1
            names[name] = Ref(f"q{counter}")
            out.queries[names[name].name] = query
        labels = result.labels + [""] * (len(result.formulas) - len(result.labels))
        for formula, label in zip(result.formulas, labels, strict=False):
            out.series.append(Series(substitute(formula.expr, dict(names)), label[:100]))
        out.group_by = out.group_by or list(result.group_by)
    return out


def _time_finding(where: str, pinned: bool) -> Finding:
    """NR dashboards replace a widget's SINCE with the time picker's range once one is picked, unless the widget
    ignores the picker; Datadog widgets follow the dashboard's time frame."""
    if pinned:
        return Finding(
            "newrelic.widget_time_pinned",
            f"{where}: the widget ignored the time picker and always showed its SINCE range; the Datadog widget "
            "follows the dashboard's time frame",
        )
    return Finding(
        "newrelic.widget_time",
        f"{where}: SINCE/UNTIL is the default range only; the Datadog widget follows the dashboard's time frame",
        Outcome.EXACT,
    )


def note_widget(title: str, viz: str, reason: str, originals: list[str]) -> WidgetSpec:
    """What was there, and what to do: nothing disappears from the dashboard silently."""
    lines = [f"**{title or 'Untitled widget'}** — New Relic `{viz}` widget, not migrated.", "", f"Why: {reason}."]
    lines += ["", "To do: rebuild this widget by hand in Datadog."]
    if originals:
        lines += ["", "Original NRQL:", *[f"- `{q}`" for q in originals]]
    return WidgetSpec(WidgetKind.NOTE, text="\n".join(lines), color="yellow")


def _thresholds(widget: dict[str, Any]) -> tuple[Threshold, ...]:
    out = []
    for t in widget.get("thresholds") or []:
        if isinstance(t, dict) and isinstance(t.get("value"), int | float):
            out.append(Threshold(float(t["value"]), _SEVERITY.get(str(t.get("alertSeverity")), Severity.INFO)))
    return tuple(out)


def _limit(payload: dict[str, Any]) -> float | None:
    raw = (payload.get("rawConfiguration") or {}) if isinstance(payload, dict) else {}
    value = raw.get("limit") if isinstance(raw, dict) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def widget_spec(
    widget: dict[str, Any], payload: dict[str, Any], queries: WidgetQueries
) -> tuple[WidgetSpec, list[Finding]]:
    """The widget and its widget-level findings (the query findings are in `queries`)."""
    viz_id = str(widget.get("visualization") or "")
    title = str(widget.get("title") or "")
    viz = VISUALIZATIONS.get(viz_id)
    if viz is None or viz.kind is None:
        reason = viz.note if viz is not None else f"{viz_id!r} is a custom or unknown visualization"
        return note_widget(title, viz_id, reason, queries.originals), [
            Finding("newrelic.widget_unsupported", reason, Outcome.MANUAL)
        ]
    if viz.kind is WidgetKind.NOTE:
        return WidgetSpec(WidgetKind.NOTE, text=str(widget.get("text") or title or " ")), []
    if not queries.series:
        reason = "none of its queries could be translated" if queries.originals else "it has no queries"
        return note_widget(title, viz_id, reason, queries.originals), [
            Finding("newrelic.widget_no_queries", reason, Outcome.MANUAL)
        ]
    findings = [Finding("newrelic.widget_kind", viz.note)] if viz.note else []
    kind = viz.kind
    if kind is WidgetKind.QUERY_VALUE and queries.group_by:
        kind = WidgetKind.TOPLIST  # a billboard with FACET shows one value per facet
    spec = WidgetSpec(kind, title, queries=dict(queries.queries), series=tuple(queries.series), display=viz.display)
    thresholds = _thresholds(widget)
    if viz_id == "viz.bullet" and (limit := _limit(payload)) is not None:
        thresholds += (Threshold(limit, Severity.OK),)
    if kind in (WidgetKind.TIMESERIES, WidgetKind.QUERY_VALUE):
        spec = replace(spec, thresholds=thresholds)
    elif thresholds:
        findings.append(
            Finding("newrelic.thresholds_dropped", f"thresholds on a {kind.value} widget have no Datadog colouring")
        )
    if kind is WidgetKind.QUERY_VALUE and len(queries.series) > 1:
        findings.append(
            Finding(
                "newrelic.billboard_values",
                f"the billboard showed {len(queries.series)} values; Datadog's query value shows the first",
            )
        )
    if kind is WidgetKind.TOPLIST and len(queries.series) > 1:
        findings.append(
            Finding("newrelic.toplist_series", f"{len(queries.series)} values per bar; a top list ranks by the first")
        )
    return spec, findings
