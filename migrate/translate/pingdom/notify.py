"""What every Pingdom check shares: alerting (who, when, how often again), locations and tags.

- Who: the check's teams (directly or through its contacts) become routing labels `team:<name>` plus
  `severity` (Pingdom's HIGH → critical, LOW → warning), routed by the mappings' `routing` rules, the same
  rules Prometheus alerts use (migrate/translate/routing.py).
- When: `sendnotificationwhendown` N (results) alerts after N failing runs in a row; the Datadog test
  alerts once it has failed for `min_failure_duration` seconds, which after N runs `tick` apart is
  (N - 1) x tick (a failure seen at t0 and still seen at the N-th run has lasted that long).
- How often again: `notifyagainevery` N (results) = N x resolution minutes; the builder snaps it to the
  values Datadog allows and says so.
- `notifywhenbackup` → a `{{#is_recovery}}` block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from migrate.inventory.store import InventoryObject
from migrate.mappings import Mappings
from migrate.model import Finding
from migrate.translate import locations
from migrate.translate.routing import Route, compile_routes, route
from migrate.translate.specs.message import Block, MessageSpec, Notify, When

SEVERITY = {"HIGH": "critical", "LOW": "warning"}


@dataclass
class Account:
    """The account's contacts and teams, read once for every check."""

    routes: list[Route]
    teams: dict[str, str] = field(default_factory=dict)  # team id -> name
    contact_teams: dict[str, list[str]] = field(default_factory=dict)  # contact id -> team ids
    contacts: dict[str, str] = field(default_factory=dict)  # contact id -> name

    @classmethod
    def read(cls, objects: Sequence[InventoryObject], mappings: Mappings) -> Account:
        account = cls(routes=compile_routes(mappings.routing))
        for obj in objects:
            n = obj.normalized
            if obj.ref.kind == "team":
                account.teams[obj.ref.id] = str(n.get("name") or obj.ref.id)
            elif obj.ref.kind == "contact":
                account.contacts[obj.ref.id] = str(n.get("name") or obj.ref.id)
                account.contact_teams[obj.ref.id] = [str(t) for t in n.get("team_ids") or []]
        return account

    def team_names(self, n: dict[str, Any]) -> list[str]:
        ids = [str(t) for t in n.get("team_ids") or []]
        for contact in n.get("contact_ids") or []:
            ids += self.contact_teams.get(str(contact), [])
        return list(dict.fromkeys(self.teams.get(i, i) for i in ids))

    def handles(self, n: dict[str, Any]) -> tuple[str, ...]:
        severity = SEVERITY.get(str(n.get("severity_level") or "").upper(), "warning")
        handles: list[str] = []
        for team in self.team_names(n) or [""]:
            labels = {"severity": severity, **({"team": slug(team)} if team else {})}
            handles += [h for h in route(labels, self.routes) if h not in handles]
        return tuple(handles)


def slug(name: str) -> str:
    return "_".join(name.lower().split())


def message(n: dict[str, Any], account: Account, what: str, findings: list[Finding]) -> MessageSpec:
    name = str(n.get("name") or "")
    body = str(n.get("custom_message") or "") or f"Pingdom check {name!r} is failing: {what}."
    blocks = (Block(When.RECOVERY, f"{name} is back up."),) if n.get("notify_when_back_up") else ()
    if n.get("integration_ids"):
        findings.append(
            Finding(
                "pingdom.integration_unmapped",
                f"Pingdom integrations {', '.join(map(str, n['integration_ids']))} (webhooks) are not migrated; the "
                "test notifies the handles the routing mappings give",
            )
        )
    handles = account.handles(n)
    return MessageSpec(body=body, blocks=blocks, notify=(Notify(handles),) if handles else ())


def min_failure_s(down_after: int | None, tick_s: int) -> int | None:
    return None if not down_after or down_after <= 1 else (down_after - 1) * tick_s


def renotify_minutes(again_every: int | None, tick_s: int) -> int | None:
    return None if not again_every else again_every * tick_s // 60


def tags(n: dict[str, Any], account: Account) -> tuple[str, ...]:
    out = [str(t).lower() for t in n.get("tags") or []]
    out += [f"team:{slug(t)}" for t in account.team_names(n)]
    return tuple(dict.fromkeys(out))


def where(regions: Sequence[str], mappings: Mappings, findings: list[Finding]) -> tuple[str, ...]:
    ids, found = locations.resolve("pingdom", regions, mappings)
    findings += found
    return ids
