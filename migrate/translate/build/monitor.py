"""The one monitor builder: `AlertSpec` → a Datadog monitor payload, or its muted manual placeholder.

The query text comes from the condition tree through `ddquery.render` (the only writer of query text); a log
or RUM formula monitor's named queries go to `options.variables`. `options.thresholds.critical` is the
condition's own threshold, so the two cannot disagree (Datadog rejects a monitor where they do). The monitor
type follows the condition: log and RUM queries (or formulas over them) make log and RUM alerts, a service
check query a service check, anything else (forecast, anomalies and outliers included) a query alert.

A spec with `manual` becomes a placeholder, so nothing disappears from view: name prefixed
`[ddmigrate: manual]`, the reason and the original text verbatim in the message, the routing handles
written without `@` (a placeholder pages nobody), muted with `options.silenced: {"*": null}` (the v1 API's
mute-all-groups-until-unmuted; `draft_status` is a preview feature not every org has) and tagged
`ddmigrate_status:manual`. Its query is the spec's condition or, without one, `NEVER_ALERTS`.
"""

from __future__ import annotations

from typing import Any

from migrate.datadog import ownership
from migrate.model import DesiredResource, Finding
from migrate.translate.build.common import Built, SpecError, message_text, owned_tags
from migrate.translate.build.mentions import neutral_text
from migrate.translate.build.queries import query_definition
from migrate.translate.ddquery import Formula, MetricQuery, MonitorQuery, ServiceCheckQuery, render
from migrate.translate.query import SharedLabels
from migrate.translate.specs.alert import AlertSpec, Manual, MonitorKind

MONITOR = "monitor"
MANUAL_PREFIX = "[ddmigrate: manual] "
MANUAL_TAG = "ddmigrate_status:manual"
# A metric every Agent reports, compared so that it never alerts: the placeholder's query of last resort.
NEVER_ALERTS = MonitorQuery("avg", "last_5m", MetricQuery("datadog.agent.running"), "<", 0)
NEVER_ALERTS_NOTE = "a stand-in that never alerts (`datadog.agent.running < 0`); it is NOT the rule's condition"

TYPES = {
    MonitorKind.METRIC: "query alert",
    MonitorKind.FORECAST: "query alert",
    MonitorKind.ANOMALY: "query alert",
    MonitorKind.OUTLIER: "query alert",
    MonitorKind.LOG: "log alert",
    MonitorKind.RUM: "rum alert",
    MonitorKind.SERVICE_CHECK: "service check",
}

__all__ = ["MANUAL_PREFIX", "MANUAL_TAG", "MONITOR", "NEVER_ALERTS", "build_alert"]


def build_alert(spec: AlertSpec) -> Built:
    if not spec.refs:
        raise SpecError(f"alert {spec.name!r}: a spec needs at least one source reference")
    where = spec.refs[0].key
    condition = spec.condition
    if condition is None:
        if spec.manual is None:
            raise SpecError(f"{where}: an alert without a condition must be a manual placeholder")
        condition = NEVER_ALERTS
    key = ownership.resource_key(MONITOR, spec.refs)
    if spec.part:
        key = ownership.part_key(key, spec.part)
    kind = spec.kind
    formula = condition.expression if isinstance(condition, MonitorQuery) else None
    if isinstance(formula, Formula) and kind not in (MonitorKind.LOG, MonitorKind.RUM):
        raise SpecError(f"{where}: a formula monitor's queries must be all log or all RUM queries")
    if kind is MonitorKind.ANOMALY and spec.anomaly is None:
        raise SpecError(f"{where}: an anomaly monitor needs its trigger and recovery windows")
    findings: list[Finding] = []
    name = neutral_text(spec.name, "the name", findings)
    if spec.manual is None:
        message = message_text(spec.message, key, spec.refs, findings)
        tags = owned_tags(key, spec.refs, spec.tags, findings=findings)
    else:
        name = MANUAL_PREFIX + name
        message = _manual_message(spec, spec.manual, key, findings, fallback=condition is NEVER_ALERTS)
        tags = owned_tags(key, spec.refs, spec.tags, [MANUAL_TAG], findings=findings)
    payload: dict[str, Any] = {
        "type": TYPES[kind],
        "name": name,
        "query": render(condition),
        "message": message,
        "tags": tags,
        "options": _options(spec, condition, kind, where),
    }
    if spec.priority is not None:
        payload["priority"] = int(spec.priority)
    metadata: dict[str, Any] = {"source_metrics": sorted(set(spec.source_metrics))} if spec.source_metrics else {}
    if spec.source_types:
        metadata["source_types"] = source_types(spec.source_types)
    if spec.shared_labels:
        metadata["share_labels"] = share_labels(spec.shared_labels)
    return Built(DesiredResource(MONITOR, key, payload, list(spec.refs), metadata=metadata), findings)


