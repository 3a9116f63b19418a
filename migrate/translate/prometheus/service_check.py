"""An `up` alert rule → a Datadog "service check" monitor on the Agent's OpenMetrics health check.

The query and thresholds come from promql/health.py (which documents the shapes and the Datadog facts);
this module writes the payload the same way alerts.py writes metric monitors (name, message, routing,
tags, ownership), with what a service check monitor needs instead:
- `options.thresholds` = {critical: CRITICAL runs in a row, ok: 1}; counts of check runs, not values;
- no `require_full_window` (it only applies to metric monitors);
- absent(): `notify_no_data` with `no_data_timeframe` = the rule's window, at least the 2 minutes Datadog
  recommends for service checks (its own default for them is 24 hours);
- message templates: `instance` renders as the `endpoint` tag, other labels as their mapped tags.
Rules are never merged into warning/critical pairs here: each `up` rule is its own monitor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from migrate.datadog import ownership
from migrate.mappings import Mappings
from migrate.model import DesiredResource, Finding
from migrate.translate.prometheus import messages as msgs
from migrate.translate.prometheus.alerts import RuleDraft, make_tag, monitor_payload, render_annotations, rule_tags
from migrate.translate.routing import Route, route

SERVICE_CHECK = "service check"
MIN_NO_DATA_MINUTES = 2  # Datadog's recommended minimum no-data timeframe for service checks


def build_service_check(
    drafts: Sequence[RuleDraft], mappings: Mappings, routes: Sequence[Route]
) -> tuple[DesiredResource, dict[str, list[Finding]]]:
    (d,) = drafts
    check = d.service_check
    assert check is not None
    key = ownership.resource_key("monitor", [d.rule.ref])
    label_tags = {**mappings.label_tags, **check.label_tags}
    name, body, template_findings = render_annotations(d, msgs.TemplateScope(check.group_by, label_tags, d.rule.labels))
    tags, tag_findings = rule_tags(d.rule, mappings)
    options: dict[str, Any] = {"thresholds": check.thresholds}
    if check.no_data:
        options.update(notify_no_data=True, no_data_timeframe=max(MIN_NO_DATA_MINUTES, d.window.minutes))
    handles = route({**d.rule.labels, "alertname": d.rule.name}, routes)
    message = "\n\n".join(p for p in (body, msgs.handles_block(handles, None)) if p)
    payload = monitor_payload(
        drafts,
        key,
        name=name,
        query=check.query,
        message=message,
        options=options,
        mappings=mappings,
        extra_tags=[make_tag("alertname", d.rule.name), *tags],
        kind=SERVICE_CHECK,
    )
    resource = DesiredResource("monitor", key, payload, [d.rule.ref])  # `up` is no metric the Agent collects
    return resource, {d.rule.ref.key: msgs.dedupe([*d.findings, *template_findings, *tag_findings])}
