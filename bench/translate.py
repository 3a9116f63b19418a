"""Benchmark: PromQL translation vs promql-parser parse-only over every corpus rule expression.

Loads every alerting and recording rule expression under tests/corpus/prometheus (plain `groups:`
files and PrometheusRule `spec.groups`), translates them all (best of N runs) with the recording rules
available for inlining, times `promql_parser.parse` alone over the same expressions, and prints
rules/second and the ratio translation / parse-only. Target: ratio <= 3.

    .venv/bin/python bench/translate.py [--runs N] [--dir DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import time
from collections import Counter
from pathlib import Path
from typing import Any

import promql_parser
import yaml

from migrate.mappings import load_mappings
from migrate.translate.promql import translate as promql
from migrate.translate.promql.context import PromqlContext
from migrate.translate.query import QueryContext

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus" / "prometheus"


def rule_groups(doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict):
        return []
    if isinstance(doc.get("spec"), dict):
        doc = doc["spec"]
    groups = doc.get("groups")
    return [g for g in groups if isinstance(g, dict)] if isinstance(groups, list) else []


def load_rules(root: Path) -> tuple[list[str], dict[str, str]]:
    """(every rule expression, recording rule name -> expression)."""
    exprs: list[str] = []
    records: dict[str, str] = {}
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".yml", ".yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            for group in rule_groups(doc):
                for rule in group.get("rules") or []:
                    if isinstance(rule, dict) and isinstance(rule.get("expr"), str | int | float):
                        expr = str(rule["expr"])
                        exprs.append(expr)
                        if "record" in rule:
                            records[str(rule["record"])] = expr
    return exprs, records


def best_of(runs: int, *fns: Any) -> list[float]:
    """Best wall time of each function, runs interleaved (so machine noise hits both alike) and,
    as timeit does, with the garbage collector off while timing."""
    best = [float("inf")] * len(fns)
    for _ in range(runs):
        for i, fn in enumerate(fns):
            gc.collect()
            gc.disable()
            try:
                start = time.perf_counter()
                fn()
                best[i] = min(best[i], time.perf_counter() - start)
            finally:
                gc.enable()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--dir", type=Path, default=CORPUS)
    args = parser.parse_args()
    exprs, records = load_rules(args.dir)
    ctx = QueryContext(mappings=load_mappings(), parts={PromqlContext: PromqlContext(recording_rules=records)})

    def translate_all() -> None:
        promql.clear_caches()  # measure real work: no cache carried over between runs
        for expr in exprs:
            promql.translate_promql(expr, ctx)

    def parse_all() -> None:
        for expr in exprs:
            with contextlib.suppress(ValueError):
                promql_parser.parse(expr)

    translate_s, parse_s = best_of(args.runs, translate_all, parse_all)
    outcomes = Counter(promql.translate_promql(e, ctx).fidelity.value for e in exprs)
    print(f"rules: {len(exprs)} ({len(records)} recording) from {args.dir}")
    print(f"outcomes: {dict(sorted(outcomes.items()))}")
    print(f"translate: {translate_s * 1000:.1f} ms, {len(exprs) / translate_s:,.0f} rules/s (best of {args.runs})")
    print(f"parse only: {parse_s * 1000:.1f} ms, {len(exprs) / parse_s:,.0f} rules/s")
    print(f"ratio translate / parse: {translate_s / parse_s:.2f} (target <= 3)")


if __name__ == "__main__":
    main()
