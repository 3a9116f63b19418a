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


@dataclass
class Translation:
    resources: list[DesiredResource]
    ledger: Ledger
    meta: dict[str, Any] = field(default_factory=dict)  # inventories, mappings fingerprint, version

    def by_key(self) -> dict[str, DesiredResource]:
        return {r.key: r for r in self.resources}


def write_translation(out_dir: Path, translation: Translation) -> None:
    keys = [r.key for r in translation.resources]
    if len(keys) != len(set(keys)):
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        raise InputError(f"two desired resources share a key: {', '.join(dupes[:5])}")
    with atomic_dir(out_dir) as staging:
        write_json(staging / "desired.json",
                   {"resources": [r.to_dict() for r in sorted(translation.resources, key=lambda r: r.key)]})
        write_json(staging / "ledger.json", translation.ledger.to_dict())
        write_json(staging / "translation.json", {"ddmigrate_version": __version__, **translation.meta})


def read_translation(directory: Path) -> Translation:
    if not (directory / "desired.json").is_file():
        raise InputError("not a translation directory (no desired.json)", path=str(directory),
                         hint="run `ddmigrate translate --inventory DIR --out DIR` first")
    desired = read_json(directory / "desired.json")
    ledger = read_json(directory / "ledger.json")
    meta = read_json(directory / "translation.json")
    try:
        resources = [DesiredResource.from_dict(r) for r in desired["resources"]]
        return Translation(resources=resources, ledger=Ledger.from_dict(ledger), meta=meta)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"malformed translation output: {exc}", path=str(directory),
                         hint="re-run `ddmigrate translate`") from None
