"""`ddmigrate parity` over a translation: each target (targets.py) checked on both systems (check.py), the
evidence written to one JSON file keyed by ledger key after every object, so an interrupted run resumes
where it stopped (keys already in the file are skipped unless `force`).

Evidence per key: `verdict` (agrees | differs | no_data), `coverage`, `max_abs_diff`, `max_rel_diff`,
`step_seconds`, `window` {from, to}, `series` [per series: key, both, only_prometheus, only_datadog,
max_abs_diff, max_rel_diff, worst_at, first_difference], `detail`, `promql`, `datadog`, `kind`, `resource`,
`codes`, `tolerance`, `ledger_key`, `at`, `sketch` {source, datadog: [[t, v], ...]} (the worst series, thinned),
and for monitors `firing` {both, only_prometheus, only_datadog, neither,
first_disagreement, agrees} and, when Prometheus has the rule's ALERTS history, `alerts`. A composite monitor's
parts are monitors keyed `<ledger key>#a`, ...; the composite itself (kind `composite`, the ledger key) has
`alerts` and `firing` from its parts combined (composite.py), per group in `series`.
A query either side refuses is not written (printed, and retried by the next run). Each ledger entry's
verdict also goes into the translation's ledger.json as `evidence.parity` (ledger.py), for the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from migrate.errors import ConfigError, DDMigrateError, InputError, RemoteError
from migrate.fsutil import read_json, write_json
from migrate.mappings import Mappings, parse_duration
from migrate.parity.alerts import compare_alerts
from migrate.parity.check import Query, Sides, check
from migrate.parity.compare import Tolerance
from migrate.parity.composite import check_composite
from migrate.parity.ledger import record_in_ledger
from migrate.parity.nr_check import check_nr
from migrate.parity.nr_targets import find_nr_targets
from migrate.parity.targets import Target, find_targets
from migrate.parity.uptime import check_uptime, find_check_targets
from migrate.translate.store import Translation, read_translation

DEFAULT_TOLERANCE = Tolerance(relative=0.01, absolute=1e-9, missing=0.02)


@dataclass
class ParityRun:
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # this run's evidence
    resumed: list[str] = field(default_factory=list)  # keys already in the out file
    skipped: dict[str, str] = field(default_factory=dict)  # keys parity cannot compare, with the reason
    failed: dict[str, str] = field(default_factory=dict)  # keys whose query a side refused

    def count(self, verdict: str) -> int:
        return sum(1 for r in self.results.values() if r["verdict"] == verdict)


def _tolerance(data: dict[str, Any] | None, base: Tolerance) -> Tolerance:
    data = data or {}
    return Tolerance(
        float(data.get("relative", base.relative)),
        float(data.get("absolute", base.absolute)),
        float(data.get("missing", base.missing)),
    )


def tolerance_for(codes: tuple[str, ...], mappings: Mappings) -> Tolerance:
    """The default tolerance, loosened by the loosest of the object's findings that mappings list."""
    section = mappings.section("parity")
    default = _tolerance(section.get("tolerance"), DEFAULT_TOLERANCE)
    tolerance = default
    for code in codes:
        if code in (section.get("findings") or {}):
            tolerance = tolerance.loosest(_tolerance(section["findings"][code], default))
    return tolerance


def default_step(mappings: Mappings) -> int:
    return int(parse_duration(str(mappings.section("parity").get("step", "60s"))))


def default_since(mappings: Mappings) -> int:
    return int(parse_duration(str(mappings.section("parity").get("since", "24h"))))


def _load(out: Path) -> dict[str, dict[str, Any]]:
    if not out.exists():
        return {}
    data = read_json(out)
    if not isinstance(data, dict) or not all(isinstance(v, dict) and "verdict" in v for v in data.values()):
        raise InputError(
            "not a parity evidence file (expected an object of results keyed by ledger key)",
            path=str(out),
            hint="give --out a new file, or the file an earlier `ddmigrate parity` wrote",
        )
    return data


