"""Reviewed exceptions: `acceptances.json` in the working directory, appended to, never rewritten in place.

An acceptance says who reviewed one source object, when and why, and pins the object's content hash
(its ledger entry and the payloads of the Datadog resources it became): when a later translation
changes the object, the hash differs and the acceptance no longer counts. It also records the parity
verdict it was given under, so a difference measured after the review is not covered by it. Revoking
appends a revocation; the file keeps the whole history for the auditors.

    {"format": "ddmigrate-acceptances/1",
     "records": [{"key", "source", "outcome", "content_hash", "parity", "reason", "by", "at",
                  "revoked": null | {"by", "at", "reason"}}]}
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from migrate.errors import InputError
from migrate.fsutil import read_json, write_json
from migrate.model import DesiredResource, LedgerEntry
from migrate.runner.state import digest

FORMAT = "ddmigrate-acceptances/1"
FILENAME = "acceptances.json"


def content_hash(entry: LedgerEntry, resources: Mapping[str, DesiredResource]) -> str:
    """sha256 over what was reviewed: the ledger entry and each target's payload (evidence excluded)."""
    targets = {k: resources[k].payload if k in resources else None for k in entry.targets}
    return digest({"entry": entry.to_dict(), "targets": targets})


def now_iso(clock: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if clock is None else clock))


@dataclass
class Acceptance:
    key: str
    source: str
    outcome: str
    content_hash: str
    reason: str
    by: str
    at: str
    parity: str | None = None  # the parity verdict when accepted (None: no parity result then)
    revoked: dict[str, str] | None = None

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Acceptance:
        fields = ("key", "source", "outcome", "content_hash", "reason", "by", "at")
        if not isinstance(data, dict) or any(not isinstance(data.get(f), str) for f in fields):
            raise InputError(f"{where}: an acceptance needs {', '.join(fields)} (strings)")
        revoked = data.get("revoked")
        return cls(
            **{f: data[f] for f in fields},
            parity=data.get("parity") if isinstance(data.get("parity"), str) else None,
            revoked=dict(revoked) if isinstance(revoked, dict) else None,
        )


class Acceptances:
    """Every record in file order; `active(key)` is the latest one for the key not revoked."""

    def __init__(self, path: Path, records: list[Acceptance]) -> None:
        self.path = path
        self.records = records

    @classmethod
    def load(cls, path: Path) -> Acceptances:
        if not path.is_file():
            return cls(path, [])
        data = read_json(path)
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("records"), list):
            raise InputError(
                f"not a ddmigrate acceptances file (expected format {FORMAT} and a records list)",
                path=str(path),
                hint="it is written by `ddmigrate accept`; restore it from version control",
            )
        return cls(path, [Acceptance.from_dict(r, f"{path} record {i}") for i, r in enumerate(data["records"])])

    def save(self) -> None:
        write_json(self.path, {"format": FORMAT, "records": [asdict(r) for r in self.records]})

    def active(self, key: str) -> Acceptance | None:
        found = [r for r in self.records if r.key == key and r.revoked is None]
        return found[-1] if found else None

    def all_active(self) -> list[Acceptance]:
        latest = {r.key: r for r in self.records if r.revoked is None}
        return [latest[k] for k in sorted(latest)]

    def add(self, record: Acceptance) -> None:
        # A new review replaces the old one: the old stays in the file, marked as superseded.
        old = self.active(record.key)
        if old is not None:
            old.revoked = {"by": record.by, "at": record.at, "reason": "superseded by a new acceptance"}
        self.records.append(record)

    def revoke(self, key: str, *, by: str, reason: str, at: str) -> Acceptance:
        record = self.active(key)
        if record is None:
            raise InputError(
                f"{key} has no acceptance to revoke", path=str(self.path), hint="see `ddmigrate accept --list`"
            )
        record.revoked = {"by": by, "at": at, "reason": reason}
        return record


def default_path(workdir: Path) -> Path:
    return workdir / FILENAME
