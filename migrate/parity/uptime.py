"""Synthetic checks: the source's up/down history against the Datadog test's results over the same window.

Source: Pingdom API 3.1 `GET /results/{checkid}` (`from`, `to` in seconds, `limit` up to 1000, `offset`;
`results[]` of `{probeid, time, status: up|down|unconfirmed_down|unknown, responsetime, statusdesc}`): a
result `down` is down, `up` is up, unconfirmed and unknown ones say nothing. New Relic: the SyntheticCheck
events of the monitor through NRQL (`SELECT count(*) FROM SyntheticCheck WHERE monitorId = '<id>' FACET
result TIMESERIES 1 minute`; `entityGuid = '<guid>'` when the inventory is not at hand to give the monitor id):
a minute with a FAILED check is down, one with only SUCCESS is up.
Datadog: `GET /api/v1/synthetics/tests/{public_id}/results` (browser tests `.../tests/browser/{public_id}/
results`) with `from_ts`/`to_ts` in ms (v1 spec GetAPITestLatestResults: the latest 150 per call, so older
ones are read by moving `to_ts` back): an API run is down when `result.passed` is false, a browser run when
it has errors or completed fewer steps than it has.

Each side is a step function: a check's result holds until that side's next one. Per minute of the window:
both up, both down, down only at the source, down only in Datadog, unknown (no result yet on a side); the
verdict differs when any minute is down on one side only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from migrate import paging
from migrate.ledger import Ledger
from migrate.model import DesiredResource
from migrate.parity.check import Sides
from migrate.parity.compare import Tolerance
from migrate.parity.dd_history import synthetic_ids
from migrate.parity.newrelic import nrql_timeseries
from migrate.parity.nr_targets import inventory_objects
from migrate.parity.targets import comparable
from migrate.sources.http import HttpClient
from migrate.translate.nrql.render import quote

PINGDOM_LIMIT = 1000
DATADOG_PAGE = 150
MINUTE = 60
_KINDS = {("pingdom", "uptime_check"), ("newrelic", "synthetic_monitor")}
_TEST_TYPES = ("synthetic_test", "synthetic_browser_test")


@dataclass(frozen=True)
class CheckTarget:
    key: str
    source: str  # pingdom | newrelic
    source_id: str  # the Pingdom check id; New Relic: the monitor id, else its entity guid
    resource: str
    codes: tuple[str, ...]
    attribute: str = "monitorId"  # the SyntheticCheck attribute `source_id` is (New Relic)


def find_check_targets(
    resources: list[DesiredResource], ledger: Ledger, meta: dict[str, Any]
) -> tuple[list[CheckTarget], dict[str, str]]:
    monitors = inventory_objects(meta, "newrelic", "synthetic_monitor")
    targets, skipped = [], {}
    for entry, resource in comparable(resources, ledger, original=False):
        kind = (entry.ref.source, entry.ref.kind)
        if kind == ("pingdom", "transaction_check"):
            skipped[entry.ref.key] = "a Pingdom transaction check: its results are not in GET /results/{checkid}"
            continue
        if kind not in _KINDS or resource.type not in _TEST_TYPES:
            continue
        codes = tuple(sorted({f.code for f in entry.findings}))
        ident, attribute = entry.ref.id, "entityGuid"
        if entry.ref.source == "pingdom" or (monitors.get(entry.ref.key) or {}).get("monitor_id"):
            ident = str((monitors.get(entry.ref.key) or {}).get("monitor_id") or entry.ref.id)
            attribute = "monitorId"
        targets.append(CheckTarget(entry.ref.key, entry.ref.source, ident, resource.key, codes, attribute))
    return targets, skipped


def check_uptime(
    target: CheckTarget, sides: Sides, window: tuple[int, int], step: int, tolerance: Tolerance
) -> dict[str, Any]:
    del step, tolerance  # a check is compared minute by minute, down or up: no value tolerance applies
    start, end = window[0] // MINUTE * MINUTE, window[1] // MINUTE * MINUTE
    source = _pingdom(sides.source("pingdom"), target.source_id, start, end) if target.source == "pingdom" else None
    if source is None:
        graph, account = sides.nerdgraph()
        source = _newrelic(graph, account, target, start, end)
    ids = synthetic_ids(sides.datadog)
    if target.resource not in ids:
        return _verdict("no_data", "the Datadog test is not applied (no test carries its ddmigrate_id)", window)
    public_id, kind = ids[target.resource]
    datadog = _datadog(sides.datadog, public_id, kind, start, end)
    return compare_uptime(source, datadog, (start, end), "Pingdom" if target.source == "pingdom" else "New Relic")


def _verdict(verdict: str, detail: str, window: tuple[int, int]) -> dict[str, Any]:
    return {
        "verdict": verdict,
        "detail": detail,
        "coverage": 0.0,
        "max_abs_diff": 0.0,
        "max_rel_diff": 0.0,
        "step_seconds": MINUTE,
        "window": {"from": window[0], "to": window[1]},
        "series": [],
    }


def _pingdom(client: HttpClient, check_id: str, start: int, end: int) -> list[tuple[int, bool]]:
    def fetch(offset: int) -> list[dict[str, Any]]:
        params = {"from": str(start), "to": str(end), "limit": str(PINGDOM_LIMIT), "offset": str(offset)}
        data = client.get_json(f"/results/{check_id}", params)
        return [r for r in (data or {}).get("results") or [] if isinstance(r, dict)]

    results = paging.by_offset(fetch, limit=PINGDOM_LIMIT, what=f"Pingdom results of check {check_id}")
    return [(int(r["time"]), r["status"] == "up") for r in results if r.get("status") in ("up", "down")]


def _newrelic(graph: Any, account: int, target: CheckTarget, start: int, end: int) -> list[tuple[int, bool]]:
    # NRQL, not SQL: the id is written as a string literal by the NRQL writer's own quote().
    where = f"{target.attribute} = {quote(target.source_id)}"
    nrql = f"SELECT count(*) FROM SyntheticCheck WHERE {where} FACET result"  # noqa: S608
    answers = nrql_timeseries(graph, account, nrql, (start, end), MINUTE, facet_tags={})
    by_minute: dict[int, bool] = {}
    for series in answers[0].series if answers else []:
        failed = series.labels.get("result", "").upper() != "SUCCESS"
        for t, count in series.points.items():
            if count > 0:
                by_minute[t] = by_minute.get(t, True) and not failed
    return sorted(by_minute.items())


def _datadog(client: HttpClient, public_id: str, kind: str, start: int, end: int) -> list[tuple[int, bool]]:
    """Every result in the window: the API answers the latest 150 up to `to_ts`, so the next page ends just
    before the oldest result of this one (a cursor in `to_ts`)."""
    path = f"/api/v1/synthetics/tests/{'browser/' if kind == 'browser' else ''}{public_id}/results"

    def fetch(to_ms: str | None) -> paging.Page[dict[str, Any], str]:
        data = client.get_json(path, {"from_ts": str(start * 1000), "to_ts": to_ms or str(end * 1000)})
        page = [r for r in (data or {}).get("results") or [] if isinstance(r, dict) and "check_time" in r]
        oldest = min((int(r["check_time"]) for r in page), default=0)
        return paging.Page(page, str(oldest - 1) if len(page) >= DATADOG_PAGE else None)

    runs = paging.by_cursor(fetch, what=f"results of Datadog test {public_id}")
    return sorted({(int(r["check_time"]) // 1000, _passed(r.get("result") or {})) for r in runs})


def _passed(result: dict[str, Any]) -> bool:
    if "passed" in result:
        return bool(result["passed"])
    steps_done = result.get("stepCountCompleted", 0) >= result.get("stepCountTotal", 0)
    return not result.get("errorCount") and bool(steps_done)


def states(runs: list[tuple[int, bool]], minutes: range) -> dict[int, bool]:
    """Up (True) or down per minute: the latest result by the minute's end."""
    out: dict[int, bool] = {}
    ordered = sorted(runs)
    i, current = 0, None
    for m in minutes:
        while i < len(ordered) and ordered[i][0] < m + MINUTE:
            current = ordered[i][1]
            i += 1
        if current is not None:
            out[m] = current
    return out


