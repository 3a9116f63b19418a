"""report.html: one self-contained page (inline style, script and SVG; no network) from `build_report` data.

Every string from a source goes through `escape` (text and attribute values alike); the only links are
the Datadog app URLs the report builds itself. A Content-Security-Policy admits no network fetch and no
script but the page's own (by hash), so even a missed escape could not run anything. The page reads in
full with JavaScript off: all rows are in the HTML, the script only hides the ones a filter excludes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from migrate.model import Outcome
from migrate.report import phases
from migrate.report.html_assets import CSS, JS, script_hash
from migrate.report.html_parts import (
    badge,
    bars,
    cardinality,
    changes,
    escape,
    history,
    integrity,
    object_row,
    secrets,
)


def _options(name: str, label: str, values: Iterable[str]) -> str:
    opts = "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)
    return f'<label>{label} <select id="f-{name}"><option value="">all</option>{opts}</select></label>'


def _tool_card(tool: dict[str, Any], reasons: dict[str, str]) -> str:
    name = escape(tool["tool"])
    figures = [
        ("total", "objects"),
        ("applied", "applied"),
        ("verified", "verified (read back)"),
        ("parity_checked", "parity-checked"),
        ("accepted", "accepted"),
        ("blocked", "blocked"),
    ]
    outcome_dl = "".join(f'<dt>{o}</dt><dd data-figure="{o}">{tool["by_outcome"][o]}</dd>' for o in tool["by_outcome"])
    dl = "".join(f'<dt>{label}</dt><dd data-figure="{key}">{tool[key]}</dd>' for key, label in figures)
    gate = tool["gate"]
    if gate["passes"]:
        verdict = '<p class="pass" data-gate="pass">Decommission gate: passes</p>'
    else:
        items = "".join(
            f"<li>{escape(reasons.get(r, r))}: <b>{len(bs)}</b>, e.g. <code>{escape(bs[0]['command'])}</code></li>"
            for r, bs in gate["blockers"].items()
        )
        verdict = f'<p class="fail" data-gate="blocked">Decommission gate: blocked</p><ul class="f">{items}</ul>'
    outcomes = [(o, tool["by_outcome"][o]) for o in tool["by_outcome"]]
    states = [("verified", tool["verified"]), ("accepted", tool["accepted"]), ("blocked", tool["blocked"])]
    return (
        f'<article class="tool" data-tool="{name}"><h3>{name}</h3>'
        f"{bars('Fidelity', outcomes, tool['total'])}{bars('Gate', states, tool['total'])}"
        f"<dl>{outcome_dl}{dl}</dl>{verdict}</article>"
    )


def render(data: dict[str, Any]) -> str:
    rows = [r for group in data["items"].values() for r in group]
    rows.sort(key=lambda r: r["key"])
    codes = sorted(data["reason_codes"])
    integrity_json = json.dumps(data["integrity"], sort_keys=True).replace("<", "\\u003c")
    csp = (
        f"default-src 'none'; script-src {script_hash()}; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    meta = data["translation"]
    filters = (
        '<div id="filters" hidden>'
        + _options("tool", "Tool", sorted({r["source"] for r in rows}))
        + _options("kind", "Kind", sorted({r["kind"] for r in rows}))
        + _options("outcome", "Outcome", [o.value for o in Outcome])
        + _options("code", "Finding", codes)
        + _options("gate", "Gate", ["verified", "accepted", "blocked"])
        + '<label>Search <input id="f-search" type="search" placeholder="name, key, query…"></label>'
        + f'<span><b id="f-shown">{len(rows)}</b> of {len(rows)} shown</span></div>'
    )
    head = (
        "<tr><th>Source object</th><th>Datadog</th><th>Fidelity and findings</th><th>Old and new query</th>"
        "<th>Paged</th><th>Verified</th><th>Parity</th><th>Acceptance</th><th>Gate</th></tr>"
    )
    summary = data["summary"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>ddmigrate migration report</title>",
        f"<style>{CSS}</style></head><body>",
        "<header><h1>ddmigrate migration report</h1>",
        f'<p class="muted">Generated {escape(data.get("generated_at") or "-")} from the translation '
        f'<code>{escape(meta["dir"])}</code>; inputs <code id="fingerprint">{escape(data["integrity"]["fingerprint"])}'
        "</code> (<code>ddmigrate report --check</code> compares them with the files now).</p></header>",
        '<nav><a href="#tools">Tools</a> · <a href="#objects">Objects</a> · <a href="#diff">Dry-run diff</a> · '
        '<a href="#history">History</a> · <a href="#cardinality">Cardinality</a> · <a href="#phases">Phases</a> · '
        '<a href="#secrets">Secrets</a>'
        ' · <a href="#integrity">Integrity</a></nav>',
        f'<section id="tools"><h2>Per source tool</h2><p>{summary["total"]} objects: '
        + ", ".join(f"{badge(o)} {n}" for o, n in summary["by_outcome"].items())
        + '.</p><div class="tools">'
        + "".join(_tool_card(t, data["gate_reasons"]) for t in data["tools"])
        + "</div></section>",
        f'<section id="objects"><h2>Objects ({len(rows)})</h2>{filters}',
        f'<table id="items"><thead>{head}</thead><tbody>',
        "".join(object_row(r) for r in rows),
        "</tbody></table></section>",
        changes(data["plan"]),
        history(data["history"]),
        cardinality(data["cardinality"]),
        phases.html(data.get("phases")),
        secrets(data["secrets"]),
        integrity(data["integrity"]),
        f'<script type="application/json" id="ddmigrate-integrity">{integrity_json}</script>',
        f"<script>{JS}</script></body></html>",
    ]
    return "\n".join(parts) + "\n"
