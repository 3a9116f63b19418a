"""The report.md sections beside the coverage tables: per-tool figures and gates, each object's evidence,
the run history, the secrets inventory and the integrity digests (the same content as report.html)."""

from __future__ import annotations

from typing import Any

from migrate.report.md import code, table, text


def _target(t: dict[str, Any]) -> str:
    label = f"{t['type']} {code(t['key'])}"
    return f"{label} [{text(t['datadog_id'])}]({t['url']})" if t["url"] else f"{label} (not in Datadog yet)"


def _gate(item: dict[str, Any]) -> str:
    accepted = item["acceptance"]
    if accepted and accepted["valid"]:
        return f"gate: accepted by {text(accepted['by'])} at {text(accepted['at'])}: {text(accepted['reason'])}"
    why = ", ".join(dict.fromkeys(b["reason"] for b in item["blockers"]))
    return f"gate: {item['gate']}" + (f" ({why})" if why else "")


def targets_and_gate(item: dict[str, Any]) -> str:
    return (", ".join(_target(t) for t in item["datadog"]) or "-") + "; " + _gate(item)


def reason_and_gate(item: dict[str, Any]) -> str:
    return text(item["reason"] or "") + "; " + _gate(item)


def item_lines(item: dict[str, Any]) -> list[str]:
    out = []
    if item["datadog"]:
        out.append("- Datadog: " + ", ".join(_target(t) for t in item["datadog"]))
    if item["routing"]:
        out.append("- Paged: " + ", ".join(code(h) for h in item["routing"]))
    out.append(f"- Verified: {item['verification']}")
    problems = [p for t in item["datadog"] if t["verify"] for p in t["verify"]["problems"]]
    out += [f"  - {text(p)}" for p in problems]
    parity = item["parity"]
    out.append(f"- Parity: {parity['verdict']}: {text(parity['detail'])}" if parity else "- Parity: not measured")
    accepted = item["acceptance"]
    if accepted:
        stale = "" if accepted["valid"] else " (**no longer valid**: the object changed)"
        out.append(f"- Accepted by {text(accepted['by'])} at {text(accepted['at'])}: {text(accepted['reason'])}{stale}")
    out.append(f"- Gate: {item['gate']}")
    out += [f"  - {b['reason']}: {text(b['detail'])}; clear with {code(b['command'])}" for b in item["blockers"]]
    return out


def tools(data: dict[str, Any]) -> list[str]:
    keys = ["total", "exact", "approximate", "manual", "skipped", "applied", "verified", "parity_checked", "accepted"]
    rows = [
        [
            code(t["tool"]),
            *(t["by_outcome"].get(k, t.get(k)) for k in keys),
            "passes" if t["gate"]["passes"] else "**blocked**",
        ]
        for t in data["tools"]
    ]
    out = ["## Per source tool", ""]
    out += table(["Tool", *(k.replace("_", "-") for k in keys), "Decommission gate"], rows, numeric_from=1)
    for t in data["tools"]:
        for reason, blockers in t["gate"]["blockers"].items():
            out += [f"### {code(t['tool'])}: {text(data['gate_reasons'].get(reason, reason))} ({len(blockers)})", ""]
            out += [f"- {code(b['key'])}: {text(b['detail'])}; clear with {code(b['command'])}" for b in blockers]
            out.append("")
    return out


def history(hist: dict[str, Any]) -> list[str]:
    out = ["## Run history", ""]
    if not hist["runs"] and not hist["phase_events"]:
        return [*out, "No run recorded in a journal (`--workdir`).", ""]
    out += table(
        ["When (UTC)", "Who", "What", "Phase", "Status", "Counts", "Run"],
        [
            [
                text(r["started_at"]),
                text(r["who"]),
                text(r["verb"] + (" (dry run)" if r["dry_run"] else "")),
                text(r["phase"] or "-"),
                text(r["status"]),
                text(", ".join(f"{k}={v}" for k, v in sorted(r["summary"].items()))),
                code(r["id"]),
            ]
            for r in hist["runs"]
        ],
        numeric_from=99,
    )
    out += ["### Phase transitions", ""]
    if not hist["phase_events"]:
        return [*out, "None.", ""]
    out += table(
        ["When (UTC)", "Who", "Phase", "Status", "Detail"],
        [
            [text(e["at"]), text(e["who"]), text(e["phase"]), text(e["status"]), text(e["detail"] or "")]
            for e in hist["phase_events"]
        ],
        numeric_from=99,
    )
    return out


def secrets(section: dict[str, Any]) -> list[str]:
    out = ["## Secrets inventory (names only, never values)", ""]
    agent = section["agent_secrets"]
    out += (
        table(
            ["Handle", "Job", "Option", "What to store"],
            [[code(f"ENC[{s['handle']}]"), text(s["job"]), text(s["option"]), text(s["provide"])] for s in agent],
            numeric_from=99,
        )
        if agent
        else [
            "No Agent secret listed" + ("." if section["agent_secrets_file"] else " (no secrets-needed.txt given)."),
            "",
        ]
    )
    variables = section["global_variables"]
    out += ["### Synthetics global variables", ""]
    out += (
        table(
            ["Variable", "Apply reads it from", "Used by"],
            [[code(v["name"]), code(v.get("env", "")), ", ".join(code(k) for k in v["used_by"])] for v in variables],
        )
        if variables
        else ["None referenced.", ""]
    )
    return out


def integrity(section: dict[str, Any]) -> list[str]:
    out = ["## Integrity", "", f"Inputs fingerprint {code(section['fingerprint'])}.", ""]
    out += table(
        ["Input", "Path", "SHA-256"],
        [[text(r["role"]), code(r["path"]), code(r["sha256"] or "missing")] for r in section["inputs"]],
        numeric_from=99,
    )
    return out
