"""report.md: the coverage report for auditors, rendered from `build_report` data.

Summary tables first, then every approximate and manual item with its findings and original query,
then every skipped item with its reason, grouped by source/kind and sorted by source key (each item
is a heading carrying its source key, so it can be found by search). Text from sources is escaped:
`|` and backticks cannot break a table, queries sit in code spans or fenced blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from migrate.report import markdown_sections as sections
from migrate.report import phases
from migrate.report.md import block, code, table, text

__all__ = ["block", "code", "render", "table", "text"]

_FENCE_LANG = {"prometheus": "promql", "newrelic": "sql", "grafana": "promql"}


def _summary(data: dict[str, Any]) -> list[str]:
    summary = data["summary"]
    outcomes = list(summary["by_outcome"])
    out = ["## Outcomes", ""]
    out += table(
        ["Outcome", "Objects"], [*([o, n] for o, n in summary["by_outcome"].items()), ["**total**", summary["total"]]]
    )
    out += ["## By source and kind", ""]
    out += table(
        ["Source / kind", *outcomes, "total"],
        [[code(k), *(by[o] for o in outcomes), sum(by.values())] for k, by in summary["by_source_kind"].items()],
    )
    out += ["## Datadog resources", ""]
    out += table(["Type", "Desired"], [[code(t), n] for t, n in data["resources"]["by_type"].items()])
    plan = data["plan"]
    if plan is not None:
        s = plan["summary"]
        out += ["## Planned changes", "", f"Plan {code(plan['plan_hash'])} against {text(plan['state'])}.", ""]
        if not plan["matches_translation"]:
            out += ["**Warning:** the plan was made from a different translation; re-run `ddmigrate plan`.", ""]
        out += table(
            ["Create", "Update", "Delete", "Unchanged", "Adopt candidates"],
            [[s["create"], s["update"], s["delete"], s["no-op"], s["adopt_candidates"]]],
            numeric_from=0,
        )
        out += _changes(plan)
    if data.get("cardinality"):
        out += _cardinality(data["cardinality"])
    out += phases.markdown(data.get("phases"))
    out += ["## Reason codes", ""]
    codes = data["reason_codes"]
    out += table(["Code", "Findings"], [[code(c), n] for c, n in codes.items()]) if codes else ["None.", ""]
    return out


def _changes(plan: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if plan.get("changes"):
        out += ["### Changes", ""]
        out += table(
            ["Action", "Type", "Name", "Datadog id", "ddmigrate key", "Source objects", "Fields"],
            [
                [
                    c["action"],
                    c["type"],
                    text(c["name"]),
                    text(c["datadog_id"] or "(new)"),
                    code(c["key"]),
                    "<br>".join(code(k) for k in c["sources"]) or "-",
                    ", ".join(code(f["path"]) for f in c["fields"]),
                ]
                for c in plan["changes"]
            ],
            numeric_from=99,
        )
    if plan.get("adopt_candidates"):
        out += ["### Adopt candidates (not managed by ddmigrate; left alone)", ""]
        out += table(
            ["Type", "Datadog id", "Name", "Looks like desired key", "Matched on"],
            [
                [a["type"], a["datadog_id"], text(a["name"]), code(a["desired_key"]), a["match"]]
                for a in plan["adopt_candidates"]
            ],
            numeric_from=99,
        )
    return out


def _cardinality(section: dict[str, Any]) -> list[str]:
    limit = section["context_limit_per_instance"]
    out = [
        "## Bridge mode: custom metrics (cardinality preview)",
        "",
        f"The Agent's OpenMetrics check would create **{section['total_custom_metrics']}** custom metrics "
        f"from {section['targets']} targets (namespace {code(section['namespace'])}; {text(section['source'])} "
        f"counts from {code(section['prometheus'])}, preview {code(section['path'])}).",
        "",
    ]
    if section["over_limit"]:
        n = len(section["over_limit"])
        out += [
            f"**Warning:** {n} instance{'s exceed' if n > 1 else ' exceeds'} the Agent's default limit of "
            f"{limit} contexts per instance; the excess is dropped silently:",
            "",
        ]
        out += [f"- {code(t['job'] + '/' + t['instance'])}: {t['contexts']} contexts" for t in section["over_limit"]]
        out.append("")
    out += [f"### Top {len(section['top'])} metrics", ""]
    out += table(["Metric", "Contexts"], [[code(m["metric"]), m["contexts"]] for m in section["top"]])
    out += ["### Per target", ""]
    out += table(
        ["Job", "Instance", "Contexts", f"Over {limit}"],
        [
            [code(t["job"]), code(t["instance"]), t["contexts"], "**yes**" if t["over_limit"] else "no"]
            for t in section["per_target"]
        ],
        numeric_from=2,
    )
    if section["warnings"]:
        out += ["### Warnings", "", *(f"- {text(w)}" for w in section["warnings"]), ""]
    return out


def _grouped(items: list[dict[str, Any]]) -> Iterable[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in sorted(items, key=lambda i: i["key"]):
        groups.setdefault(f"{item['source']}/{item['kind']}", []).append(item)
    return sorted(groups.items())


def _detailed(title: str, items: list[dict[str, Any]]) -> list[str]:
    out = [f"## {title} ({len(items)})", ""]
    if not items:
        return [*out, "None.", ""]
    for group, members in _grouped(items):
        out += [f"### {code(group)}", ""]
        for item in members:
            out += [f"#### {code(item['key'])}", ""]
            out += [f"- Name: {text(item['name'])}", f"- Outcome: {item['outcome']}"]
            if item["origin"]:
                out.append(f"- Origin: {code(item['origin'])}")
            out += sections.item_lines(item)
            if item["reason"]:
                out.append(f"- Reason: {text(item['reason'])}")
            out += ["", "Findings:", ""]
            findings = [f"- {code(f['code'])} ({f['outcome']}): {text(f['message'])}" for f in item["findings"]]
            out += findings or ["- none"]
            if item["original"]:
                out += ["", "Original query:", "", *block(item["original"], _FENCE_LANG.get(item["source"], ""))]
            if item["new_queries"]:
                out += ["", "Datadog query:", "", *block("\n".join(item["new_queries"]))]
            out.append("")
    return out


def _table_section(
    title: str, items: list[dict[str, Any]], last: str, cell: Callable[[dict[str, Any]], str]
) -> list[str]:
    """Items listed as one table per source/kind: source key, name, and one more column."""
    out = [f"## {title} ({len(items)})", ""]
    if not items:
        return [*out, "None.", ""]
    for group, members in _grouped(items):
        out += [f"### {code(group)}", ""]
        out += table(
            ["Source key", "Name", last], [[code(i["key"]), text(i["name"]), cell(i)] for i in members], numeric_from=3
        )
    return out


def _skipped(items: list[dict[str, Any]]) -> list[str]:
    return _table_section("Skipped items", items, "Reason and gate", sections.reason_and_gate)


def _exact(items: list[dict[str, Any]]) -> list[str]:
    return _table_section("Exact items", items, "Datadog resources and gate", sections.targets_and_gate)


def render(data: dict[str, Any]) -> str:
    paths, meta = data["paths"], data["translation"]["meta"]
    out = ["# ddmigrate coverage report", ""]
    out.append(
        f"- Translation: {code(data['translation']['dir'])}"
        + (f" (ddmigrate {text(meta['ddmigrate_version'])})" if meta.get("ddmigrate_version") else "")
    )
    out.append(f"- Ledger: {code(paths['ledger'])}")
    if paths["plan"]:
        out.append(f"- Plan: {code(paths['plan'])}")
    if paths.get("cardinality"):
        out.append(f"- Bridge cardinality preview: {code(paths['cardinality'])}")
    out.append(f"- Inputs fingerprint: {code(data['integrity']['fingerprint'])} (`ddmigrate report --check`)")
    out += ["", *sections.tools(data), *_summary(data)]
    items = data["items"]
    out += _detailed("Approximate items", items["approximate"])
    out += _detailed("Manual items", items["manual"])
    out += _skipped(items["skipped"])
    out += _exact(items["exact"])
    out += sections.history(data["history"])
    out += sections.secrets(data["secrets"])
    out += sections.integrity(data["integrity"])
    return "\n".join(out).rstrip("\n") + "\n"
