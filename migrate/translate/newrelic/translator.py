"""The New Relic front end: an inventory's objects → Datadog dashboards and monitors, one ledger entry each.

Dashboards and widgets (dashboards.py), NRQL conditions (conditions.py) with their routing (routing.py);
policies, workflows, channels and destinations are ledgered with what they became (tags, handles, setup);
APM applications are ledgered as skipped (the Datadog tracer reports the service); synthetic monitors and
secure credentials go to the synthetics front end (synthetics.py). Every resource says which APM service it
belongs to (services.py): monitors and synthetic tests by tag, all of them in `metadata.services`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from migrate.inventory.store import InventoryObject
from migrate.model import DesiredResource, Finding, Outcome
from migrate.translate.base import TranslateEnv, Translator
from migrate.translate.build.monitor import build_alert
from migrate.translate.newrelic.conditions import WHAT, Policy, translate_condition
from migrate.translate.newrelic.dashboards import translate_dashboards
from migrate.translate.newrelic.routing import Routing
from migrate.translate.newrelic.services import Services, services_of
from migrate.translate.newrelic.synthetics import KINDS as SYNTHETIC_KINDS
from migrate.translate.newrelic.synthetics import synthetic_monitors
from migrate.translate.specs.alert import AlertSpec, Manual, Original

SOURCE = "newrelic"
KINDS = frozenset(
    {
        "dashboard",
        "widget",
        "alert_policy",
        "nrql_condition",
        "workflow",
        "notification_channel",
        "notification_destination",
        "apm_application",
    }
    | SYNTHETIC_KINDS
)


def _failed(obj: InventoryObject, exc: Exception, env: TranslateEnv, tags: tuple[str, ...]) -> DesiredResource:
    """A condition the front end fails on becomes a muted placeholder naming the failure: one condition must
    never stop the run."""
    reason = f"cannot translate ({type(exc).__name__}: {exc})"
    text = str(obj.normalized.get("query") or "")
    manual = Manual(reason, WHAT, (Original("NRQL", obj.ref.key, text),))
    name = str(obj.normalized.get("name") or obj.ref.name)
    built = build_alert(AlertSpec((obj.ref,), name, None, manual=manual, tags=tags))
    env.ledger.record(
        obj.ref, [Finding("newrelic.condition_error", reason, Outcome.MANUAL)], targets=[built.resource], reason=reason
    )
    return built.resource


def translate(objects: Sequence[InventoryObject], env: TranslateEnv) -> list[DesiredResource]:
    services = services_of(objects, env.ctx)
    out = translate_dashboards(objects, env)
    by_kind: dict[str, list[InventoryObject]] = {}
    for obj in objects:
        by_kind.setdefault(obj.ref.kind, []).append(obj)
    policies = {
        o.ref.id: Policy(str(o.normalized.get("name") or o.ref.name), str(o.normalized.get("incident_preference")))
        for o in by_kind.get("alert_policy", [])
    }
    routing = Routing(objects, env.ctx.mappings.routing)
    monitors_by_policy: dict[str, list[str]] = {}
    monitors_by_workflow: dict[str, list[str]] = {}
    for obj in by_kind.get("nrql_condition", []):
        policy_id = str(obj.normalized.get("policy_id"))
        policy = policies.get(policy_id)
        routed = routing.for_condition(policy_id, policy.name if policy else "")
        tags = services.tags([obj.ref.key])
        try:
            resource = translate_condition(obj, policy, routed, env, tags)
        except Exception as exc:  # any failure is this condition's, recorded in the ledger
            resource = _failed(obj, exc, env, tags)
        out.append(resource)
        monitors_by_policy.setdefault(policy_id, []).append(resource.key)
        for workflow in routed.workflows:
            monitors_by_workflow.setdefault(workflow, []).append(resource.key)
    _ledger_policies(by_kind.get("alert_policy", []), monitors_by_policy, env)
    _ledger_routing(by_kind, routing, monitors_by_workflow, env)
    for obj in by_kind.get("apm_application", []):
        env.ledger.record(
            obj.ref,
            [],
            skipped=True,
            reason="APM application: the Datadog tracer reports this service; there is nothing to create",
        )
    return _marked(out + synthetic_monitors(objects, env, services), services)


def _marked(resources: list[DesiredResource], services: Services) -> list[DesiredResource]:
    for resource in resources:
        services.mark(resource)
    return resources


def _ledger_policies(policies: list[InventoryObject], monitors: dict[str, list[str]], env: TranslateEnv) -> None:
    for obj in policies:
        preference = str(obj.normalized.get("incident_preference") or "PER_POLICY")
        count = len(monitors.get(obj.ref.id, []))
        text = f"became the tag on its {count} monitor(s); incident preference {preference}: "
        outcome = Outcome.EXACT
        if preference == "PER_CONDITION_AND_TARGET":
            text += "a multi alert per FACET group"
        elif preference == "PER_CONDITION" or count <= 1:
            text += "one monitor per condition, notifying once (notify_by [*] where its query has a FACET)"
        else:  # Datadog has no incident spanning monitors
            text += f"NR opened one incident for all {count} conditions; in Datadog each monitor notifies on its own"
            outcome = Outcome.APPROXIMATE
        env.ledger.record(obj.ref, [Finding("newrelic.policy", text, outcome)], targets=monitors.get(obj.ref.id, []))


def _ledger_routing(
    by_kind: dict[str, list[InventoryObject]], routing: Routing, monitors: dict[str, list[str]], env: TranslateEnv
) -> None:
    for obj in by_kind.get("workflow", []):
        handles = routing.handles_by_workflow.get(obj.ref.id, [])
        reached = monitors.get(obj.ref.id, [])
        if not obj.normalized.get("enabled", True):
            env.ledger.record(obj.ref, [], skipped=True, reason="the workflow is disabled in New Relic")
            continue
        text = f"routes {len(reached)} monitor(s) to {', '.join(handles) or 'no handle'}"
        env.ledger.record(obj.ref, [Finding("newrelic.workflow", text, Outcome.EXACT)], targets=reached)
    for obj in by_kind.get("notification_channel", []):
        note = "a channel is a handle in the messages of the monitors its workflows reach"
        env.ledger.record(obj.ref, [Finding("newrelic.channel", note, Outcome.EXACT)])
    for obj in by_kind.get("notification_destination", []):
        data: dict[str, Any] = obj.normalized
        reason = (
            f"set up Datadog's {str(data.get('type') or 'notification').replace('_', ' ').lower()} integration for "
            f"{data.get('name')!r} (credentials are never migrated), so its handles reach it"
        )
        env.ledger.record(obj.ref, [Finding("newrelic.destination", reason, Outcome.MANUAL)], reason=reason)


NEWRELIC = Translator(source=SOURCE, ledgered_kinds=KINDS, translate=translate)