def run_parity(
    *,
    translation_dir: Path,
    out: Path,
    sides: Sides,
    window: tuple[int, int],
    step: int,
    mappings: Mappings,
    only: str | None = None,
    force: bool = False,
    progress: Callable[[str, dict[str, Any]], None] | None = None,
) -> ParityRun:
    translation = read_translation(translation_dir)
    targets, skipped = find_jobs(translation, mappings)
    if only is not None:
        targets = [t for t in targets if only in (t.key, t.ledger_key)]
        skipped = {k: v for k, v in skipped.items() if k == only}
        if not targets and not skipped:
            raise InputError(
                f"no object {only!r} with a source query or check in the translation", path=str(translation_dir)
            )
    evidence = _load(out)
    run = ParityRun(skipped=skipped)
    start, end = window[0] // step * step, window[1] // step * step
    unconfigured = 0
    for target in targets:
        if target.key in evidence and not force:
            run.resumed.append(target.key)
            continue
        try:
            result = target.run(sides, (start, end), step, tolerance_for(target.codes, mappings))
        except DDMigrateError as exc:
            run.failed[target.key] = str(exc)
            unconfigured += isinstance(exc, ConfigError)
            continue
        run.results[target.key] = evidence[target.key] = result
        write_json(out, evidence)  # after every object: an interrupted run loses at most the one in flight
        if progress is not None:
            progress(target.key, result)
    if run.failed and not run.results and not run.resumed:
        # Nothing could be compared at all: a side is unreachable or refuses us, not one query.
        first = next(iter(run.failed.values()))
        # Every object needed a side with no endpoint or key: that is the operator's setting, not a remote.
        error = ConfigError if unconfigured == len(run.failed) else RemoteError
        raise error(f"no object could be compared ({len(run.failed)} tried); the first: {first}")
    if run.results:
        record_in_ledger(translation_dir / "ledger.json", evidence)
    return run


@dataclass(frozen=True)
class Job:
    """One comparison: the evidence key, its ledger entry, and how to run it."""

    key: str
    ledger_key: str
    kind: str
    resource: str
    codes: tuple[str, ...]
    check: Callable[[Sides, tuple[int, int], int, Tolerance], dict[str, Any]]

    def run(self, sides: Sides, window: tuple[int, int], step: int, tolerance: Tolerance) -> dict[str, Any]:
        result = self.check(sides, window, step, tolerance)
        result.update(
            at=datetime.now(UTC).isoformat(timespec="seconds"),
            ledger_key=self.ledger_key,
            kind=self.kind,
            resource=self.resource,
            codes=list(self.codes),
            tolerance=vars(tolerance),
        )
        return result


def find_jobs(translation: Translation, mappings: Mappings) -> tuple[list[Job], dict[str, str]]:
    """Every comparable object of the translation: Prometheus/Grafana queries, New Relic conditions and
    widgets, Pingdom and New Relic synthetic checks."""
    prom, skipped, composites = find_targets(translation.resources, translation.ledger)
    nr, nr_skipped = find_nr_targets(translation.resources, translation.ledger, translation.meta, mappings)
    checks, check_skipped = find_check_targets(translation.resources, translation.ledger, translation.meta)
    jobs = [Job(t.key, t.ledger_key, t.kind, t.resource, t.codes, partial(_prometheus, t)) for t in prom]
    jobs += [Job(c.key, c.key, "composite", c.resource, c.codes, partial(check_composite, c)) for c in composites]
    jobs += [Job(t.key, t.ledger_key, t.kind, t.resource, t.codes, partial(check_nr, t)) for t in nr]
    jobs += [Job(t.key, t.key, "check", t.resource, t.codes, partial(check_uptime, t)) for t in checks]
    return jobs, {**skipped, **nr_skipped, **check_skipped}


def _prometheus(
    target: Target, sides: Sides, window: tuple[int, int], step: int, tolerance: Tolerance
) -> dict[str, Any]:
    result = check(sides, Query(target.promql, target.formula, target.condition), window, step, tolerance)
    if target.monitor is not None and target.alertname and target.condition is not None:
        alerts = compare_alerts(sides, target, window, step)
        if alerts is not None:
            result["alerts"] = alerts
    return result
