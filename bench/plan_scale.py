"""Plan scale: time and peak memory of the live (three-way) plan for 1,000 to 10,000 desired objects.

For each size N, desired = N synthetic resources (4 monitors : 1 dashboard with 6 widgets), planned
  - against an empty org and an empty ledger (everything is a create), and
  - against a half-populated org: N/2 owned resources already there (a tenth of them edited since,
    so updates and drift), recorded in the ledger as last applied, plus N/10 unowned look-alikes
    (adopt candidates are searched among them).
The plan is `migrate.runner.live.plan_live` (what `plan --live` and `apply` run) over resources
already read: the API reads are bench/apply.py's business. Time is the best of `--runs`; peak memory
is tracemalloc's peak during one separate run (tracemalloc slows the code, so it is not timed).

    .venv/bin/python bench/plan_scale.py [--sizes 1000,2000,5000,10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
import tracemalloc
from pathlib import Path

from migrate.model import DesiredResource
from migrate.runner.journal import Applied, Journal
from migrate.runner.live import plan_live
from migrate.runner.state import LiveResource
from migrate.testing.synthetic import desired_mix


def half_populated(want: list[DesiredResource], journal: Journal) -> list[LiveResource]:
    live: list[LiveResource] = []
    run_id = journal.start_run("apply", phase=None, plan_hash=None, dry_run=False)
    for i, res in enumerate(want[: len(want) // 2]):
        dd_id = str(10_000_000 + i)
        seq = journal.intent(run_id, None, "create", res.type, res.key, payload=res.payload)
        journal.outcome(
            seq, "done", dd_id=dd_id, applied=Applied(res.type, res.key, dd_id, res.payload, None, run_id, False)
        )
        payload = dict(res.payload, id=dd_id)
        if i % 10 == 0:  # edited in Datadog since: an update, and drift
            field = "title" if res.type == "dashboard" else "name"
            payload[field] = f"{payload[field]} (edited)"
        live.append(LiveResource(res.type, dd_id, payload, res.key))
    journal.finish_run(run_id, "ok", {})
    for i, res in enumerate(want[: len(want) // 10]):  # hand-made look-alikes: same name, no marker
        field = "title" if res.type == "dashboard" else "name"
        body = {field: res.payload[field], "query": res.payload.get("query", ""), "tags": [], "message": ""}
        live.append(LiveResource(res.type, str(20_000_000 + i), body, None))
    return live


def measure(want: list[DesiredResource], live: list[LiveResource], journal: Journal, runs: int) -> tuple[float, int]:
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        plan_live(want, live, journal)
        best = min(best, time.perf_counter() - started)
    gc.collect()
    tracemalloc.start()
    result = plan_live(want, live, journal)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(result.plan.changes) >= len(want)
    return best, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,5000,10000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows: dict[tuple[str, int], tuple[float, int]] = {}
    print(f"{'state':<16} {'N':>6} {'seconds':>8} {'ms/object':>10} {'peak MiB':>9} {'KiB/object':>10}")
    for state in ("empty", "half-populated"):
        for n in sizes:
            want = desired_mix(n)
            with tempfile.TemporaryDirectory() as tmp:
                journal = Journal(Path(tmp))
                live = [] if state == "empty" else half_populated(want, journal)
                seconds, peak = measure(want, live, journal, args.runs)
                journal.close()
            rows[(state, n)] = (seconds, peak)
            print(
                f"{state:<16} {n:>6} {seconds:>8.2f} {1000 * seconds / n:>10.3f} {peak / 2**20:>9.1f} "
                f"{peak / 1024 / n:>10.2f}",
                flush=True,
            )
    lo, hi = sizes[0], sizes[-1]
    print(f"\ngrowth from {lo:,} to {hi:,} objects ({hi / lo:.0f}x):")
    for state in ("empty", "half-populated"):
        (t0, m0), (t1, m1) = rows[(state, lo)], rows[(state, hi)]
        print(f"  {state:<16} time x{t1 / t0:.1f}, peak memory x{m1 / m0:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
