"""`phases.yaml`: named phases selecting desired resources, their order, muting and gates.

A resource belongs to the first phase (in run order) with a selector that matches it, so a final
catch-all phase is allowed. Gates are checked on a phase's dependencies before it may be applied.
"""

from __future__ import annotations

import fnmatch
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, cast

import jsonschema

from migrate.errors import ConfigError, DDMigrateError
from migrate.mappings import parse_duration
from migrate.model import DesiredResource
from migrate.runner.journal import Journal
from migrate.yamlutil import format_path, load_file

# Phase statuses, in the order an operator normally sees them.
PLANNED, APPLIED, VERIFIED, VERIFY_FAILED, CUT_OVER, ROLLED_BACK = (
    "planned",
    "applied",
    "verified",
    "verify_failed",
    "cut_over",
    "rolled_back",
)


@dataclass(frozen=True)
class Phase:
    name: str
    select: list[dict[str, str]]
    depends_on: list[str] = field(default_factory=list)
    mute_until_cutover: bool = False
    gates: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def matches(self, resource: DesiredResource) -> bool:
        return any(_selector_matches(sel, resource) for sel in self.select)


def _tags(resource: DesiredResource) -> list[str]:
    return [str(t) for t in resource.payload.get("tags") or []]


def _service(resource: DesiredResource, name: str) -> bool:
    """A `service:NAME` tag, or NAME in `metadata.services`: dashboards cannot carry free-form tags, so a
    front end that knows a resource's services lists them there (the New Relic one does, for every type)."""
    return f"service:{name}" in _tags(resource) or name in (resource.metadata.get("services") or [])


def _selector_matches(sel: dict[str, str], resource: DesiredResource) -> bool:
    refs = resource.source_refs
    checks: dict[str, Callable[[str], bool]] = {
        "type": lambda v: resource.type == v,
        "source": lambda v: any(r.source == v for r in refs),
        "kind": lambda v: any(r.kind == v for r in refs),
        "service": lambda v: _service(resource, v),
        "tag": lambda v: any(fnmatch.fnmatchcase(t, v) for t in _tags(resource)),
        "id": lambda v: (
            any(fnmatch.fnmatchcase(r.key, v) or fnmatch.fnmatchcase(r.id, v) for r in refs)
            or fnmatch.fnmatchcase(resource.key, v)
        ),
    }
    return all(checks[name](value) for name, value in sel.items())


@dataclass
class Phases:
    path: str
    ordered: list[Phase]

    def get(self, name: str) -> Phase:
        for phase in self.ordered:
            if phase.name == name:
                return phase
        raise DDMigrateError(
            f"no phase named {name!r} in {self.path}", hint="phases: " + ", ".join(p.name for p in self.ordered)
        )

    def assign(self, resources_: list[DesiredResource]) -> dict[str, list[DesiredResource]]:
        """Phase name -> its resources; resources no phase selects are under the key ''."""
        out: dict[str, list[DesiredResource]] = {p.name: [] for p in self.ordered}
        out[""] = []
        for res in resources_:
            phase = next((p for p in self.ordered if p.matches(res)), None)
            out[phase.name if phase else ""].append(res)
        return out


def _schema() -> dict[str, Any]:
    text = resources.files("migrate.runner").joinpath("phases.schema.json").read_text(encoding="utf-8")
    return cast(dict[str, Any], json.loads(text))


def load_phases(path: Path) -> Phases:
    docs = load_file(path)
    if len(docs) != 1:
        raise ConfigError("expected exactly one YAML document with a `phases:` list", path=str(path))
    doc = docs[0]
    errors = sorted(jsonschema.Draft7Validator(_schema()).iter_errors(doc.data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        raise ConfigError(
            f"{format_path(list(err.absolute_path))}: {err.message}",
            path=str(path),
            line=doc.line_of(list(err.absolute_path)),
            hint="see PLAYBOOK.md for the phases.yaml format",
        )
    listed = [
        Phase(
            name=p["name"],
            select=p["select"],
            depends_on=p.get("depends_on", []),
            mute_until_cutover=p.get("mute_until_cutover", False),
            gates=p.get("gates", {}),
            description=p.get("description", ""),
        )
        for p in doc.data["phases"]
    ]
    names = [p.name for p in listed]
    for i, phase in enumerate(listed):
        where = doc.line_of(["phases", i])
        if phase.name in names[:i]:
            raise ConfigError(f"phase name {phase.name!r} is used twice", path=str(path), line=where)
        for dep in phase.depends_on:
            if dep not in names:
                raise ConfigError(
                    f"phase {phase.name!r} depends on unknown phase {dep!r}",
                    path=str(path),
                    line=where,
                    hint="known phases: " + ", ".join(names),
                )
    return Phases(path=str(path), ordered=_topological(listed, str(path)))


def _topological(listed: list[Phase], path: str) -> list[Phase]:
    """Dependencies first; otherwise the order the file lists them in."""
    done: list[Phase] = []
    pending = list(listed)
    while pending:
        ready = next((p for p in pending if all(d in {x.name for x in done} for d in p.depends_on)), None)
        if ready is None:
            cycle = ", ".join(p.name for p in pending)
            raise ConfigError(f"depends_on forms a cycle among: {cycle}", path=path)
        done.append(ready)
        pending.remove(ready)
    return done


def unmet_gates(journal: Journal, phases: Phases, phase: Phase, now: float | None = None) -> list[str]:
    """Why `phase` may not be applied yet: each dependency's gates, checked against the ledger."""
    now = time.time() if now is None else now
    problems: list[str] = []
    for dep_name in phase.depends_on:
        dep = phases.get(dep_name)
        events = journal.phase_events(dep_name)
        status = events[-1]["status"] if events else None
        if status in (None, PLANNED, ROLLED_BACK):
            problems.append(f"phase {dep_name!r} is {status or 'not applied'}; apply it first")
            continue
        if dep.gates.get("verified") and status not in (VERIFIED, CUT_OVER):
            problems.append(f"gate verified: phase {dep_name!r} is {status}; run `ddmigrate verify --phase {dep_name}`")
        if dep.gates.get("cut_over") and status != CUT_OVER:
            problems.append(f"gate cut_over: phase {dep_name!r} is {status}; run `ddmigrate cutover {dep_name}`")
        if "min_parallel_run" in dep.gates:
            need = parse_duration(dep.gates["min_parallel_run"])
            applied_at = max((e["at"] for e in events if e["status"] == APPLIED), default=now)
            if now - applied_at < need:
                left = int(need - (now - applied_at))
                problems.append(
                    f"gate min_parallel_run {dep.gates['min_parallel_run']}: phase {dep_name!r} "
                    f"has run in parallel for {int(now - applied_at)}s; {left}s to go"
                )
    return problems
