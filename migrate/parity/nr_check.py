"""One New Relic object checked on both systems: its NRQL through NerdGraph and its Datadog formulas over the
same window at one step, compared as Prometheus objects are (compare.py: coverage, largest differences,
verdict); for a condition, when each side fires.

Firing: New Relic's side is the critical term evaluated over the NR series (a violation opens at T when the
operator holds for ALL the aggregation windows of (T - duration, T], or AT_LEAST_ONCE in it); Datadog's is the
monitor's own state history (dd_history.py) when Datadog returns one for the applied monitor, else the
monitor's condition evaluated on the Datadog series with its window and aggregation (alerts.py). `alerts`
says which (`datadog_firing`).
"""

from __future__ import annotations

from typing import Any

from migrate.parity.alerts import agreement, datadog_firing, minutes, monitor_states, window_seconds, window_states
from migrate.parity.check import Sides
from migrate.parity.compare import Parity, Tolerance, compare
from migrate.parity.condition import Condition
from migrate.parity.fetch import Answer, datadog_timeseries
from migrate.parity.newrelic import nrql_timeseries
from migrate.parity.nr_targets import NrTarget
from migrate.translate.ddquery import render

_RANK = {"agrees": 0, "no_data": 1, "differs": 2}


def check_nr(
    target: NrTarget, sides: Sides, window: tuple[int, int], step: int, tolerance: Tolerance
) -> dict[str, Any]:
    graph, account = sides.nerdgraph()
    step = max(step, target.step or step)
    start, end = window[0] // step * step, window[1] // step * step
    lookback = int(target.term.duration_s) // step * step if target.term is not None else 0
    asked = (start - lookback, end)
    sources = nrql_timeseries(graph, account, target.nrql, asked, step, facet_tags=target.facet_tags)
    results: list[tuple[Parity, Answer, Answer]] = []
    for i, formula in enumerate(target.formulas):
        dd = datadog_timeseries(sides.datadog, formula, *asked, step)
        nr = sources[i] if i < len(sources) else Answer([], step, bucket_start=True)
        results.append((compare(nr, dd, (start, end), {}, tolerance, source="New Relic"), nr, dd))
    worst = max(range(len(results)), key=lambda i: _RANK[results[i][0].verdict])
    out = results[worst][0].as_json()
    out["nrql"], out["datadog"] = target.nrql, render(target.formulas[worst].inline())
    if len(results) > 1:
        out["queries"] = [
            {"datadog": render(f.inline()), "verdict": p.verdict, "max_rel_diff": p.max_rel_diff}
            for f, (p, _, _) in zip(target.formulas, results, strict=True)
        ]
    if target.monitor is not None and target.term is not None and out["verdict"] != "no_data":
        _, nr, dd = results[0]
        alerts = _firing(sides, target, nr, dd, range(start + step, end + 1, step))
        out["alerts"] = alerts
        if not alerts["agrees"]:
            out["verdict"] = "differs"
            first = alerts["first_disagreement"]
            said = f"fires differently from {first} (Datadog's side: {alerts['datadog_firing']})"
            out["detail"] = "; ".join(filter(None, [out["detail"], said]))
    return out


def _firing(sides: Sides, target: NrTarget, nr: Answer, dd: Answer, times: range) -> dict[str, Any]:
    assert target.term is not None and target.monitor is not None
    term, monitor = target.term, target.monitor
    holds = Condition(term.comparator, term.threshold).holds
    nr_on = window_states(
        nr,
        int(term.duration_s),
        times,
        (lambda v: all(map(holds, v))) if term.all_windows else (lambda v: any(map(holds, v))),
    )
    dd_on, used = datadog_firing(sides.datadog, target.resource, times)
    if dd_on is None:
        condition = Condition(monitor.comparator, monitor.threshold)
        seconds = window_seconds(monitor.window)
        dd_on = monitor_states(dd, monitor.time_aggregation, seconds, times, condition)
    out = minutes(agreement(nr_on, dd_on, times), times.step, "newrelic")
    occurrences = "ALL" if term.all_windows else "AT_LEAST_ONCE"
    out["newrelic"] = f"{term.comparator} {term.threshold:g} for {occurrences} of {term.duration_s:g}s"
    out["monitor"] = f"{monitor.time_aggregation}({monitor.window}) {monitor.comparator} {monitor.threshold:g}"
    out["datadog_firing"] = used
    return out
