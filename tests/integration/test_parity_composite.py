"""Composite monitors checked on data: rules with `and` / `unless` translated by the CLI into composites over part
monitors, then `parity` against a real Prometheus whose `ALERTS` record comes from its own evaluation of each rule
(tests/support/parity.py `rule_alerts`) and the local Datadog server holding the same samples. Each part's values
are compared with the PromQL operand it came from; the composite's firing, its parts combined by its query, with
ALERTS. A composite edited wrong (`!` dropped, `&&` flipped to `||`) is caught."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migrate.mappings import load_mappings
from migrate.parity.run import run_parity
from migrate.translate.ddquery.composite import resolve
from tests.support.parity import ParallelRun, parallel_run, rule_alerts, translate_rules

pytestmark = pytest.mark.prometheus

# (alertname, expr, for seconds). Errors and billing requests grow at constant rates (0.9/s and 12/s in all): the
# first fires all along, the billing guard never. The load and memory gauges move once a minute, per pod.
RULES = [
    (
        "ErrorsUnlessBusy",
        "sum(rate(errors_total[5m])) > 0.5 unless sum(rate(billing_requests_total[5m])) > 100",
        60,
    ),
    ("LoadAndMemory", "max by (pod) (node_load1) > 120 and max by (pod) (node_memory_MemAvailable_bytes) > 100", 60),
    ("LoadOrMemory", "max by (pod) (node_load1) > 130 or max by (pod) (node_memory_MemAvailable_bytes) > 135", 300),
    (
        "LoadUnlessLowMemory",
        "max by (pod) (node_load1) > 120 unless max by (pod) (node_memory_MemAvailable_bytes) < 90",
        120,
    ),
]


@pytest.fixture(scope="module")
def alerts() -> dict[str, list[str]]:
    """Per rule, the ALERTS record Prometheus' own evaluation of it over the history makes."""
    with parallel_run() as first:
        return {name: rule_alerts(first, name, expr, hold) for name, expr, hold in RULES}


@pytest.fixture(scope="module")
def run(alerts: dict[str, list[str]]) -> Iterator[ParallelRun]:
    with parallel_run([line for lines in alerts.values() for line in lines]) as parallel:
        yield parallel


def _onsets(lines: list[str], window: tuple[int, int]) -> int:
    """How many times a series of the ALERTS record starts firing inside the window."""
    count = 0
    firing: dict[str, bool] = {}
    for line in lines:
        series, value, at = line.rsplit(" ", 2)
        on = value != "NaN"
        count += on and not firing.get(series, True) and window[0] < int(at) < window[1]
        firing[series] = on
    return count


def _translate(tmp_path: Path) -> Path:
    rules = "groups:\n  - name: app\n    rules:\n" + "".join(
        f"      - alert: {name}\n        expr: {expr}\n        for: {hold}s\n" for name, expr, hold in RULES
    )
    return translate_rules(tmp_path, rules)


def _parity(run: ParallelRun, translation: Path, out: Path) -> dict[str, dict[str, Any]]:
    mappings = load_mappings([translation.parent / "maps"])
    result = run_parity(
        translation_dir=translation, out=out, sides=run.sides, window=run.window, step=60, mappings=mappings, force=True
    )
    assert not result.failed and not result.skipped, (result.failed, result.skipped)
    return {key.rsplit("/", 1)[1]: value for key, value in result.results.items()}


def _composite(resources: list[dict[str, Any]], alertname: str) -> dict[str, Any]:
    (found,) = [
        r
        for r in resources
        if r["payload"].get("type") == "composite" and f"alertname:{alertname.lower()}" in r["payload"]["tags"]
    ]
    assert isinstance(found, dict)
    return found


def _edit_composite(translation: Path, alertname: str, old: str, new: str) -> None:
    path = translation / "desired.json"
    desired = json.loads(path.read_text(encoding="utf-8"))
    composite = _composite(desired["resources"], alertname)["payload"]
    assert old in composite["query"]
    composite["query"] = composite["query"].replace(old, new)
    path.write_text(json.dumps(desired), encoding="utf-8")


def _apply_composite(run: ParallelRun, translation: Path, alertname: str) -> list[int]:
    """The rule's part monitors and composite created in the local server (ids written in, as apply does); their
    ids, the composite's first."""
    desired = json.loads((translation / "desired.json").read_text(encoding="utf-8"))["resources"]
    composite = _composite(desired, alertname)
    ids = {}
    for part in composite["metadata"]["parts"]:
        (payload,) = [r["payload"] for r in desired if r["key"] == part]
        ids[part] = str(run.sides.datadog.post_json("/api/v1/monitor", payload)["id"])
    payload = {**composite["payload"], "query": resolve(composite["payload"]["query"], ids)}
    return [int(run.sides.datadog.post_json("/api/v1/monitor", payload)["id"]), *map(int, ids.values())]


