"""The coverage ledger: exactly one outcome for every source object.

Translators add entries; adding a second entry for the same source object is a bug and raises,
so "nothing is lost silently" and "nothing is counted twice" are enforced in one place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from migrate.model import DesiredResource, Finding, LedgerEntry, Outcome, SourceRef


class Ledger:
    def __init__(self, entries: Iterable[LedgerEntry] = (), *, on_add: Callable[[], object] | None = None) -> None:
        """`on_add` is told of every entry added (translate's progress line counts source objects by it)."""
        self._entries: dict[str, LedgerEntry] = {}
        self._on_add = on_add
        for entry in entries:
            self.add(entry)

    def add(self, entry: LedgerEntry) -> LedgerEntry:
        if entry.ref.key in self._entries:
            raise ValueError(f"ledger already has an outcome for {entry.ref.key}")
        if entry.outcome in (Outcome.MANUAL, Outcome.SKIPPED) and not (entry.reason or entry.findings):
            raise ValueError(f"{entry.ref.key}: a {entry.outcome.value} outcome needs a reason")
        if entry.outcome is Outcome.APPROXIMATE and not entry.findings:
            raise ValueError(f"{entry.ref.key}: an approximate outcome must name each difference")
        self._entries[entry.ref.key] = entry
        if self._on_add is not None:
            self._on_add()
        return entry

    def record(
        self,
        ref: SourceRef,
        findings: list[Finding],
        *,
        targets: Iterable[DesiredResource | str] = (),
        original: str | None = None,
        reason: str | None = None,
        skipped: bool = False,
    ) -> LedgerEntry:
        """Add an entry whose outcome is the worst of its findings (exact when there are none)."""
        outcome = Outcome.SKIPPED if skipped else Outcome.worst(*(f.outcome for f in findings))
        if outcome is Outcome.MANUAL and reason is None:
            reason = next(f.message for f in findings if f.outcome is Outcome.MANUAL)
        keys = [t.key if isinstance(t, DesiredResource) else t for t in targets]
        return self.add(
            LedgerEntry(
                ref=ref, outcome=outcome, findings=list(findings), targets=keys, original=original, reason=reason
            )
        )

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[LedgerEntry]:
        return iter(sorted(self._entries.values(), key=lambda e: e.ref.key))

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> LedgerEntry | None:
        return self._entries.get(key)

    def summary(self) -> dict[str, Any]:
        by_outcome = Counter(e.outcome.value for e in self._entries.values())
        by_kind: dict[str, Counter[str]] = {}
        for e in self._entries.values():
            by_kind.setdefault(f"{e.ref.source}/{e.ref.kind}", Counter())[e.outcome.value] += 1
        return {
            "total": len(self._entries),
            "by_outcome": {o.value: by_outcome.get(o.value, 0) for o in Outcome},
            "by_kind": {k: dict(sorted(v.items())) for k, v in sorted(by_kind.items())},
        }

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "entries": [e.to_dict() for e in self]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Ledger:
        return cls(LedgerEntry.from_dict(e) for e in data.get("entries", []))
