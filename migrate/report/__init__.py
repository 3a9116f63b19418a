"""Rendering of the ledger and the plan: readable diff text, Markdown and JSON reports.

`build_report` gathers the data once (stable keys, sorted); `markdown.render` and `jsonreport.render`
only present it, so the two files always say the same thing.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from migrate.model import LedgerEntry, Outcome
from migrate.report.cardinality import summary_lines as cardinality_lines
from migrate.runner.changes import Action, Change, Update
from migrate.runner.plan import Plan, desired_hash
from migrate.translate.store import Translation

REPORT_FORMAT = "ddmigrate-report/1"
ITEM_OUTCOMES = tuple(Outcome)  # every object is listed, so an auditor finds each one by its source key


def _item(entry: LedgerEntry) -> dict[str, Any]:
    ref = entry.ref
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
    }


def _change(change: Change) -> dict[str, Any]:
    fields = [f.path for f in change.fields] if isinstance(change, Update) else []
    return {
        "action": change.action.value,
        "type": change.type,
        "name": change.name,
        "key": change.key,
        "datadog_id": change.datadog_id,
        "sources": [r.key for r in change.source_refs],
        "fields": fields,
    }


def build_report(
    translation: Translation,
    *,
    translation_dir: Path,
    plan: Plan | None = None,
    plan_path: Path | None = None,
    out_dir: Path | None = None,
    cardinality: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`cardinality`: the bridge preview section (`migrate.report.cardinality.load`), or None."""
    entries = list(translation.ledger)  # sorted by source key
    outcomes = [o.value for o in Outcome]
    by_kind: dict[str, Counter[str]] = {}
    for e in entries:
        by_kind.setdefault(f"{e.ref.source}/{e.ref.kind}", Counter())[e.outcome.value] += 1
    codes = Counter(f.code for e in entries for f in e.findings)
    by_type = Counter(r.type for r in translation.resources)
    plan_data: dict[str, Any] | None = None
    if plan is not None:
        plan_data = {
            "path": str(plan_path) if plan_path else None,
            "plan_hash": plan.plan_hash,
            "state": plan.state_description,
            "summary": plan.summary,
            # A plan made from another translation run describes different resources: say so.
            "matches_translation": plan.desired_hash == desired_hash(translation.resources),
            # Every change but the no-ops, so an auditor can follow a source object to what happens in Datadog.
            "changes": [_change(c) for c in plan.changes if c.action is not Action.NOOP],
            "adopt_candidates": [a.to_dict() for a in plan.adopt_candidates],
        }
    out = out_dir or Path()
    return {
        "format": REPORT_FORMAT,
        "translation": {"dir": str(translation_dir), "meta": translation.meta},
        "summary": {
            "total": len(entries),
            "by_outcome": {o: sum(1 for e in entries if e.outcome.value == o) for o in outcomes},
            "by_source_kind": {k: {o: c.get(o, 0) for o in outcomes} for k, c in sorted(by_kind.items())},
        },
        "resources": {"total": len(translation.resources), "by_type": dict(sorted(by_type.items()))},
        "plan": plan_data,
        "cardinality": cardinality,
        "reason_codes": dict(sorted(codes.items())),
        "items": {o.value: [_item(e) for e in entries if e.outcome is o] for o in ITEM_OUTCOMES},
        "paths": {
            "ledger": str(translation_dir / "ledger.json"),
            "plan": str(plan_path) if plan_path else None,
            "cardinality": cardinality["path"] if cardinality else None,
            "report_md": str(out / "report.md"),
            "report_json": str(out / "report.json"),
        },
    }


def summary_lines(data: dict[str, Any]) -> list[str]:
    """The short summary the CLI prints (and the demo shows)."""
    summary = data["summary"]

    def counts(by: dict[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in by.items() if v) or "none"

    lines = [f"Objects: {summary['total']} ({counts(summary['by_outcome'])})"]
    lines += [f"  {kind}: {counts(by)}" for kind, by in summary["by_source_kind"].items()]
    resources = data["resources"]
    lines.append(f"Datadog resources: {resources['total']} ({counts(resources['by_type'])})")
    plan = data["plan"]
    if plan is not None:
        s = plan["summary"]
        lines.append(
            f"Changes planned: {s['create']} to create, {s['update']} to update, {s['delete']} to delete, "
            f"{s['no-op']} unchanged"
        )
        if not plan["matches_translation"]:
            lines.append("  warning: the plan was made from a different translation; re-run `ddmigrate plan`")
    if data.get("cardinality"):
        lines += cardinality_lines(data["cardinality"])
    paths = data["paths"]
    if paths["plan"]:
        lines.append(f"Plan:   {paths['plan']}")
    lines += [f"Ledger: {paths['ledger']}", f"Report: {paths['report_md']}", f"        {paths['report_json']}"]
    return lines
