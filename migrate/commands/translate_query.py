"""`translate-query`: translate one query expression and explain the result.

Operators and scripts use it to check one expression, so its output is stable: text (query, fidelity,
notes) or `--json` with `query`, `fidelity`, `notes`, `queries`, `formula`, `comparison`, `findings`.
A parse error exits 1 with one line on stderr; anything else that could not be translated is a
`manual` result (exit 0), exactly as the pipeline records it.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from migrate.commands.common import add_mappings_argument
from migrate.errors import TranslationError, UsageError
from migrate.mappings import load_mappings
from migrate.translate.ddquery import render
from migrate.translate.languages import LANGUAGES, language
from migrate.translate.prometheus.rules import safe_translate
from migrate.translate.query import QueryContext, QueryResult

TYPES = ("counter", "gauge", "histogram", "summary")


def translate_query(
    expression: str,
    *,
    lang: str = "promql",
    metric_type: str | None = None,
    namespace: str | None = None,
    mappings_dirs: list[Path] | None = None,
    variables: dict[str, str] | None = None,
) -> QueryResult:
    """Translate one expression. Raises TranslationError when it does not parse."""
    spoken = language(lang)
    if metric_type is not None and metric_type not in TYPES:
        raise UsageError(f"unknown metric type {metric_type!r}", hint=f"choose one of: {', '.join(TYPES)}")
    mappings = load_mappings(mappings_dirs)
    if namespace is not None:
        mappings.data.setdefault("prometheus", {})["namespace"] = namespace
    ctx = QueryContext(mappings=mappings, variables=dict(variables or {}))
    if metric_type is not None:
        spoken.declare_types(ctx, expression, metric_type)
    result = safe_translate(spoken.translate, expression, ctx)  # a translator failure is a manual result
    for finding in result.findings:
        if finding.code == spoken.parse_error_code:
            raise TranslationError(f"cannot parse the expression: {finding.message}")
    return result


def to_json(result: QueryResult) -> dict[str, Any]:
    comparison = None
    if result.comparison is not None:
        comparison = {"op": result.comparison.op, "threshold": result.comparison.threshold}
    return {
        "original": result.original,
        "query": result.expression,
        "fidelity": result.fidelity.value,
        "notes": result.notes,
        "queries": {name: render(q) for name, q in result.queries.items()},
        "formula": render(result.formula) if result.formula is not None else "",
        "comparison": comparison,
        "findings": [f.code for f in result.findings],
        "group_by": list(result.group_by),
        "metrics": list(result.metrics),
        "source_metrics": list(result.source_metrics),
        "no_data_alert": result.no_data_alert,
        # several series (NRQL SELECT items, percentiles, COMPARE WITH) and what the source says about time
        "more_formulas": [render(f) for f in result.more_formulas],
        "labels": list(result.labels),
        "time_frame": asdict(result.time_frame) if result.time_frame is not None else None,
        "interval_seconds": result.interval_seconds,
        "over_time": result.over_time,
        "shift_seconds": result.shift_seconds,
        "limit": result.limit,
    }


def to_text(result: QueryResult) -> str:
    query = result.expression or "(none: manual translation needed)"
    more = [render(f.inline()) for f in result.more_formulas]
    if result.comparison is not None and result.expression:
        query += f" {result.comparison.op} {result.comparison.threshold:g}"
    lines = [f"query:    {query}", *(f"query:    {m}" for m in more), f"fidelity: {result.fidelity.value}"]
    if result.no_data_alert:
        lines.append("alert:    on missing data (notify_no_data)")
    lines.extend(f"note:     [{f.code}] {f.message}" for f in result.findings)
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", default="promql", choices=sorted(LANGUAGES), help="the query language")
    parser.add_argument("--type", dest="metric_type", choices=TYPES, help="type of the metric(s) in the expression")
    parser.add_argument("--namespace", help="the OpenMetrics check namespace (overrides the mappings)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_mappings_argument(parser)
    parser.add_argument("expression", metavar="EXPR", help="the expression (put `--` before it if it starts with -)")


def run(args: argparse.Namespace) -> int:
    if not args.expression.strip():
        raise UsageError("the expression is empty")
    result = translate_query(
        args.expression,
        lang=args.lang,
        metric_type=args.metric_type,
        namespace=args.namespace,
        mappings_dirs=list(args.mappings),
    )
    if args.json:
        print(json.dumps(to_json(result), indent=2, sort_keys=True))  # noqa: T201 - the verb's output
    else:
        print(to_text(result))  # noqa: T201 - the verb's output
    sys.stdout.flush()
    return 0
