"""Which phase of `phases.yaml` each service's resources are in, and what no phase selects.

`report --phases FILE` puts `section` in report.json, `markdown` and `html` in the other two files, and prints
`summary_lines` (the demo shows them): for
each service a source names (`metadata.services`, e.g. New Relic's APM services) the phase or phases its
resources land in, by the same `Phases.assign` that `apply --phase` uses, and every resource no phase
selects, since `apply --phase` can never reach it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from migrate.datadog.resources import spec
from migrate.model import DesiredResource
from migrate.report import html_parts, md
from migrate.runner.phases import Phases
from migrate.textsafe import one_line

UNPHASED_SHOWN = 10  # the summary names this many unphased resources; report.json lists them all


def section(phases: Phases, path: Path, resources: Sequence[DesiredResource]) -> dict[str, Any]:
    assigned = phases.assign(list(resources))
    phase_of = {r.key: name for name, members in assigned.items() for r in members}
    services: dict[tuple[str, str], list[DesiredResource]] = {}
    for res in resources:
        source = res.source_refs[0].source if res.source_refs else ""
        for name in res.metadata.get("services") or []:
            services.setdefault((source, str(name)), []).append(res)
    order = {p.name: i for i, p in enumerate(phases.ordered)}

    def run_order(item: tuple[tuple[str, str], list[DesiredResource]]) -> tuple[int, str, str]:
        """Services in the order their phases run (a service in no phase last), so the list reads as the plan."""
        (source, name), members = item
        return min(order.get(phase_of[r.key], len(order)) for r in members), source, name

    return {
        "file": str(path),
        "phases": [
            {"name": p.name, "description": p.description, "resources": len(assigned[p.name])} for p in phases.ordered
        ],
        "services": [
            {
                "source": source,
                "service": name,
                "phases": _by_run_order(Counter(phase_of[r.key] for r in members), order),  # "": in no phase
                "by_type": dict(sorted(Counter(r.type for r in members).items())),
            }
            for (source, name), members in sorted(services.items(), key=run_order)
        ],
        "unphased": [
            {
                "key": r.key,
                "type": r.type,
                "name": spec(r.type).display_name(r.payload),
                "sources": [ref.key for ref in r.source_refs],
            }
            for r in assigned[""]
        ],
        "total": len(resources),
    }


def _by_run_order(counts: Counter[str], order: dict[str, int]) -> dict[str, int]:
    return {p: counts[p] for p in sorted(counts, key=lambda p: order.get(p, len(order)))}


def _counts(by: dict[str, int]) -> str:
    return ", ".join(f"{one_line(k)} {n}" for k, n in by.items())


def summary_lines(data: dict[str, Any]) -> list[str]:
    unphased = data["unphased"]
    lines = [
        f"Phases ({one_line(data['file'])}): {len(data['phases'])} phases; "
        f"{data['total'] - len(unphased)} of {data['total']} resources in a phase"
    ]
    for row in data["services"]:
        where = ", ".join(
            (f"phase {one_line(p)}" if p else "NOT IN ANY PHASE") + (f" ({n})" if len(row["phases"]) > 1 else "")
            for p, n in row["phases"].items()
        )
        lines.append(
            f"  {one_line(row['source'])} service {one_line(row['service'])}: {where} ({_counts(row['by_type'])})"
        )
    named = {p for row in data["services"] for p in row["phases"]}
    others = {p["name"]: p["resources"] for p in data["phases"] if p["name"] not in named}
    if others:
        lines.append(f"  other phases (resources): {_counts(others)}")
    if not unphased:
        lines.append("  not in any phase: none")
        return lines
    lines.append(f"  not in any phase: {len(unphased)} resource(s); `apply --phase` cannot reach them:")
    for row in unphased[:UNPHASED_SHOWN]:
        lines.append(f'    {row["type"]} "{one_line(row["name"])}" from {one_line(", ".join(row["sources"]))}')
    if len(unphased) > UNPHASED_SHOWN:
        lines.append(f"    ... and {len(unphased) - UNPHASED_SHOWN} more (report.json `phases.unphased`)")
    return lines


def _where(row: dict[str, Any]) -> str:
    return ", ".join(f"{p or '(no phase)'} {n}" for p, n in row["phases"].items())


def markdown(data: dict[str, Any] | None) -> list[str]:
    if not data:
        return []
    out = ["## Phases", "", f"From {md.code(data['file'])}, in run order.", ""]
    out += md.table(
        ["Phase", "Description", "Resources"],
        [[md.code(p["name"]), md.text(p["description"]), p["resources"]] for p in data["phases"]],
        numeric_from=2,
    )
    if data["services"]:
        out += ["### Services", ""]
        out += md.table(
            ["Source", "Service", "Phase (resources)", "Types"],
            [
                [r["source"], md.code(r["service"]), md.text(_where(r)), md.text(_counts(r["by_type"]))]
                for r in data["services"]
            ],
            numeric_from=99,
        )
    out += [f"### Not in any phase ({len(data['unphased'])})", ""]
    rows = [
        [r["type"], md.text(r["name"]), md.code(r["key"]), "<br>".join(md.code(s) for s in r["sources"])]
        for r in data["unphased"]
    ]
    out += (
        md.table(["Type", "Name", "ddmigrate key", "Source objects"], rows, numeric_from=99) if rows else ["None.", ""]
    )
    return out


def html(data: dict[str, Any] | None) -> str:
    e = html_parts.escape
    if not data:
        return '<section id="phases"><h2>Phases</h2><p>No phases file given (<code>--phases</code>).</p></section>'
    phases = [[f"<code>{e(p['name'])}</code>", e(p["description"]), str(p["resources"])] for p in data["phases"]]
    services = [
        [e(r["source"]), f"<code>{e(r['service'])}</code>", e(_where(r)), e(_counts(r["by_type"]))]
        for r in data["services"]
    ]
    unphased = [
        [e(r["type"]), e(r["name"]), f"<code>{e(r['key'])}</code>", e(", ".join(r["sources"]))]
        for r in data["unphased"]
    ]
    return (
        f'<section id="phases"><h2>Phases</h2><p>From <code>{e(data["file"])}</code>, in run order; '
        f'<b data-figure="unphased">{len(unphased)}</b> of {data["total"]} resources in no phase.</p>'
        + html_parts.table(["Phase", "Description", "Resources"], phases)
        + (html_parts.table(["Source", "Service", "Phase (resources)", "Types"], services) if services else "")
        + (html_parts.table(["Type", "Name", "ddmigrate key", "Source objects"], unphased) if unphased else "")
        + "</section>"
    )
