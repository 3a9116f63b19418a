"""What the working directory's journal and the ledger's evidence say about each Datadog resource.

Read-only: the applied resources (Datadog id, the payload sent), the latest verify result per resource
(stale when the resource was applied again after it), the run history, and parity results. Parity is
ledger evidence (`entries[].evidence.parity` in ledger.json, written by `ddmigrate parity`)::

    {"verdict": "agrees" | "differs" | "no_data", "detail": "max relative difference 12% at ...", "at": "..."}

It is read from the raw ledger so the report does not depend on the model carrying it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from migrate.errors import InputError
from migrate.fsutil import read_json
from migrate.inventory.store import read_inventory
from migrate.runner.journal import STATE_DIR, Applied, Journal
from migrate.settings import datadog_api_url
from migrate.translate.store import Translation

PARITY_VERDICTS = ("agrees", "differs", "no_data")
_APP_PATHS = {"monitor": "/monitors/", "dashboard": "/dashboard/", "synthetic_test": "/synthetics/details/"}


@dataclass(frozen=True)
class Verified:
    ok: bool
    problems: list[str]
    run_id: str
    at: float
    stale: bool  # the resource was applied again after this verify


@dataclass
class Evidence:
    journal_path: str | None = None
    applied: dict[str, Applied] = field(default_factory=dict)  # desired key -> last applied
    verified: dict[str, Verified] = field(default_factory=dict)  # desired key -> latest verify
    parity: dict[str, dict[str, Any]] = field(default_factory=dict)  # source key -> parity result
    runs: list[dict[str, Any]] = field(default_factory=list)
    phase_events: list[dict[str, Any]] = field(default_factory=list)
    failed_ops: dict[str, str] = field(default_factory=dict)  # desired key -> the last failed call's error


def app_base(env: dict[str, str] | None = None) -> str:
    """The Datadog web app for DD_SITE / DD_API_URL: `https://api.X` -> `https://app.X`."""
    api = datadog_api_url(env)
    return api.replace("://api.", "://app.", 1)


def link(base: str, rtype: str, datadog_id: str | None) -> str | None:
    if not datadog_id or rtype not in _APP_PATHS:
        return None
    return base + _APP_PATHS[rtype] + quote(datadog_id, safe="")


def read_journal(workdir: Path | None, evidence: Evidence) -> None:
    """Fill `evidence` from `workdir`'s journal; a workdir where nothing was applied leaves it empty."""
    if workdir is None or not (workdir / STATE_DIR / "state.db").is_file():
        return
    journal = Journal(workdir, create=False)
    try:
        evidence.journal_path = str(journal.path)
        evidence.applied = {a.key: a for a in journal.applied().values()}
        evidence.runs = journal.runs()
        evidence.phase_events = journal.phase_events()
        started = {r["id"]: float(r["started_at"]) for r in evidence.runs}
        for run in evidence.runs:  # oldest first: the last verify of a key wins
            if run["verb"] == "verify":
                for _rtype, key, problems in journal.verify_results(run["id"]):
                    evidence.verified[key] = Verified(not problems, problems, run["id"], run["started_at"], False)
            if run["verb"] == "apply" and not run["dry_run"]:
                for op in journal.ops(run["id"]):
                    if op.status == "failed":
                        evidence.failed_ops[op.key] = op.error or "failed"
                    elif op.status == "done":
                        evidence.failed_ops.pop(op.key, None)
        for key, result in evidence.verified.items():
            applied = evidence.applied.get(key)
            applied_at = started.get(applied.run_id or "", 0.0) if applied else 0.0
            if applied_at > result.at:
                evidence.verified[key] = Verified(result.ok, result.problems, result.run_id, result.at, True)
    finally:
        journal.close()


def read_parity(ledger_path: Path) -> dict[str, dict[str, Any]]:
    """Parity results by source key from ledger.json's `evidence.parity` (none before a parity run)."""
    data = read_json(ledger_path)
    out: dict[str, dict[str, Any]] = {}
    for entry in data.get("entries", []) if isinstance(data, dict) else []:
        parity = (entry.get("evidence") or {}).get("parity") if isinstance(entry, dict) else None
        if parity is None:
            continue
        key = str(entry.get("key"))
        if not isinstance(parity, dict) or parity.get("verdict") not in PARITY_VERDICTS:
            raise InputError(
                f"{key}: evidence.parity needs a verdict ({', '.join(PARITY_VERDICTS)})",
                path=str(ledger_path),
                hint="re-run `ddmigrate parity` for it",
            )
        out[key] = {
            "verdict": parity["verdict"],
            "detail": str(parity.get("detail") or ""),
            "at": parity.get("at"),
            "series": _series(parity.get("series")),
        }
    return out


def _series(value: Any) -> dict[str, list[list[float]]] | None:
    """Both sides' points ({"source": [[t, v], ...], "datadog": [...]}) for the report's sketch, when given."""
    if not isinstance(value, dict):
        return None
    out: dict[str, list[list[float]]] = {}
    for side in ("source", "datadog"):
        points = value.get(side)
        if not isinstance(points, list):
            return None
        out[side] = [
            [float(p[0]), float(p[1])]
            for p in points
            if isinstance(p, list | tuple) and len(p) == 2 and all(isinstance(x, int | float) for x in p)
        ]
    return out


def unaccounted(translation: Translation) -> dict[str, list[tuple[str, str]]]:
    """Inventory objects the ledger has no entry for, by source: (key, name).

    Only kinds the ledger knows for that source are compared (an inventory also holds scrape targets,
    metric metadata, ... that are inputs, not objects to migrate). Inventories no longer on disk are skipped;
    their digest in the report's integrity section says `missing`.
    """
    known_kinds = {(e.ref.source, e.ref.kind) for e in translation.ledger}
    out: dict[str, list[tuple[str, str]]] = {}
    for inv in translation.meta.get("inventories") or []:
        path = Path(str(inv.get("path"))) if isinstance(inv, dict) and inv.get("path") else None
        if path is None or not (path / "manifest.json").is_file():
            continue
        for obj in read_inventory(path).objects:
            ref = obj.ref
            if (ref.source, ref.kind) in known_kinds and ref.key not in translation.ledger:
                out.setdefault(ref.source, []).append((ref.key, ref.name))
    return {s: sorted(v) for s, v in sorted(out.items())}
