"""`ddmigrate decommission-check TOOL`: may the old tool be switched off?

Exit 0 only when every object of TOOL (the ledger's `source`: newrelic, prometheus, grafana, pingdom)
is accounted for and is either verified (applied, read back by `verify` since, and where a parity result
exists, in agreement) or accepted (`ddmigrate accept`). Otherwise exit 1, listing what blocks, grouped by
reason, each with the command that would clear it. See `migrate.report.gate` for the rules.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from migrate.errors import EXIT_ERROR, EXIT_OK
from migrate.report.gate import REASONS, Hints, ToolGate, assess, tool_gate
from migrate.report.gather import gather
from migrate.textsafe import one_line

from .apply import add_common
from .common import add_review_arguments

TOOLS = ("newrelic", "prometheus", "grafana", "pingdom")


def decommission_check(
    *,
    tool: str,
    translation_dir: Path,
    workdir: Path = Path(),
    acceptances_path: Path | None = None,
    phases_file: Path | None = None,
) -> ToolGate:
    translation, inputs = gather(
        translation_dir=translation_dir, workdir=workdir, acceptances_path=acceptances_path, phases_file=phases_file
    )
    resources = {r.key: r for r in translation.resources}
    assert inputs.acceptances is not None
    hints = inputs.hints or Hints(translation_dir, workdir)
    assessments = [
        assess(e, resources, inputs.evidence, inputs.acceptances, hints)
        for e in translation.ledger
        if e.ref.source == tool
    ]
    return tool_gate(tool, assessments, list(inputs.not_translated.get(tool, [])), hints)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser, translation=False)
    parser.add_argument("tool", choices=TOOLS, help="the source tool to switch off")
    add_review_arguments(parser, translation_required=True)
    parser.add_argument("--limit", type=int, default=20, metavar="N", help="objects listed per reason (default 20)")


def run(args: argparse.Namespace) -> int:
    gate = decommission_check(
        tool=args.tool,
        translation_dir=args.translation,
        workdir=args.workdir,
        acceptances_path=args.acceptances,
        phases_file=args.phases,
    )
    out = sys.stdout
    if gate.passes:
        out.write(f"{args.tool}: all {gate.total} objects verified or accepted: the decommission gate passes\n")
        return EXIT_OK
    blocked = len({b.key for b in gate.blockers})
    out.write(f"{args.tool}: decommission gate BLOCKED: {blocked} of {gate.total} objects not verified or accepted\n")
    for reason, blockers in gate.grouped().items():
        out.write(f"\n{reason} ({len(blockers)}): {REASONS[reason]}\n")
        for b in blockers[: args.limit]:
            out.write(
                f"  {one_line(b.key)}  {one_line(b.name)}\n"
                f"      {one_line(b.detail)}\n      clear: {one_line(b.command)}\n"
            )
        if len(blockers) > args.limit:
            out.write(f"  ... and {len(blockers) - args.limit} more (`ddmigrate report` lists them all)\n")
    return EXIT_ERROR
