"""Benchmark: parse and translate every NRQL query of the New Relic corpus (dashboards, then alert conditions).

Dashboard queries are the widgets' ``rawConfiguration.nrqlQueries[].query`` (quickstart dashboard
JSON); alert queries are ``nrql.query`` in the condition YAML. Prints how many parse, each one that
does not (with its located error), and queries/second for the dashboard queries: wall time (what the
target is about) and CPU time of this process (what the code costs when other jobs share the cores),
best of N runs with the token cache emptied before each run. Then parse + translate (NRQL → Datadog with the
shipped mapping rules) over the same dashboard queries, the translation outcomes, and the ratio of translate to
parse-only time. The target for parse + translate is >= 10,000 dashboard queries/s on this machine.

    .venv/bin/python bench/nrql.py [--runs N] [--dir DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from migrate.mappings import load_mappings
from migrate.translate.nrql import NrqlSyntaxError, parse_nrql
from migrate.translate.nrql.lexer import clear_token_cache, tokenize
from migrate.translate.nrql.translate import translate_nrql
from migrate.translate.query import QueryContext

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus" / "newrelic"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 355 files in 0.1 s, not 1 s


def _widget_queries(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for query in node.get("nrqlQueries") or []:
            if isinstance(query, dict) and isinstance(query.get("query"), str):
                yield query["query"]
        for value in node.values():
            yield from _widget_queries(value)
    elif isinstance(node, list):
        for value in node:
            yield from _widget_queries(value)


def dashboard_queries(root: Path) -> list[tuple[str, str]]:
    """(file relative to root, query) for every widget NRQL query under root/dashboards."""
    found = []
    for path in sorted((root / "dashboards").rglob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        found += [(str(path.relative_to(root)), q) for q in _widget_queries(doc)]
    return found


def alert_queries(root: Path) -> list[tuple[str, str]]:
    """(file relative to root, query) for every condition's nrql.query under root/alert-policies."""
    found = []
    for path in sorted(p for p in (root / "alert-policies").rglob("*") if p.suffix in (".yml", ".yaml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506 (a safe loader)
        nrql = doc.get("nrql") if isinstance(doc, dict) else None
        if isinstance(nrql, dict) and isinstance(nrql.get("query"), str):
            found.append((str(path.relative_to(root)), nrql["query"]))
    return found


def failures(queries: list[tuple[str, str]]) -> list[tuple[str, str, NrqlSyntaxError]]:
    out = []
    for origin, query in queries:
        try:
            parse_nrql(query)
        except NrqlSyntaxError as error:
            out.append((origin, query, error))
    return out


def best_of(runs: int, fn: Any) -> tuple[float, float]:
    """Best (wall, CPU) seconds of fn over runs, garbage collector off while timing (as timeit does)."""
    wall = cpu = float("inf")
    for _ in range(runs):
        clear_token_cache()
        gc.collect()
        gc.disable()
        try:
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            wall = min(wall, time.perf_counter() - start)
            cpu = min(cpu, time.process_time() - start_cpu)
        finally:
            gc.enable()
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--dir", type=Path, default=CORPUS)
    args = parser.parse_args()
    dashboards, alerts = dashboard_queries(args.dir), alert_queries(args.dir)
    for kind, queries in (("dashboard", dashboards), ("alert", alerts)):
        bad = failures(queries)
        print(f"{kind} queries: {len(queries)}, parsed {len(queries) - len(bad)}, syntax errors {len(bad)}")
        for origin, query, error in bad:
            print(f"  {origin}: {error}\n    {query!r}")
    texts = [q for _, q in dashboards]

    def parse_all() -> None:
        for text in texts:
            with contextlib.suppress(NrqlSyntaxError):
                parse_nrql(text)

    def tokenize_all() -> None:
        for text in texts:
            with contextlib.suppress(NrqlSyntaxError):
                tokenize(text)

    wall, cpu = best_of(args.runs, parse_all)
    token_wall, _ = best_of(args.runs, tokenize_all)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"parse {len(texts)} dashboard queries: {wall * 1000:.0f} ms wall, {len(texts) / wall:,.0f} queries/s")
    print(f"  CPU time of this process: {cpu * 1000:.0f} ms, {len(texts) / cpu:,.0f} queries/s")
    print(f"  tokenizing alone: {token_wall / wall:.0%} of the wall time; best of {args.runs}; load average {load}")

    ctx = QueryContext(mappings=load_mappings())
    outcomes = Counter(translate_nrql(text, ctx).fidelity.value for text in texts)
    print("translated: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))

    def translate_all() -> None:
        for text in texts:
            translate_nrql(text, ctx)

    t_wall, t_cpu = best_of(args.runs, translate_all)
    print(f"parse + translate: {t_wall * 1000:.0f} ms wall, {len(texts) / t_wall:,.0f} queries/s (target 10,000)")
    print(f"  CPU time of this process: {t_cpu * 1000:.0f} ms, {len(texts) / t_cpu:,.0f} queries/s")
    print(f"  translate alone / parse alone (CPU): {(t_cpu - cpu) / cpu:.2f}")


if __name__ == "__main__":
    main()
