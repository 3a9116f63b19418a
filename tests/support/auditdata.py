"""Constructed inputs for the auditors' report and the decommission gate: a translation with one object
of each outcome per tool, a journal recording applies and verifies through the real Journal, and parity
evidence written into ledger.json the way `ddmigrate parity` records it (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from migrate.datadog import ownership
from migrate.ledger import Ledger
from migrate.model import DesiredResource, Finding, Outcome, SourceRef
from migrate.runner.journal import Applied, Journal
from migrate.translate.store import Translation, write_translation

HOSTILE = {
    "title": "<script>alert(1)</script>",
    "query": '"><img src=x onerror=alert(2)>',
    "alert": "Fire</script><script>alert(3)</script>",
    "link": "[click me](javascript:alert(4))",
    "terminal": "Rule\x1b[2J\x1b]8;;http://evil.example\x07link\x1b]8;;\x07 | pipe\nnewline\x9b31m",
}


def ref(source: str, kind: str, name: str) -> SourceRef:
    return SourceRef(source, kind, f"rules/{name}", name, f"rules/{name}.yml")


def monitor(
    r: SourceRef, query: str = "avg(last_5m):avg:http.errors{service:pay} > 5", handle: str = "@slack-pay"
) -> DesiredResource:
    key = ownership.resource_key("monitor", [r])
    payload = {
        "name": r.name,
        "type": "query alert",
        "query": query,
        "message": f"{r.name} fired {handle}\n\n{ownership.footer(key, [r])}",
        "tags": ownership.ownership_tags(key, [r]),
        "options": {"thresholds": {"critical": 5}},
    }
    return DesiredResource("monitor", key, payload, [r])


def build(
    out: Path,
    *,
    sources: tuple[str, ...] = ("prometheus",),
    names: dict[str, str] | None = None,
    query: str = "rate(http_errors_total[5m]) > 5",
    parity: dict[str, dict[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Per source: exact E, approximate A, manual M (a muted placeholder), skipped S. Returns
    {source: {"E": (ref, resource), ...}} so tests can apply and verify them by letter."""
    names = names or {}
    ledger, resources, made = Ledger(), [], {}
    for source in sources:
        objs: dict[str, Any] = {}
        for letter, kind in (
            ("E", "alerting_rule"),
            ("A", "alerting_rule"),
            ("M", "alerting_rule"),
            ("S", "recording_rule"),
        ):
            r = ref(source, kind, names.get(letter, f"{source}{letter}"))
            if letter == "S":
                ledger.record(r, [], skipped=True, reason="recording rule | referenced by nothing")
                objs[letter] = (r, None)
                continue
            res = monitor(r, query=f"avg(last_5m):sum:{source}.{letter.lower()}{{*}} > 5")
            resources.append(res)
            findings = {
                "E": [],
                "A": [Finding("promql.server_label", "label `instance` | kept as tag *host*")],
                "M": [Finding("promql.unsupported_function", "holt_winters() has no Datadog twin", Outcome.MANUAL)],
            }[letter]
            ledger.record(r, findings, targets=[res], original=query)
            objs[letter] = (r, res)
        made[source] = objs
    write_translation(out, Translation(resources, ledger, {"mappings_fingerprint": "sha256:m"}))
    if parity:
        add_parity(out, parity)
    return made


def add_parity(translation: Path, parity: dict[str, dict[str, Any]]) -> None:
    """Write `evidence.parity` into ledger.json entries (source key -> parity result)."""
    path = translation / "ledger.json"
    data = json.loads(path.read_text())
    for entry in data["entries"]:
        if entry["key"] in parity:
            entry["evidence"] = {"parity": parity[entry["key"]]}
    path.write_text(json.dumps(data))


def apply(workdir: Path, resources: list[DesiredResource], *, fail: bool = False) -> None:
    """Record an apply run through the real journal (created, or a failed call)."""
    j = Journal(workdir)
    run = j.start_run("apply", phase="p1", plan_hash="sha256:p", dry_run=False)
    for i, res in enumerate(resources):
        seq = j.intent(run, "p1", "create", res.type, res.key, payload=res.payload)
        if fail:
            j.outcome(seq, "failed", error="HTTP 400: bad query")
        else:
            dd_id = str(1000 + i)
            j.outcome(
                seq, "done", dd_id=dd_id, applied=Applied(res.type, res.key, dd_id, res.payload, "p1", run, False)
            )
    j.finish_run(run, "failed" if fail else "ok", {"created": 0 if fail else len(resources)})
    j.close()


def verify(workdir: Path, resources: list[DesiredResource], problems: list[str] | None = None) -> None:
    j = Journal(workdir)
    run = j.start_run("verify", phase="p1", plan_hash=None, dry_run=False)
    for res in resources:
        j.record_verify(run, "p1", res.type, res.key, problems or [])
    j.finish_run(run, "ok" if not problems else "failed", {"checked": len(resources)})
    j.close()
