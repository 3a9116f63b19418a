"""The "prometheus" translator: alerting rules → monitors, recording rules → ledger entries.

Ledger outcomes, one per rule:
- alerting rule: exact / approximate (each finding) with its monitor; manual with a muted placeholder
  monitor (prometheus/placeholder.py) and the original PromQL; a second copy of a rule (same file, group,
  name, expr, labels and `for`; the collector keeps both as `…#2`) is skipped as "duplicate of <key>".
- recording rule: referenced (directly or through other recording rules) by a translated alert or a Grafana
  panel → exact, "inlined into <alerts> and the widgets of <panels>", targets = those monitors and dashboards
  (the query translator inlines the expression); not referenced → skipped, since Datadog computes the
  expression at query time.

Merge: two rules become ONE monitor with `thresholds.critical` and `thresholds.warning` when they are
in the same file and group, translate to the same Datadog expression with the same comparison
operator (`>`, `>=`, `<`, `<=`), have the same `for`, `keep_firing_for` and labels apart from
`severity`, one severity maps to the critical and the other to the warning threshold (mappings
alerts.severity), neither is absent() or manual, and the warning threshold is crossed first
(`> 80` warning, `> 90` critical). The query carries the critical threshold. Pairs are formed in rule
order; a third rule on the same expression stays its own monitor.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from migrate.errors import DDMigrateError
from migrate.inventory.store import InventoryObject
from migrate.model import DesiredResource, Finding, Outcome
from migrate.translate.base import TranslateEnv, Translator
from migrate.translate.languages import LANGUAGES, QueryTranslator
from migrate.translate.prometheus.alerts import AlertRule, RuleDraft, build_monitor, draft
from migrate.translate.prometheus.composite import build_composite_monitor, composite_draft, is_set_operator_manual
from migrate.translate.prometheus.context import prometheus_context
from migrate.translate.prometheus.monitor_query import WARNING_BEFORE_CRITICAL
from migrate.translate.prometheus.placeholder import MODES, build_placeholder
from migrate.translate.prometheus.probes import blackbox_probes
from migrate.translate.prometheus.service_check import build_service_check
from migrate.translate.promql.guard import parse as guarded_parse
from migrate.translate.promql.health import ServiceCheck, translate_up_alert
from migrate.translate.promql.translate import selector_names
from migrate.translate.promql.walk import vector_selectors
from migrate.translate.query import QueryContext, QueryResult
from migrate.translate.routing import compile_routes


def promql_translator() -> QueryTranslator:
    return LANGUAGES["promql"].translate


def safe_translate(translate: QueryTranslator, expr: str, ctx: QueryContext) -> QueryResult:
    """A broken query must become a manual outcome for that rule, never stop the whole run."""
    try:
        return translate(expr, ctx)
    except (DDMigrateError, ValueError) as exc:
        return QueryResult(expr, findings=[Finding("promql.invalid", f"cannot translate: {exc}", Outcome.MANUAL)])
    except Exception as exc:  # a translator bug: keep it visible in the ledger under its own code
        return QueryResult(
            expr, findings=[Finding("internal.translator_error", f"{type(exc).__name__}: {exc}", Outcome.MANUAL)]
        )


def referenced_names(expr: str) -> set[str]:
    names: set[str] = set()
    with contextlib.suppress(ValueError):  # the alert itself reports the parse error
        for node in vector_selectors(guarded_parse(expr)):
            if node.name:
                names.add(node.name)
            names.update(m.value for m in node.matchers.matchers if m.name == "__name__")
    return names


def _monitor_context(ctx: QueryContext, labels: list[str]) -> QueryContext:
    """The query becomes a monitor's (range functions keep their window, prometheus/monitor_query.py), and labels the
    annotations print must survive aggregation so `{{x.name}}` can render them."""
    return replace(ctx, monitor=True, default_group_by=labels or ctx.default_group_by)


def _service_check(rule: AlertRule, result: QueryResult, ctx: QueryContext) -> tuple[ServiceCheck | None, str]:
    """`up` rules the metric translator gave up on (`promql.server_metric`) may be service check monitors."""
    if not any(f.code == "promql.server_metric" for f in result.findings):
        return None, ""
    try:
        return translate_up_alert(rule.expr, ctx, rule.for_seconds)
    except Exception as exc:  # a bug here must not lose the rule: it stays manual, the bug visible in the ledger
        return None, f"internal error: {type(exc).__name__}: {exc}"


def _as_composite(d: RuleDraft, ctx: QueryContext, translate: QueryTranslator) -> None:
    """`A and B` / `or` / `unless` between conditions: a composite monitor (prometheus/composite.py), or manual
    with the reason the composite cannot be built."""

    def part(text: str) -> tuple[QueryResult, bool]:
        result = safe_translate(translate, text, ctx)
        check, _ = _service_check(replace(d.rule, expr=text), result, ctx)
        return result, check is not None

    try:
        cd = composite_draft(d.rule, ctx.mappings, part)
    except Exception as exc:  # a bug here must not lose the rule: it stays manual, the bug visible in the ledger
        bug = f"composite: {type(exc).__name__}: {exc}"
        d.findings.append(Finding("internal.translator_error", bug, Outcome.MANUAL))
        return
    if cd is None:
        return
    d.findings = cd.findings
    if cd.manual:
        d.manual = cd.manual
    else:
        d.manual, d.composite = None, cd


def _merge_key(d: RuleDraft) -> tuple[Any, ...] | None:
    cmp = d.result.comparison
    if d.composite is not None:
        return None
    if d.manual or d.service_check or d.result.no_data_alert or cmp is None or cmp.op not in WARNING_BEFORE_CRITICAL:
        return None
    labels = sorted((k, v) for k, v in d.rule.labels.items() if k != "severity")
    return (
        d.rule.file,
        d.rule.group,
        d.result.expression,
        cmp.op,
        d.rule.for_seconds,
        d.result.forecast_seconds,
        d.rule.keep_firing_for_seconds,
        tuple(labels),
    )


def pair_up(drafts: Sequence[RuleDraft]) -> list[list[RuleDraft]]:
    """Groups of one draft, or [critical, warning] pairs per the merge rules in the module docstring."""
    open_: dict[tuple[Any, ...], list[RuleDraft]] = {}
    groups: list[list[RuleDraft]] = []
    for d in drafts:
        key = _merge_key(d)
        if key is None:
            groups.append([d])
            continue
        waiting = open_.setdefault(key, [])
        partner = next((w for w in waiting if w.role != d.role), None)
        if partner is None:
            waiting.append(d)
            groups.append([d])
            continue
        crit, warn = (d, partner) if d.role == "critical" else (partner, d)
        assert d.result.comparison is not None
        if not WARNING_BEFORE_CRITICAL[d.result.comparison.op](warn.threshold, crit.threshold):
            waiting.append(d)
            groups.append([d])
            continue
        waiting.remove(partner)
        groups[groups.index([partner])] = [crit, warn]
    return groups


def translate_rules(
    objects: Sequence[InventoryObject], env: TranslateEnv, translate: QueryTranslator | None = None
) -> list[DesiredResource]:
    translate = translate or promql_translator()
    mappings, ledger = env.ctx.mappings, env.ledger
    routes = compile_routes(mappings.routing)
    probe_tests, replaced = blackbox_probes(objects, env)  # alerts a probe's tests replace are ledgered there
    rules = sorted(
        (AlertRule.from_object(o) for o in objects if o.ref.kind == "alerting_rule" and o.ref.key not in replaced),
        key=lambda r: (r.file, r.group, r.index, r.ref.key),
    )
    seen: dict[tuple[Any, ...], str] = {}
    drafts: list[RuleDraft] = []
    for rule in rules:
        sig = (rule.file, rule.group, rule.name, rule.expr, tuple(sorted(rule.labels.items())), rule.for_seconds)
        if sig in seen:
            ledger.record(rule.ref, [], skipped=True, reason=f"duplicate of {seen[sig]}", original=rule.expr)
            continue
        seen[sig] = rule.ref.key
        ctx = _monitor_context(env.ctx, rule.annotation_labels())
        result = safe_translate(translate, rule.expr, ctx)
        check, why_not = _service_check(rule, result, ctx)
        d = draft(rule, result, mappings, service_check=check)
        if why_not and d.manual:
            d.manual += f"; no service check monitor either: {why_not}"
            d.findings.append(Finding("alert.service_check_unsupported", why_not, Outcome.MANUAL))
        if d.manual and is_set_operator_manual(result):
            _as_composite(d, ctx, translate)
        drafts.append(d)
    resources: list[DesiredResource] = []
    monitors_of: dict[str, str] = {}  # rule key -> monitor key
    for group in pair_up(drafts):
        for built in _build(group, env, routes):
            resources.append(built)
            monitors_of.update({r.key: built.key for r in built.source_refs})
    _record_recording_rules(objects, [d.rule for d in drafts], monitors_of, env)
    return probe_tests + resources


def _build(group: list[RuleDraft], env: TranslateEnv, routes: Any) -> list[DesiredResource]:
    mappings, ledger = env.ctx.mappings, env.ledger
    problems: list[str] = []
    if group[0].composite is not None:
        d = group[0]
        built, found = build_composite_monitor(d, d.composite, mappings, routes)
        problems = [f"{r.key}: {p}" for r in built for p in env.check_payload("monitor", r.payload)]
        if not problems:  # the composite first: the ledger names it, then its parts
            ledger.record(d.rule.ref, found, targets=[built[-1], *built[:-1]], original=d.rule.expr)
            return built
        d.manual = None  # fall through to the placeholder below, naming what Datadog would refuse
    elif not group[0].manual:
        builder = build_service_check if group[0].service_check else build_monitor
        resource, findings = builder(group, mappings, routes)
        problems = env.check_payload("monitor", resource.payload)
        if not problems:
            for d in group:
                ledger.record(d.rule.ref, findings[d.rule.ref.key], targets=[resource], original=d.rule.expr)
            return [resource]
        if len(group) == 2:  # a merged pair that fails validation is retried as two monitors
            return _build(group[:1], env, routes) + _build(group[1:], env, routes)
    reason = group[0].manual or f"the monitor payload failed validation: {'; '.join(problems)}"
    extra = [] if group[0].manual else [Finding("datadog.payload_invalid", reason, Outcome.MANUAL)]
    placeholder = None
    for mode in MODES:
        placeholder = build_placeholder(group, reason, mode, mappings, routes)
        if placeholder is not None and not env.check_payload("monitor", placeholder.payload):
            break
        placeholder = None
    for d in group:
        ledger.record(
            d.rule.ref,
            d.findings + extra,
            targets=[placeholder] if placeholder else [],
            original=d.rule.expr,
            reason=reason,
        )
    return [placeholder] if placeholder else []


def _record_recording_rules(
    objects: Sequence[InventoryObject], alerts: list[AlertRule], monitors_of: dict[str, str], env: TranslateEnv
) -> None:
    recording = sorted(
        (o for o in objects if o.ref.kind == "recording_rule"),
        key=lambda o: (
            str(o.normalized.get("file")),
            str(o.normalized.get("group")),
            int(o.normalized.get("index") or 0),
            o.ref.key,
        ),
    )
    by_name: dict[str, list[InventoryObject]] = {}
    for o in recording:
        by_name.setdefault(str(o.normalized.get("record", "")), []).append(o)
    users: dict[str, list[AlertRule]] = {}  # record name -> alerts that use it, directly or not
    for alert in alerts:
        todo, done = list(referenced_names(alert.expr) & by_name.keys()), set()
        while todo:
            name = todo.pop()
            if name in done:
                continue
            done.add(name)
            users.setdefault(name, []).append(alert)
            for o in by_name[name]:
                todo += list(referenced_names(str(o.normalized.get("expr", ""))) & by_name.keys())
    widgets = _widget_users(env, by_name)
    seen: dict[tuple[Any, ...], str] = {}
    for o in recording:
        n = o.normalized
        name, expr = str(n.get("record", "")), str(n.get("expr", ""))
        sig = (n.get("file"), n.get("group"), name, expr, tuple(sorted((n.get("labels") or {}).items())))
        if sig in seen:
            env.ledger.record(o.ref, [], skipped=True, reason=f"duplicate of {seen[sig]}", original=expr)
            continue
        seen[sig] = o.ref.key
        if name in users or name in widgets:
            names = sorted({a.name for a in users.get(name, [])})
            targets = {monitors_of[a.ref.key] for a in users.get(name, []) if a.ref.key in monitors_of}
            panels = sorted(widgets.get(name, {}))
            where = [", ".join(names[:10]) + (" ..." if len(names) > 10 else "")] if names else []
            if panels:
                where.append(f"the widgets of {', '.join(panels[:10])}" + (" ..." if len(panels) > 10 else ""))
            env.ledger.record(
                o.ref,
                [],
                targets=sorted(targets | {t for p in panels for t in widgets[name][p]}),
                original=expr,
                reason="inlined into " + " and ".join(where),
            )
        else:
            env.ledger.record(
                o.ref,
                [],
                skipped=True,
                original=expr,
                reason=(
                    "recording rule not referenced by any migrated alert or dashboard widget; Datadog computes the "
                    "expression at query time, so there is nothing to create"
                ),
            )


def _widget_users(env: TranslateEnv, by_name: dict[str, list[InventoryObject]]) -> dict[str, dict[str, list[str]]]:
    """record name -> panel -> the dashboards its widget is on, for Grafana panels whose PromQL reads the recording
    rule, directly or through another. The Grafana front end has run by now (translate/run.py runs sources in name
    order) and ledgered each panel with its queries as `original` (`A: <expr>` lines, `A (loki): ...` for others)."""
    out: dict[str, dict[str, list[str]]] = {}
    for entry in env.ledger:
        if entry.ref.source != "grafana" or entry.ref.kind != "panel" or not entry.original:
            continue
        exprs = [line.split(": ", 1)[1] for line in entry.original.splitlines() if _promql_line(line)]
        todo, done = [n for e in exprs for n in selector_names(e) if n in by_name], set()
        while todo:
            name = todo.pop()
            if name in done:
                continue
            done.add(name)
            out.setdefault(name, {})[entry.ref.key] = list(entry.targets)
            for o in by_name[name]:
                todo += list(referenced_names(str(o.normalized.get("expr", ""))) & by_name.keys())
    return out


def _promql_line(line: str) -> bool:
    """`A: <expr>` is a panel's PromQL target; `A (loki): ...` is another language's."""
    ref, sep, _ = line.partition(": ")
    return bool(sep) and bool(ref) and " " not in ref


PROMETHEUS = Translator(
    "prometheus", frozenset({"alerting_rule", "recording_rule"}), translate_rules, context=prometheus_context
)
