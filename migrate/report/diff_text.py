"""The plan as a readable, Terraform-like diff.

`plan_lines` returns (style, text) pairs so the same content prints plain (files, pipes, tests) or in
colour through `rich` when stdout is a terminal. No-ops are counted, not listed. Names, keys and values
come from sources and from Datadog: `print_lines` passes every line through `textsafe.terminal_line`, so
none can move the cursor, erase a line (a `- delete` the summary still counts) or forge one.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from migrate.datadog.resources import spec
from migrate.model import DesiredResource
from migrate.runner.changes import Action, Change, Delete, FieldChange, Update, payload_of
from migrate.runner.plan import Plan
from migrate.textsafe import terminal_line

MAX_VALUE = 240  # characters of one value shown inline; the JSON plan has the full value
_SIGN = {Action.CREATE: ("+", "green"), Action.UPDATE: ("~", "yellow"), Action.DELETE: ("-", "red")}

Line = tuple[str, str]


def value_text(value: Any, absent: bool) -> str:
    if absent:
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def paged_of(resources: Iterable[DesiredResource]) -> dict[str, str]:
    """Desired key -> who its monitor pages, where the front end said (`metadata.paged`: New Relic's routing)."""
    return {r.key: str(r.metadata["paged"]) for r in resources if r.metadata.get("paged")}


def _change_lines(change: Change, paged: Mapping[str, str], names: dict[str, str] | None = None) -> list[Line]:
    sign, style = _SIGN[change.action]
    where = f" (id {change.datadog_id})" if change.datadog_id else ""
    lines: list[Line] = [(style, f'{sign} {change.action.value} {change.type} "{change.name}"{where}')]
    refs = ", ".join(r.key for r in change.source_refs)
    lines.append(("dim", f"    key {change.key}" + (f"  from {refs}" if refs else "")))
    lines += _reference_lines(change, names or {})
    if change.key in paged and change.action is not Action.DELETE:
        lines.append(("", f"    who gets paged: {paged[change.key]}"))
    if isinstance(change, Update):
        for f in change.fields:
            lines += _field_lines(f)
    if isinstance(change, Delete):
        lines.append(("red", f"    reason: {change.reason}"))
    return lines


def _reference_lines(change: Change, names: dict[str, str]) -> list[Line]:
    """What a change names by key (a composite's parts) and the order that follows from it."""
    payload = payload_of(change)
    rtype = spec(change.type)
    if not rtype.refers(payload):
        return []
    if isinstance(change, Delete):
        return [("dim", "    combines other monitors: deleted before them")]
    parts = ", ".join(f'"{names[k]}" ({k})' if k in names else k for k in rtype.references(payload))
    return [("dim", f"    combines {parts}: written after them, with their Datadog ids")]


def _field_lines(f: FieldChange) -> list[Line]:
    before, after = value_text(f.before, f.before_absent), value_text(f.after, f.after_absent)
    if (
        isinstance(f.before, list)
        and isinstance(f.after, list)
        and all(isinstance(v, str | int | float | bool) for v in [*f.before, *f.after])
    ):
        removed = [v for v in f.before if v not in f.after]
        added = [v for v in f.after if v not in f.before]
        if removed or added:  # a tag list: say which items went and came, not the two whole lists
            parts = [f"-{value_text(v, False)}" for v in removed] + [f"+{value_text(v, False)}" for v in added]
            return [("yellow", f"    {f.path}: {' '.join(parts)}")]
    if len(before) + len(after) <= 100:
        return [("yellow", f"    {f.path}: {before} → {after}")]
    return [("yellow", f"    {f.path}:"), ("red", f"      - {before}"), ("green", f"      + {after}")]


def plan_lines(plan: Plan, paged: Mapping[str, str] | None = None) -> list[Line]:
    """`paged`: `paged_of(desired)`, a "who gets paged" line under each monitor created or updated."""
    counts = plan.state_counts
    read = (
        f" ({counts.get('owned', 0) + counts.get('duplicates', 0)} managed by ddmigrate, "
        f"{counts.get('unowned', 0)} not: those are never changed)"
        if counts
        else ""
    )
    lines: list[Line] = [
        (
            "bold",
            f"Desired: {len(plan.changes) - len(plan.of(Action.DELETE))} resources; "
            f"state: {plan.state_description}{read}",
        )
    ]
    names = {c.key: c.name for c in plan.changes}
    for change in plan.changes:
        if change.action is not Action.NOOP:
            lines += [("", ""), *_change_lines(change, paged or {}, names)]
    if plan.adopt_candidates:
        lines.append(("", ""))
    for cand in plan.adopt_candidates:
        lines.append(
            (
                "cyan",
                f'! adopt candidate: {cand.type} "{cand.name}" (id {cand.datadog_id}, not managed by '
                f"ddmigrate) matches desired {cand.desired_key} by {cand.match}; left alone",
            )
        )
    for item in plan.out_of_scope:
        lines.append(
            (
                "dim",
                f'  out of scope: {item["type"]} "{item["name"]}" (id {item["datadog_id"]}) from '
                f"{item['sources'] or 'unknown source'}; left alone",
            )
        )
    s = plan.summary
    lines += [
        ("", ""),
        (
            "bold",
            f"Plan: {s['create']} to create, {s['update']} to update, {s['delete']} to delete, {s['no-op']} unchanged.",
        ),
    ]
    return lines


def print_lines(lines: list[Line], stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    lines = [(style, terminal_line(text)) for style, text in lines]  # the only styling is ours
    if stream.isatty():
        from migrate.progress import console as styled  # noqa: PLC0415 (only terminals pay rich's import)

        console = styled(stream)  # NO_COLOR: no styling at all
        for style, text in lines:
            console.print(text, style=style or None, soft_wrap=True)
        return
    stream.write("".join(text + "\n" for _, text in lines))
