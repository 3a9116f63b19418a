"""The muted stand-in monitor for a rule that needs a human, so nothing disappears from view.

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
from typing import Any

from migrate.datadog import ownership
from migrate.mappings import Mappings
from migrate.model import DesiredResource
from migrate.translate.ddquery import AsCount, MetricQuery, has_modifier
from migrate.translate.prometheus import messages as msgs
from migrate.translate.prometheus.alerts import MANUAL_PREFIX, NEW_GROUP_DELAY, RuleDraft, make_tag, rule_tags
from migrate.translate.prometheus.monitor_query import monitor_query, time_aggregation
from migrate.translate.routing import Route, route

MODES = ("partial", "metric", "fallback")
MANUAL_TAG = "ddmigrate_status:manual"


def placeholder_query(d: RuleDraft, mode: str) -> tuple[str, float, str] | None:
    """(query, critical threshold, explanation) for a mode, or None when the mode does not apply."""
    res, window = d.result, d.window
    if mode == "partial":
        cmp = res.comparison
        expression = res.inline
        if expression is None or cmp is None or not math.isfinite(cmp.threshold):
            return None
        aggr, _ = time_aggregation(cmp.op, d.rule.for_seconds > 0)
        if has_modifier(expression, AsCount) or res.forecast_seconds is not None:  # need their own window forms
            return None
        return (
            monitor_query(aggr, window.text, expression, cmp.op, cmp.threshold),
            cmp.threshold,
            "the best partial translation of the PromQL (check it before unmuting)",
        )
    if mode == "metric":
        if not res.metrics:
            return None
        return (
            monitor_query("avg", window.text, MetricQuery(res.metrics[0]), ">", 0),
            0.0,
            f"a stand-in on `{res.metrics[0]}`, a metric the rule uses; it is NOT the rule's condition",
        )
    return (
        monitor_query("avg", window.text, MetricQuery("datadog.agent.running"), "<", 0),
        0.0,
        "a stand-in that never alerts (`datadog.agent.running < 0`); it is NOT the rule's condition",
    )


def build_placeholder(
    drafts: Sequence[RuleDraft], reason: str, mode: str, mappings: Mappings, routes: Sequence[Route]
) -> DesiredResource | None:
    crit = drafts[0]
    built = placeholder_query(crit, mode)
    if built is None:
        return None
    query, threshold, how = built
    refs = [d.rule.ref for d in drafts]
    key = ownership.resource_key("monitor", refs)
    handles = [h.lstrip("@") for d in drafts for h in route({**d.rule.labels, "alertname": d.rule.name}, routes)]
    lines = [
        f"ddmigrate could not translate this Prometheus alert automatically: {reason}",
        "This monitor is muted so nothing disappears from view. Finish it by hand, then unmute it.",
        f"Query used here: {how}.",
    ]
    # Annotations go through the same template conversion as real monitors: raw Go templates would be
    # read by Datadog's own template engine. Group-by tags exist only when the partial query is used.
    scope = msgs.TemplateScope(crit.result.group_by if mode == "partial" else [], mappings.label_tags, crit.rule.labels)
    for d in drafts:
        lines.append(f"Original PromQL ({d.rule.ref.key}):\n```\n{d.rule.expr}\n```")
        lines += [f"Original {k}: {msgs.render(v, scope).text}" for k, v in sorted(d.rule.annotations.items())]
    if handles:
        lines.append("Routing would notify (add the @ back when finishing): " + ", ".join(dict.fromkeys(handles)))
    lines.append(ownership.footer(key, refs))
    tags: list[str] = []
    label_tags, _ = rule_tags(crit.rule, mappings)
    for t in [
        *ownership.ownership_tags(key, refs),
        *mappings.section("alerts").get("monitor_tags", []),
        MANUAL_TAG,
        make_tag("alertname", crit.rule.name),
        *label_tags,
    ]:
        if t not in tags:
            tags.append(t)
    payload: dict[str, Any] = {
        "type": "query alert",
        "name": MANUAL_PREFIX
        + msgs.render(crit.rule.annotations.get("summary") or crit.rule.name, scope).text.replace("\n", " "),
        "query": query,
        "message": "\n\n".join(lines),
        "tags": tags,
        "options": {
            "thresholds": {"critical": float(threshold)},
            "silenced": {"*": None},
            "notify_no_data": False,
            "include_tags": True,
            "new_group_delay": NEW_GROUP_DELAY,
            "require_full_window": False,
        },
    }
    if crit.priority is not None:
        payload["priority"] = int(crit.priority)
    return DesiredResource("monitor", key, payload, refs)
