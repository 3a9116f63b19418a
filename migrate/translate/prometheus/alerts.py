"""One Prometheus alerting rule (or a warning/critical pair) → one `AlertSpec` → one Datadog monitor.

`draft()` reads a rule and its translated query; `build_monitor()` makes the spec for one draft or a merged
pair and has the neutral builder (migrate/translate/build/monitor.py) write the payload;
`build_placeholder()` makes the muted stand-in for a rule that needs a human.
Merge rules, window rules and templating are documented in prometheus/rules.py, prometheus/monitor_query.py and
prometheus/messages.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from migrate.errors import InputError
from migrate.inventory.store import InventoryObject
from migrate.mappings import Mappings
from migrate.model import DesiredResource, Finding, Outcome, SourceRef
from migrate.translate.build.monitor import MANUAL_PREFIX, build_alert
from migrate.translate.ddquery import AsCount, Call, MonitorQuery, Node, has_modifier
from migrate.translate.prometheus import messages as msgs
from migrate.translate.prometheus.monitor_query import (
    FORECAST_AGGREGATION,
    Window,
    count_window,
    finite_threshold,
    forecast_window,
    range_findings,
    time_aggregation,
    window_for,
)
from migrate.translate.promql.health import ServiceCheck
from migrate.translate.promql.labels import effective_label_tags
from migrate.translate.query import QueryResult
from migrate.translate.routing import Route, route
from migrate.translate.specs.alert import AlertSpec, NoData, Thresholds
from migrate.translate.specs.message import Block, MessageSpec, When

__all__ = ["MANUAL_PREFIX", "AlertRule", "RuleDraft", "build_monitor", "draft"]

NEW_GROUP_DELAY = 60  # seconds: new hosts/pods get a minute to settle, as Datadog's UI default does
_LABEL_REF = re.compile(r"(?:\$labels\.|\.Labels\.)(\w+)|index\s+\$labels\s+\"(\w+)\"")
_TAG_BAD = re.compile(r"[^a-z0-9_\-:./]")


@dataclass
class AlertRule:
    ref: SourceRef
    name: str
    expr: str
    for_seconds: float = 0.0
    keep_firing_for_seconds: float = 0.0
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    group: str = ""
    file: str = ""
    index: int = 0

    @classmethod
    def from_object(cls, obj: InventoryObject) -> AlertRule:
        n = obj.normalized
        if not isinstance(n.get("name"), str) or not isinstance(n.get("expr"), str):
            raise InputError(
                f"alerting rule {obj.ref.key}: normalized `name` and `expr` must be strings",
                hint="re-run `ddmigrate collect`; the inventory is not what this version expects",
            )
        return cls(
            ref=obj.ref,
            name=n["name"],
            expr=n["expr"],
            for_seconds=float(n.get("for_seconds") or 0),
            keep_firing_for_seconds=float(n.get("keep_firing_for_seconds") or 0),
            labels={str(k): str(v) for k, v in (n.get("labels") or {}).items()},
            annotations={str(k): str(v) for k, v in (n.get("annotations") or {}).items()},
            group=str(n.get("group") or ""),
            file=str(n.get("file") or ""),
            index=int(n.get("index") or 0),
        )

    def annotation_labels(self) -> list[str]:
        """Series labels the annotations print (the rule's own labels are constants, not needed)."""
        found = [a or b for text in self.annotations.values() for a, b in _LABEL_REF.findall(text)]
        return sorted({x for x in found if x not in self.labels})


@dataclass
class RuleDraft:
    rule: AlertRule
    result: QueryResult
    window: Window
    findings: list[Finding]  # the query's findings plus the rule's own
    role: str  # "critical" | "warning": which threshold this rule fills when merged
    priority: int | None
    manual: str | None = None  # why no working monitor can be built
    service_check: ServiceCheck | None = None  # `up` rules: a service check monitor instead of a metric one
    count_expression: Node | None = None  # increase() rules: `sum(last_R)` over plain `.as_count()` queries
    forecast_window: str = ""  # predict_linear() rules: `next_<H>` of a forecast monitor
    composite: Any = None  # `A and B` rules: a prometheus/composite.CompositeDraft (that module imports this one)

    @property
    def threshold(self) -> float:
        return self.result.comparison.threshold if self.result.comparison else 0.0


def draft(
    rule: AlertRule, result: QueryResult, mappings: Mappings, service_check: ServiceCheck | None = None
) -> RuleDraft:
    window = window_for(rule.for_seconds, mappings.default_window_seconds)
    if service_check is not None:  # the check replaces the metric query; `for` is counted in check runs
        findings = list(service_check.findings) + (window.findings if service_check.no_data else [])
    else:
        findings = list(result.findings) + window.findings + range_findings(result, window)
    severity = rule.labels.get("severity", "")
    sev = (mappings.section("alerts").get("severity") or {}).get(severity.lower()) or {}
    if severity and not sev:
        findings.append(
            Finding(
                "alert.severity_unmapped",
                f"severity `{severity}` is not in mappings alerts.severity; the monitor has no priority",
                Outcome.EXACT,
            )
        )
    if rule.keep_firing_for_seconds > 0:
        findings.append(
            Finding(
                "alert.keep_firing_for_dropped",
                f"keep_firing_for "
                f"{rule.keep_firing_for_seconds:g}s has no Datadog equivalent (critical_recovery "
                "is a value, not a duration); the monitor recovers as soon as the window clears",
            )
        )
    d = RuleDraft(
        rule,
        result,
        window,
        findings,
        str(sev.get("threshold", "critical")),
        sev.get("priority"),
        service_check=service_check,
    )
    if service_check is not None:
        return d
    if result.fidelity is Outcome.MANUAL:
        d.manual = next(f.message for f in result.findings if f.outcome is Outcome.MANUAL)
    elif result.formula is None:
        d.manual = "the query translator produced no Datadog expression"
    elif result.no_data_alert:
        if not mappings.section("alerts").get("notify_no_data_for_absent", True):
            d.manual = "absent() needs no-data alerting, which mappings alerts.notify_no_data_for_absent disables"
    elif result.comparison is None:
        d.manual = (
            "the rule fires whenever its expression returns any series; a Datadog metric monitor needs "
            "a comparison with a threshold"
        )
    else:
        bad = finite_threshold(result.comparison.threshold)
        if bad:
            d.findings.append(bad)
            d.manual = bad.message
        elif result.forecast_seconds is not None:
            _forecast_monitor(d)
        elif has_modifier(result.formula.inline(), AsCount):
            _count_monitor(d, mappings)
    if d.manual and not any(f.outcome is Outcome.MANUAL for f in d.findings):
        d.findings.append(Finding("alert.no_monitor_query", d.manual, Outcome.MANUAL))
    return d


def _forecast_monitor(d: RuleDraft) -> None:
    assert d.result.forecast_seconds is not None
    d.forecast_window, window_findings = forecast_window(d.result.forecast_seconds)
    d.findings = [f for f in d.findings if f not in d.window.findings] + window_findings
    if d.rule.for_seconds > 0:
        d.findings.append(
            Finding(
                "alert.forecast_for_dropped",
                (
                    f"`for: {d.rule.for_seconds:g}s` has no place in a forecast monitor, which alerts on the first "
                    "evaluation whose forecast crosses the threshold"
                ),
            )
        )


def _count_monitor(d: RuleDraft, mappings: Mappings) -> None:
    """increase() rules: the range becomes the window of a `sum` over `.as_count()` (prometheus/monitor_query.py)."""
    counted = count_window(d.result)
    if counted is None:
        d.manual = (
            "the query mixes .as_count() (from increase()) with other functions or queries; Datadog "
            "evaluates .as_count() with the sum time aggregation only, which the rest cannot take"
        )
        d.findings.append(Finding("alert.as_count_aggregation", d.manual, Outcome.MANUAL))
        return
    d.count_expression, seconds = counted
    old = d.window
    d.window = window_for(seconds, mappings.default_window_seconds)
    d.findings = [f for f in d.findings if f not in old.findings] + d.window.findings
    if d.rule.for_seconds > 0:
        d.findings.append(
            Finding(
                "alert.increase_window",
                (
                    f"increase() over {d.window.text[5:]} became the sum of counts over the monitor window "
                    f"{d.window.text} (Datadog evaluates .as_count() with sum only); `for: {d.rule.for_seconds:g}s` "
                    "on top of it cannot be expressed and was dropped"
                ),
            )
        )


def make_tag(key: str, value: str) -> str:
    return _TAG_BAD.sub("_", f"{key}:{value}".lower())  # the builder fits it to Datadog's length, with a finding


def rule_tags(rule: AlertRule, mappings: Mappings) -> tuple[list[str], list[Finding]]:
    excluded = set(mappings.section("alerts").get("exclude_labels") or [])
    tags, findings = [], []
    for label, value in sorted(rule.labels.items()):
        key = mappings.label_tags.get(label, label)
        if label in excluded or key is None or "{{" in value:
            why = "templated value" if "{{" in value else "excluded by mappings"
            findings.append(
                Finding("alert.label_not_tagged", f"label `{label}` is not a monitor tag ({why})", Outcome.EXACT)
            )
            continue
        tags.append(make_tag(key, value))
    return tags, findings


def render_annotations(d: RuleDraft, scope: msgs.TemplateScope) -> tuple[str, str, list[Finding]]:
    """(name, message body) for one rule, with the templating findings."""
    ann = d.rule.annotations
    name = msgs.render(ann.get("summary") or d.rule.name, scope)
    parts = [msgs.render(ann[k], scope) for k in ("description", "message") if ann.get(k)]
    extra = [
        msgs.render(f"{k}: {v}", scope)
        for k, v in sorted(ann.items())
        if k not in ("summary", "description", "message", "runbook_url")
    ]
    lines = [p.text for p in parts + extra]
    if ann.get("runbook_url"):
        lines.append(f"Runbook: {ann['runbook_url']}")
    findings = name.findings + [f for p in parts + extra for f in p.findings]
    return name.text.replace("\n", " ").strip(), "\n\n".join(lines), findings


def alert_spec(
    drafts: Sequence[RuleDraft], mappings: Mappings, *, extra_tags: Sequence[str], **fields: Any
) -> AlertSpec:
    """The fields every monitor of a rule (or pair) shares: sources, mapped tags, priority, new-group delay."""
    return AlertSpec(
        refs=tuple(d.rule.ref for d in drafts),
        tags=(*mappings.section("alerts").get("monitor_tags", []), *extra_tags),
        priority=drafts[0].priority,
        new_group_delay_s=NEW_GROUP_DELAY,
        **fields,
    )


def _window_note(d: RuleDraft) -> str:
    """How the evaluation window was derived, for the ledger and the report."""
    derived = "; ".join(f.message for f in d.window.findings)
    return derived or f"{d.window.text} from `for: {d.rule.for_seconds:g}s`"


def build_monitor(
    drafts: Sequence[RuleDraft], mappings: Mappings, routes: Sequence[Route]
) -> tuple[DesiredResource, dict[str, list[Finding]]]:
    """One monitor for one draft, or for a merged [critical, warning] pair. Returns the findings per rule."""
    spec, per_rule = monitor_spec(drafts, mappings, routes)
    built = build_alert(spec)  # its findings (neutralised handles in a runbook URL, say) are every rule's
    return built.resource, {k: msgs.dedupe([*v, *built.findings]) for k, v in per_rule.items()}


def monitor_spec(
    drafts: Sequence[RuleDraft], mappings: Mappings, routes: Sequence[Route]
) -> tuple[AlertSpec, dict[str, list[Finding]]]:
    """The AlertSpec of one draft or merged pair, and the findings per rule."""
    crit = drafts[0]
    per_rule: dict[str, list[Finding]] = {d.rule.ref.key: list(d.findings) for d in drafts}
    rendered = [
        render_annotations(d, msgs.TemplateScope(crit.result.group_by, effective_label_tags(mappings), d.rule.labels))
        for d in drafts
    ]
    for d, (_, _, found) in zip(drafts, rendered, strict=True):
        per_rule[d.rule.ref.key] += found
    handles = [route({**d.rule.labels, "alertname": d.rule.name}, routes) for d in drafts]
    fields: dict[str, Any] = {"require_full_window": False}
    tags, tag_findings = rule_tags(crit.rule, mappings)
    expression = crit.result.inline
    assert expression is not None
    message = MessageSpec(body=rendered[0][1], notify=msgs.notify(handles[0], handles[1] if len(drafts) == 2 else None))
    if crit.result.no_data_alert:
        # absent(x): the value condition can never hold (|x| < 0), so only missing data alerts.
        condition = MonitorQuery("avg", crit.window.text, Call("abs", expression), "<", 0)
        timeframe = 2 * crit.window.minutes
        fields["no_data"] = NoData(notify=True, timeframe_minutes=timeframe)
        per_rule[crit.rule.ref.key].append(
            Finding(
                "alert.absent_no_data",
                f"absent() becomes no-data alerting: Datadog notifies after {timeframe}m "
                f"without data (2x the {crit.window.minutes}m window, as Datadog advises)",
            )
        )
    else:
        assert crit.result.comparison is not None
        op = crit.result.comparison.op
        sustained = crit.rule.for_seconds > 0
        if crit.forecast_window:
            aggr, aggr_findings = FORECAST_AGGREGATION[op], list[Finding]()
            condition = MonitorQuery(aggr, crit.forecast_window, expression, op, crit.threshold)
        elif crit.count_expression is not None:
            aggr, aggr_findings = "sum", list[Finding]()
            condition = MonitorQuery(aggr, crit.window.text, crit.count_expression, op, crit.threshold)
        else:
            aggr, aggr_findings = time_aggregation(op, sustained, crit.threshold)
            condition = MonitorQuery(aggr, crit.window.text, expression, op, crit.threshold)
            fields["require_full_window"] = sustained  # like `for`: no alert before a full window of data
        for d in drafts:
            per_rule[d.rule.ref.key] += aggr_findings + tag_findings
        if len(drafts) == 2:
            warn = drafts[1]
            fields["thresholds"] = Thresholds(warning=float(warn.threshold))
            tags.append(make_tag("severity", warn.rule.labels.get("severity", "warning")))
            if rendered[1][1] != message.body:
                blocks = (Block(When.ALERT, message.body), Block(When.WARNING, rendered[1][1]))
                message = replace(message, body="", blocks=blocks)
            note = Finding(
                "alert.merged_warning_critical",
                f"merged with the rule of the same expression: "
                f"critical {crit.threshold:g} ({crit.rule.ref.key}), warning {warn.threshold:g} "
                f"({warn.rule.ref.key})",
                Outcome.EXACT,
            )
            for d in drafts:
                per_rule[d.rule.ref.key].append(note)
    spec = alert_spec(
        drafts,
        mappings,
        extra_tags=[make_tag("alertname", crit.rule.name), *tags],
        name=rendered[0][0],
        condition=condition,
        message=message,
        window_note=_window_note(crit),
        source_metrics=tuple(m for d in drafts for m in d.result.source_metrics),
        source_types=tuple(kind for d in drafts for kind in d.result.source_types.items()),
        shared_labels=tuple(s for d in drafts for s in d.result.shared_labels),
        **fields,
    )
    return spec, per_rule
