"""The translation directory: `desired.json`, `ledger.json` and `translation.json` (what produced them).

Written atomically as one directory, so plan and report never read a mix of two runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrate import __version__
from migrate.errors import InputError
from migrate.fsutil import atomic_dir, read_json, write_json
from migrate.ledger import Ledger
from migrate.model import DesiredResource

TRANSLATION_FILES = ("desired.json", "ledger.json", "translation.json")


@dataclass
class Translation:
    resources: list[DesiredResource]
    ledger: Ledger
    meta: dict[str, Any] = field(default_factory=dict)  # inventories, mappings fingerprint, version


def write_translation(out_dir: Path, translation: Translation) -> None:
    keys = [r.key for r in translation.resources]
    if len(keys) != len(set(keys)):
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        raise InputError(f"two desired resources share a key: {', '.join(dupes[:5])}")
    with atomic_dir(out_dir, marker="desired.json") as staging:
        write_json(
            staging / "desired.json",
            {"resources": [r.to_dict() for r in sorted(translation.resources, key=lambda r: r.key)]},
        )
        write_json(staging / "ledger.json", translation.ledger.to_dict())
        write_json(staging / "translation.json", {"ddmigrate_version": __version__, **translation.meta})


def _read_object(path: Path, key: str | None = None) -> dict[str, Any]:
    data = read_json(path)
    if not isinstance(data, dict):
        raise InputError(
            f"expected a JSON object, found {type(data).__name__}", path=str(path), hint="re-run `ddmigrate translate`"
        )
    if key is not None and not isinstance(data.get(key), list):
        raise InputError(f"expected a `{key}` list", path=str(path), hint="re-run `ddmigrate translate`")
    return data


def _malformed(path: Path, exc: Exception) -> InputError:
    return InputError(
        f"malformed translation output: {type(exc).__name__}: {exc}",
        path=str(path),
        hint="re-run `ddmigrate translate`",
    )


def read_translation(directory: Path) -> Translation:
    if not (directory / "desired.json").is_file():
        raise InputError(
            "not a translation directory (no desired.json)",
            path=str(directory),
            hint="run `ddmigrate translate --inventory DIR --out DIR` first",
        )
    desired = _read_object(directory / "desired.json", "resources")
    ledger = _read_object(directory / "ledger.json", "entries")
    meta = _read_object(directory / "translation.json")
    try:
        resources = [DesiredResource.from_dict(r) for r in desired["resources"]]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _malformed(directory / "desired.json", exc) from None
    from migrate.datadog.resources import RESOURCES  # noqa: PLC0415 (the client loads only where a translation is read)

    unknown = sorted({r.type for r in resources} - set(RESOURCES))
    if unknown:
        raise InputError(
            f"unknown resource type {unknown[0]!r}",
            path=str(directory / "desired.json"),
            hint="one of: " + ", ".join(RESOURCES) + "; re-run `ddmigrate translate`",
        )
    try:
        return Translation(resources=resources, ledger=Ledger.from_dict(ledger), meta=meta)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _malformed(directory / "ledger.json", exc) from None
