"""New Relic workflows, destinations and channels → Datadog notification handles per condition.

A workflow's issues filter names the policies whose incidents it sends (`labels.policyIds`, policy names)
and often a priority (`priority = CRITICAL`); its channels point at destinations (a PagerDuty service, a
Slack workspace). Each channel reached by a condition is routed through the same `routing` rules, and the
same first-match semantics (migrate/translate/routing), as Prometheus alerts, on these labels:

    source: newrelic, nr_channel: <channel name>, nr_channel_type: <PAGERDUTY_SERVICE_INTEGRATION, SLACK, ...>,
    nr_destination: <destination name>, nr_workflow: <workflow name>, nr_policy: <policy name>

so `- match: {nr_channel: "#commerce-alerts"}  notify: ["@slack-commerce-alerts"]` names the handle. A channel
only the catch-all rule matches is said (`newrelic.route_default`). A workflow that filters on priority
CRITICAL notifies on alerts and their recovery only (`{{#is_alert}}`, `{{#is_alert_recovery}}`), as NR
never sent it the warnings. Filters on anything else
(entity tags, titles) cannot be evaluated at translation time: the channel is kept and the filter named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from migrate.inventory.store import InventoryObject
from migrate.model import Finding
from migrate.translate.routing import Route, compile_routes, route
from migrate.translate.specs.message import Notify, When

_POLICY_ATTRIBUTES = {"labels.policyIds", "labels.policyId", "policyIds"}
_POLICY_NAME_ATTRIBUTES = {"labels.policyName", "labels.policyNames", "policyName"}


@dataclass(frozen=True)
class Channel:
    workflow: str
    name: str
    type: str
    destination: str
    critical_only: bool
    unevaluated: tuple[str, ...]  # filter attributes that cannot be checked at translation time


@dataclass
class Routed:
    notify: tuple[Notify, ...] = ()
    lines: list[str] = field(default_factory=list)  # "who gets paged", one per channel
    findings: list[Finding] = field(default_factory=list)
    workflows: set[str] = field(default_factory=set)  # ids of the workflows that reach the condition


def _predicates(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    issues = workflow.get("issues_filter") or {}
    return [p for p in issues.get("predicates") or [] if isinstance(p, dict)]


class Routing:
    def __init__(self, objects: Sequence[InventoryObject], rules: Sequence[dict[str, Any]]) -> None:
        self.routes: list[Route] = compile_routes(rules)
        self.fallback = route({}, self.routes)
        self.channels = {o.ref.id: o.normalized for o in objects if o.ref.kind == "notification_channel"}
        self.destinations = {o.ref.id: o.normalized for o in objects if o.ref.kind == "notification_destination"}
        self.workflows = [o for o in objects if o.ref.kind == "workflow" and o.normalized.get("enabled", True)]
        self.handles_by_workflow: dict[str, list[str]] = {}

    def _reaches(self, workflow: dict[str, Any], policy_id: str, policy_name: str) -> bool:
        for p in _predicates(workflow):
            attribute, values = str(p.get("attribute")), [str(v) for v in p.get("values") or []]
            negated = str(p.get("operator") or "").startswith(("DOES_NOT", "NOT"))
            if attribute in _POLICY_ATTRIBUTES and (policy_id in values) == negated:
                return False
            if attribute in _POLICY_NAME_ATTRIBUTES and (policy_name in values) == negated:
                return False
        return True

    def _channels(self, workflow: InventoryObject) -> list[Channel]:
        data = workflow.normalized
        critical_only, unevaluated = False, []
        for p in _predicates(data):
            attribute = str(p.get("attribute"))
            if attribute == "priority":
                critical_only = [str(v) for v in p.get("values") or []] == ["CRITICAL"]
            elif attribute not in _POLICY_ATTRIBUTES | _POLICY_NAME_ATTRIBUTES:
                unevaluated.append(attribute)
        out = []
        for c in data.get("channels") or []:
            channel = self.channels.get(str(c.get("channel_id")), {})
            destination = self.destinations.get(str(channel.get("destination_id")), {})
            out.append(
                Channel(
                    str(data.get("name") or workflow.ref.id),
                    str(c.get("name") or channel.get("name") or c.get("channel_id")),
                    str(c.get("type") or channel.get("type") or ""),
                    str(destination.get("name") or ""),
                    critical_only,
                    tuple(unevaluated),
                )
            )
        return out

    def for_condition(self, policy_id: str, policy_name: str) -> Routed:
        out = Routed()
        notify: list[Notify] = []
        for workflow in self.workflows:
            if not self._reaches(workflow.normalized, policy_id, policy_name):
                continue
            out.workflows.add(workflow.ref.id)
            for channel in self._channels(workflow):
                labels = {
                    "source": "newrelic",
                    "nr_channel": channel.name,
                    "nr_channel_type": channel.type,
                    "nr_destination": channel.destination,
                    "nr_workflow": channel.workflow,
                    "nr_policy": policy_name,
                }
                handles = route(labels, self.routes)
                seen = self.handles_by_workflow.setdefault(workflow.ref.id, [])
                seen += [h for h in handles if h not in seen]
                where = f"workflow {channel.workflow!r} → {channel.type or 'channel'} {channel.name!r}"
                if not handles or handles == self.fallback:
                    out.findings.append(
                        Finding(
                            "newrelic.route_default",
                            f"{where} matched no routing rule of its own"
                            + (
                                f"; the catch-all sends it to {', '.join(handles)}"
                                if handles
                                else "; nobody is notified"
                            )
                            + f": add a routing rule matching {{nr_channel: {channel.name!r}}}",
                        )
                    )
                if channel.unevaluated:
                    out.findings.append(
                        Finding(
                            "newrelic.route_filter",
                            f"{where} also filters on {', '.join(channel.unevaluated)}, which cannot be checked "
                            "before an incident exists; Datadog notifies for every alert of this monitor",
                        )
                    )
                if handles:
                    if channel.critical_only:  # paged on alerts, and told when those recover (to resolve them)
                        notify += [Notify(tuple(handles), When.ALERT), Notify(tuple(handles), When.ALERT_RECOVERY)]
                    else:
                        notify.append(Notify(tuple(handles)))
                    scope = " (critical only)" if channel.critical_only else ""
                    out.lines.append(f"{', '.join(handles)}{scope} via {where}")
        out.notify = tuple(notify)
        return out
