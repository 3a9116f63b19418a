"""`ddmigrate report`: the coverage report (report.md + report.json) from a translation and, optionally, a plan
and the bridge-mode cardinality preview (`--cardinality FILE`, the cardinality.json `ddmigrate bridge` writes).

`--strict` exits 3 when approximate or manual items exist (after writing the report, so it can be read).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrate.errors import EXIT_OK, StrictFindings
from migrate.fsutil import write_text
from migrate.report import build_report, jsonreport, markdown, summary_lines
from migrate.report.cardinality import load as load_cardinality
from migrate.runner.plan import read_plan
from migrate.translate.store import read_translation


@dataclass
class Report:
    data: dict[str, Any]
    markdown_path: Path
    json_path: Path

    @property
    def findings_count(self) -> int:
        """Objects whose outcome is approximate or manual (what --strict fails on)."""
        by = self.data["summary"]["by_outcome"]
        return int(by["approximate"]) + int(by["manual"])


def report(
    *, translation_dir: Path, plan_path: Path | None = None, out: Path, cardinality_path: Path | None = None
) -> Report:
    translation = read_translation(translation_dir)
    plan = read_plan(plan_path) if plan_path is not None else None
    preview = load_cardinality(cardinality_path) if cardinality_path is not None else None
    data = build_report(
        translation, translation_dir=translation_dir, plan=plan, plan_path=plan_path, out_dir=out, cardinality=preview
    )
    result = Report(data, out / "report.md", out / "report.json")
    rendered = {result.json_path: jsonreport.render(data), result.markdown_path: markdown.render(data)}
    for path, text in rendered.items():  # both rendered first: a rendering failure writes neither
        write_text(path, text)
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--translation",
        type=Path,
        required=True,
        metavar="DIR",
        help="translation directory written by `ddmigrate translate`",
    )
    parser.add_argument("--plan", type=Path, metavar="FILE", help="plan.json from `ddmigrate plan` (changes planned)")
    parser.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="directory for report.md and report.json"
    )
    parser.add_argument(
        "--cardinality",
        type=Path,
        metavar="FILE",
        help="cardinality.json from `ddmigrate bridge` (--preview or --series-counts): custom metrics "
        "bridge mode would create, per target and per metric, instances over the Agent's limit",
    )
    parser.add_argument("--strict", action="store_true", help="exit 3 when approximate or manual items exist")


def run(args: argparse.Namespace) -> int:
    result = report(
        translation_dir=args.translation, plan_path=args.plan, out=args.out, cardinality_path=args.cardinality
    )
    print("\n".join(summary_lines(result.data)))  # noqa: T201 (the command's output)
    if args.strict and result.findings_count:
        by = result.data["summary"]["by_outcome"]
        raise StrictFindings(
            f"--strict: {by['approximate']} approximate and {by['manual']} manual objects",
            hint=f"see {result.markdown_path}",
        )
    return EXIT_OK
