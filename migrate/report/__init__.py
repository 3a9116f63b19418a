"""The auditors' report: the ledger, the plan, the journal's evidence and the reviewed exceptions.

`build_report` gathers the data once (stable keys, sorted, every source string stripped of control
characters); `html.render`, `markdown.render` and `jsonreport.render` only present it, so the three files
always say the same thing. The JSON's schema is `migrate/report/report.schema.json`.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrate.acceptance import Acceptances
from migrate.model import LedgerEntry, Outcome
from migrate.report import integrity, items
from migrate.report.cardinality import summary_lines as cardinality_lines
from migrate.report.diff_text import value_text
from migrate.report.evidence import Evidence
from migrate.report.gate import REASONS, Hints, assess, tool_gate
from migrate.report.phases import summary_lines as phases_lines
from migrate.runner.changes import Action, Change, Update
from migrate.runner.plan import Plan, desired_hash
from migrate.runner.secrets import with_variables
from migrate.textsafe import clean_tree, one_line
from migrate.translate.store import Translation

REPORT_FORMAT = "ddmigrate-report/2"
ITEM_OUTCOMES = tuple(Outcome)  # every object is listed, so an auditor finds each one by its source key


@dataclass
class Inputs:
    """Everything besides the translation that a report reads (all optional)."""

    plan: Plan | None = None
    plan_path: Path | None = None
    out_dir: Path | None = None
    cardinality: dict[str, Any] | None = None  # `migrate.report.cardinality.load`
    evidence: Evidence = field(default_factory=Evidence)
    acceptances: Acceptances | None = None
    hints: Hints | None = None
    phases: dict[str, Any] | None = None  # `migrate.report.phases.section`, with --phases
    not_translated: Mapping[str, list[tuple[str, str]]] = field(default_factory=dict)  # source -> (key, name)
    secrets: dict[str, Any] | None = None
    app_base: str = "https://app.datadoghq.com"
    generated_at: str | None = None


def _change(change: Change) -> dict[str, Any]:
    fields = (
        [
            {
                "path": f.path,
                "before": value_text(f.before, f.before_absent),
                "after": value_text(f.after, f.after_absent),
            }
            for f in change.fields
        ]
        if isinstance(change, Update)
        else []
    )
    return {
        "action": change.action.value,
        "type": change.type,
        "name": change.name,
        "key": change.key,
        "datadog_id": change.datadog_id,
        "sources": [r.key for r in change.source_refs],
        "fields": fields,
    }


def _plan(plan: Plan, plan_path: Path | None, translation: Translation) -> dict[str, Any]:
    return {
        "path": str(plan_path) if plan_path else None,
        "plan_hash": plan.plan_hash,
        "state": plan.state_description,
        "summary": plan.summary,
        # A plan made from another translation run describes different resources: say so. The plan's desired
        # set is the translation plus the global variables its tests reference (runner/secrets.py).
        "matches_translation": plan.desired_hash == desired_hash(with_variables(translation.resources)),
        # Every change but the no-ops, so an auditor can follow a source object to what happens in Datadog.
        "changes": [_change(c) for c in plan.changes if c.action is not Action.NOOP],
        "adopt_candidates": [a.to_dict() for a in plan.adopt_candidates],
    }


def _tool(tool: str, rows: list[dict[str, Any]], gate: dict[str, Any]) -> dict[str, Any]:
    by = Counter(r["outcome"] for r in rows)
    return {
        "tool": tool,
        "total": len(rows),
        "by_outcome": {o.value: by.get(o.value, 0) for o in Outcome},
        "applied": sum(1 for r in rows if r["datadog"] and all(t["applied"] for t in r["datadog"])),
        "verified": sum(1 for r in rows if r["gate"] == "verified"),
        "parity_checked": sum(1 for r in rows if r["parity"]),
        "parity_differs": sum(1 for r in rows if r["parity"] and r["parity"]["verdict"] != "agrees"),
        "accepted": sum(1 for r in rows if r["gate"] == "accepted"),
        "blocked": sum(1 for r in rows if r["gate"] == "blocked"),
        "gate": gate,
    }


def _iso(at: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at)) if at else None


def _history(ev: Evidence) -> dict[str, Any]:
    """Who ran what, when: the journal's runs (dry runs included, marked) and phase transitions."""
    runs = [
        {
            **r,
            "dry_run": bool(r["dry_run"]),
            "started_at": _iso(r["started_at"]),
            "finished_at": _iso(r["finished_at"]),
            "summary": json.loads(r["summary"]) if r["summary"] else {},
        }
        for r in ev.runs
    ]
    events = [{**e, "at": _iso(e["at"])} for e in ev.phase_events]
    return {"journal": ev.journal_path, "runs": runs, "phase_events": events}


