"""The decommission gate: is every object of a source tool verified in Datadog, or accepted after review?

Per source object (`assess`):
- a valid acceptance (its content hash still matches, and it covers any parity difference measured now)
  clears the object whatever else is true;
- manual and skipped objects have no equivalent to verify (a manual one has a muted placeholder at most),
  and neither has an object that became no Datadog resource: they need an acceptance;
- otherwise every target must be applied with the payload desired now, read back by a verify run after
  that apply without problems, and, where a parity result exists, agree.
Per tool (`tool_gate`): every object passes, the inventories hold no object the ledger lacks, and the
ledger holds at least one object of the tool. Each blocker carries the command that clears it.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrate.acceptance import Acceptance, Acceptances, content_hash
from migrate.datadog.resources import spec
from migrate.model import DesiredResource, LedgerEntry, Outcome
from migrate.report.evidence import Evidence

# reason code -> what it means, in the order the gate lists them
REASONS: dict[str, str] = {
    "not_translated": "in the inventory but not in the ledger (translated from another inventory?)",
    "no_objects": "the ledger has no object of this tool",
    "needs_acceptance": "no verified Datadog equivalent exists: a reviewed acceptance is needed",
    "acceptance_stale": "accepted, but the object changed since (content hash differs)",
    "apply_failed": "the last apply call for a target failed",
    "not_applied": "a target was never applied to Datadog",
    "changed_since_apply": "a target's desired payload differs from what was applied",
    "not_verified": "a target was not read back by `verify` since it was applied",
    "verify_failed": "a target's last verify found problems",
    "parity_differs": "parity measured a difference from the source",
    "parity_no_data": "parity found no data on one side",
}
NEEDS_REVIEW = frozenset({Outcome.MANUAL, Outcome.SKIPPED})


@dataclass(frozen=True)
class Hints:
    """What the suggested commands need: the paths the operator uses, and each resource's phase."""

    translation: Path
    workdir: Path
    phases: Path | None = None
    phase_of: Mapping[str, str] = field(default_factory=dict)  # desired key -> phase name
    inventories: tuple[str, ...] = ()

    def _phase(self, keys: list[str]) -> str:
        names = sorted({self.phase_of[k] for k in keys if k in self.phase_of})
        phases = f" --phases {shlex.quote(str(self.phases))}" if self.phases else " --phases FILE"
        return phases + f" --phase {shlex.quote(names[0]) if names else 'NAME'}"

    def command(self, reason: str, key: str, targets: list[str]) -> str:
        t = f"--translation {shlex.quote(str(self.translation))}"
        w = f" --workdir {shlex.quote(str(self.workdir))}" if str(self.workdir) not in ("", ".") else ""
        if reason == "not_translated":
            inv = " ".join(f"--inventory {shlex.quote(i)}" for i in self.inventories) or "--inventory DIR"
            return f"ddmigrate translate {inv} --out {shlex.quote(str(self.translation))}"
        if reason in ("apply_failed", "not_applied", "changed_since_apply"):
            return f"ddmigrate apply {t}{self._phase(targets)}{w}"
        if reason in ("not_verified", "verify_failed"):
            return f"ddmigrate verify {t}{self._phase(targets)}{w}"
        if reason == "no_objects":
            return "ddmigrate collect ... && ddmigrate translate ..."
        return f'ddmigrate accept {shlex.quote(key)} {t}{w} --reason "..."'


@dataclass(frozen=True)
class Blocker:
    reason: str
    key: str
    name: str
    detail: str
    command: str

    def to_dict(self) -> dict[str, str]:
        return {
            "reason": self.reason,
            "key": self.key,
            "name": self.name,
            "detail": self.detail,
            "command": self.command,
        }


@dataclass
class Assessment:
    key: str
    state: str  # verified | accepted | blocked
    content_hash: str
    acceptance: Acceptance | None  # the active acceptance, valid or not
    acceptance_valid: bool
    blockers: list[Blocker]


def _as_applied(res: DesiredResource, applied: dict[str, Any], ids: Mapping[str, str]) -> dict[str, Any]:
    """The desired payload as apply sent it: the runner stamps the workdir's migration scope into the marker
    at plan time (migrate/runner/scope.py), which the translation does not know, and writes in the Datadog ids
    of the resources it names by key (a composite's parts, `ids`: key -> id)."""
    marker = spec(res.type).marker
    scope = marker.scope(applied)
    payload = marker.stamped(res.payload, scope) if scope is not None else res.payload
    return spec(res.type).resolve(payload, ids)


