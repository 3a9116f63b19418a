"""What was read of one Pingdom account, before normalising: raw objects per kind, merged by id.

The API and files both fill an `Account`. A check usually arrives twice, from the list (`type` a string,
tags with counts) and from its detail (`type` an object with the settings): the detail wins where both
have a field, the list keeps what the detail lacks. A check whose detail could not be read stays as
the list gave it, with the reason in `problems`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

UPTIME = "uptime_check"
TMS = "transaction_check"
CONTACT = "contact"
TEAM = "team"
MAINTENANCE = "maintenance_window"
PROBE = "probe"
KINDS = (UPTIME, TMS, CONTACT, TEAM, MAINTENANCE, PROBE)

LABELS = {
    UPTIME: "uptime check",
    TMS: "transaction check",
    CONTACT: "contact",
    TEAM: "team",
    MAINTENANCE: "maintenance window",
    PROBE: "probe",
}


@dataclass
class Entry:
    payload: dict[str, Any]
    origin: str
    detailed: bool  # the full object (a check's detail), not only its list entry
    problem: str | None = None  # why the object is incomplete


@dataclass
class Account:
    origin: str
    entries: dict[str, dict[str, Entry]] = field(default_factory=lambda: {kind: {} for kind in KINDS})
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, kind: str, obj: Any, origin: str, *, detailed: bool) -> None:
        label = LABELS[kind]
        if not isinstance(obj, dict):
            self.warnings.append(f"{origin}: a {label} must be an object, found {type(obj).__name__}; skipped")
            return
        ident = obj.get("id")
        if not isinstance(ident, int | str) or isinstance(ident, bool) or str(ident).strip() == "":
            name = obj.get("name") or obj.get("description")
            what = f"{label} {name!r}" if name else f"a {label}"
            self.warnings.append(f"{origin}: {what} without an `id` (a create request, not an export?); skipped")
            return
        key = str(ident)
        known = self.entries[kind].get(key)
        if known is None:
            self.entries[kind][key] = Entry(dict(obj), origin, detailed)
        elif detailed and known.detailed:
            if known.payload != {**known.payload, **obj}:
                self.warnings.append(
                    f"{origin}: {label} {key} also in {known.origin} with other values; kept the first"
                )
        elif detailed:
            known.payload, known.origin, known.detailed = {**known.payload, **obj}, origin, True
        else:
            known.payload = {**obj, **known.payload}

    def fail(self, kind: str, ident: str, error: str) -> None:
        """The detail of a listed object could not be read: keep the list entry, say why."""
        entry = self.entries[kind][ident]
        name = entry.payload.get("name")
        entry.problem = f"detail not loaded: {error}"
        what = f"{LABELS[kind]} {ident}" + (f" ({name})" if name else "")
        self.problems.append(f"{what}: detail not loaded, kept from the list: {error}")

    def count(self) -> int:
        return sum(len(found) for found in self.entries.values())