def compare_uptime(
    source: list[tuple[int, bool]], datadog: list[tuple[int, bool]], window: tuple[int, int], name: str
) -> dict[str, Any]:
    minutes = range(window[0], window[1], MINUTE)
    src, dd = states(source, minutes), states(datadog, minutes)
    if not src or not dd:
        side = "either side" if not src and not dd else (name if not src else "Datadog")
        return _verdict("no_data", f"no check results from {side} in the window", window)
    counts = {"both_up": 0, "both_down": 0, "only_source_down": 0, "only_datadog_down": 0, "unknown": 0}
    first = None
    for m in minutes:
        if m not in src or m not in dd:
            counts["unknown"] += 1
        elif src[m] == dd[m]:
            counts["both_up" if src[m] else "both_down"] += 1
        else:
            counts["only_datadog_down" if src[m] else "only_source_down"] += 1
            first = m if first is None else first
    known = len(minutes) - counts["unknown"]
    differing = counts["only_source_down"] + counts["only_datadog_down"]
    out = _verdict("differs" if differing else "agrees", "", window)
    if differing:
        out["detail"] = (
            f"down on one side for {differing} min ({counts['only_source_down']} only in {name}, "
            f"{counts['only_datadog_down']} only in Datadog), first at {first}"
        )
    out["coverage"] = round(known / len(minutes), 6)
    out["max_abs_diff"] = float(differing)
    out["max_rel_diff"] = differing / known if known else 0.0
    out["uptime"] = {**{f"minutes_{k}": v for k, v in counts.items()}, "first_disagreement": first, "source": name}
    out["sketch"] = {
        "source": [[float(m), 1.0 if up else 0.0] for m, up in sorted(src.items())][:: max(1, len(src) // 240)],
        "datadog": [[float(m), 1.0 if up else 0.0] for m, up in sorted(dd.items())][:: max(1, len(dd) // 240)],
    }
    return out
