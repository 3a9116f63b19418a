"""Neutral data shared by every stage: source references, findings, ledger entries, desired resources.

Nothing here knows about a particular source or Datadog resource type.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """Where a source object (or one query) ends. Ordered from best to worst for `worst()`."""

    EXACT = "exact"
    APPROXIMATE = "approximate"
    MANUAL = "manual"
    SKIPPED = "skipped"

    @staticmethod
    def worst(*outcomes: Outcome) -> Outcome:
        order = [Outcome.EXACT, Outcome.APPROXIMATE, Outcome.MANUAL, Outcome.SKIPPED]
        return max(outcomes, key=order.index, default=Outcome.EXACT)


def stable_id(text: str, length: int = 12) -> str:
    """A short, deterministic identifier safe for Datadog tags (lowercase hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


@dataclass(frozen=True, order=True)
class SourceRef:
    """Where an object came from. `key` is unique within a collection and stable across runs."""

    source: str  # prometheus | grafana | newrelic | pingdom
    kind: str  # alerting_rule | recording_rule | dashboard | panel | ...
    id: str  # stable within the source, e.g. "<file>/<group>/<rule name>"
    name: str
    origin: str = ""  # URL or path collected from, never with credentials

    @property
    def key(self) -> str:
        return f"{self.source}/{self.kind}/{self.id}"

    @property
    def marker(self) -> str:
        return stable_id(self.key)

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "kind": self.kind, "id": self.id, "name": self.name, "origin": self.origin}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceRef:
        return cls(
            source=str(data["source"]),
            kind=str(data["kind"]),
            id=str(data["id"]),
            name=str(data.get("name", "")),
            origin=str(data.get("origin", "")),
        )


@dataclass(frozen=True)
class Finding:
    """One semantic difference or gap, with a stable reason code (e.g. `promql.unsupported_function`)."""

    code: str
    message: str
    outcome: Outcome = Outcome.APPROXIMATE  # what this finding does to the object's outcome

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "outcome": self.outcome.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(code=str(data["code"]), message=str(data["message"]), outcome=Outcome(data["outcome"]))


@dataclass
class LedgerEntry:
    """The single outcome of one source object."""

    ref: SourceRef
    outcome: Outcome
    findings: list[Finding] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)  # keys of the desired resources it became
    original: str | None = None  # the original query, kept verbatim for manual/approximate items
    reason: str | None = None  # why skipped or manual, in one sentence

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref.to_dict(),
            "key": self.ref.key,
            "outcome": self.outcome.value,
            "findings": [f.to_dict() for f in self.findings],
            "targets": list(self.targets),
            "original": self.original,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LedgerEntry:
        return cls(
            ref=SourceRef.from_dict(data["ref"]),
            outcome=Outcome(data["outcome"]),
            findings=[Finding.from_dict(f) for f in data.get("findings", [])],
            targets=list(data.get("targets", [])),
            original=data.get("original"),
            reason=data.get("reason"),
        )


@dataclass
class DesiredResource:
    """A Datadog resource we want to exist, in API payload form, with the source objects behind it.

    `key` is ddmigrate's stable identity for the resource (it is written into the ownership marker),
    so plan can match desired, last-applied and live copies without relying on Datadog ids.
    """

    type: str  # monitor | dashboard | synthetic_test
    key: str
    payload: dict[str, Any]
    source_refs: list[SourceRef] = field(default_factory=list)
    # Facts about the resource that are not part of the API payload, e.g. `source_metrics` (the
    # Prometheus metric names its queries read), which bridge mode needs. Never sent to Datadog.
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "type": self.type,
            "key": self.key,
            "payload": self.payload,
            "source_refs": [r.to_dict() for r in self.source_refs],
        }
        if self.metadata:
            out["metadata"] = self.metadata
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DesiredResource:
        return cls(
            type=str(data["type"]),
            key=str(data["key"]),
            payload=dict(data["payload"]),
            source_refs=[SourceRef.from_dict(r) for r in data.get("source_refs", [])],
            metadata=dict(data.get("metadata") or {}),
        )
