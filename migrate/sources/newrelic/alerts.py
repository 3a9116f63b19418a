"""Alert policies, NRQL conditions and the routing behind them (destinations, channels, workflows) →
inventory objects, one per source object so each gets its own ledger entry.

Conditions keep every field the translator maps or must name as a gap (terms, signal, expiration,
`violationTimeLimitSeconds`, baseline and outlier settings, runbook, description, title template), in
snake_case. The quickstart YAML has the NerdGraph shape plus the legacy `valueFunction`.

Routing, as NerdGraph models it: a workflow's `issuesFilter` predicates (`labels.policyIds` EXACTLY_MATCHES
/ CONTAINS ids) pick the incidents; each `destinationConfigurations[].channelId` names a channel; a channel
names its `destinationId`; a destination is the PagerDuty service, Slack workspace, e-mail list or webhook.
Secrets never come back from NerdGraph (an auth type and a token prefix only) and are scrubbed if they did.
"""

from __future__ import annotations

from typing import Any

from migrate.inventory.store import InventoryObject
from migrate.model import SourceRef
from migrate.sources.newrelic.dashboards import SOURCE, as_dict, as_list, snake, tag_map

POLICY_IDS = "labels.policyIds"
POLICY_NAMES = "accumulations.policyName"


def _terms(condition: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for term in as_list(condition.get("terms")):
        if isinstance(term, dict):
            fields = snake(term)
            # client-go's read name for the YAML's and the mutation's `thresholdDuration` (seconds)
            fields.setdefault("threshold_duration", fields.pop("duration", None))
            fields["priority"] = str(fields.get("priority") or "CRITICAL").upper()
            out.append(fields)
    return out


def normalize_condition(
    condition: dict[str, Any], *, condition_id: str, origin: str, tags: dict[str, list[str]] | None = None
) -> InventoryObject:
    nrql = as_dict(condition.get("nrql"))
    outlier = as_dict(condition.get("outlierConfiguration"))
    name = str(condition.get("name") or condition_id)
    fields = {
        "id": condition_id,
        "name": name,
        "type": str(condition.get("type") or "STATIC").upper(),
        "enabled": condition.get("enabled") is not False,
        "policy_id": None if condition.get("policyId") is None else str(condition["policyId"]),
        "description": str(condition.get("description") or ""),
        "runbook_url": condition.get("runbookUrl"),
        "title_template": condition.get("titleTemplate"),
        "query": str(nrql.get("query") or ""),
        "evaluation_offset": nrql.get("evaluationOffset"),
        "data_account_id": nrql.get("dataAccountId"),
        "terms": _terms(condition),
        "signal": snake(as_dict(condition.get("signal"))),
        "expiration": snake(as_dict(condition.get("expiration"))),
        "violation_time_limit_seconds": condition.get("violationTimeLimitSeconds"),
        "violation_time_limit": condition.get("violationTimeLimit"),
        "baseline_direction": condition.get("baselineDirection"),
        "signal_seasonality": condition.get("signalSeasonality"),
        "outlier": snake(as_dict(outlier.get("dbscan")) or outlier) or None,
        "value_function": condition.get("valueFunction"),
        "entity_guid": condition.get("entityGuid"),
        "tags": tags if tags is not None else tag_map(condition.get("tags")),
    }
    ref = SourceRef(SOURCE, "nrql_condition", condition_id, name, origin)
    return InventoryObject(ref, condition, normalized=fields)


def normalize_policy(policy: dict[str, Any], *, origin: str) -> InventoryObject:
    fields = {
        "id": str(policy.get("id")),
        "name": str(policy.get("name") or policy.get("id")),
        "incident_preference": str(policy.get("incidentPreference") or "PER_POLICY"),
        "account_id": policy.get("accountId"),
    }
    return InventoryObject(_ref("alert_policy", policy, origin), policy, fields)


def _ref(kind: str, obj: dict[str, Any], origin: str) -> SourceRef:
    return SourceRef(SOURCE, kind, str(obj.get("id")), str(obj.get("name") or obj.get("id")), origin)


def _properties(obj: dict[str, Any]) -> dict[str, Any]:
    return {str(p["key"]): p.get("value") for p in as_list(obj.get("properties")) if isinstance(p, dict) and "key" in p}


def normalize_destination(dest: dict[str, Any], *, origin: str) -> InventoryObject:
    auth = as_dict(dest.get("auth"))
    fields = {
        "id": str(dest.get("id")),
        "name": str(dest.get("name") or dest.get("id")),
        "type": str(dest.get("type") or "UNKNOWN"),
        "active": dest.get("active") is not False,
        "status": dest.get("status"),
        "properties": _properties(dest),
        "authentication": {"type": auth.get("authType"), "user": auth.get("user")} if auth else None,
        "has_secure_url": bool(as_dict(dest.get("secureUrl"))),
    }
    # Not even a token's first characters are kept (client-go asks for `prefix`; this collector does not).
    payload = {**dest, "auth": {k: auth[k] for k in ("authType", "user") if k in auth}} if auth else dest
    return InventoryObject(_ref("notification_destination", dest, origin), payload, fields)


def normalize_channel(channel: dict[str, Any], *, origin: str) -> InventoryObject:
    fields = {
        "id": str(channel.get("id")),
        "name": str(channel.get("name") or channel.get("id")),
        "type": str(channel.get("type") or "UNKNOWN"),
        "product": channel.get("product"),
        "destination_id": None if channel.get("destinationId") is None else str(channel["destinationId"]),
        "active": channel.get("active") is not False,
        "status": channel.get("status"),
        "properties": _properties(channel),
    }
    return InventoryObject(_ref("notification_channel", channel, origin), channel, fields)


def _policy_predicates(workflow: dict[str, Any], attribute: str) -> list[dict[str, Any]]:
    return [
        {"operator": str(p.get("operator") or ""), "values": [str(v) for v in as_list(p.get("values"))]}
        for p in as_list(as_dict(workflow.get("issuesFilter")).get("predicates"))
        if isinstance(p, dict) and p.get("attribute") == attribute
    ]


def normalize_workflow(workflow: dict[str, Any], *, origin: str) -> InventoryObject:
    issues = as_dict(workflow.get("issuesFilter"))
    fields = {
        "id": str(workflow.get("id")),
        "name": str(workflow.get("name") or workflow.get("id")),
        "enabled": workflow.get("workflowEnabled") is not False,
        "destinations_enabled": workflow.get("destinationsEnabled") is not False,
        "muting_rules_handling": workflow.get("mutingRulesHandling"),
        "issues_filter": {
            "name": issues.get("name"),
            "type": issues.get("type"),
            "predicates": snake([p for p in as_list(issues.get("predicates")) if isinstance(p, dict)]),
        },
        # which policies' issues it routes: by id (`labels.policyIds`) or by name (`accumulations.policyName`);
        # neither means every policy's (the filter may still narrow by other attributes, kept in `issues_filter`)
        "policy_ids": _policy_predicates(workflow, POLICY_IDS),
        "policy_names": _policy_predicates(workflow, POLICY_NAMES),
        "channels": [snake(c) for c in as_list(workflow.get("destinationConfigurations")) if isinstance(c, dict)],
        "enrichments": [snake(e) for e in as_list(workflow.get("enrichments")) if isinstance(e, dict)],
    }
    return InventoryObject(_ref("workflow", workflow, origin), workflow, fields)
