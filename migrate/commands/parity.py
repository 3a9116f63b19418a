"""`ddmigrate parity`: run each translated query on Prometheus and on Datadog over the same window and write
the comparison as evidence per ledger key (migrate/parity/run.py says the file's shape).

Endpoints and keys from the environment only: PROMETHEUS_URL (+ PROMETHEUS_BEARER_TOKEN or
PROMETHEUS_USERNAME/PASSWORD); NEW_RELIC_API_KEY, NEW_RELIC_ACCOUNT_ID, NEW_RELIC_REGION / NEW_RELIC_API_URL
(as `collect newrelic`); PINGDOM_API_TOKEN, PINGDOM_API_URL (as `collect pingdom`); DD_API_URL or DD_SITE,
DD_API_KEY, DD_APP_KEY.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from migrate.errors import EXIT_ERROR, EXIT_OK, ConfigError
from migrate.mappings import load_mappings, parse_duration
from migrate.parity.check import Sides
from migrate.parity.fetch import datadog_client
from migrate.parity.run import ParityRun, default_since, default_step, run_parity
from migrate.progress import progress_bar, wanted
from migrate.settings import datadog_api_url, datadog_credentials
from migrate.sources.http import HttpClient
from migrate.sources.newrelic.nerdgraph import NerdGraph
from migrate.sources.newrelic.nerdgraph import account_id as nerdgraph_account
from migrate.sources.pingdom.api import client_from_env as pingdom_client

from .common import add_mappings_argument


def _instant(text: str, flag: str) -> int:
    """Epoch seconds, or an ISO 8601 time (`2026-01-01T00:00:00Z`)."""
    try:
        return int(float(text))
    except ValueError:
        pass
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    except ValueError:
        raise ConfigError(f"{flag} {text!r} is neither epoch seconds nor an ISO 8601 time") from None


def parity_window(since: str | None, start: str | None, until: str | None, default: int, now: float) -> tuple[int, int]:
    if since is not None and (start is not None or until is not None):
        raise ConfigError("give either --since or --from/--until, not both")
    if start is not None:
        end = _instant(until, "--until") if until is not None else int(now)
        begin = _instant(start, "--from")
    else:
        try:
            length = int(parse_duration(since)) if since is not None else default
        except ValueError:
            raise ConfigError(f"--since {since!r} is not a duration (24h, 90m, 7d)") from None
        end, begin = int(now), int(now) - length
    if end <= begin:
        raise ConfigError("the parity window is empty: --until must be after --from")
    return begin, end


def connect_sides(env: Mapping[str, str], label_tags: dict[str, str | None]) -> Sides:
    """Datadog always; each source side only when its endpoint or key is set (an object that needs a missing
    side fails naming the variable). New Relic and Pingdom are read with their collectors' own clients."""
    prometheus = HttpClient.from_env("PROMETHEUS_URL", "PROMETHEUS", env) if env.get("PROMETHEUS_URL") else None
    datadog = datadog_client(datadog_api_url(env), datadog_credentials(env))
    newrelic = account = None
    if env.get("NEW_RELIC_API_KEY"):
        newrelic, account = NerdGraph.from_env(env), nerdgraph_account(env)
    pingdom = pingdom_client(env) if env.get("PINGDOM_API_TOKEN") else None
    return Sides(prometheus, datadog, label_tags, newrelic, account, pingdom)


def parity_command(
    *,
    translation_dir: Path,
    out: Path,
    since: str | None = None,
    start: str | None = None,
    until: str | None = None,
    step: str | None = None,
    only: str | None = None,
    force: bool = False,
    mappings_dirs: list[Path] | None = None,
    env: Mapping[str, str] | None = None,
    sides: Sides | None = None,
    now: float | None = None,
    progress: bool | None = None,
) -> ParityRun:
    """`progress`: the objects compared, on stderr (None: only when stderr is a terminal)."""
    mappings = load_mappings(mappings_dirs)
    window = parity_window(since, start, until, default_since(mappings), time.time() if now is None else now)
    try:
        step_seconds = int(parse_duration(step)) if step is not None else default_step(mappings)
    except ValueError:
        raise ConfigError(f"--step {step!r} is not a duration (60s, 5m)") from None
    if step_seconds <= 0:
        raise ConfigError("--step must be at least 1s")
    sides = sides or connect_sides(os.environ if env is None else env, mappings.label_tags)
    with progress_bar("parity", show=wanted(progress), unit="objects") as ticker:

        def compared(key: str, result: dict[str, Any]) -> None:
            _print(key, result)
            ticker.advance()

        return run_parity(
            translation_dir=translation_dir,
            out=out,
            sides=sides,
            window=window,
            step=step_seconds,
            mappings=mappings,
            only=only,
            force=force,
            progress=compared,
        )


def _print(key: str, result: dict[str, Any]) -> None:
    figures = f"coverage {result['coverage']:.0%}, max rel diff {result['max_rel_diff']:.3g}"
    detail = f": {result['detail']}" if result["verdict"] != "agrees" and result["detail"] else ""
    sys.stdout.write(f"{result['verdict'].upper():8} {key} ({figures}){detail}\n")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--translation", type=Path, required=True, metavar="DIR", help="a `ddmigrate translate` output")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE", help="the evidence file (JSON, resumed)")
    parser.add_argument("--since", metavar="DURATION", help="the window ending now (default: mappings parity.since)")
    parser.add_argument("--from", dest="start", metavar="TIME", help="window start: epoch seconds or ISO 8601")
    parser.add_argument("--until", metavar="TIME", help="window end (default now)")
    parser.add_argument("--step", metavar="DURATION", help="the common step (default: mappings parity.step, 60s)")
    parser.add_argument("--only", metavar="KEY", help="one ledger key")
    parser.add_argument("--force", action="store_true", help="re-check keys already in the out file")
    add_mappings_argument(parser)


def run(args: argparse.Namespace) -> int:
    result = parity_command(
        translation_dir=args.translation,
        out=args.out,
        since=args.since,
        start=args.start,
        until=args.until,
        step=args.step,
        only=args.only,
        force=args.force,
        mappings_dirs=args.mappings,
    )
    for key, reason in sorted(result.failed.items()):
        sys.stdout.write(f"FAILED   {key}: {reason}\n")
    for key, reason in sorted(result.skipped.items()):
        sys.stdout.write(f"SKIPPED  {key}: {reason}\n")
    sys.stdout.write(
        f"parity: {result.count('agrees')} agree, {result.count('differs')} differ, {result.count('no_data')} "
        f"without data, {len(result.failed)} failed, {len(result.skipped)} not comparable, "
        f"{len(result.resumed)} already in {args.out}\n"
    )
    return EXIT_ERROR if result.failed else EXIT_OK
