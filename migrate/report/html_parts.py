"""The pieces of report.html: badges, inline SVG bars, an object's row, and the sections after the table.

Every value is escaped here; nothing from a source becomes markup or a link target.
"""

from __future__ import annotations

from html import escape as _escape
from typing import Any

_COLOURS = {
    "exact": "#1a7f37",
    "approximate": "#dc6803",
    "manual": "#b42318",
    "skipped": "#98a2b3",
    "verified": "#1a7f37",
    "accepted": "#2e90fa",
    "blocked": "#b42318",
}


def escape(value: object) -> str:
    return _escape(str(value), quote=True)


def badge(word: str) -> str:
    return f'<span class="badge b-{escape(word)}">{escape(word)}</span>'


def bars(title: str, parts: list[tuple[str, int]], total: int) -> str:
    """One stacked horizontal bar (a segment per part, width by share) with its legend in <title>s."""
    width, x, segs = 300.0, 0.0, []
    for name, n in parts:
        if n and total:
            w = width * n / total
            segs.append(
                f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="14" fill="{_COLOURS.get(name, "#667085")}">'
                f"<title>{escape(name)}: {n}</title></rect>"
            )
            x += w
    legend = ", ".join(f"{escape(n)} {c}" for n, c in parts)
    return (
        f'<div class="muted">{escape(title)}: {legend}</div>'
        f'<svg role="img" aria-label="{escape(title)}: {legend}" width="{int(width)}" height="14" '
        f'viewBox="0 0 {int(width)} 14"><rect width="{int(width)}" height="14" fill="#eaecf0"/>{"".join(segs)}</svg>'
    )


def sparkline(series: dict[str, list[list[float]]]) -> str:
    """Both sides of a parity comparison on one small chart (source grey, Datadog purple)."""
    points = [p for side in series.values() for p in side]
    if not points:
        return ""
    t0, t1 = min(p[0] for p in points), max(p[0] for p in points)
    v0, v1 = min(p[1] for p in points), max(p[1] for p in points)

    def path(side: list[list[float]]) -> str:
        return " ".join(
            f"{200 * (t - t0) / ((t1 - t0) or 1):.1f},{38 - 36 * (v - v0) / ((v1 - v0) or 1):.1f}" for t, v in side
        )

    lines = "".join(
        f'<polyline fill="none" stroke="{c}" stroke-width="1.5" points="{path(series[s])}">'
        f"<title>{s}</title></polyline>"
        for s, c in (("source", "#667085"), ("datadog", "#632ca6"))
    )
    return (
        '<svg role="img" aria-label="source and Datadog series" viewBox="0 0 200 40" width="100%" height="40" '
        f'preserveAspectRatio="none">{lines}</svg>'
    )


def _datadog(row: dict[str, Any]) -> str:
    out = []
    for t in row["datadog"]:
        label = f"{escape(t['type'])} {escape(t['name'] or t['key'])}"
        if t["url"]:
            out.append(
                f'<a href="{escape(t["url"])}" rel="noreferrer">{label}</a> <code>{escape(t["datadog_id"])}</code>'
            )
        else:
            out.append(f"{label} <span class=muted>(not in Datadog yet)</span>")
    return "<br>".join(out) or '<span class="muted">none</span>'


def _findings(row: dict[str, Any]) -> str:
    items = "".join(
        f"<li><code>{escape(f['code'])}</code> {badge(f['outcome'])} {escape(f['message'])}</li>"
        for f in row["findings"]
    )
    reason = f"<div>Reason: {escape(row['reason'])}</div>" if row["reason"] else ""
    return badge(row["outcome"]) + (f'<ul class="f">{items}</ul>' if items else "") + reason


def _queries(row: dict[str, Any]) -> str:
    if not row["original"] and not row["new_queries"]:
        return ""
    new = "\n".join(row["new_queries"])
    return (
        f'<div class="q"><div><h4>{escape(row["source"])}</h4><pre>{escape(row["original"] or "-")}</pre></div>'
        f"<div><h4>Datadog</h4><pre>{escape(new or '-')}</pre></div></div>"
    )


