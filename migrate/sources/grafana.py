"""Grafana collector: dashboards from files (JSON, exports with `__inputs`, ConfigMaps) or the HTTP API.

Files: a dashboard JSON, a `{"dashboard": ..., "meta": ...}` API response, a Kubernetes ConfigMap or
ConfigMapList whose `data` values are dashboard JSON strings (as kube-prometheus ships them), or a
directory of any of these. API: `GRAFANA_URL` with `GRAFANA_TOKEN` (Bearer) from the environment;
`/api/search?type=dash-db` paged, then `/api/dashboards/uid/<uid>` for each, folders kept as metadata.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from migrate import paging
from migrate.errors import InputError, RemoteError, UsageError
from migrate.fsutil import parse_json, read_text
from migrate.inventory.store import Inventory, InventoryObject
from migrate.limits import check_depth, too_deep
from migrate.settings import env_url, get_secret
from migrate.sources import add_where_arguments
from migrate.sources.grafana_normalize import SOURCE, normalize_dashboard
from migrate.sources.http import Auth, HttpClient, auth_from_env
from migrate.yamlutil import helm_hint, load_text

PAGE_SIZE = 1000
DASHBOARD_SUFFIXES = (".json", ".yaml", ".yml")
EXPORT_HINT = "export the dashboard again from Grafana (Share → Export → Save to file)"


@dataclass
class Collected:
    objects: list[InventoryObject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    origin: str = ""
    unreadable: list[dict[str, str]] = field(default_factory=list)  # {path, reason}: files not collected

    def dashboards(self) -> list[InventoryObject]:
        return [o for o in self.objects if o.ref.kind == "dashboard"]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _is_dashboard(data: Any) -> bool:
    return isinstance(data, dict) and ("panels" in data or "rows" in data) and "title" in data


def _dashboards_in(data: Any, path: str, line: int | None = None) -> list[tuple[dict[str, Any], str]]:
    """(dashboard, folder) pairs found in one parsed document."""
    if _is_dashboard(data):
        return [(data, "")]
    if isinstance(data, dict) and _is_dashboard(data.get("dashboard")):
        meta = _mapping(data.get("meta"))
        return [(data["dashboard"], str(meta.get("folderTitle") or ""))]
    if isinstance(data, dict) and data.get("kind") in ("ConfigMap", "ConfigMapList", "List"):
        found: list[tuple[dict[str, Any], str]] = []
        items = data.get("items") if data.get("kind") != "ConfigMap" else [data]
        if not isinstance(items or [], list):
            raise InputError(
                f"{data['kind']} `items` must be a list, found {type(items).__name__}", path=path, line=line
            )
        for item in items or []:
            if not isinstance(item, dict):
                continue
            annotations = _mapping(_mapping(item.get("metadata")).get("annotations"))
            folder = str(annotations.get("grafana_folder") or "")
            if not isinstance(item.get("data") or {}, dict):
                raise InputError(
                    f"ConfigMap `data` must be a mapping of file name -> dashboard JSON, found "
                    f"{type(item['data']).__name__}",
                    path=path,
                    line=line,
                )
            for key, text in (item.get("data") or {}).items():
                if not str(key).endswith(".json"):
                    continue
                try:
                    parsed = json.loads(str(text))
                    check_depth(parsed, path)
                except RecursionError:
                    raise too_deep(path) from None
                except json.JSONDecodeError as exc:
                    raise InputError(
                        f"ConfigMap key {key!r} is not valid JSON: {exc.msg} (line {exc.lineno} of the "
                        "embedded document)",
                        path=path,
                        line=line,
                    ) from None
                found += [(d, f or folder) for d, f in _dashboards_in(parsed, path, line)]
        return found
    return []


def load_dashboard_file(path: Path) -> list[tuple[dict[str, Any], str]]:
    """The dashboards in one file, decided by content: JSON when it looks like JSON (or is named .json),
    else YAML (ConfigMaps). A Helm template is named as such, with the command that renders it."""
    text = read_text(path, "a Grafana dashboard (JSON or YAML)")
    if path.suffix == ".json" or text.lstrip()[:1] in ("{", "["):
        data = parse_json(text, str(path), hint=helm_hint(text) or EXPORT_HINT)
        found = _dashboards_in(data, str(path))
    else:
        found = []
        for doc in load_text(text, str(path)):
            found += _dashboards_in(doc.data, str(path), doc.line_of([]))
    if not found:
        raise NotADashboard(
            "no Grafana dashboard found (expected a dashboard JSON with `panels` or `rows`, an API response with "
            "`dashboard`, or a ConfigMap whose data keys end in .json)",
            path=str(path),
        )
    return found


class NotADashboard(InputError):
    """A readable file that holds no dashboard: an error when named, skipped and listed in a directory."""


@dataclass
class _Files:
    """Files to read: (path, named on the command line), and directories that could not be listed."""

    files: list[tuple[Path, bool]] = field(default_factory=list)
    unreadable: list[dict[str, str]] = field(default_factory=list)


def _files(paths: list[Path]) -> _Files:
    """Every file under the directories given (any name: content decides), and the files given."""
    out = _Files()

    def unlisted(exc: OSError) -> None:
        out.unreadable.append({"path": str(exc.filename), "reason": f"cannot read directory: {exc.strerror}"})

    for path in paths:
        if path.is_dir():
            found = []
            for root, dirs, names in os.walk(path, onerror=unlisted):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # .git and the like
                found += [Path(root) / n for n in names if not n.startswith(".")]
            out.files += [(p, False) for p in sorted(found)]
        elif path.exists():
            out.files.append((path, True))
        else:
            raise InputError("file or directory not found", path=str(path))
    return out


def _shape_problem(dashboard: dict[str, Any]) -> str | None:
    """What makes a dashboard unreadable (the normaliser skips what is merely unusual, not wrong types)."""
    checks: list[tuple[str, Any, type]] = [("templating", dashboard.get("templating"), dict)]
    for key in ("panels", "rows"):
        items = dashboard.get(key)
        if items is not None and not isinstance(items, list):
            return f"`{key}` must be a list, found {type(items).__name__}"
        for i, item in enumerate(items or []):
            if not isinstance(item, dict):
                return f"{key}[{i}] must be an object, found {type(item).__name__}"
            checks += [
                (f"{key}[{i}].{k}", item.get(k), t) for k, t in (("panels", list), ("targets", list), ("gridPos", dict))
            ]
    for where, value, expected in checks:
        if value is not None and not isinstance(value, expected):
            return f"`{where}` must be {'a list' if expected is list else 'an object'}, found {type(value).__name__}"
    return None


def _normalize_file_dashboard(dashboard: dict[str, Any], path: Path, folder: str) -> list[InventoryObject]:
    title = dashboard.get("title")
    problem = _shape_problem(dashboard)
    if problem is None:
        try:
            return normalize_dashboard(dashboard, origin=str(path), folder=folder)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            problem = f"unexpected structure ({type(exc).__name__}: {exc})"
    raise InputError(
        f"dashboard {title!r}: {problem}",
        path=str(path),
        hint=EXPORT_HINT,
    )


def collect_files(paths: list[Path]) -> Collected:
    """Dashboards from files. A file that cannot be read is recorded in `unreadable` and the others are
    collected; a file found in a directory that holds no dashboard (a README, a Deployment or Secret beside
    the dashboards) is skipped with a warning, as is one that does not parse unless its name says it is JSON
    or YAML. When nothing could be collected, the first file's error is raised as it is."""
    collected = Collected(origin=", ".join(str(p) for p in paths))
    listing = _files(paths)
    collected.unreadable = listing.unreadable
    seen: dict[str, str] = {}
    failed: list[InputError] = []
    for path, explicit in listing.files:
        try:
            objects_of_file = [_normalize_file_dashboard(d, path, folder) for d, folder in load_dashboard_file(path)]
        except InputError as exc:
            if explicit or (path.suffix in DASHBOARD_SUFFIXES and not isinstance(exc, NotADashboard)):
                failed.append(exc)
                collected.unreadable.append({"path": str(path), "reason": exc.reason})
            else:
                collected.warnings.append(f"skipped {exc.message}")
            continue
        for objects in objects_of_file:
            uid = objects[0].ref.id
            if uid in seen:
                collected.warnings.append(f"{path}: dashboard uid {uid!r} also in {seen[uid]}; kept the first")
                continue
            seen[uid] = str(path)
            collected.objects += objects
    if failed and not collected.objects:
        raise failed[0]
    return collected


