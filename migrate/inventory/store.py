"""Write and read an inventory directory.

Layout: `manifest.json` (source, origin without credentials, collected_at, version, counts, sha256 of
every object file) and `objects/<kind>/<slug>.json`, one file per object. Reading checks both JSON
Schemas and every checksum, so a corrupted or hand-edited inventory is reported by file and field.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, cast

import jsonschema

from migrate import __version__
from migrate.errors import InventoryError
from migrate.fsutil import atomic_dir, dumps, read_json
from migrate.model import SourceRef, stable_id
from migrate.scrub import scrub
from migrate.settings import strip_credentials
from migrate.yamlutil import format_path

FORMAT = "ddmigrate-inventory/1"


def _schema(name: str) -> dict[str, Any]:
    text = resources.files("migrate.inventory").joinpath(name).read_text(encoding="utf-8")
    return cast(dict[str, Any], json.loads(text))


@dataclass
class InventoryObject:
    ref: SourceRef
    payload: Any
    normalized: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"source_ref": self.ref.to_dict(), "payload": self.payload, "normalized": self.normalized}


@dataclass
class Inventory:
    path: Path | None
    source: str
    origin: str
    collected_at: str
    objects: list[InventoryObject]
    warnings: list[str] = field(default_factory=list)
    selection: dict[str, Any] | None = None  # what a collector was asked to narrow to (New Relic: a phase)
    # objects read only in part (a Pingdom check whose detail failed): written, and `collect` exits non-zero
    problems: list[str] = field(default_factory=list)

    def by_kind(self, kind: str) -> list[InventoryObject]:
        return [o for o in self.objects if o.ref.kind == kind]

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(o.ref.kind for o in self.objects).items()))


def _slug(ref: SourceRef) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", ref.name or ref.id).strip("-")[:60] or "object"
    return f"{base}-{stable_id(ref.key, 10)}"


def write_inventory(
    out_dir: Path,
    *,
    source: str,
    origin: str,
    objects: list[InventoryObject],
    warnings: list[str] | None = None,
    selection: dict[str, Any] | None = None,
    problems: list[str] | None = None,
) -> Inventory:
    """Write atomically: a crash leaves either the previous inventory or none, never half of one."""
    keys = Counter(o.ref.key for o in objects)
    dupes = [k for k, n in keys.items() if n > 1]
    if dupes:
        raise InventoryError(f"duplicate source objects: {', '.join(sorted(dupes)[:5])}")
    clean_origin = strip_credentials(origin) if "://" in origin else origin
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "source": source,
        "origin": clean_origin,
        "collected_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ddmigrate_version": __version__,
        "counts": {},
        "objects": {},
        "warnings": list(warnings or []),
        "problems": list(problems or []),
    }
    if selection:
        manifest["selection"] = selection
    clean = [InventoryObject(ref=o.ref, payload=scrub(o.payload), normalized=scrub(o.normalized)) for o in objects]
    with atomic_dir(out_dir, marker="manifest.json") as staging:
        for obj in sorted(clean, key=lambda o: o.ref.key):
            rel = f"objects/{obj.ref.kind}/{_slug(obj.ref)}.json"
            data = dumps(obj.to_dict()).encode("utf-8")
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            (staging / rel).write_bytes(data)
            manifest["objects"][rel] = hashlib.sha256(data).hexdigest()
        manifest["counts"] = dict(sorted(Counter(o.ref.kind for o in clean).items()))
        (staging / "manifest.json").write_text(dumps(manifest), encoding="utf-8")
    return Inventory(
        path=out_dir,
        source=source,
        origin=clean_origin,
        collected_at=manifest["collected_at"],
        objects=clean,
        warnings=manifest["warnings"],
        selection=selection or None,
        problems=manifest["problems"],
    )


def _check(schema: dict[str, Any], data: Any, path: Path) -> None:
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        raise InventoryError(
            f"{format_path(list(err.absolute_path))}: {err.message}",
            path=str(path),
            hint="re-run `ddmigrate collect` rather than editing inventory files by hand",
        )


def read_inventory(directory: Path) -> Inventory:
    manifest_path = directory / "manifest.json"
    if not directory.is_dir():
        raise InventoryError(
            "inventory directory not found", path=str(directory), hint="run `ddmigrate collect ... --out DIR` first"
        )
    manifest = read_json(manifest_path)
    _check(_schema("manifest.schema.json"), manifest, manifest_path)
    object_schema = _schema("object.schema.json")
    listed = {(directory / rel).resolve() for rel in manifest["objects"]}
    unlisted = sorted(p for p in (directory / "objects").rglob("*.json") if p.resolve() not in listed)
    if unlisted:
        raise InventoryError(
            "object file not listed in manifest.json (added by hand?)",
            path=str(unlisted[0]),
            hint="re-run `ddmigrate collect` rather than editing inventory files by hand",
        )
    objects: list[InventoryObject] = []
    for rel, digest in sorted(manifest["objects"].items()):
        path = directory / rel
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise InventoryError("listed in manifest.json but missing", path=str(path)) from None
        except OSError as exc:
            raise InventoryError(
                f"cannot read: {exc.strerror}",
                path=str(path),
                hint="re-run `ddmigrate collect` to refresh the inventory",
            ) from None
        if hashlib.sha256(raw).hexdigest() != digest:
            raise InventoryError(
                "checksum does not match manifest.json (the file was modified after collection)",
                path=str(path),
                hint="re-run `ddmigrate collect` to refresh the inventory",
            )
        data = read_json(path)
        _check(object_schema, data, path)
        objects.append(
            InventoryObject(
                ref=SourceRef.from_dict(data["source_ref"]), payload=data["payload"], normalized=data["normalized"]
            )
        )
    counted = dict(sorted(Counter(o.ref.kind for o in objects).items()))
    if counted != manifest["counts"]:
        raise InventoryError(
            f"counts: {manifest['counts']} does not match the object files ({counted})",
            path=str(manifest_path),
            hint="re-run `ddmigrate collect` to refresh the inventory",
        )
    return Inventory(
        path=directory,
        source=manifest["source"],
        origin=manifest["origin"],
        collected_at=manifest["collected_at"],
        objects=objects,
        warnings=list(manifest.get("warnings", [])),
        selection=manifest.get("selection"),
        problems=list(manifest.get("problems", [])),
    )
