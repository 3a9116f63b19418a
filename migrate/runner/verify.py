"""Verify what a phase applied: read back, compare, validate monitors, check every metric has data, and run
every synthetic test from Datadog (it must pass).

A monitor on a metric that never arrives is the classic silent failure of a migration, so every metric a
monitor or widget queries must have reported a point in the last `window` seconds (metrics query API).
Results go to the ledger (`verify_results`), and the phase becomes `verified` or `verify_failed`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from migrate.datadog.resources import spec
from migrate.model import DesiredResource
from migrate.progress import progress_bar, wanted
from migrate.runner.diff import field_changes, normalize, strip_defaults
from migrate.runner.journal import Journal
from migrate.runner.phases import VERIFIED, VERIFY_FAILED
from migrate.runner.sinks import Sink
from migrate.runner.synthetic_verify import SyntheticRun
from migrate.translate.ddquery import MetricQuery, metric_names, render


def metrics_in(resource_type: str, payload: dict[str, Any]) -> set[str]:
    """Metric names the queries of a resource read (the type declares where its queries are)."""
    texts = spec(resource_type).query_texts(payload)
    return {name for t in texts for name in metric_names(t)}  # text ddquery cannot read names no metric


def _uncheckable(res: DesiredResource) -> str | None:
    """Why the recent-data check cannot cover this resource, or None when it can."""
    rtype = spec(res.type)
    reason = rtype.unverifiable(res.payload)
    if reason is None and rtype.reads_metrics and not metrics_in(res.type, res.payload):
        return "no metric query found to check"
    return reason


@dataclass
class VerifyResult:
    run_id: str
    checked: int = 0
    problems: dict[str, list[str]] = field(default_factory=dict)  # "<type> <key>" -> problems
    metrics_checked: int = 0
    # "<type> <key>" -> why its data could not be checked: said out loud, never passed silently
    not_checked: dict[str, str] = field(default_factory=dict)
    synthetic_runs: dict[str, SyntheticRun] = field(default_factory=dict)  # key -> the run verify triggered

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    journal: Journal,
    sink: Sink,
    desired: Iterable[DesiredResource],
    *,
    phase: str | None,
    validate: Callable[[str, dict[str, Any]], list[str] | None] | None,
    metric_has_data: Callable[[str], bool] | None,
    progress: bool | None = None,
    run_synthetics: Callable[[list[tuple[str, str, str]]], dict[str, SyntheticRun]] | None = None,
) -> VerifyResult:
    """`run_synthetics((type, key, public id) list)`: trigger the applied tests of `triggered` types and wait;
    a test that did not run and pass is a problem (synthetic_verify.py)."""
    applied = journal.applied()
    run_id = journal.start_run("verify", phase=phase, plan_hash=None, dry_run=False)
    result = VerifyResult(run_id)
    metric_cache: dict[str, bool] = {}
    # Per type: a composite names monitors of its own type (ResourceType.references).
    ids_by_key: dict[str, dict[str, str]] = {}
    for (rtype, key), a in applied.items():
        ids_by_key.setdefault(rtype, {})[key] = a.dd_id
    keys_by_id = {rtype: {i: k for k, i in ids.items()} for rtype, ids in ids_by_key.items()}

    def one(res: DesiredResource) -> None:
        problems: list[str] = []
        run = result.synthetic_runs.get(res.key)
        if run is not None and (problem := run.problem()) is not None:
            problems.append(problem)
        known = applied.get((res.type, res.key))
        live = sink.get(res.type, known.dd_id) if known else sink.find_by_key(res.type, res.key)
        if live is None:
            problems.append("not found in Datadog (was the phase applied?)")
        else:
            if spec(res.type).owned_key(live) != res.key and not (known and known.adopted):
                problems.append("live copy does not carry ddmigrate's marker for this key")
            want = normalize(res.type, res.payload)
            # A composite names its parts by id live and by key desired: read the ids back to keys.
            live = spec(res.type).symbolic(live, keys_by_id.get(res.type, {}))
            have = strip_defaults(res.type, want, normalize(res.type, live))
            problems += [
                f"differs at {c.path}: live {c.before!r}, desired {c.after!r}" for c in field_changes(have, want)
            ]
        if validate is not None:  # Datadog's own check, for types that have one (monitors)
            sent = spec(res.type).resolve(res.payload, ids_by_key.get(res.type, {}))
            problems += [f"{res.type} validate: {e}" for e in validate(res.type, sent) or []]
        if metric_has_data is not None:
            reason = _uncheckable(res)
            if reason:
                result.not_checked[f"{res.type} {res.key}"] = reason
            for metric in sorted(metrics_in(res.type, res.payload)):
                if metric not in metric_cache:
                    metric_cache[metric] = metric_has_data(metric)
                if not metric_cache[metric]:
                    problems.append(f"metric {metric} has reported no data recently")
        journal.record_verify(run_id, phase, res.type, res.key, problems)
        result.checked += 1
        if problems:
            result.problems[f"{res.type} {res.key}"] = problems

    desired = list(desired)
    if run_synthetics is not None:  # all triggered at once, before the read-backs
        runnable = [
            (r.type, r.key, known.dd_id)
            for r in desired
            if spec(r.type).triggered and (known := applied.get((r.type, r.key))) is not None
        ]
        result.synthetic_runs = run_synthetics(runnable)
    with progress_bar("verify", len(desired), show=wanted(progress)) as ticker:
        for res in desired:
            one(res)
            ticker.advance()
    result.metrics_checked = len(metric_cache)
    journal.finish_run(
        run_id,
        "ok" if result.ok else "failed",
        {
            "checked": result.checked,
            "failed": len(result.problems),
            "metrics": len(metric_cache),
            "data_not_checked": len(result.not_checked),
            # passed, failed or timed out, where it ran and the result ids (the gate reads the problems)
            "synthetic_runs": [r.to_dict() for r in result.synthetic_runs.values()],
        },
    )
    if phase is not None:
        journal.phase_event(
            phase,
            VERIFIED if result.ok else VERIFY_FAILED,
            run_id=run_id,
            detail=f"{result.checked} checked, {len(result.problems)} failed",
        )
    return result


def metric_query_checker(
    query: Callable[[int, int, str], dict[str, Any]], window: int = 3600, clock: Callable[[], float] = time.time
) -> Callable[[str], bool]:
    """`query(from, to, q)` is GET /api/v1/query; a metric has data when any series has a non-null point."""

    def has_data(metric: str) -> bool:
        now = int(clock()) + 1  # `to` is inclusive whole seconds: include a point reported this very second
        body = query(now - window, now, render(MetricQuery(metric, space="max")))
        return any(
            any(p[1] is not None for p in s.get("pointlist") or [] if len(p) > 1) for s in body.get("series") or []
        )

    return has_data
