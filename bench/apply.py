"""Apply N monitors and dashboards through the `apply` command against the local Datadog server, whose
writes share one limit of R per second in windows of P seconds aligned to the clock, as Datadog's are.

`achieved` is the share of the write budget the run used while it was writing, read from the server's
log of accepted writes (`budget_used`): with windows aligned to the clock a whole window's budget is there
at its start, so writes / (R x seconds) would reward bursts (600 writes at 50/s in one and a bit 10 s
windows is "1.9 of the limit") and punish a run that ends early in a window. Instead every window from the
first write's to the last write's offers its budget: the first only for the part of it left after the first
write (or what the run made in it, when it made more), the last only the writes made in it (the run needed
no more), so achieved is at most 1. Time before the first write (start-up,
reading the translation and the org, planning) is reported apart, with the wall time of the whole command.
With `--seeded`, the org first holds owned resources so that the plan has updates and deletes as well as
creates. Target: achieved >= 0.95, fewer than 0.2 429s per object, no duplicates, no failures; a run whose
writes all fit in one window says nothing about pacing (use more objects or a shorter `--period`).
The server runs in this process; without a limit (`--rate 10000`) the same run makes about 350 writes/s on
the project's 2-core machine, so at 50/s what is measured is the client's pacing, not the server.

Usage: python bench/apply.py [--n 600] [--rate 5] [--period 10] [--concurrency 16] [--latency S] [--seeded]
       [--unaligned]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from migrate.commands.apply import DEFAULT_CONCURRENCY, apply
from migrate.datadog import ownership
from migrate.ledger import Ledger
from migrate.model import DesiredResource
from migrate.runner.live import connect
from migrate.testing.ddserver import WRITES, DatadogTestServer, Faults, RequestRecord
from migrate.testing.synthetic import dashboard, desired_mix
from migrate.translate.store import Translation, write_translation


def translation(out: Path, resources: list[DesiredResource]) -> Path:
    write_translation(out, Translation(resources, Ledger(), {"selection": "all"}))
    return out


def budget_used(writes: list[RequestRecord], limit: int, period: float) -> tuple[float, int]:
    """(writes / the budget offered while writing, windows spanned); see the module docstring."""
    if not writes:
        return 0.0, 0
    first, last = min(writes, key=lambda r: r.at), max(writes, key=lambda r: r.at)
    starts = sorted({r.window for r in writes})
    if len(starts) == 1:
        return 1.0, 1
    in_last = sum(1 for r in writes if r.window == last.window)
    in_first = sum(1 for r in writes if r.window == first.window)
    # Windows are back to back from the first's start (aligned or not, none opens while one is open) ...
    middle = round((last.window - first.window) / period) - 1
    # A burst at the start of the first window may use more than its prorated share: then it was there to use.
    budget = max(limit * max(0.0, first.window + period - first.at) / period, in_first) + limit * middle + in_last
    return len(writes) / budget, middle + 2


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--n", type=int, default=600)
    args.add_argument("--rate", type=float, default=5.0, help="writes per second")
    args.add_argument("--period", type=int, default=10, help="window length in seconds")
    args.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    args.add_argument("--seeded", action="store_true", help="plan updates and deletes as well as creates")
    args.add_argument("--unaligned", action="store_true", help="windows start at their first request")
    args.add_argument("--latency", type=float, default=0.0, help="seconds the server takes per request")
    opts = args.parse_args()
    want = desired_mix(opts.n)
    limit = (round(opts.rate * opts.period), float(opts.period))
    with (
        DatadogTestServer(
            write_limit=limit, aligned_windows=not opts.unaligned, faults=Faults(delay=opts.latency)
        ) as dd,
        tempfile.TemporaryDirectory() as tmp,
    ):
        env = {**dd.env, "DD_API_URL": dd.url}
        wd = Path(tmp) / "wd"
        if opts.seeded:  # an earlier apply of a tenth of them, changed, plus some no longer desired
            seed = [*want[: opts.n // 10], *(dashboard(10_000 + i) for i in range(opts.n // 20))]
            dd.limits.limits[WRITES] = (1_000_000, 1.0)
            apply(workdir=wd, translation_dir=translation(Path(tmp) / "seed", seed), conn=connect(env), progress=False)
            dd.limits.limits[WRITES] = limit
            dd.limits.windows.clear()  # the seeding's writes are not this run's
            want = [*(_renamed(r) for r in want[: opts.n // 10]), *want[opts.n // 10 :]]
        tr = translation(Path(tmp) / "tr", want)
        before = len(dd.requests)
        conn = connect(env, concurrency=opts.concurrency)
        started = time.time()
        live_plan, result = apply(
            workdir=wd, translation_dir=tr, conn=conn, concurrency=opts.concurrency, progress=False, yes=True
        )
        seconds = time.time() - started
        requests = dd.requests[before:]
        writes = [r for r in requests if r.method in ("POST", "PUT", "DELETE") and r.status not in (0, 429)]
        limited = sum(1 for r in requests if r.status == 429)
        objects = sum(1 for c in live_plan.plan.changes if c.action.value != "no-op")
        keys = [ownership.owned_key(t, p) for t, store in _stores(dd) for p in store.values()]
        dupes = len(keys) - len(set(keys))
        achieved, windows = budget_used(writes, *limit)
        first = min((r.at for r in writes), default=started)
        writing = max((r.at for r in writes), default=first) - first
        print(
            f"{objects} objects ({dict(live_plan.plan.summary)}), {len(writes)} writes against {limit[0]} writes "
            f"per {limit[1]:.0f}s ({opts.rate:g}/s, windows {'unaligned' if opts.unaligned else 'aligned'}, "
            f"concurrency {opts.concurrency})\n"
            f"achieved {achieved:.3f} of the budget over {windows} windows; "
            f"429s {limited} ({limited / max(objects, 1):.3f} per object); failures {len(result.failures)}; "
            f"duplicates {dupes}\n"
            f"wall {seconds:.1f}s: {first - started:.1f}s before the first write, {writing:.1f}s writing "
            f"({len(writes) / max(writing, 1e-9) / opts.rate:.2f} x R over that span); "
            f"limiter waited {conn.limiter.waited:.1f}s (summed over threads)"
        )
        ok = achieved >= 0.95 and limited / max(objects, 1) < 0.2 and not dupes and result.ok
        return 0 if ok else 1


def _renamed(res: DesiredResource) -> DesiredResource:
    field = "title" if res.type == "dashboard" else "name"
    return DesiredResource(res.type, res.key, {**res.payload, field: f"v2 {res.payload[field]}"}, res.source_refs)


def _stores(dd: DatadogTestServer) -> list[tuple[str, dict[Any, dict[str, Any]]]]:
    return [("monitor", dict(dd.monitors)), ("dashboard", dict(dd.dashboards))]


if __name__ == "__main__":
    sys.exit(main())
