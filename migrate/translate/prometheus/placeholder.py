"""The muted stand-in monitor for a rule that needs a human, so nothing disappears from view: a `Manual`
`AlertSpec` the neutral builder writes (migrate/translate/build/monitor.py).

Name prefixed `[ddmigrate: manual]`, message with the reason and the ORIGINAL PromQL verbatim, muted
with `options.silenced: {"*": null}` (the v1 API's mute-all-groups-until-unmuted; `draft_status` is
a preview feature not every org has). Its query must still be a valid Datadog query, tried in order:
1. `partial`: the best partial translation, when the translator produced an expression and threshold;
2. `metric`: a query on the first Datadog metric the translation referenced;
3. `fallback`: `datadog.agent.running < 0`, a metric every Agent reports that never alerts.
The message says which one was used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from migrate.mappings import Mappings
from migrate.model import DesiredResource
from migrate.translate.build.monitor import MANUAL_TAG, build_alert
from migrate.translate.ddquery import AsCount, MetricQuery, MonitorQuery, has_modifier
from migrate.translate.prometheus import messages as msgs
from migrate.translate.prometheus.alerts import RuleDraft, alert_spec, make_tag, rule_tags
from migrate.translate.prometheus.monitor_query import time_aggregation
from migrate.translate.promql.labels import effective_label_tags
from migrate.translate.routing import Route, route
from migrate.translate.specs.alert import Manual, Original
from migrate.translate.specs.message import MessageSpec, Notify

__all__ = ["MANUAL_TAG", "MODES", "build_placeholder", "placeholder_query"]

MODES = ("partial", "metric", "fallback")


def placeholder_query(d: RuleDraft, mode: str) -> tuple[MonitorQuery, str] | None:
    """(query, explanation) for a mode, or None when the mode does not apply."""
    res, window = d.result, d.window
    if mode == "partial":
        cmp = res.comparison
        expression = res.inline
        if expression is None or cmp is None or not math.isfinite(cmp.threshold):
            return None
        aggr, _ = time_aggregation(cmp.op, d.rule.for_seconds > 0, cmp.threshold)
        if has_modifier(expression, AsCount) or res.forecast_seconds is not None:  # need their own window forms
            return None
        return (
            MonitorQuery(aggr, window.text, expression, cmp.op, cmp.threshold),
            "the best partial translation of the PromQL (check it before unmuting)",
        )
    if mode == "metric":
        if not res.metrics:
            return None
        return (
            MonitorQuery("avg", window.text, MetricQuery(res.metrics[0]), ">", 0),
            f"a stand-in on `{res.metrics[0]}`, a metric the rule uses; it is NOT the rule's condition",
        )
    return (
        MonitorQuery("avg", window.text, MetricQuery("datadog.agent.running"), "<", 0),
        "a stand-in that never alerts (`datadog.agent.running < 0`); it is NOT the rule's condition",
    )


def build_placeholder(
    drafts: Sequence[RuleDraft], reason: str, mode: str, mappings: Mappings, routes: Sequence[Route]
) -> DesiredResource | None:
    crit = drafts[0]
    built = placeholder_query(crit, mode)
    if built is None:
        return None
    condition, how = built
    handles = tuple(h for d in drafts for h in route({**d.rule.labels, "alertname": d.rule.name}, routes))
    # Annotations go through the same template conversion as real monitors: raw Go templates would be
    # read by Datadog's own template engine. Group-by tags exist only when the partial query is used.
    scope = msgs.TemplateScope(
        crit.result.group_by if mode == "partial" else [], effective_label_tags(mappings), crit.rule.labels
    )
    originals = tuple(
        Original(
            "PromQL",
            d.rule.ref.key,
            d.rule.expr,
            tuple(f"Original {k}: {msgs.render(v, scope).text}" for k, v in sorted(d.rule.annotations.items())),
        )
        for d in drafts
    )
    label_tags, _ = rule_tags(crit.rule, mappings)
    spec = alert_spec(
        drafts,
        mappings,
        extra_tags=[MANUAL_TAG, make_tag("alertname", crit.rule.name), *label_tags],
        name=msgs.render(crit.rule.annotations.get("summary") or crit.rule.name, scope).text.replace("\n", " "),
        condition=condition,
        message=MessageSpec(notify=(Notify(handles),)),
        require_full_window=False,
        manual=Manual(reason, "Prometheus alert", originals, how),
    )
    return build_alert(spec).resource
