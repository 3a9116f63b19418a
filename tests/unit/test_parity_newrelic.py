"""Parity's New Relic and synthetic halves piece by piece: the NRQL asked over the window (from its parsed
tree), NerdGraph's TIMESERIES rows read as series (facets, percentiles, several SELECT items), long windows
in chunks of at most 366 buckets, TOO_MANY_REQUESTS retried; up/down minutes; Datadog's monitor events and
synthetic results as the local server answers them, in the vendored schema's shapes."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
import yaml
from jsonschema import Draft4Validator

from migrate.cli import main
from migrate.mappings import load_mappings
from migrate.parity import newrelic as nr
from migrate.parity import uptime
from migrate.parity.dd_history import alert_states, monitor_events
from migrate.parity.fetch import datadog_client
from migrate.parity.nr_targets import find_nr_targets, with_defaults
from migrate.parity.uptime import compare_uptime, states
from migrate.settings import datadog_credentials
from migrate.sources.newrelic.nerdgraph import NerdGraph
from migrate.sources.pingdom.api import client_from_env
from migrate.testing.ddserver import DatadogTestServer
from migrate.translate.nrql import parse_nrql
from migrate.translate.store import read_translation
from tests.support.nr_parity import ACCOUNT, PINGDOM_URL, URL, pingdom_results
from tests.unit.test_http_client import FakeClock

SPEC = Path(__file__).resolve().parents[1] / "corpus" / "datadog" / "openapi" / "v1-openapi.yaml"


@cache
def _components() -> dict[str, Any]:
    spec = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    assert isinstance(spec, dict)
    components = spec["components"]
    assert isinstance(components, dict)
    return components


def schema_errors(component: str, payload: Any) -> list[str]:
    """Errors of `payload` against a component of the full vendored v1 spec (the response shapes too)."""
    validator = Draft4Validator({"$ref": f"#/components/schemas/{component}", "components": _components()})
    return [e.message for e in validator.iter_errors(payload)]


ENV = {"NEW_RELIC_API_KEY": "NRAK-TEST", "NEW_RELIC_ACCOUNT_ID": str(ACCOUNT), "NEW_RELIC_API_URL": URL}


@pytest.fixture(autouse=True)
def _no_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nr, "PACE", nr.Pace(per_minute=10**9))


def _graph() -> NerdGraph:
    return NerdGraph.from_env(ENV, clock=FakeClock())


def _answer(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"data": {"actor": {"account": {"nrql": {"results": rows}}}}}


def test_the_window_replaces_the_querys_own_time_clauses() -> None:
    text = "SELECT count(*) FROM Transaction WHERE appName = 'a' FACET name SINCE 1 hour ago COMPARE WITH 1 day ago"
    tree = parse_nrql(nr.windowed(text, 1000, 4600, 60))
    assert tree.since is not None and getattr(tree.since, "millis", None) == 1_000_000
    assert getattr(tree.until, "millis", None) == 4_600_000 and tree.compare_with is None
    assert tree.timeseries is not None and tree.where == parse_nrql(text).where and tree.facet == parse_nrql(text).facet
    assert nr.facet_names(text) == ["name"] and nr.facet_names("SELECT count(*) FROM T FACET capture(x, r'a')") == []


@responses.activate
def test_rows_become_series_by_facet_and_value() -> None:
    rows = [
        {
            "beginTimeSeconds": t,
            "endTimeSeconds": t + 60,
            "facet": ["checkout", "GET"],
            "appName": "checkout",
            "request.method": "GET",
            "percentile.duration": {"50": 0.1 * i, "95": 0.3 * i},
            "count": i,
        }
        for i, t in enumerate(range(0, 600, 60), start=1)
    ]
    responses.add(responses.POST, URL, json=_answer(rows))
    tags = {"appName": "service", "request.method": "http.method"}
    text = "SELECT percentile(duration, 50, 95), count(*) FROM Transaction FACET appName, request.method"
    p50, p95, count = nr.nrql_timeseries(_graph(), ACCOUNT, text, (0, 600), 60, facet_tags=tags)
    assert [s.labels for s in p50.series] == [{"service": "checkout", "http.method": "GET"}]
    assert p50.series[0].points[120] == pytest.approx(0.3) and p95.series[0].points[0] == pytest.approx(0.3)
    assert count.series[0].points[540] == 10 and p50.bucket_start and p50.step == 60


@responses.activate
def test_a_day_at_a_minute_is_asked_in_chunks_of_at_most_366_buckets() -> None:
    asked: list[str] = []

    def callback(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        asked.append(json.loads(request.body or b"{}")["variables"]["nrql"])
        return 200, {}, json.dumps(_answer([]))

    responses.add_callback(responses.POST, URL, callback=callback)
    nr.nrql_timeseries(_graph(), ACCOUNT, "SELECT count(*) FROM Transaction", (0, 86400), 60, facet_tags={})
    assert len(asked) == 4  # 1440 buckets: 366 + 366 + 366 + 342
    spans = [(parse_nrql(q).since, parse_nrql(q).until) for q in asked]
    assert [getattr(s, "millis", None) for s, _ in spans] == [0, 21_960_000, 43_920_000, 65_880_000]
    assert getattr(spans[-1][1], "millis", None) == 86_400_000


@responses.activate
def test_too_many_requests_in_a_200_is_retried() -> None:
    slow = {"data": None, "errors": [{"message": "slow down", "extensions": {"errorClass": "TOO_MANY_REQUESTS"}}]}
    responses.add(responses.POST, URL, json=slow)
    responses.add(responses.POST, URL, json=_answer([{"beginTimeSeconds": 0, "endTimeSeconds": 60, "count": 3}]))
    (answer,) = nr.nrql_timeseries(_graph(), ACCOUNT, "SELECT count(*) FROM T", (0, 60), 60, facet_tags={})
    assert answer.series[0].points == {0: 3.0} and len(responses.calls) == 2


def test_uptime_minutes_carry_the_last_result_and_name_the_first_disagreement() -> None:
    assert states([(30, True), (150, False)], range(0, 300, 60)) == {
        0: True,
        60: True,
        120: False,
        180: False,
        240: False,
    }
    source = [(t, not 600 <= t < 900) for t in range(0, 1800, 60)]
    datadog = [(t + 5, not 600 <= t < 720) for t in range(0, 1800, 60)]
    out = compare_uptime(source, datadog, (0, 1800), "Pingdom")
    assert out["verdict"] == "differs" and out["uptime"]["first_disagreement"] == 720
    assert out["uptime"]["minutes_only_source_down"] == 3 and out["uptime"]["minutes_both_down"] == 2
    assert compare_uptime(source, source, (0, 1800), "Pingdom")["verdict"] == "agrees"
    assert compare_uptime([], datadog, (0, 1800), "Pingdom")["detail"] == "no check results from Pingdom in the window"


def test_monitor_events_and_synthetic_results_as_the_local_server_answers_them() -> None:
    with DatadogTestServer() as dd:
        client = datadog_client(dd.url, datadog_credentials(dd.env))
        for i in range(1500):  # more than a page: the cursor is followed
            dd.store.events.record_transition(7, "Alert" if i % 2 == 0 else "OK", 10_000 + 60 * i, ("host:a",))
        dd.store.events.record_transition(8, "Alert", 10_000)
        events = monitor_events(client, 7, 96_400, 200_000)  # from a day before the window: all 1500
        assert len(events) == 1500 and {e["attributes"]["attributes"]["monitor_id"] for e in events} == {7}
        on = alert_states(events, range(10_000, 10_300, 60))
        assert on == {"host:a": {10_000, 10_120, 10_240}}
        api = dd.store.plant("synthetic_test", {"type": "api", "subtype": "http", "name": "t", "config": {}})
        browser = dd.store.plant("synthetic_browser_test", {"type": "browser", "name": "b", "steps": [{}, {}]})
        for t in range(0, 200 * 60, 60):
            dd.store.synth.record_result(api["public_id"], t, passed=t % 120 == 0)
            dd.store.synth.record_result(browser["public_id"], t, passed=False)
        page = client.get_json(f"/api/v1/synthetics/tests/{api['public_id']}/results", {"to_ts": "6000000"})
        assert len(page["results"]) == 101  # 0 s .. 6000 s: to_ts is included
        assert not schema_errors("SyntheticsGetAPITestLatestResultsResponse", page)
        path = f"/api/v1/synthetics/tests/browser/{browser['public_id']}/results"
        shown = client.get_json(path, {})
        assert len(shown["results"]) == 150 and shown["results"][0]["result"]["stepCountCompleted"] == 1
        assert not schema_errors("SyntheticsGetBrowserTestLatestResultsResponse", shown)


def test_sample_conditions_and_widgets_are_paired_with_their_nrql(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[2] / "inventories" / "sample" / "sources" / "newrelic"
    assert main(["collect", "newrelic", "--from-files", str(sample), "--out", str(tmp_path / "inv")]) == 0
    assert main(["translate", "--inventory", str(tmp_path / "inv"), "--out", str(tmp_path / "tr")]) == 0
    translation = read_translation(tmp_path / "tr")
    targets, skipped = find_nr_targets(translation.resources, translation.ledger, translation.meta, load_mappings())
    conditions = [t for t in targets if t.kind == "monitor"]
    assert conditions and all(t.term is not None and t.step for t in conditions)
    assert all(
        t.monitor is not None and t.term is not None and t.monitor.threshold == t.term.threshold for t in conditions
    )
    faceted = [t for t in targets if "FACET name" in t.nrql]
    assert faceted and all(
        t.facet_tags["name"] == "resource_name" and t.facet_tags["appName"] == "service" for t in faceted
    )
    assert any("anomalies() monitor" in r for r in skipped.values())
    # `name IN ({{transaction}})`, the variable defaulting to every value: the term is dropped, as on Datadog's side
    throughput = [t for t in targets if "rate(count(*), 1 minute)" in t.nrql and "FACET name" in t.nrql]
    assert throughput and all("{{" not in t.nrql and "name IN" not in t.nrql for t in throughput)


def test_variables_take_the_template_variables_defaults() -> None:
    text = "SELECT count(*) FROM Transaction WHERE appName = 'a' AND name IN ({{tx}}) AND host = {{h}}"
    variables = {"tx": {"defaults": ["GET /", "POST /pay"]}, "h": {"defaults": ["*"]}}
    assert with_defaults(text, variables) == (
        "SELECT count(*) FROM Transaction WHERE appName = 'a' AND name IN ('GET /', 'POST /pay')"
    )
    with pytest.raises(Exception, match="other than in"):
        with_defaults("SELECT count(*) FROM T WHERE a = 1 OR b IN ({{tx}})", variables)


@responses.activate
def test_long_histories_are_read_page_by_page() -> None:
    pingdom_results(responses.mock, {"42": [(t, "up" if t % 7 else "down") for t in range(0, 2500 * 60, 60)]})
    client = client_from_env({"PINGDOM_API_TOKEN": "test-token", "PINGDOM_API_URL": PINGDOM_URL})
    runs = uptime._pingdom(client, "42", 0, 2500 * 60)
    assert len(runs) == 2500 and len(responses.calls) == 3  # 1000 + 1000 + 500
    assert sum(1 for _, up in runs if not up) == len(range(0, 2500 * 60, 420))
    with DatadogTestServer() as dd:
        responses.add_passthru(dd.url)
        client = datadog_client(dd.url, datadog_credentials(dd.env))
        test = dd.store.plant("synthetic_test", {"type": "api", "subtype": "http", "name": "t", "config": {}})
        for t in range(0, 400 * 60, 60):
            dd.store.synth.record_result(test["public_id"], t, passed=True)
        assert len(uptime._datadog(client, test["public_id"], "api", 0, 400 * 60)) == 400  # 150 + 150 + 100
