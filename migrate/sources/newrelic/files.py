"""`--from-files`: dashboards and alert conditions as files, and recorded NerdGraph answers.

What a file holds is decided by its content, not its name:
- a dashboard: `{name, pages: [{widgets: [...]}]}`, as the UI exports it and the quickstarts ship it,
  or a NerdGraph `{"data": {"actor": {"entity": <dashboard>}}}` answer;
- an NRQL alert condition: `{name, nrql: {query}, terms: [...]}` (quickstart YAML, the NerdGraph shape);
- a NerdGraph recording (replay.py): replayed through the API collector.
A file that is none of these, or cannot be read, is named in the inventory's warnings and the others
are still collected; only when no file at all could be read is it an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from migrate.errors import InputError, RemoteError
from migrate.fsutil import read_text
from migrate.inventory.store import InventoryObject
from migrate.sources.http import HttpClient
from migrate.sources.newrelic.alerts import normalize_condition
from migrate.sources.newrelic.api import Collected, read_account
from migrate.sources.newrelic.dashboards import as_dict, normalize_dashboard
from migrate.sources.newrelic.nerdgraph import MAX_IN_FLIGHT, REGIONS, NerdGraph, dig
from migrate.sources.newrelic.replay import Recordings, ReplayAdapter, is_recording
from migrate.yamlutil import load_text

SUFFIXES = (".json", ".yaml", ".yml")
HINT = (
    "expected a New Relic dashboard JSON (name, pages), an NRQL condition (name, nrql.query, terms) "
    "or a NerdGraph recording (nerdgraph_recording, account_id, interactions)"
)


@dataclass
class _Found:
    root: Path
    path: Path

    @property
    def rel(self) -> str:
        """The path under the directory given (or the file's name): the stable id of a file's object."""
        base = self.root if self.root.is_dir() else self.root.parent
        return self.path.relative_to(base).as_posix()


@dataclass
class FileCounts:
    dashboards: int = 0
    conditions: int = 0
    recordings: int = 0
    unreadable: list[str] = field(default_factory=list)


def _files(paths: list[Path]) -> list[_Found]:
    out: list[_Found] = []
    for path in paths:
        if path.is_dir():
            try:
                out += [_Found(path, p) for p in sorted(path.rglob("*")) if p.is_file() and p.suffix in SUFFIXES]
            except OSError as exc:
                raise InputError(f"cannot read directory: {exc.strerror}", path=str(path)) from None
        elif path.exists():
            out.append(_Found(path, path))
        else:
            raise InputError("file or directory not found", path=str(path))
    return out


def documents(path: Path) -> list[Any]:
    """Every document of a JSON or YAML file (JSON first: the UI's exports are indented with tabs)."""
    text = read_text(path, "a New Relic dashboard, condition or recording")
    if text.lstrip().startswith(("{", "[")):
        try:
            return [json.loads(text)]
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", path=str(path), line=exc.lineno) from None
    return [doc.data for doc in load_text(text, str(path))]


def is_dashboard(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("pages"), list) and "name" in data


def is_condition(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(as_dict(data.get("nrql")).get("query"), str) and "name" in data


def _objects(data: Any, found: _Found, index: int) -> list[InventoryObject]:
    suffix = f"#{index + 1}" if index else ""
    entity = dig(data, ("data", "actor", "entity"))
    if is_dashboard(entity):
        return normalize_dashboard(entity, dashboard_id=str(entity.get("guid") or found.rel), origin=str(found.path))
    if is_dashboard(data):
        guid = data.get("guid")
        return normalize_dashboard(data, dashboard_id=str(guid or found.rel + suffix), origin=str(found.path))
    if is_condition(data):
        cid = str(data["id"]) if data.get("id") is not None else found.rel + suffix
        return [normalize_condition(data, condition_id=cid, origin=str(found.path))]
    raise InputError(
        "not a New Relic dashboard, NRQL condition or NerdGraph recording", path=str(found.path), hint=HINT
    )


def _replay(recordings: Recordings, origin: str) -> Collected:
    session = requests.Session()
    session.mount("https://", ReplayAdapter(recordings))
    session.mount("http://", ReplayAdapter(recordings))
    http = HttpClient(REGIONS["US"], retries=0, max_in_flight=MAX_IN_FLIGHT, session=session)
    assert recordings.account_id is not None
    return read_account(NerdGraph(http), recordings.account_id, origin)


def collect_files(paths: list[Path]) -> tuple[Collected, FileCounts]:
    collected = Collected(origin=", ".join(str(p) for p in paths))
    counts = FileCounts()
    recordings = Recordings()
    seen: dict[str, str] = {}
    for found in _files(paths):
        try:
            objects: list[InventoryObject] = []
            for index, data in enumerate(documents(found.path)):
                if is_recording(data):
                    recordings.add(data, str(found.path))
                    counts.recordings += 1
                else:
                    objects += _objects(data, found, index)
        except InputError as exc:
            counts.unreadable.append(str(found.path))
            collected.warnings.append(f"skipped {exc.message}")
            continue
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            counts.unreadable.append(str(found.path))
            collected.warnings.append(f"skipped {found.path}: unexpected structure ({type(exc).__name__}: {exc})")
            continue
        counts.dashboards += sum(o.ref.kind == "dashboard" for o in objects)
        counts.conditions += sum(o.ref.kind == "nrql_condition" for o in objects)
        for obj in objects:
            if obj.ref.key in seen:
                if obj.ref.kind != "widget":  # a repeated dashboard is named once, not once per widget
                    collected.warnings.append(
                        f"{found.path}: {obj.ref.kind} {obj.ref.id!r} also in {seen[obj.ref.key]}; kept the first"
                    )
                continue
            seen[obj.ref.key] = str(found.path)
            collected.objects.append(obj)
    if recordings.sources:
        collected.warnings += recordings.duplicates
        try:
            replayed = _replay(recordings, collected.origin)
        except RemoteError as exc:  # the recordings answer nothing the collector asks
            collected.warnings.append(f"recordings {', '.join(recordings.sources)}: {exc.message}")
        else:
            collected.warnings += replayed.warnings
            for obj in replayed.objects:
                if obj.ref.key not in seen:
                    seen[obj.ref.key] = "recordings"
                    collected.objects.append(obj)
    if not collected.objects and collected.warnings:
        raise InputError(
            f"no New Relic object could be read from {collected.origin}: {collected.warnings[0]}",
            hint=HINT,
        )
    return collected, counts