def test_a_composite_with_state_history_is_compared_by_it(run: ParallelRun, tmp_path: Path) -> None:
    translation = _translate(tmp_path)
    applied = _apply_composite(run, translation, "ErrorsUnlessBusy")
    start, end = run.window
    # Datadog says the composite alerted from 30 minutes in to an hour in; Prometheus' rule fired all along.
    run.datadog.store.events.record_transition(applied[0], "Alert", start + 1800)
    run.datadog.store.events.record_transition(applied[0], "OK", start + 3600)
    try:
        result = _parity(run, translation, tmp_path / "p.json")["ErrorsUnlessBusy"]
    finally:  # the other test compares the same rule unapplied
        for ident in applied:
            run.sides.datadog.request("DELETE", f"/api/v1/monitor/{ident}")
    alerts = result["alerts"]
    assert alerts["datadog_firing"] == "the monitor's state history (GET /api/v2/events)"
    assert alerts["minutes_both_firing"] == 30 and alerts["minutes_only_prometheus"] == (end - start) // 60 - 30
    assert result["verdict"] == "differs" and alerts["first_disagreement"] == start


def test_composites_compared_part_by_part_and_by_when_they_fire(
    run: ParallelRun, alerts: dict[str, list[str]], tmp_path: Path
) -> None:
    translation = _translate(tmp_path)
    evidence = _parity(run, translation, tmp_path / "parity.json")
    print(json.dumps({k: v.get("alerts") or v["verdict"] for k, v in evidence.items()}, indent=1))  # noqa: T201
    window_minutes = (run.window[1] - run.window[0]) // 60
    # The parts' values against the operands they were made from.
    for part in (f"{name}#{p}" for name, _, _ in RULES for p in "ab"):
        assert evidence[part]["verdict"] == "agrees" and evidence[part]["coverage"] == 1.0, evidence[part]
    assert evidence["ErrorsUnlessBusy#b"]["promql"].startswith("sum(rate(billing_requests_total")
    # The composite fires when ALERTS says the rule fired.
    unless = evidence["ErrorsUnlessBusy"]
    assert unless["verdict"] == "agrees" and unless["alerts"]["minutes_both_firing"] == window_minutes
    assert unless["alerts"]["datadog_firing"] == "the monitor's condition evaluated on the Datadog series"
    both = evidence["LoadAndMemory"]
    assert both["alerts"]["minutes_both_firing"] > 0 and {s["key"] for s in both["series"]} >= {"pod:web-1"}
    # The grouped composites fire one minute before ALERTS at each onset and agree otherwise: Prometheus' `for`
    # counts from the first evaluation that returns the series (for 1m: two evaluations a minute apart, two data
    # minutes), each part's window needs one data minute less (as for any monitor translated from a rule with
    # `for`). With `or` and `unless` the parts hold their windows separately (composite.for_per_part); on this data
    # that changes nothing more.
    for name in ("LoadAndMemory", "LoadOrMemory", "LoadUnlessLowMemory"):
        figures = evidence[name]["alerts"]
        onsets = _onsets(alerts[name], run.window)
        assert onsets > 0 and figures["minutes_both_firing"] > 0, figures
        assert figures["minutes_only_prometheus"] == 0 and figures["minutes_only_datadog"] == onsets, (name, figures)
    assert both["alerts"]["monitor"] == "a && b"
    # the ledger entry carries the composite's verdict with its parts'
    ledger = json.loads((translation / "ledger.json").read_text(encoding="utf-8"))
    recorded = {e["key"].rsplit("/", 1)[1]: e["evidence"]["parity"] for e in ledger["entries"] if "evidence" in e}
    assert recorded["ErrorsUnlessBusy"]["verdict"] == "agrees" and "alerts" in recorded["ErrorsUnlessBusy"]

    # `!` dropped: the composite never fires where Prometheus always did
    _edit_composite(translation, "ErrorsUnlessBusy", "&& !", "&& ")
    # `&&` flipped to `||`: it fires whenever either part does
    _edit_composite(translation, "LoadAndMemory", "&&", "||")
    wrong = _parity(run, translation, tmp_path / "wrong.json")
    print(json.dumps({k: v["alerts"] for k, v in wrong.items() if "alerts" in v}, indent=1))  # noqa: T201
    assert wrong["ErrorsUnlessBusy"]["verdict"] == "differs"
    assert wrong["ErrorsUnlessBusy"]["alerts"]["minutes_only_prometheus"] == window_minutes
    assert wrong["ErrorsUnlessBusy"]["alerts"]["first_disagreement"] == run.window[0]
    flipped = wrong["LoadAndMemory"]
    assert (
        flipped["verdict"] == "differs"
        and flipped["alerts"]["minutes_only_datadog"] > both["alerts"]["minutes_only_datadog"] + 30
    )
    assert wrong["LoadAndMemory#a"]["verdict"] == "agrees"  # the parts themselves are still right
    ledger = json.loads((translation / "ledger.json").read_text(encoding="utf-8"))
    recorded = {e["key"].rsplit("/", 1)[1]: e["evidence"]["parity"] for e in ledger["entries"] if "evidence" in e}
    assert recorded["ErrorsUnlessBusy"]["verdict"] == recorded["LoadAndMemory"]["verdict"] == "differs"
