"""An `up` alert rule → a Datadog "service check" monitor on the Agent's OpenMetrics health check.

The query and thresholds come from promql/health.py (which documents the shapes and the Datadog facts);
this module makes the `AlertSpec` the same way alerts.py does for metric monitors (name, message, routing,
tags), with what a service check monitor needs instead:
- `options.thresholds` = {critical: CRITICAL runs in a row, ok: 1}; counts of check runs, not values;
- no `require_full_window` (it only applies to metric monitors);
- absent(): `notify_no_data` with `no_data_timeframe` = the rule's window, at least the 2 minutes Datadog
  recommends for service checks (its own default for them is 24 hours);
- message templates: `instance` renders as the `endpoint` tag, other labels as their mapped tags.
Rules are never merged into warning/critical pairs here: each `up` rule is its own monitor.
"""

from __future__ import annotations

from collections.abc import Sequence

from migrate.mappings import Mappings
from migrate.model import DesiredResource, Finding
from migrate.translate.build.monitor import build_alert
from migrate.translate.ddquery import ServiceCheckQuery
from migrate.translate.prometheus import messages as msgs
from migrate.translate.prometheus.alerts import RuleDraft, alert_spec, make_tag, render_annotations, rule_tags
from migrate.translate.promql.labels import effective_label_tags
from migrate.translate.routing import Route, route
from migrate.translate.specs.alert import NoData, Thresholds
from migrate.translate.specs.message import MessageSpec

MIN_NO_DATA_MINUTES = 2  # Datadog's recommended minimum no-data timeframe for service checks


def build_service_check(
    drafts: Sequence[RuleDraft], mappings: Mappings, routes: Sequence[Route]
) -> tuple[DesiredResource, dict[str, list[Finding]]]:
    (d,) = drafts
    check = d.service_check
    assert check is not None
    label_tags = {**effective_label_tags(mappings), **check.label_tags}
    name, body, template_findings = render_annotations(d, msgs.TemplateScope(check.group_by, label_tags, d.rule.labels))
    tags, tag_findings = rule_tags(d.rule, mappings)
    no_data = NoData(True, max(MIN_NO_DATA_MINUTES, d.window.minutes)) if check.no_data else NoData()
    handles = route({**d.rule.labels, "alertname": d.rule.name}, routes)
    condition = ServiceCheckQuery(
        check.check, tuple(check.over), tuple(check.exclude), tuple(check.group_by), check.failures
    )
    spec = alert_spec(
        drafts,
        mappings,
        extra_tags=[make_tag("alertname", d.rule.name), *tags],
        name=name,
        condition=condition,
        thresholds=Thresholds(critical=check.thresholds["critical"], ok=check.thresholds["ok"]),
        message=MessageSpec(body=body, notify=msgs.notify(handles, None)),
        no_data=no_data,
    )
    # `up` is no metric the Agent collects: no source metrics for bridge mode.
    built = build_alert(spec)
    findings = [*d.findings, *template_findings, *tag_findings, *built.findings]
    return built.resource, {d.rule.ref.key: msgs.dedupe(findings)}
