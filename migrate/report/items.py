"""One report row per source object: where it went in Datadog, what changed in meaning, who is paged,
and what the journal, parity and the reviewers say about it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from migrate.model import DesiredResource, LedgerEntry
from migrate.report.evidence import Evidence, link
from migrate.report.gate import Assessment
from migrate.translate.ddquery.composite import QuerySyntaxError, operands, parse_composite, render_named

_HANDLE = re.compile(r"(?:^|\s)(@[^\s@][^\s]*)")


def _widgets(widgets: list[Any]) -> Iterator[dict[str, Any]]:
    for w in widgets:
        definition = w.get("definition") if isinstance(w, dict) else None
        if isinstance(definition, dict):
            yield definition
            yield from _widgets(definition.get("widgets") or [])


def _request_queries(definition: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for req in definition.get("requests") or []:
        if not isinstance(req, dict):
            continue
        named = {q.get("name"): q.get("query") for q in req.get("queries") or [] if isinstance(q, dict)}
        formulas = [f.get("formula") for f in req.get("formulas") or [] if isinstance(f, dict)]
        out += [f"{n}: {q}" for n, q in named.items() if q]
        out += [f"= {f}" for f in formulas if f and f not in named]
        if isinstance(req.get("q"), str):
            out.append(req["q"])
    return out


def new_queries(entry: LedgerEntry, resources: Mapping[str, DesiredResource]) -> list[str]:
    """The Datadog side of the object: a monitor's query, or the queries of the widgets made from a panel."""
    out: list[str] = []
    for key in entry.targets:
        res = resources.get(key)
        if res is None:
            continue
        if res.type == "monitor" and res.payload.get("type") == "composite":
            out.append(composite_text(res, resources))
        elif res.type == "monitor":
            out.append(str(res.payload.get("query") or ""))
        elif res.type == "dashboard" and entry.ref.kind != "dashboard":
            for definition in _widgets(res.payload.get("widgets") or []):
                if definition.get("title") == entry.ref.name:
                    out += _request_queries(definition)
        elif res.type == "synthetic_test":
            request = (res.payload.get("config") or {}).get("request") or {}
            out.append(" ".join(str(request.get(k, "")) for k in ("method", "url", "host") if request.get(k)))
    return [q for q in out if q]


def composite_text(res: DesiredResource, resources: Mapping[str, DesiredResource]) -> str:
    """`composite: a && !b` with each part named by its monitor's name (the parts' queries follow as their own
    lines: they are targets of the same entry)."""
    query = str(res.payload.get("query") or "")
    try:
        node = parse_composite(query)
    except QuerySyntaxError:
        return query
    keys = [o.ref for o in operands(node) if o.symbolic]
    letters = {k: chr(ord("a") + i) for i, k in enumerate(dict.fromkeys(keys))}
    named = render_named(node, letters)
    where = [f"{letters[k]} = {resources[k].payload.get('name') if k in resources else k}" for k in letters]
    return f"composite: {named}" + (f" ({'; '.join(where)})" if where else "")


def routing(entry: LedgerEntry, resources: Mapping[str, DesiredResource]) -> list[str]:
    """Notification handles in the messages of the monitors the object became (who would be paged)."""
    handles: list[str] = []
    for key in entry.targets:
        res = resources.get(key)
        if res is not None and res.type in ("monitor", "synthetic_test"):
            for h in _HANDLE.findall(str(res.payload.get("message") or "")):
                if h not in handles:
                    handles.append(h)
    return handles


def targets(
    entry: LedgerEntry, resources: Mapping[str, DesiredResource], ev: Evidence, plan_ids: Mapping[str, str], base: str
) -> list[dict[str, Any]]:
    out = []
    for key in entry.targets:
        res = resources.get(key)
        applied = ev.applied.get(key)
        rtype = res.type if res else (applied.rtype if applied else "unknown")
        dd_id = applied.dd_id if applied else plan_ids.get(key)
        verified = ev.verified.get(key)
        name = (res.payload.get("title" if rtype == "dashboard" else "name") if res else None) or ""
        out.append(
            {
                "key": key,
                "type": rtype,
                "name": str(name),
                "datadog_id": dd_id,
                "url": link(base, rtype, dd_id),
                "applied": applied is not None,
                "apply_error": ev.failed_ops.get(key),
                "verify": None
                if verified is None
                else {
                    "ok": verified.ok,
                    "problems": verified.problems,
                    "run_id": verified.run_id,
                    "stale": verified.stale,
                },
            }
        )
    return out


def verification(rows: list[dict[str, Any]]) -> str:
    """One word for all targets: verified, failed, stale, not_verified, not_applied, none (no target)."""
    if not rows:
        return "none"
    if any(r["apply_error"] or not r["applied"] for r in rows):
        return "not_applied"
    if any(r["verify"] is None for r in rows):
        return "not_verified"
    if any(not r["verify"]["ok"] for r in rows):
        return "failed"
    if any(r["verify"]["stale"] for r in rows):
        return "stale"
    return "verified"


def row(
    entry: LedgerEntry,
    assessment: Assessment,
    *,
    resources: Mapping[str, DesiredResource],
    ev: Evidence,
    plan_ids: Mapping[str, str],
    base: str,
) -> dict[str, Any]:
    ref = entry.ref
    dd = targets(entry, resources, ev, plan_ids, base)
    accepted = assessment.acceptance
    return {
        "key": ref.key,
        "source": ref.source,
        "kind": ref.kind,
        "id": ref.id,
        "name": ref.name,
        "origin": ref.origin,
        "outcome": entry.outcome.value,
        "findings": [f.to_dict() for f in entry.findings],
        "original": entry.original,
        "reason": entry.reason,
        "targets": list(entry.targets),
        "datadog": dd,
        "new_queries": new_queries(entry, resources),
        "routing": routing(entry, resources),
        "verification": verification(dd),
        "parity": ev.parity.get(ref.key),
        "acceptance": None
        if accepted is None
        else {"by": accepted.by, "at": accepted.at, "reason": accepted.reason, "valid": assessment.acceptance_valid},
        "content_hash": assessment.content_hash,
        "gate": assessment.state,
        "blockers": [b.to_dict() for b in assessment.blockers],
    }