def _verified(row: dict[str, Any]) -> str:
    problems = [
        f"{escape(t['key'])}: {escape(p)}" for t in row["datadog"] if t["verify"] for p in t["verify"]["problems"]
    ]
    problems += [
        f"{escape(t['key'])}: apply failed: {escape(t['apply_error'])}" for t in row["datadog"] if t["apply_error"]
    ]
    return badge(row["verification"]) + (
        f'<ul class="f">{"".join(f"<li>{p}</li>" for p in problems)}</ul>' if problems else ""
    )


def _parity(row: dict[str, Any]) -> str:
    p = row["parity"]
    if not p:
        return '<span class="muted">not measured</span>'
    chart = sparkline(p["series"]) if p.get("series") and p["verdict"] != "agrees" else ""
    return f"{badge(p['verdict'])} {escape(p['detail'])}{chart}"


def _acceptance(row: dict[str, Any]) -> str:
    a = row["acceptance"]
    if not a:
        return ""
    stale = "" if a["valid"] else ' <b class="fail">no longer valid</b>'
    return f"{escape(a['by'])}, {escape(a['at'])}: {escape(a['reason'])}{stale}"


def object_row(row: dict[str, Any]) -> str:
    codes = " ".join(sorted({f["code"] for f in row["findings"]}))
    # Reason codes only (the detail is in the title, the other cells and the tool's gate list): the column is narrow.
    blockers = "".join(
        f'<li title="{escape(b["detail"])}">{escape(b["reason"].replace("_", " "))}</li>' for b in row["blockers"]
    )
    origin = f'<div class="muted">{escape(row["origin"])}</div>' if row["origin"] else ""
    return (
        f'<tr id="obj-{escape(row["key"])}" data-tool="{escape(row["source"])}" data-kind="{escape(row["kind"])}" '
        f'data-outcome="{escape(row["outcome"])}" data-codes="{escape(codes)}" data-gate="{escape(row["gate"])}">'
        f"<td><b>{escape(row['name'])}</b><div><code>{escape(row['key'])}</code></div>{origin}</td>"
        f"<td>{_datadog(row)}</td><td>{_findings(row)}</td><td>{_queries(row)}</td>"
        f"<td>{'<br>'.join(escape(h) for h in row['routing'])}</td><td>{_verified(row)}</td>"
        f"<td>{_parity(row)}</td><td>{_acceptance(row)}</td>"
        f"<td>{badge(row['gate'])}{f'<ul class=f>{blockers}</ul>' if blockers else ''}</td></tr>"
    )


def _empty(section_id: str, title: str, note: str) -> str:
    return f'<section id="{section_id}"><h2>{title}</h2><p>{note}</p></section>'


