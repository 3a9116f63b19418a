"""The diff engine: desired resources against a `State` → a `Plan` of changes that know their inverse.

Matching is by ddmigrate key (the ownership marker), never by name. Rules that keep an org safe:
- an unowned live resource is never updated or deleted; when it looks like a desired resource that
  would be created (same name, or same query/URL) it is listed as an adopt candidate, with no action;
- an owned live resource with no desired counterpart is deleted only when every source it came from
  is in the plan's scope (the sources the translation covers), so planning the Prometheus translation
  never deletes what a New Relic translation created; the others are listed as out of scope;
- a second owned copy of the same key (a duplicate left by an interrupted run) is deleted;
- with a `migration` scope (migrate/runner/scope.py), the state holds only this migration's resources:
  another migration's are listed as "owned by another migration, left alone" (`other_migrations`), and of
  this migration's own, only those of the same source selection are deleted when no longer desired (a
  service-by-service Phase 2 applies one selection after the other and keeps them all).

Planning twice with the same inputs gives the same changes and the same `plan_hash`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from migrate.datadog.ownership import Scope
from migrate.datadog.resources import spec
from migrate.errors import InputError
from migrate.fsutil import read_json
from migrate.model import DesiredResource
from migrate.runner.changes import Action, Change, Create, Delete, NoOp, Update, change_from_dict
from migrate.runner.diff import field_changes, normalize, pre_image, strip_defaults
from migrate.runner.state import LiveResource, State, digest

PLAN_FORMAT = "ddmigrate-plan/1"
ACTION_ORDER = (Action.CREATE, Action.UPDATE, Action.DELETE, Action.NOOP)


@dataclass(frozen=True)
class AdoptCandidate:
    """An unowned live resource that looks like a desired one. Listed for the operator; never touched."""

    type: str
    datadog_id: str
    name: str
    desired_key: str
    match: str  # "name", "query" or "name+query"

    def to_dict(self) -> dict[str, str]:
        return {
            "type": self.type,
            "datadog_id": self.datadog_id,
            "name": self.name,
            "desired_key": self.desired_key,
            "match": self.match,
        }


@dataclass
class Plan:
    changes: list[Change]
    desired_hash: str
    state_fingerprint: str
    state_description: str = ""
    translation: dict[str, Any] = field(default_factory=dict)  # translation.json of the translation dir
    adopt_candidates: list[AdoptCandidate] = field(default_factory=list)
    out_of_scope: list[dict[str, str]] = field(default_factory=list)  # owned by another source; left alone
    other_migrations: list[dict[str, str]] = field(default_factory=list)  # owned by another migration; left alone
    migration: dict[str, str] = field(default_factory=dict)  # {"migration", "selection"} it was planned for
    state_counts: dict[str, int] = field(default_factory=dict)  # owned / unowned / duplicates read
    created_at: str = ""

    def of(self, action: Action) -> list[Change]:
        return [c for c in self.changes if c.action is action]

    @property
    def summary(self) -> dict[str, int]:
        counts = {a.value: len(self.of(a)) for a in ACTION_ORDER}
        return {
            **counts,
            "adopt_candidates": len(self.adopt_candidates),
            "out_of_scope": len(self.out_of_scope),
            "other_migrations": len(self.other_migrations),
        }

    @property
    def has_changes(self) -> bool:
        return any(c.action is not Action.NOOP for c in self.changes)

    def _body(self) -> dict[str, Any]:
        return {
            "format": PLAN_FORMAT,
            "desired_hash": self.desired_hash,
            "state": {
                "fingerprint": self.state_fingerprint,
                "description": self.state_description,
                "counts": self.state_counts,
            },
            "translation": self.translation,
            "changes": [c.to_dict() for c in self.changes],
            "adopt_candidates": [a.to_dict() for a in self.adopt_candidates],
            "out_of_scope": self.out_of_scope,
            "other_migrations": self.other_migrations,
            "migration": self.migration,
            "summary": self.summary,
        }

    @property
    def plan_hash(self) -> str:
        """Identifies what the plan does and what it was computed from; `created_at` is not part of it."""
        return digest(self._body())

    def to_dict(self) -> dict[str, Any]:
        body = self._body()
        return {**body, "plan_hash": digest(body), "created_at": self.created_at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        state = data.get("state") or {}
        return cls(
            changes=[change_from_dict(c) for c in data["changes"]],
            desired_hash=str(data["desired_hash"]),
            state_fingerprint=str(state.get("fingerprint", "")),
            state_description=str(state.get("description", "")),
            state_counts={str(k): int(v) for k, v in (state.get("counts") or {}).items()},
            translation=dict(data.get("translation") or {}),
            adopt_candidates=[AdoptCandidate(**a) for a in data.get("adopt_candidates", [])],
            out_of_scope=list(data.get("out_of_scope", [])),
            other_migrations=list(data.get("other_migrations", [])),
            migration=dict(data.get("migration") or {}),
            created_at=str(data.get("created_at", "")),
        )


def read_plan(path: Path) -> Plan:
    data = read_json(path)
    if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
        raise InputError(
            f"not a ddmigrate plan (expected format {PLAN_FORMAT})",
            path=str(path),
            hint="write one with `ddmigrate plan --translation DIR --out FILE`",
        )
    try:
        plan = Plan.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(
            f"malformed plan: {type(exc).__name__}: {exc}", path=str(path), hint="re-run `ddmigrate plan`"
        ) from None
    if data.get("plan_hash") != plan.plan_hash:
        raise InputError(
            "plan file was modified after it was written (plan_hash does not match)",
            path=str(path),
            hint="re-run `ddmigrate plan`",
        )
    return plan


def desired_hash(resources: Iterable[DesiredResource]) -> str:
    return digest([r.to_dict() for r in sorted(resources, key=lambda r: (r.type, r.key))])


def display_name(resource_type: str, payload: dict[str, Any]) -> str:
    return spec(resource_type).display_name(payload)


def compute_plan(
    desired: Iterable[DesiredResource],
    state: State,
    *,
    scope: Iterable[str] | None = None,
    translation: dict[str, Any] | None = None,
    now: datetime | None = None,
    migration: Scope | None = None,
) -> Plan:
    """Compare `desired` with `state`. `scope`: the sources whose owned resources may be deleted
    (None: all); `migration`: the selection whose owned resources may be deleted (None: any)."""
    desired = sorted(desired, key=lambda r: (r.type, r.key))
    in_scope = None if scope is None else frozenset(scope)
    changes: list[Change] = []
    adopt: list[AdoptCandidate] = []
    lookalikes = _LookAlikes(state.unowned)
    live_ids: dict[str, dict[str, str]] = {}  # type -> key -> Datadog id, for what a composite names
    for owned in state.owned.values():
        if owned.key:
            live_ids.setdefault(owned.type, {})[owned.key] = owned.datadog_id
    for res in desired:
        live = state.owned.get(res.key)
        if live is None or live.type != res.type:
            changes.append(
                Create(
                    res.type, res.key, display_name(res.type, res.payload), tuple(res.source_refs), payload=res.payload
                )
            )
            adopt.extend(lookalikes.candidates(res))
        else:
            changes.append(_compare(res, live, live_ids.get(res.type, {})))
    wanted = {r.key for r in desired}
    out_of_scope: list[dict[str, str]] = []
    for live, reason in [*((r, "") for r in state.owned.values()), *((r, "dup") for r in state.duplicates)]:
        if live.key in wanted and not reason:
            continue
        # No source named (footer lines and source tags edited away, or an adopted resource) proves nothing.
        other_selection = migration is not None and live.selection != migration.selection
        if other_selection or (in_scope is not None and not (live.sources and live.sources <= in_scope)):
            out_of_scope.append(
                {
                    "type": live.type,
                    "datadog_id": live.datadog_id,
                    "name": live.name,
                    "key": live.key or "",
                    "sources": ",".join(sorted(live.sources)),
                    **({"selection": live.selection} if other_selection else {}),
                }
            )
            continue
        why = (
            f"duplicate of {state.owned[live.key or ''].datadog_id} (same ddmigrate key)"
            if reason
            else "owned by ddmigrate and no longer desired"
        )
        changes.append(
            Delete(
                live.type,
                live.key or "",
                live.name,
                live.source_refs,
                live.datadog_id,
                payload=pre_image(live.type, live.payload),
                reason=why,
            )
        )
    changes.sort(key=lambda c: (c.type, c.name.casefold(), c.key, c.datadog_id or ""))
    adopt.sort(key=lambda a: (a.type, a.name.casefold(), a.datadog_id, a.desired_key))
    return Plan(
        changes=changes,
        desired_hash=desired_hash(desired),
        state_fingerprint=state.fingerprint,
        state_description=state.description,
        translation=dict(translation or {}),
        state_counts={
            "owned": len(state.owned),
            "unowned": len(state.unowned),
            "duplicates": len(state.duplicates),
            **({"other_migrations": len(state.foreign)} if state.foreign else {}),
        },
        adopt_candidates=adopt,
        out_of_scope=sorted(out_of_scope, key=lambda o: (o["type"], o["datadog_id"])),
        other_migrations=sorted((_foreign_entry(r) for r in state.foreign), key=lambda o: (o["type"], o["datadog_id"])),
        migration={} if migration is None else {"migration": migration.migration, "selection": migration.selection},
        created_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
    )


def _foreign_entry(res: LiveResource) -> dict[str, str]:
    scope = res.scope
    return {
        "type": res.type,
        "datadog_id": res.datadog_id,
        "name": res.name,
        "key": res.key or "",
        "migration": scope.migration if scope else "",
        "selection": scope.selection if scope else "",
    }


def _compare(res: DesiredResource, live: LiveResource, ids: dict[str, str]) -> Change:
    """A payload naming other resources by key (a composite's parts) is compared with their live ids written in,
    but the change keeps the keys: apply writes the ids of the moment (the parts may be created first)."""
    want = normalize(res.type, spec(res.type).resolve(res.payload, ids))
    have = normalize(res.type, live.payload)
    fields = tuple(field_changes(strip_defaults(res.type, want, have), want))
    name, refs = display_name(res.type, res.payload), tuple(res.source_refs)
    if not fields:
        return NoOp(res.type, res.key, name, refs, live.datadog_id)
    before = pre_image(res.type, live.payload)  # exact, so rollback restores mutes and rewritten fields too
    return Update(res.type, res.key, name, refs, live.datadog_id, before=before, after=res.payload, fields=fields)


def lookalikes_of_creates(changes: Iterable[Change], unowned: list[LiveResource]) -> list[AdoptCandidate]:
    """The adopt candidates of a plan's creates among `unowned` (to tell whether new ones appeared since)."""
    index = _LookAlikes(unowned)
    return [
        a
        for c in changes
        if isinstance(c, Create)
        for a in index.candidates(DesiredResource(c.type, c.key, c.payload, list(c.source_refs)))
    ]


class _LookAlikes:
    """Unowned live resources indexed by (type, name) and (type, query): a lookup per desired resource
    instead of a scan of every unowned one (planning 10,000 objects against a large org stays linear)."""

    def __init__(self, unowned: list[LiveResource]) -> None:
        self.by_name: dict[tuple[str, str], list[LiveResource]] = {}
        self.by_query: dict[tuple[str, str], list[LiveResource]] = {}
        for live in unowned:
            name = live.name.strip().casefold()
            if name:
                self.by_name.setdefault((live.type, name), []).append(live)
            query = _identity_query(live.type, live.payload)
            if query:
                self.by_query.setdefault((live.type, query), []).append(live)

    def candidates(self, res: DesiredResource) -> Iterable[AdoptCandidate]:
        name = display_name(res.type, res.payload).strip().casefold()
        query = _identity_query(res.type, res.payload)
        same_name = {id(r): r for r in self.by_name.get((res.type, name), [])} if name else {}
        same_query = {id(r): r for r in self.by_query.get((res.type, query), [])} if query else {}
        for ident, live in {**same_name, **same_query}.items():
            in_name, in_query = ident in same_name, ident in same_query
            match = "name+query" if in_name and in_query else "name" if in_name else "query"
            yield AdoptCandidate(live.type, live.datadog_id, live.name, res.key, match)


def _identity_query(resource_type: str, payload: dict[str, Any]) -> str:
    """What a resource watches (a monitor's query, a synthetic test's URL), as its type declares it."""
    return spec(resource_type).identity(payload)