def _target_blockers(
    entry: LedgerEntry, resources: Mapping[str, DesiredResource], ev: Evidence
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    ids = {k: a.dd_id for k, a in ev.applied.items()}
    for key in entry.targets:
        res, applied, verified = resources.get(key), ev.applied.get(key), ev.verified.get(key)
        what = f"{res.type if res else 'resource'} {key}"
        if key in ev.failed_ops:
            out.append(("apply_failed", f"{what}: {ev.failed_ops[key]}"))
        elif applied is None:
            out.append(("not_applied", f"{what} is not in the journal's applied resources"))
        elif res is not None and applied.payload != _as_applied(res, applied.payload, ids):
            out.append(("changed_since_apply", f"{what} (Datadog id {applied.dd_id}) was applied with another payload"))
        elif verified is None or verified.stale:
            out.append(("not_verified", f"{what} (Datadog id {applied.dd_id}) has no verify result since its apply"))
        elif not verified.ok:
            out.append(("verify_failed", f"{what}: " + "; ".join(verified.problems[:3])))
    return out


def assess(
    entry: LedgerEntry,
    resources: Mapping[str, DesiredResource],
    evidence: Evidence,
    acceptances: Acceptances,
    hints: Hints,
) -> Assessment:
    digest = content_hash(entry, resources)
    parity = evidence.parity.get(entry.ref.key)
    verdict = parity["verdict"] if parity else None
    accepted = acceptances.active(entry.ref.key)
    # An acceptance given before a difference was measured did not review that difference.
    valid = (
        accepted is not None
        and accepted.content_hash == digest
        and (verdict != "differs" or accepted.parity == "differs")
    )
    found: list[tuple[str, str]] = []
    if entry.outcome in NEEDS_REVIEW or not entry.targets:
        why = entry.reason or f"{entry.outcome.value}, no Datadog resource"
        found.append(("needs_acceptance", f"{entry.outcome.value}: {why}"))
    else:
        found += _target_blockers(entry, resources, evidence)
        if verdict in ("differs", "no_data"):
            found.append((f"parity_{verdict}", (parity or {}).get("detail") or verdict))
    if accepted is not None and not valid:
        detail = "content hash changed" if accepted.content_hash != digest else "parity differs since the acceptance"
        found.insert(0, ("acceptance_stale", f"accepted by {accepted.by} at {accepted.at}; {detail}"))
    blockers = (
        []
        if valid
        else [
            Blocker(r, entry.ref.key, entry.ref.name, d, hints.command(r, entry.ref.key, entry.targets))
            for r, d in found
        ]
    )
    state = "accepted" if valid else ("blocked" if blockers else "verified")
    return Assessment(entry.ref.key, state, digest, accepted, valid, blockers)


@dataclass
class ToolGate:
    tool: str
    total: int
    passes: bool
    blockers: list[Blocker]

    def grouped(self) -> dict[str, list[Blocker]]:
        out: dict[str, list[Blocker]] = {r: [] for r in REASONS}
        for b in self.blockers:
            out[b.reason].append(b)
        return {r: bs for r, bs in out.items() if bs}

    def to_dict(self) -> dict[str, object]:
        return {
            "tool": self.tool,
            "total": self.total,
            "passes": self.passes,
            "blockers": {r: [b.to_dict() for b in bs] for r, bs in self.grouped().items()},
        }


def tool_gate(
    tool: str, assessments: list[Assessment], not_translated: list[tuple[str, str]], hints: Hints
) -> ToolGate:
    """`not_translated`: (key, name) of inventory objects of this tool the ledger has no entry for."""
    blockers = [b for a in assessments for b in a.blockers]
    blockers += [
        Blocker("not_translated", k, n, REASONS["not_translated"], hints.command("not_translated", k, []))
        for k, n in not_translated
    ]
    if not assessments:
        blockers.append(Blocker("no_objects", tool, tool, REASONS["no_objects"], hints.command("no_objects", tool, [])))
    return ToolGate(tool, len(assessments), not blockers, blockers)
