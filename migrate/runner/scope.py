"""Which migration a workdir is, and which owned resources in the org are its own.

Two teams (two workdirs) applying to one org, or one team applying service by service, must never delete
each other's resources. Every resource ddmigrate writes therefore names its `Scope` in its marker
(migrate/datadog/ownership.py): the migration (the operator's name for it in the workdir's settings
file, `.ddmigrate/settings.json` `{"migration": "payments"}`; by default `wd-` and a digest of the
workdir's ledger id and the org, so two workdirs or two orgs never share one) and the source selection
(the translation's `selection`, or its inventories' selections; "all" for an inventory that collected
everything it was pointed at).

A plan updates and deletes only resources of its own migration, and deletes only those of its own
selection; the others are listed as left alone. A marker without a scope was written by a version before
scopes: it belongs to the migration whose ledger holds that resource (its Datadog id is in the ledger's
last-applied state) and came from selection "all"; a scope-less resource no ledger here holds is another
migration's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrate.datadog.ownership import ALL, NAME_RE, SELECTION_RE, Scope
from migrate.datadog.resources import spec
from migrate.errors import InputError
from migrate.model import DesiredResource
from migrate.runner.journal import STATE_DIR, Journal
from migrate.runner.state import LiveResource

SETTINGS_FILE = "settings.json"


def settings_path(workdir: Path) -> Path:
    return workdir / STATE_DIR / SETTINGS_FILE


def configured_name(workdir: Path) -> str | None:
    """The migration name the operator set in the workdir's settings, or None."""
    path = settings_path(workdir)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the workdir settings: {exc}", path=str(path)) from None
    name = data.get("migration") if isinstance(data, dict) else None
    if name is None:
        return None
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise InputError(
            f"migration name {name!r} is not usable in a Datadog tag",
            path=str(path),
            hint="1-63 characters: lowercase letters, digits, '_', '-', '.'; starting with a letter or digit",
        )
    return name


def migration_name(workdir: Path, ledger_id: str, site: str) -> str:
    """The operator's name, else one that differs per workdir (its ledger id) and per org."""
    name = configured_name(workdir)
    if name is not None:
        return name
    return "wd-" + hashlib.sha256(f"{ledger_id}|{site}".encode()).hexdigest()[:10]


def selection_of(meta: dict[str, Any], where: Path) -> str:
    """The source selection a translation covers: its own `selection`, else its inventories' (default all)."""
    explicit = meta.get("selection")
    if explicit is None:
        parts = sorted(
            {str(i.get("selection") or ALL) for i in meta.get("inventories") or [] if isinstance(i, dict)} - {ALL}
        )
        explicit = "/".join(parts) or ALL
    if not isinstance(explicit, str) or not SELECTION_RE.fullmatch(explicit):
        raise InputError(
            f"source selection {explicit!r} is not usable in a Datadog tag",
            path=str(where / "translation.json"),
            hint="lowercase letters, digits and _ - . : / (e.g. service:checkout)",
        )
    return explicit


@dataclass(frozen=True)
class Ownership:
    """This migration's scope, and the resources its ledger holds (for markers written before scopes)."""

    scope: Scope
    held: frozenset[tuple[str, str]] = frozenset()  # (type, Datadog id) in the ledger's last-applied state

    def mine(self, res: LiveResource) -> bool:
        scope = res.scope
        if scope is None:
            return (res.type, res.datadog_id) in self.held
        return scope.migration == self.scope.migration

    def stamp(self, desired: list[DesiredResource]) -> list[DesiredResource]:
        """The desired resources with this scope in their markers (what plan compares and apply sends)."""
        return [
            DesiredResource(
                r.type, r.key, spec(r.type).marker.stamped(r.payload, self.scope), r.source_refs, r.metadata
            )
            for r in desired
        ]


def ownership_for(journal: Journal, workdir: Path, site: str, selection: str) -> Ownership:
    name = migration_name(workdir, journal.ledger_id(), site)
    held = frozenset((a.rtype, a.dd_id) for a in journal.applied().values())
    return Ownership(Scope(name, selection), held)