def _auth(env: Mapping[str, str] | None) -> Auth:
    """`GRAFANA_TOKEN` (service-account token, Bearer); else `GRAFANA_USERNAME`/`GRAFANA_PASSWORD`."""
    token = get_secret("GRAFANA_TOKEN", env, required=False)
    return Auth(bearer=token) if token else auth_from_env("GRAFANA", env)


def search_dashboards(client: HttpClient) -> list[dict[str, Any]]:
    def page(number: int) -> list[Any]:
        batch = client.get_json("/api/search", {"type": "dash-db", "limit": str(PAGE_SIZE), "page": str(number)})
        if not isinstance(batch, list):
            raise RemoteError(
                f"{client.display_url}/api/search did not return a list", hint="is GRAFANA_URL the Grafana base URL?"
            )
        return batch

    # Grafana's search pages are 1-based.
    hits = paging.by_page_number(page, page_size=PAGE_SIZE, first=1, what=f"{client.display_url}/api/search")
    return [h for h in hits if isinstance(h, dict) and h.get("uid")]


def datasource_types(client: HttpClient) -> dict[str, str]:
    """name and uid → type; empty when the token may not list datasources (that needs more rights)."""
    try:
        listing = client.get_json("/api/datasources")
    except RemoteError:
        return {}
    out: dict[str, str] = {}
    for ds in listing if isinstance(listing, list) else []:
        if isinstance(ds, dict) and ds.get("type"):
            for key in ("name", "uid"):
                if ds.get(key):
                    out[str(ds[key])] = str(ds["type"])
    return out


