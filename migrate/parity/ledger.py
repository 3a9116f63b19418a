"""Parity results as ledger evidence: `entries[].evidence.parity` in the translation's ledger.json, the place
the report, `accept` and the decommission gate read them (migrate/report/evidence.py says the shape).

One verdict per ledger entry: a panel compared query by query (a composite: part by part, and as a whole) gets
the worst of its comparisons (differs, then no_data, then agrees), with the figures and the sketch of that one;
on a tie, the entry's own (the composite's). The full per-series evidence stays
in the parity out file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from migrate.errors import InputError
from migrate.fsutil import read_json, write_json

_RANK = {"agrees": 0, "no_data": 1, "differs": 2}
_KEPT = ("verdict", "detail", "coverage", "max_abs_diff", "max_rel_diff", "step_seconds", "window")


def ledger_evidence(result: dict[str, Any], at: str) -> dict[str, Any]:
    out = {k: result[k] for k in _KEPT if k in result}
    out["at"] = result.get("at") or at
    if result.get("firing"):
        out["firing"] = result["firing"]
    for kept in ("alerts", "uptime"):  # when each side fired / was down
        if result.get(kept):
            out[kept] = result[kept]
    if result["verdict"] == "differs" and result.get("sketch"):
        out["series"] = result["sketch"]  # the report draws both sides of what differs
    return out


def record_in_ledger(ledger_path: Path, evidence: dict[str, dict[str, Any]], now: datetime | None = None) -> int:
    """Write each entry's parity verdict into ledger.json (atomically); the number of entries written."""
    data = read_json(ledger_path)
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise InputError("not a ledger (expected an `entries` list)", path=str(ledger_path))
    worst: dict[str, dict[str, Any]] = {}
    for key, result in evidence.items():
        entry_key = str(result.get("ledger_key") or key)
        current = worst.get(entry_key)
        rank, kept = _RANK.get(result["verdict"], 0), _RANK.get(current["verdict"], 0) if current else -1
        # On a tie the entry's own comparison (a composite's firing, not one of its parts') is the one kept.
        if rank > kept or (rank == kept and key == entry_key):
            worst[entry_key] = result
    at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    written = 0
    for entry in data["entries"]:
        found = worst.get(str(entry.get("key"))) if isinstance(entry, dict) else None
        if found is not None:
            entry.setdefault("evidence", {})["parity"] = ledger_evidence(found, at)
            written += 1
    write_json(ledger_path, data)
    return written