def table(header: list[str], rows: list[list[str]]) -> str:
    """A table of already-escaped cells."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def changes(plan: dict[str, Any] | None) -> str:
    if plan is None:
        return _empty("diff", "Dry-run diff", "No plan given (<code>report --plan FILE</code>).")
    s = plan["summary"]
    warn = "" if plan["matches_translation"] else '<p class="fail">The plan was made from a different translation.</p>'
    rows = []
    for c in plan["changes"]:
        fields = "".join(
            f"<tr><td><code>{escape(f['path'])}</code></td><td><pre>{escape(f['before'])}</pre></td>"
            f"<td><pre>{escape(f['after'])}</pre></td></tr>"
            for f in c["fields"]
        )
        detail = (
            f"<table><tr><th>Field</th><th>Now in Datadog</th><th>After apply</th></tr>{fields}</table>"
            if fields
            else ""
        )
        rows.append(
            [
                escape(c["action"]),
                escape(c["type"]),
                escape(c["name"]),
                escape(c["datadog_id"] or "(new)"),
                "<br>".join(f'<a href="#obj-{escape(k)}"><code>{escape(k)}</code></a>' for k in c["sources"]),
                detail,
            ]
        )
    return (
        f'<section id="diff"><h2>Dry-run diff</h2><p>Plan <code>{escape(plan["plan_hash"])}</code> against '
        f"{escape(plan['state'])}: {s['create']} to create, {s['update']} to update, {s['delete']} to delete, "
        f"{s['no-op']} unchanged. Each object above shows its old query beside the new one, with every "
        f"difference in meaning as a finding.</p>{warn}"
        + table(["Action", "Type", "Name", "Datadog id", "Source objects", "Fields"], rows)
        + "</section>"
    )


def history(hist: dict[str, Any]) -> str:
    if not hist["runs"] and not hist["phase_events"]:
        return _empty("history", "Run history", "No run recorded in a journal (<code>--workdir</code>).")
    runs = [
        [
            escape(r["started_at"]),
            escape(r["who"]),
            escape(r["verb"] + (" (dry run)" if r["dry_run"] else "")),
            escape(r["phase"] or "-"),
            escape(r["status"]),
            escape(", ".join(f"{k}={v}" for k, v in sorted(r["summary"].items()))),
            f"<code>{escape(r['id'])}</code>",
        ]
        for r in hist["runs"]
    ]
    events = [
        [escape(e["at"]), escape(e["who"]), escape(e["phase"]), escape(e["status"]), escape(e["detail"] or "")]
        for e in hist["phase_events"]
    ]
    return (
        f'<section id="history"><h2>Run history</h2><p class="muted">From {escape(hist["journal"])}.</p>'
        + table(["When (UTC)", "Who", "What", "Phase", "Status", "Counts", "Run"], runs)
        + "<h3>Phase transitions</h3>"
        + table(["When (UTC)", "Who", "Phase", "Status", "Detail"], events)
        + "</section>"
    )


def cardinality(section: dict[str, Any] | None) -> str:
    if not section:
        return _empty("cardinality", "Bridge mode cardinality", "No preview given (<code>--cardinality</code>).")
    limit = section["context_limit_per_instance"]
    rows = [
        [
            escape(t["job"]),
            escape(t["instance"]),
            str(t["contexts"]),
            '<b class="fail">over</b>' if t["over_limit"] else "",
        ]
        for t in section["per_target"]
    ]
    top = [[f"<code>{escape(m['metric'])}</code>", str(m["contexts"])] for m in section["top"]]
    return (
        f'<section id="cardinality"><h2>Bridge mode cardinality</h2><p>The Agent would create '
        f'<b data-figure="custom_metrics">{section["total_custom_metrics"]}</b> custom metrics from '
        f"{section['targets']} targets (limit {limit} contexts per instance; preview {escape(section['path'])}).</p>"
        + table(["Job", "Instance", "Contexts", f"Over {limit}"], rows)
        + table(["Metric", "Contexts"], top)
        + "</section>"
    )


def secrets(section: dict[str, Any]) -> str:
    agent = [
        [f"<code>ENC[{escape(s['handle'])}]</code>", escape(s["job"]), escape(s["option"]), escape(s["provide"])]
        for s in section["agent_secrets"]
    ]
    variables = [
        [f"<code>{escape(v['name'])}</code>", escape(", ".join(v["used_by"]))] for v in section["global_variables"]
    ]
    source = escape(section["agent_secrets_file"]) if section["agent_secrets_file"] else "no secrets-needed.txt given"
    return (
        '<section id="secrets"><h2>Secrets inventory</h2><p>Names only, never values. Agent secrets: '
        f"{source}.</p>"
        + (table(["Handle", "Job", "Option", "What to store"], agent) if agent else "<p>No Agent secret listed.</p>")
        + "<h3>Synthetics global variables</h3>"
        + (table(["Variable", "Used by"], variables) if variables else "<p>None referenced.</p>")
        + "</section>"
    )


def integrity(section: dict[str, Any]) -> str:
    rows = [
        [escape(r["role"]), f"<code>{escape(r['path'])}</code>", f"<code>{escape(r['sha256'] or 'missing')}</code>"]
        for r in section["inputs"]
    ]
    return (
        '<section id="integrity"><h2>Integrity</h2>'
        f"<p>Inputs fingerprint <code>{escape(section['fingerprint'])}</code>. "
        "<code>ddmigrate report --check report.html</code> recomputes each digest.</p>"
        + table(["Input", "Path", "SHA-256"], rows)
        + "</section>"
    )
