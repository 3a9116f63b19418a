"""Translate every corpus Grafana dashboard; print time per panel and the panel/query counts per outcome.

    .venv/bin/python bench/dashboards.py [--repeat N] [--validate]

Translation only by default (collection and schema validation are timed separately with --validate).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from pathlib import Path

from migrate.datadog.validate import validate_payload
from migrate.ledger import Ledger
from migrate.mappings import load_mappings
from migrate.sources.grafana import collect_files
from migrate.translate.base import TranslateEnv
from migrate.translate.grafana.dashboards import translate
from migrate.translate.query import QueryContext

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus" / "grafana"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--validate", action="store_true", help="also time the schema validation of every payload")
    args = parser.parse_args()
    start = time.perf_counter()
    collected = collect_files([CORPUS])
    collect_s = time.perf_counter() - start
    mappings = load_mappings()
    panels = sum(1 for o in collected.objects if o.ref.kind == "panel")
    times, ledger, resources = [], Ledger(), []
    for _ in range(args.repeat):
        ledger = Ledger()
        env = TranslateEnv(ctx=QueryContext(mappings=mappings), ledger=ledger)
        start = time.perf_counter()
        resources = translate(collected.objects, env)
        times.append(time.perf_counter() - start)
    best, median = min(times), statistics.median(times)
    print(f"dashboards {len(resources)}, panels {panels}; collect {collect_s * 1000:.0f} ms")
    print(
        f"translate: best {best * 1000:.0f} ms, median {median * 1000:.0f} ms over {args.repeat} runs; "
        f"{best / panels * 1e6:.0f} µs per panel (best)"
    )
    by_panel = Counter(e.outcome.value for e in ledger if e.ref.kind == "panel")
    queries = Counter(f.outcome.value for e in ledger for f in e.findings if f.code == "grafana.query")
    empty = sum(1 for e in ledger for f in e.findings if f.code == "grafana.query_empty")
    print("panels by outcome:", dict(sorted(by_panel.items())))
    print("queries by outcome:", dict(sorted(queries.items())), f"(+{empty} empty targets)")
    if args.validate:
        start = time.perf_counter()
        invalid = sum(1 for r in resources if validate_payload("dashboard", r.payload))
        print(f"schema validation: {time.perf_counter() - start:.1f} s, {invalid} invalid payloads")


if __name__ == "__main__":
    main()