def collect_api(env: Mapping[str, str] | None = None, session: requests.Session | None = None) -> Collected:
    client = HttpClient(env_url("GRAFANA_URL", env), auth=_auth(env), session=session or requests.Session())
    collected = Collected(origin=client.display_url)
    known = datasource_types(client)
    for hit in search_dashboards(client):
        uid = str(hit["uid"])
        body = client.get_json(f"/api/dashboards/uid/{uid}")
        if not isinstance(body, dict) or not isinstance(body.get("dashboard"), dict):
            collected.warnings.append(f"dashboard {uid}: unexpected response shape, skipped")
            continue
        meta = _mapping(body.get("meta"))
        folder = str(meta.get("folderTitle") or hit.get("folderTitle") or "")
        folder_uid = str(meta.get("folderUid") or hit.get("folderUid") or "")
        origin = f"{collected.origin}/api/dashboards/uid/{uid}"
        collected.objects += normalize_dashboard(
            body["dashboard"], origin=origin, folder=folder, folder_uid=folder_uid, known_datasources=known
        )
    return collected


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_where_arguments(
        parser,
        files_help="dashboard JSON, an export with __inputs, a ConfigMap(List) YAML, or a directory of them "
        "(recursive)",
        api_help="the live Grafana HTTP API at GRAFANA_URL (token from GRAFANA_TOKEN, or "
        "GRAFANA_USERNAME + GRAFANA_PASSWORD)",
    )


def collect(options: Mapping[str, Any]) -> Inventory:
    """Files when `from_files` is given, otherwise the live API (`env`, `session` for tests)."""
    files = [Path(p) for p in options.get("from_files") or []]
    if files and options.get("from_api"):
        raise UsageError("give exactly one of --from-files PATH... or --from-api")
    collected = collect_files(files) if files else collect_api(options.get("env"), options.get("session"))
    return Inventory(
        path=None,
        source=SOURCE,
        origin=collected.origin,
        collected_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        objects=collected.objects,
        warnings=collected.warnings,
        unreadable=collected.unreadable,
    )


__all__ = ["SOURCE", "Collected", "add_arguments", "collect", "collect_api", "collect_files"]