def source_types(pairs: tuple[tuple[str, str], ...]) -> dict[str, list[str]]:
    """`metadata.source_types`: each source metric and the types the queries read it as (bridge mode sends one;
    two are a conflict it reports)."""
    out: dict[str, list[str]] = {}
    for name, kind in sorted(set(pairs)):
        out.setdefault(name, []).append(kind)
    return out


def share_labels(shared: tuple[SharedLabels, ...]) -> dict[str, dict[str, list[str]]]:
    """`metadata.share_labels`: per joined metric, the labels bridge mode copies and the labels they match on
    (the OpenMetrics check's `share_labels` shape)."""
    out: dict[str, dict[str, list[str]]] = {}
    for s in shared:
        entry = out.setdefault(s.metric, {"labels": [], **({"match": list(s.match)} if s.match else {})})
        entry["labels"] += [x for x in s.labels if x not in entry["labels"]]
    return out


def _options(
    spec: AlertSpec, condition: MonitorQuery | ServiceCheckQuery, kind: MonitorKind, where: str
) -> dict[str, Any]:
    options: dict[str, Any] = {"include_tags": True, "notify_no_data": spec.no_data.notify}
    if spec.new_group_delay_s is not None:
        options["new_group_delay"] = spec.new_group_delay_s
    if spec.require_full_window is not None and kind is not MonitorKind.SERVICE_CHECK:
        options["require_full_window"] = spec.require_full_window  # metric monitors only
    options["thresholds"] = _thresholds(spec, condition, where)
    optional = {
        "no_data_timeframe": spec.no_data.timeframe_minutes,
        "evaluation_delay": spec.evaluation_delay_s,
        "renotify_interval": spec.renotify_minutes,
        "timeout_h": spec.timeout_h,
    }
    options.update({k: v for k, v in optional.items() if v is not None})
    if spec.notify_by:
        options["notify_by"] = list(spec.notify_by)
    if isinstance(condition, MonitorQuery) and isinstance(condition.expression, Formula):
        # formula("a / b").last("5m"): the named queries travel in options.variables
        options["variables"] = [query_definition(n, q) for n, q in condition.expression.queries.items()]
    if spec.anomaly is not None:
        options["threshold_windows"] = {
            "trigger_window": spec.anomaly.trigger,
            "recovery_window": spec.anomaly.recovery,
        }
    if spec.manual is not None:
        options["silenced"] = {"*": None}
    return options


def _thresholds(spec: AlertSpec, condition: MonitorQuery | ServiceCheckQuery, where: str) -> dict[str, float]:
    t = spec.thresholds
    if isinstance(condition, ServiceCheckQuery):
        if t.critical is None:
            raise SpecError(f"{where}: a service check monitor needs the number of CRITICAL runs that alert")
        given = {"critical": t.critical, "warning": t.warning, "ok": t.ok}
        return {k: v for k, v in given.items() if v is not None}
    if t.critical is not None:
        raise SpecError(f"{where}: the critical threshold is the condition's own ({condition.threshold:g})")
    out = {"critical": float(condition.threshold)}
    if spec.manual is None or condition is not NEVER_ALERTS:
        extra = {"warning": t.warning, "critical_recovery": t.critical_recovery, "warning_recovery": t.warning_recovery}
        out.update({k: float(v) for k, v in extra.items() if v is not None})
    return out


def _manual_message(spec: AlertSpec, manual: Manual, key: str, findings: list[Finding], *, fallback: bool) -> str:
    """Everything here but ddmigrate's own sentences is source text, so all of it is neutralised: the
    handles are already written without `@` (a placeholder pages nobody)."""
    parts, note = spec.message, NEVER_ALERTS_NOTE if fallback else manual.query_note
    lines = [
        f"ddmigrate could not translate this {manual.what} automatically: {manual.reason}",
        "This monitor is muted so nothing disappears from view. Finish it by hand, then unmute it.",
        f"Query used here: {note}.",
    ]
    if parts.body:
        lines.append(parts.body)
    for original in manual.originals:
        lines.append(f"Original {original.language} ({original.ref_key}):\n```\n{original.text}\n```")
        lines += original.details
    handles = [h.lstrip("@") for n in parts.notify for h in n.handles]
    if handles:
        lines.append("Routing would notify (add the @ back when finishing): " + ", ".join(dict.fromkeys(handles)))
    lines.append(ownership.footer(key, spec.refs))
    return neutral_text("\n\n".join(lines), "the placeholder's message", findings)
