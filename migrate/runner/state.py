"""What exists in Datadog, as plan sees it: a `State`, however it was read.

A `State` indexes live resources by ddmigrate key (the ownership marker), keeps the unowned ones
apart (they are never updated or deleted), and has a fingerprint of everything read, so a saved plan
can later be checked against what it was computed from. Readers only have to produce a list of
`LiveResource`: this module reads a snapshot directory; the live API reader and the last-applied
reader (migrate/runner/live.py) build a `State` with `State.from_resources` the same way.

Snapshot directory layout (`ddmigrate plan --state DIR`)::

    DIR/monitors/*.json      a monitor as `GET /api/v1/monitor/{id}` returns it, or a list of them
                             as `GET /api/v1/monitor` returns it
    DIR/dashboards/*.json    a dashboard as `GET /api/v1/dashboard/{id}` returns it (with widgets), or a list
    DIR/synthetics/*.json    an API test as `GET /api/v1/synthetics/tests/api/{public_id}` returns it,
                             a list, or `{"tests": [...]}` as `GET /api/v1/synthetics/tests` returns it
    DIR/monitors.json, DIR/dashboards.json, DIR/synthetics.json   the same, one file per type

Anything else in DIR (a README, other files) is ignored. Files are read in sorted order.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrate.datadog.base import ResourceType
from migrate.datadog.ownership import ALL, Scope
from migrate.datadog.resources import RESOURCES
from migrate.datadog.resources import spec as type_spec
from migrate.errors import InputError
from migrate.fsutil import read_json
from migrate.model import SourceRef

_SOURCE_TAG = "ddmigrate_source:"
_FOOTER_REF_RE = re.compile(r"^- ([a-z0-9_]+)/([a-z0-9_]+)/(\S.*)$", re.MULTILINE)


def digest(data: Any) -> str:
    """sha256 of canonical compact JSON (sorted keys): stable across runs, and uses the C encoder."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LiveResource:
    type: str
    datadog_id: str
    payload: dict[str, Any]
    key: str | None  # ddmigrate key when the ownership marker is present, else None (unowned)
    origin: str = ""  # where it was read from: a file, or an API URL

    @property
    def name(self) -> str:
        return type_spec(self.type).display_name(self.payload)

    @property
    def source_refs(self) -> tuple[SourceRef, ...]:
        """The source objects an owned resource names in its ownership footer (names are not in it)."""
        text = str(self.payload.get(type_spec(self.type).marker.text_field) or "")
        return tuple(SourceRef(s, k, i.strip(), "") for s, k, i in _FOOTER_REF_RE.findall(text))

    @property
    def scope(self) -> Scope | None:
        """The migration and selection its marker names (None: unowned, or a marker from before scopes)."""
        return type_spec(self.type).marker.scope(self.payload)

    @property
    def selection(self) -> str:
        """The source selection it came from; a marker from before scopes came from a whole inventory."""
        scope = self.scope
        return ALL if scope is None else scope.selection

    @property
    def sources(self) -> frozenset[str]:
        """The sources (prometheus, grafana, ...) an owned resource says it came from."""
        tags = [t for t in self.payload.get("tags") or [] if isinstance(t, str)]
        found = {t[len(_SOURCE_TAG) :] for t in tags if t.startswith(_SOURCE_TAG)}
        return frozenset(found | {r.source for r in self.source_refs})


@dataclass
class State:
    description: str
    owned: dict[str, LiveResource] = field(default_factory=dict)  # ddmigrate key -> resource
    unowned: list[LiveResource] = field(default_factory=list)
    duplicates: list[LiveResource] = field(default_factory=list)  # a second owned copy of a key
    foreign: list[LiveResource] = field(default_factory=list)  # another migration's: never updated or deleted
    fingerprint: str = ""

    @classmethod
    def from_resources(
        cls, resources: Iterable[LiveResource], description: str, mine: Callable[[LiveResource], bool] | None = None
    ) -> State:
        """`mine`: which owned resources belong to this migration (None: every owned one, as before scopes)."""
        items = sorted(resources, key=lambda r: (r.type, len(r.datadog_id), r.datadog_id))  # numeric ids in order
        state = cls(description=description)
        for res in items:
            if res.key is None:
                state.unowned.append(res)
            elif mine is not None and not mine(res):
                state.foreign.append(res)
            elif res.key in state.owned:
                state.duplicates.append(res)
            else:
                state.owned[res.key] = res
        state.fingerprint = digest([[r.type, r.datadog_id, r.payload] for r in items])
        return state

    @classmethod
    def empty(cls) -> State:
        return cls.from_resources([], "empty state (nothing in Datadog)")

    def __len__(self) -> int:
        return len(self.owned) + len(self.unowned) + len(self.duplicates) + len(self.foreign)


def load_snapshot(directory: Path, mine: Callable[[LiveResource], bool] | None = None) -> State:
    if not directory.is_dir():
        raise InputError(
            "state snapshot directory not found",
            path=str(directory),
            hint="pass a directory holding monitors/, dashboards/ or synthetics/ JSON exports",
        )
    resources: list[LiveResource] = []
    for rtype in RESOURCES.values():
        name = rtype.snapshot_dir
        if name is None:
            continue
        files = sorted((directory / name).glob("*.json")) if (directory / name).is_dir() else []
        if (directory / f"{name}.json").is_file():
            files.insert(0, directory / f"{name}.json")
        for path in files:
            resources.extend(_read_file(path, rtype))
    seen: dict[tuple[str, str], str] = {}
    for res in resources:
        where = seen.setdefault((res.type, res.datadog_id), res.origin)
        if where != res.origin:
            raise InputError(
                f"{res.type} id {res.datadog_id} appears twice (also in {where})",
                path=res.origin,
                hint="each Datadog resource must be exported once",
            )
    return State.from_resources(resources, f"snapshot {directory}", mine)


def _read_file(path: Path, spec: ResourceType) -> list[LiveResource]:
    data = read_json(path)
    rtype, items_key = spec.name, spec.paging.items
    if isinstance(data, dict) and items_key is not None and isinstance(data.get(items_key), list):
        if spec.paging.summaries:
            raise InputError(
                f"this is a {rtype} list (GET {spec.api_path}): it has summaries only, nothing to compare",
                path=str(path),
                hint=f"export each {rtype} with GET {spec.api_path}/{{{spec.id_field}}}",
            )
        data = data[items_key]
    items = data if isinstance(data, list) else [data]
    out = []
    for index, item in enumerate(items):
        where = f"{path}" if not isinstance(data, list) else f"{path} [item {index}]"
        if not isinstance(item, dict):
            raise InputError(f"expected a {rtype} JSON object, found {type(item).__name__}", path=where)
        missing = [f for f in (spec.id_field, *spec.required_fields, *spec.shared_list_filter) if f not in item]
        if missing:
            raise InputError(
                f"not a Datadog {rtype} export: missing {', '.join(missing)}",
                path=where,
                hint=f"files under {path.parent.name}/ must hold {rtype}s as the v1 API returns them",
            )
        if spec.lists(item):  # else another type's, in an export they share (a browser test among API tests)
            out.append(LiveResource(rtype, spec.id_of(item), item, spec.owned_key(item), origin=where))
    return out
