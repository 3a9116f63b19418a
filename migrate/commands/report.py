"""`ddmigrate report`: the auditors' report (report.html, report.md, report.json) from a translation and,
optionally, a plan, the working directory's journal (applied, verified, run history), the reviewed
exceptions (`acceptances.json`), the bridge-mode cardinality preview and the Agent secrets list.

`--strict` exits 3 when approximate or manual items exist (after writing the report, so it can be read).
`--check REPORT` (report.html or report.json) recomputes the SHA-256 of every input the report recorded
and exits 1 when any differs.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrate.errors import EXIT_ERROR, EXIT_OK, InputError, StrictFindings, UsageError
from migrate.fsutil import dumps, read_text, write_text
from migrate.report import build_report, html, jsonreport, markdown, summary_lines
from migrate.report import integrity as integrity_mod
from migrate.report.gather import gather
from migrate.textsafe import one_line

from .apply import add_common
from .common import add_review_arguments


@dataclass
class Report:
    data: dict[str, Any]
    markdown_path: Path
    json_path: Path
    html_path: Path

    def to_json(self) -> dict[str, Any]:
        """What `report --json` prints: counts, gates, the plan's summary and the files written (the shape
        README's "Output for scripts" documents; keys are only ever added). report.json holds everything."""
        data = self.data
        plan = data["plan"]
        return {
            "written": {"html": str(self.html_path), "markdown": str(self.markdown_path), "json": str(self.json_path)},
            "objects": data["summary"]["total"],
            "by_outcome": data["summary"]["by_outcome"],
            "resources": data["resources"],
            "findings": {"by_code": data["reason_codes"], "total": sum(data["reason_codes"].values())},
            "tools": [
                {
                    "tool": t["tool"],
                    **{k: t[k] for k in ("total", "by_outcome", "applied", "verified", "accepted", "blocked")},
                    "gate_passes": bool(t["gate"]["passes"]),
                }
                for t in data["tools"]
            ],
            "plan": None if plan is None else {**plan["summary"], "matches_translation": plan["matches_translation"]},
            "inputs_fingerprint": data["integrity"]["fingerprint"],
            "strict_failed": bool(self.findings_count),
        }

    @property
    def findings_count(self) -> int:
        """Objects whose outcome is approximate or manual (what --strict fails on)."""
        by = self.data["summary"]["by_outcome"]
        return int(by["approximate"]) + int(by["manual"])


def report(
    *,
    translation_dir: Path,
    out: Path,
    plan_path: Path | None = None,
    cardinality_path: Path | None = None,
    workdir: Path | None = None,
    acceptances_path: Path | None = None,
    phases_file: Path | None = None,
    secrets_path: Path | None = None,
) -> Report:
    translation, inputs = gather(
        translation_dir=translation_dir,
        workdir=workdir if workdir is not None else Path(),
        acceptances_path=acceptances_path,
        phases_file=phases_file,
        plan_path=plan_path,
        cardinality_path=cardinality_path,
        secrets_path=secrets_path,
        out_dir=out,
    )
    data = build_report(translation, translation_dir=translation_dir, inputs=inputs)
    result = Report(data, out / "report.md", out / "report.json", out / "report.html")
    rendered = {
        result.json_path: jsonreport.render(data),
        result.markdown_path: markdown.render(data),
        result.html_path: html.render(data),
    }
    for path, text in rendered.items():  # all rendered first: a rendering failure writes none
        write_text(path, text)
    return result


_EMBEDDED = re.compile(r'<script type="application/json" id="ddmigrate-integrity">(.*?)</script>', re.DOTALL)


def recorded_integrity(path: Path) -> dict[str, Any]:
    """The integrity section of a report.json, or the one embedded in a report.html."""
    text = read_text(path, "a ddmigrate report")
    match = _EMBEDDED.search(text)
    try:
        data = json.loads(match.group(1)) if match else json.loads(text).get("integrity")
    except (json.JSONDecodeError, AttributeError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("inputs"), list):
        raise InputError(
            "no integrity section found", path=str(path), hint="pass the report.html or report.json `report` wrote"
        )
    return data


def check(report_path: Path) -> list[dict[str, Any]]:
    return integrity_mod.check(recorded_integrity(report_path)["inputs"])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser, translation=False)
    add_review_arguments(parser, translation_required=False)  # not with --check
    parser.add_argument("--plan", type=Path, metavar="FILE", help="plan.json from `ddmigrate plan` (changes planned)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="directory for report.html, report.md and report.json")
    parser.add_argument(
        "--cardinality",
        type=Path,
        metavar="FILE",
        help="cardinality.json from `ddmigrate bridge` (--preview or --series-counts): custom metrics "
        "bridge mode would create, per target and per metric, instances over the Agent's limit",
    )
    parser.add_argument("--secrets", type=Path, metavar="FILE", help="secrets-needed.txt from `ddmigrate bridge`")
    parser.add_argument("--strict", action="store_true", help="exit 3 when approximate or manual items exist")
    parser.add_argument(
        "--check", type=Path, metavar="REPORT", help="say whether the inputs still match REPORT (.html or .json)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print the summary (or --check's rows) as one JSON document"
    )


def _run_check(path: Path, as_json: bool) -> int:
    rows = check(path)
    bad = [r for r in rows if r["status"] != "ok"]
    if as_json:
        sys.stdout.write(dumps({"report": str(path), "matches": not bad, "inputs": rows}))
        return EXIT_ERROR if bad else EXIT_OK
    for row in rows:
        sys.stdout.write(f"{row['status'].upper():<8} {one_line(row['role'])}: {one_line(row['path'])}\n")
    sys.stdout.write(
        f"{len(rows) - len(bad)} of {len(rows)} inputs match {one_line(path)}"
        + ("\n" if not bad else f"; {len(bad)} differ: the report no longer describes these files\n")
    )
    return EXIT_ERROR if bad else EXIT_OK


def run(args: argparse.Namespace) -> int:
    if args.check is not None:
        return _run_check(args.check, args.json)
    if args.translation is None or args.out is None:
        raise UsageError("report needs --translation DIR and --out DIR (or --check REPORT)")
    result = report(
        translation_dir=args.translation,
        plan_path=args.plan,
        out=args.out,
        cardinality_path=args.cardinality,
        workdir=args.workdir,
        acceptances_path=args.acceptances,
        phases_file=args.phases,
        secrets_path=args.secrets,
    )
    if args.json:
        sys.stdout.write(dumps(result.to_json()))
    else:
        print("\n".join(summary_lines(result.data)))  # noqa: T201 (the command's output)
    if args.strict and result.findings_count:
        by = result.data["summary"]["by_outcome"]
        raise StrictFindings(
            f"--strict: {by['approximate']} approximate and {by['manual']} manual objects",
            hint=f"see {result.html_path}",
        )
    return EXIT_OK
