"""Read one New Relic account through NerdGraph: dashboards, alerts, routing, synthetics.

Each section is a complete cursor listing; per-object bodies (dashboards, monitor scripts and steps) are
fetched with at most 25 requests in flight. One section failing (a permission the key lacks, a listing
that breaks part way) is a named problem and the other sections are still read; a refused key stops
everything, and so does an account from which nothing at all could be read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from migrate.errors import RemoteError
from migrate.inventory.store import InventoryObject
from migrate.sources.newrelic import alerts, queries, synthetics
from migrate.sources.newrelic.dashboards import normalize_dashboard, tag_map
from migrate.sources.newrelic.nerdgraph import DEPRECATION_NOTE, NerdGraph, dig

_ACCOUNT = ("actor", "account")


@dataclass
class Collected:
    objects: list[InventoryObject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    origin: str = ""


def search(graph: NerdGraph, kind: str, account: int, *, what: str) -> list[dict[str, Any]]:
    return graph.listing(
        queries.ENTITY_SEARCH,
        {"query": queries.search(kind, account)},
        ("actor", "entitySearch", "results"),
        "entities",
        what=what,
    )


def _account_listing(
    graph: NerdGraph, document: str, account: int, path: tuple[str, ...], *, items: str, what: str
) -> list[dict[str, Any]]:
    return graph.listing(document, {"accountId": account}, (*_ACCOUNT, *path), items, what=what)


def read_dashboards(graph: NerdGraph, account: int, origin: str) -> list[InventoryObject]:
    found = search(graph, queries.DASHBOARDS, account, what="dashboard search")
    # Every page of a multi-page dashboard is a DASHBOARD entity too: only the parents are dashboards.
    guids = [str(e["guid"]) for e in found if e.get("guid") and not e.get("dashboardParentGuid")]

    def body(guid: str) -> dict[str, Any]:
        entity = dig(graph.query(queries.DASHBOARD, {"guid": guid}, what=f"dashboard {guid}"), ("actor", "entity"))
        if not isinstance(entity, dict) or not isinstance(entity.get("pages"), list):
            raise RemoteError(f"dashboard {guid}: NerdGraph returned no dashboard body")
        return entity

    bodies = graph.each(body, guids, what="dashboard")
    objects: list[InventoryObject] = []
    for guid in guids:
        if guid in bodies and not bodies[guid].get("dashboardParentGuid"):
            objects += normalize_dashboard(bodies[guid], dashboard_id=guid, origin=origin)
    return objects


def read_alerts(graph: NerdGraph, account: int, origin: str) -> list[InventoryObject]:
    policies = _account_listing(
        graph, queries.POLICIES, account, ("alerts", "policiesSearch"), items="policies", what="alert policies"
    )
    conditions = _account_listing(
        graph,
        queries.NRQL_CONDITIONS,
        account,
        ("alerts", "nrqlConditionsSearch"),
        items="nrqlConditions",
        what="NRQL conditions",
    )
    # Tags live on the condition entities (domain AIOPS), not on the alerts API's condition objects.
    entities = search(graph, queries.CONDITION_ENTITIES, account, what="condition entity search")
    tags = {str(e.get("guid")): tag_map(e.get("tags")) for e in entities}
    objects = [alerts.normalize_policy(p, origin=origin) for p in policies if p.get("id") is not None]
    objects += [
        alerts.normalize_condition(c, condition_id=str(c["id"]), origin=origin, tags=tags.get(str(c.get("entityGuid"))))
        for c in conditions
        if c.get("id") is not None
    ]
    return objects


def read_routing(graph: NerdGraph, account: int, origin: str) -> list[InventoryObject]:
    notifications = ("aiNotifications",)
    destinations = _account_listing(
        graph,
        queries.DESTINATIONS,
        account,
        (*notifications, "destinations"),
        items="entities",
        what="notification destinations",
    )
    channels = _account_listing(
        graph, queries.CHANNELS, account, (*notifications, "channels"), items="entities", what="notification channels"
    )
    workflows = _account_listing(
        graph, queries.WORKFLOWS, account, ("aiWorkflows", "workflows"), items="entities", what="workflows"
    )
    return [
        *(alerts.normalize_destination(d, origin=origin) for d in destinations if d.get("id")),
        *(alerts.normalize_channel(c, origin=origin) for c in channels if c.get("id")),
        *(alerts.normalize_workflow(w, origin=origin) for w in workflows if w.get("id")),
    ]


def read_synthetics(graph: NerdGraph, account: int, origin: str) -> list[InventoryObject]:
    monitors = [m for m in search(graph, queries.MONITORS, account, what="synthetic monitor search") if m.get("guid")]

    def script(guid: str) -> dict[str, Any]:
        data = graph.query(queries.SCRIPT, {"accountId": account, "guid": guid}, what=f"script of monitor {guid}")
        return {"text": dig(data, (*_ACCOUNT, "synthetics", "script", "text"))}

    def steps(guid: str) -> dict[str, Any]:
        data = graph.query(queries.STEPS, {"accountId": account, "guid": guid}, what=f"steps of monitor {guid}")
        return {"steps": dig(data, (*_ACCOUNT, "synthetics", "steps"))}

    scripted = [str(m["guid"]) for m in monitors if m.get("monitorType") in queries.SCRIPTED]
    stepped = [str(m["guid"]) for m in monitors if m.get("monitorType") in queries.STEPPED]
    scripts = graph.each(script, scripted, what="script of monitor")
    step_lists = graph.each(steps, stepped, what="steps of monitor")
    objects = [
        synthetics.normalize_monitor(
            m,
            origin=origin,
            script=scripts.get(str(m["guid"]), {}).get("text"),
            steps=step_lists.get(str(m["guid"]), {}).get("steps"),
        )
        for m in monitors
    ]
    credentials = search(graph, queries.SECURE_CREDENTIALS, account, what="secure credential search")
    objects += credential_objects(credentials, objects, origin)
    apps = search(graph, queries.APM_APPLICATIONS, account, what="APM application search")
    objects += [synthetics.normalize_apm_application(a, origin=origin) for a in apps if a.get("guid")]
    return objects


def credential_objects(
    credentials: list[dict[str, Any]], monitors: list[InventoryObject], origin: str
) -> list[InventoryObject]:
    def users(name: str) -> list[str]:
        return sorted(m.ref.id for m in monitors if name in m.normalized.get("secure_names", []))

    return [
        synthetics.normalize_secure_credential(c, origin=origin, used_by=users(str(c.get("name"))))
        for c in credentials
        if c.get("guid") or c.get("name")
    ]


def read_account(graph: NerdGraph, account: int, origin: str) -> Collected:
    objects: list[InventoryObject] = []
    for section in (read_dashboards, read_alerts, read_routing, read_synthetics):
        objects += section(graph, account, origin)
    problems = list(graph.problems.items)
    if not objects and (errors := [p for p in problems if not p.startswith(DEPRECATION_NOTE)]):
        raise RemoteError(
            f"nothing could be read from New Relic account {account}: {errors[0]}",
            hint="check NEW_RELIC_ACCOUNT_ID, NEW_RELIC_REGION (or NEW_RELIC_API_URL) and the key's permissions",
        )
    return Collected(objects=objects, warnings=problems, origin=origin)
