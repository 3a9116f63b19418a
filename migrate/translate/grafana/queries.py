"""A Grafana panel's targets → Datadog widget queries + formulas, each target accounted for.

Every target goes through the PromQL translator with the dashboard's variables; its queries get
panel-unique names (`q1`, `q2`, ...) and its formula is renamed to match. Every target leaves one
`grafana.query` finding whose outcome is that target's fidelity (what the report counts), followed by
the translator's own findings prefixed with the target's refId.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from migrate.model import Finding, Outcome
from migrate.translate.ddquery import Formula, Node, Query, Ref, number, substitute
from migrate.translate.grafana.legends import legend_alias, legend_labels
from migrate.translate.languages import LANGUAGES
from migrate.translate.promql.labels import effective_label_tags
from migrate.translate.query import QueryContext, QueryResult, SharedLabels
from migrate.translate.specs.dashboard import Series

QUERY_CODE = "grafana.query"


@dataclass
class PanelQueries:
    queries: dict[str, Query] = field(default_factory=dict)  # panel-unique names (q1, q2, ...) -> query
    formulas: list[Series] = field(default_factory=list)  # visible targets only, over those names
    findings: list[Finding] = field(default_factory=list)
    source_metrics: set[str] = field(default_factory=set)
    source_types: set[tuple[str, str]] = field(default_factory=set)  # (source metric, type read as)
    shared_labels: list[SharedLabels] = field(default_factory=list)  # what bridge mode copies onto the series
    group_by: list[str] = field(default_factory=list)
    originals: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.formulas


def _renamed(formula: Formula, names: dict[str, str]) -> Node:
    """The formula's expression over the panel-unique query names."""
    return substitute(formula.expr, {old: Ref(new) for old, new in names.items()})


def _comparison_finding(ref: str, result: QueryResult) -> Finding:
    """Grafana graphed only the series passing the comparison; the widget graphs what the comparison was
    lifted from: the left side, or `X - Y` when two vectors were compared (promql.comparison_rewritten)."""
    assert result.comparison is not None
    op, threshold = result.comparison.op, number(result.comparison.threshold)
    if any(f.code == "promql.comparison_rewritten" for f in result.findings):
        shown = f"the difference of the two sides, unfiltered: {result.expression}"
        compared = f"X {op} Y"
    else:
        shown = f"the unfiltered left side: {result.expression}"
        compared = f"{op} {threshold}"
    return Finding(
        "grafana.query_comparison",
        f"{ref}: the comparison {compared} filtered series in Grafana; Datadog graphs {shown}",
    )


def translate_targets(panel: dict[str, Any], ctx: QueryContext, prometheus_kinds: set[str]) -> PanelQueries:
    out = PanelQueries()
    counter = 0
    label_tags = effective_label_tags(ctx.mappings)
    for target in panel.get("targets") or []:
        ref = str(target.get("ref_id") or "?")
        expr = target.get("expr")
        kind = str(target.get("datasource_kind") or "prometheus")
        if kind not in prometheus_kinds:
            text = str(target.get("raw_query") or expr or "")
            out.originals.append(f"{ref} ({kind}): {text}")
            out.findings.append(
                Finding(
                    QUERY_CODE,
                    f"{ref}: {kind} query is not PromQL; rebuild it in Datadog "
                    f"(logs, APM or another product): {text[:200]}",
                    Outcome.MANUAL,
                )
            )
            continue
        if not isinstance(expr, str) or not expr.strip():
            out.findings.append(
                Finding("grafana.query_empty", f"{ref}: empty query, nothing to translate", Outcome.EXACT)
            )
            continue
        out.originals.append(f"{ref}: {expr}")
        # The legend's labels are what tells the panel's series apart: a query nothing aggregates is grouped by
        # them, as an alert's is by the labels its annotations print.
        shown = legend_labels(str(target.get("legend") or ""))
        target_ctx = replace(ctx, default_group_by=shown) if shown and not ctx.default_group_by else ctx
        result = LANGUAGES["promql"].translate(expr, target_ctx)
        if result.no_data_alert and result.formula is not None:
            # absent() maps to a monitor's no-data alerting; a widget can only graph the series itself.
            result.findings.append(
                Finding(
                    "grafana.query_absent",
                    "absent() is 1 while the series is missing and "
                    "empty otherwise; the widget graphs the series itself, so its gaps are "
                    "where absent() was 1",
                )
            )
        fidelity = result.fidelity
        if result.formula is None:
            fidelity = Outcome.MANUAL
        out.findings.append(Finding(QUERY_CODE, f"{ref}: {fidelity.value}: {result.expression or expr}", fidelity))
        out.findings += [Finding(f.code, f"{ref}: {f.message}", f.outcome) for f in result.findings]
        if result.formula is None:
            if not any(f.outcome is Outcome.MANUAL for f in result.findings):
                out.findings.append(
                    Finding("grafana.query_untranslated", f"{ref}: no Datadog query produced", Outcome.MANUAL)
                )
            continue
        if result.comparison is not None:
            out.findings.append(_comparison_finding(ref, result))
        names: dict[str, str] = {}
        for name, query in result.queries.items():
            counter += 1
            names[name] = f"q{counter}"
            out.queries[names[name]] = query
        out.source_metrics.update(result.source_metrics)
        out.source_types.update(result.source_types.items())
        out.shared_labels += [s for s in result.shared_labels if s not in out.shared_labels]
        out.group_by = out.group_by or list(result.group_by)
        if target.get("hidden"):
            continue
        alias, legend_findings = legend_alias(str(target.get("legend") or ""), result.group_by, label_tags, ref)
        out.findings += legend_findings
        out.formulas.append(Series(_renamed(result.formula, names), alias))
    return out
