"""Apply N monitors against the local Datadog server rate-limited to R requests/s.

Target: achieved throughput ≥ 90% of R, zero duplicates, zero failures.
Usage: python bench/apply.py [N] [R] [concurrency]
"""

import sys
import tempfile
import time
from pathlib import Path

from migrate.datadog import ownership
from migrate.runner.apply import Applier
from migrate.runner.journal import Journal
from migrate.runner.live import connect, plan_live, read_live
from migrate.testing.ddserver import DatadogTestServer
from migrate.testing.synthetic import desired_monitors


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rate = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    concurrency = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    want = desired_monitors(n)
    with DatadogTestServer(rate_limits={"monitors": (rate, 1)}) as dd, tempfile.TemporaryDirectory() as tmp:
        conn = connect({**dd.env, "DD_API_URL": dd.url}, concurrency=concurrency)
        journal = Journal(Path(tmp))
        plan = plan_live(want, read_live(conn, journal), journal).plan
        started = time.monotonic()
        result = Applier(journal, conn.sink, concurrency=concurrency, progress=False).apply(plan, phase=None)
        seconds = time.monotonic() - started
        keys = [ownership.owned_key("monitor", m) for m in dd.monitors.values()]
        dupes = len(keys) - len(set(keys))
        print(
            f"applied {n} monitors in {seconds:.2f}s: {n / seconds:.1f} creates/s against a limit of {rate}/s "
            f"({100 * n / seconds / rate:.1f}%); failures {len(result.failures)}; duplicates {dupes}; "
            f"429s {conn.limiter.rate_limited}; waited {conn.limiter.waited:.1f}s for windows"
        )
        ok = n / seconds >= 0.9 * rate and not dupes and not result.failures and len(dd.monitors) == n
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