def build_report(translation: Translation, *, translation_dir: Path, inputs: Inputs | None = None) -> dict[str, Any]:
    inp = inputs or Inputs()
    entries: list[LedgerEntry] = list(translation.ledger)  # sorted by source key
    resources = {r.key: r for r in translation.resources}
    acceptances = inp.acceptances or Acceptances(Path("acceptances.json"), [])
    hints = inp.hints or Hints(translation=translation_dir, workdir=Path())
    plan_ids = {c.key: c.datadog_id for c in inp.plan.changes if c.datadog_id} if inp.plan else {}
    rows, assessments = [], {}
    for e in entries:
        a = assess(e, resources, inp.evidence, acceptances, hints)
        assessments[e.ref.key] = a
        rows.append(items.row(e, a, resources=resources, ev=inp.evidence, plan_ids=plan_ids, base=inp.app_base))
    tools = sorted({e.ref.source for e in entries} | set(inp.not_translated))
    gates = {
        t: tool_gate(
            t,
            [assessments[e.ref.key] for e in entries if e.ref.source == t],
            list(inp.not_translated.get(t, [])),
            hints,
        ).to_dict()
        for t in tools
    }
    outcomes = [o.value for o in Outcome]
    by_kind: dict[str, Counter[str]] = {}
    for e in entries:
        by_kind.setdefault(f"{e.ref.source}/{e.ref.kind}", Counter())[e.outcome.value] += 1
    out = inp.out_dir or Path()
    acceptances_path = acceptances.path if acceptances.path.is_file() else None
    inputs_digests = integrity.inputs(translation_dir, translation.meta, inp.plan_path, acceptances_path)
    data = {
        "format": REPORT_FORMAT,
        "generated_at": inp.generated_at,
        "translation": {"dir": str(translation_dir), "meta": translation.meta},
        "datadog_app": inp.app_base,
        "summary": {
            "total": len(entries),
            "by_outcome": {o: sum(1 for e in entries if e.outcome.value == o) for o in outcomes},
            "by_source_kind": {k: {o: c.get(o, 0) for o in outcomes} for k, c in sorted(by_kind.items())},
        },
        "tools": [_tool(t, [r for r in rows if r["source"] == t], gates[t]) for t in tools],
        "gate_reasons": REASONS,
        "resources": {
            "total": len(translation.resources),
            "by_type": dict(sorted(Counter(r.type for r in translation.resources).items())),
        },
        "plan": _plan(inp.plan, inp.plan_path, translation) if inp.plan is not None else None,
        "cardinality": inp.cardinality,
        "phases": inp.phases,
        "history": _history(inp.evidence),
        "secrets": inp.secrets or {"agent_secrets_file": None, "agent_secrets": [], "global_variables": []},
        "reason_codes": dict(sorted(Counter(f.code for e in entries for f in e.findings).items())),
        "items": {o.value: [r for r in rows if r["outcome"] == o.value] for o in ITEM_OUTCOMES},
        "integrity": {"fingerprint": integrity.fingerprint(inputs_digests), "inputs": inputs_digests},
        "paths": {
            "ledger": str(translation_dir / "ledger.json"),
            "plan": str(inp.plan_path) if inp.plan_path else None,
            "cardinality": inp.cardinality["path"] if inp.cardinality else None,
            "acceptances": str(acceptances.path),
            "report_html": str(out / "report.html"),
            "report_md": str(out / "report.md"),
            "report_json": str(out / "report.json"),
        },
    }
    cleaned: dict[str, Any] = clean_tree(data)
    return cleaned


def summary_lines(data: dict[str, Any]) -> list[str]:
    """The short summary the CLI prints (and the demo shows); source strings are one line, no controls."""
    summary = data["summary"]

    def counts(by: dict[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in by.items() if v) or "none"

    lines = [f"Objects: {summary['total']} ({counts(summary['by_outcome'])})"]
    lines += [f"  {one_line(kind)}: {counts(by)}" for kind, by in summary["by_source_kind"].items()]
    resources = data["resources"]
    lines.append(f"Datadog resources: {resources['total']} ({counts(resources['by_type'])})")
    for t in data["tools"]:
        gate = "passes" if t["gate"]["passes"] else f"blocked ({t['blocked'] or 'see report'})"
        lines.append(
            f"  {one_line(t['tool'])}: {t['total']} objects, {t['verified']} verified, {t['accepted']} accepted, "
            f"decommission gate {gate}"
        )
    if data.get("phases"):
        lines += phases_lines(data["phases"])
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
    lines += [f"Ledger: {paths['ledger']}", f"Report: {paths['report_html']}"]
    lines += [f"        {paths['report_md']}", f"        {paths['report_json']}"]
    lines.append(f"Inputs: {data['integrity']['fingerprint']} (`ddmigrate report --check` compares)")
    return lines
