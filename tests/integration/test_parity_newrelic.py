"""`ddmigrate parity` for New Relic and Pingdom, end to end through the CLI: a NRQL condition and two widgets
collected from files and translated, one widget's translation broken on purpose (its `by {host}` dropped),
New Relic's side through NerdGraph's `nrql` (behind `responses`), Pingdom's `GET /results/{checkid}`, and the
local Datadog server holding the same CPU as the Agent reports it (user + system + iowait + stolen) and the
synthetic test's results, with the check down ten minutes less than in Pingdom."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from migrate.cli import main
from migrate.commands.decommission_check import decommission_check
from migrate.inventory.store import read_inventory
from migrate.parity.alerts import EVENTS
from migrate.testing.ddserver import DatadogTestServer
from migrate.translate.nrql import ast
from tests.support.nr_parity import ACCOUNT, PINGDOM_URL, URL, FakeNerdGraph, NrqlSeries, pingdom_results

SAMPLE_PINGDOM = Path(__file__).resolve().parents[2] / "inventories" / "sample" / "sources" / "pingdom"
T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
WINDOW = (T0, T0 + 3 * 3600)
HOT = (T0 + 3600, T0 + 7200)  # web-1 above 80 % CPU for the second hour
SHARES = {"user": 0.5, "system": 0.3, "iowait": 0.15, "stolen": 0.05}
CONDITION = """name: Host CPU high
type: STATIC
nrql:
  query: "SELECT average(cpuPercent) FROM SystemSample FACET hostname"
terms:
  - priority: CRITICAL
    operator: ABOVE
    threshold: 80
    thresholdDuration: 300
    thresholdOccurrences: ALL
signal:
  aggregationWindow: 60
"""


def _widget(title: str, column: int, nrql: str) -> dict[str, Any]:
    return {
        "title": title,
        "layout": {"column": column, "row": 1, "width": 6, "height": 3},
        "visualization": {"id": "viz.line"},
        "rawConfiguration": {"nrqlQueries": [{"accountId": ACCOUNT, "query": nrql}]},
    }


DASHBOARD = {
    "name": "Hosts",
    "permissions": "PUBLIC_READ_WRITE",
    "pages": [
        {
            "name": "Hosts",
            "widgets": [
                _widget("CPU by host", 1, "SELECT average(cpuPercent) FROM SystemSample FACET hostname TIMESERIES"),
                _widget("CPU of web-2", 7, "SELECT average(cpuPercent) FROM SystemSample WHERE hostname = 'web-2'"),
            ],
        }
    ],
}


def cpu(host: str, t: int) -> float:
    if host == "web-1":
        return 90.0 if HOT[0] <= t < HOT[1] else 50.0
    return 30.0 + (t // 60) % 7


def _is_cpu(tree: ast.Query, hosts: bool) -> bool:
    return isinstance(tree.source, tuple) and tree.source[0].name == "SystemSample" and bool(tree.facet) == hosts


@pytest.fixture
def nerdgraph() -> FakeNerdGraph:
    minutes = range(WINDOW[0] - 3600, WINDOW[1], 60)
    by_host: dict[tuple[str, ...], dict[int, float]] = {
        (h,): {t: cpu(h, t) for t in minutes} for h in ("web-1", "web-2")
    }
    web2: dict[tuple[str, ...], dict[int, float]] = {(): {t: cpu("web-2", t) for t in minutes}}
    return FakeNerdGraph(
        [
            NrqlSeries(lambda tree: _is_cpu(tree, hosts=True), "average.cpuPercent", by_host),
            NrqlSeries(lambda tree: _is_cpu(tree, hosts=False), "average.cpuPercent", web2),
        ]
    )


@pytest.fixture
def datadog() -> Iterator[DatadogTestServer]:
    with DatadogTestServer() as dd:
        for host in ("web-1", "web-2"):
            for t in range(WINDOW[0] - 3600, WINDOW[1], 60):
                for part, share in SHARES.items():
                    dd.store.points.add(f"system.cpu.{part}", "gauge", {"host": host}, t + 30, cpu(host, t) * share)
        yield dd


def _translate(tmp_path: Path) -> Path:
    src = tmp_path / "nr"
    src.mkdir()
    (src / "host-cpu.yml").write_text(CONDITION, encoding="utf-8")
    (src / "hosts.json").write_text(json.dumps(DASHBOARD), encoding="utf-8")
    assert main(["collect", "newrelic", "--from-files", str(src), "--out", str(tmp_path / "nrinv")]) == 0
    assert main(["collect", "pingdom", "--from-files", str(SAMPLE_PINGDOM), "--out", str(tmp_path / "pdinv")]) == 0
    translation = tmp_path / "translation"
    inventories = ["--inventory", str(tmp_path / "nrinv"), "--inventory", str(tmp_path / "pdinv")]
    assert main(["translate", *inventories, "--out", str(translation)]) == 0
    desired = json.loads((translation / "desired.json").read_text(encoding="utf-8"))
    for resource in desired["resources"]:  # the injected mismatch: one widget's `by {host}` dropped
        for widget in resource["payload"].get("widgets") or []:
            if widget["definition"].get("title") == "CPU by host":
                for query in widget["definition"]["requests"][0]["queries"]:
                    query["query"] = query["query"].replace(" by {host}", "")
    (translation / "desired.json").write_text(json.dumps(desired), encoding="utf-8")
    return translation


def _resource(translation: Path, key: str) -> dict[str, Any]:
    ledger = json.loads((translation / "ledger.json").read_text(encoding="utf-8"))
    target = next(e["targets"][0] for e in ledger["entries"] if e["key"] == key)
    desired = json.loads((translation / "desired.json").read_text(encoding="utf-8"))
    found = next(r for r in desired["resources"] if r["key"] == target)
    assert isinstance(found, dict)
    return found


def _env(monkeypatch: pytest.MonkeyPatch, dd: DatadogTestServer) -> None:
    monkeypatch.delenv("PROMETHEUS_URL", raising=False)
    for name, value in {
        "NEW_RELIC_API_KEY": "NRAK-TEST",
        "NEW_RELIC_ACCOUNT_ID": str(ACCOUNT),
        "NEW_RELIC_API_URL": URL,
        "PINGDOM_API_TOKEN": "test-token",
        "PINGDOM_API_URL": PINGDOM_URL,
        "DD_API_URL": dd.url,
        **dd.env,
    }.items():
        monkeypatch.setenv(name, value)


def _parity_argv(monkeypatch: pytest.MonkeyPatch, dd: DatadogTestServer, translation: Path) -> tuple[Path, list[str]]:
    """The environment set for every side, and the parity argv over WINDOW (its --out to add)."""
    _env(monkeypatch, dd)
    argv = ["parity", "--translation", str(translation), "--from", str(WINDOW[0]), "--until", str(WINDOW[1])]
    return translation.parent / "parity.json", argv


CHECK = "pingdom/uptime_check/7001001"
CONDITION_KEY = "newrelic/nrql_condition/host-cpu.yml"


def test_newrelic_and_pingdom_parity_through_the_cli(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    nerdgraph: FakeNerdGraph,
    datadog: DatadogTestServer,
) -> None:
    translation = _translate(tmp_path)
    test = datadog.store.plant("synthetic_test", _resource(translation, CHECK)["payload"])
    outage, dd_outage = (T0 + 3600, T0 + 3600 + 20 * 60), (T0 + 3600, T0 + 3600 + 10 * 60)
    minutes = range(*WINDOW, 60)
    history = {"7001001": [(t, "down" if outage[0] <= t < outage[1] else "up") for t in minutes]}
    for t in minutes:
        datadog.store.synth.record_result(test["public_id"], t + 5, passed=not dd_outage[0] <= t < dd_outage[1])
    out, argv = _parity_argv(monkeypatch, datadog, translation)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(datadog.url)
        nerdgraph.register(mock)
        pingdom_results(mock, history)
        assert main([*argv, "--out", str(out)]) == 0
        evidence = json.loads(out.read_text(encoding="utf-8"))

        # The condition: values agree per host, and both sides fire for web-1 from 5 minutes into its hot hour.
        condition = evidence[CONDITION_KEY]
        assert condition["verdict"] == "agrees" and condition["coverage"] == 1.0, condition["detail"]
        alerts = condition["alerts"]
        assert alerts["agrees"] and alerts["minutes_both_firing"] == (HOT[1] - HOT[0] - 300) / 60 + 1
        assert alerts["datadog_firing"].startswith("the monitor's condition evaluated")
        # The widget whose `by {host}` was dropped: two New Relic series against one Datadog series.
        by_host = evidence["newrelic/widget/hosts.json/page1/w1"]
        assert by_host["verdict"] == "differs" and by_host["coverage"] < 1
        assert "only in New Relic" in by_host["detail"]
        assert evidence["newrelic/widget/hosts.json/page1/w2"]["verdict"] == "agrees"
        # Every NRQL asked over the window, never more than 366 buckets a query (three hours at 60 s: one chunk).
        assert all("SINCE 1767" in q and "TIMESERIES 60 seconds" in q for q in nerdgraph.asked)

        # The Pingdom check: down 20 minutes in Pingdom, 10 in Datadog.
        check = evidence[CHECK]
        assert check["verdict"] == "differs" and check["uptime"]["minutes_only_source_down"] == 10
        assert check["uptime"]["minutes_both_down"] == 10 and check["uptime"]["first_disagreement"] == T0 + 4200
        assert check["uptime"]["minutes_both_up"] == 180 - 20
        unapplied = [v for k, v in evidence.items() if k.startswith("pingdom/uptime_check/") and k != CHECK]
        assert unapplied and all(v["verdict"] == "no_data" for v in unapplied)
        printed = capsys.readouterr().out
        assert "DIFFERS" in printed and CHECK in printed
        # Resumable: a second run asks neither side again.
        asked, dd_requests = len(nerdgraph.asked), len(datadog.requests)
        assert main([*argv, "--out", str(out)]) == 0
        assert f"{len(evidence)} already in" in capsys.readouterr().out
        assert len(nerdgraph.asked) == asked and len(datadog.requests) == dd_requests

        # Datadog's own state history, once the monitor is applied and has fired: preferred, and said so.
        monitor = datadog.store.plant("monitor", _resource(translation, CONDITION_KEY)["payload"])
        datadog.store.events.record_transition(monitor["id"], "Alert", HOT[0] + 300, ("host:web-1",))
        # New Relic's violation closes at the first evaluation after the hot hour; Datadog's 30 minutes later.
        datadog.store.events.record_transition(monitor["id"], "OK", HOT[1] + 60 + 1800, ("host:web-1",))
        assert main([*argv, "--out", str(out), "--only", CONDITION_KEY, "--force"]) == 0
        condition = json.loads(out.read_text(encoding="utf-8"))[CONDITION_KEY]
    assert condition["alerts"]["datadog_firing"] == EVENTS
    assert condition["verdict"] == "differs" and condition["alerts"]["minutes_only_datadog"] == 30
    assert condition["detail"] == f"fires differently from {HOT[1] + 60} (Datadog's side: {EVENTS})"

    _shown_and_gated(translation, tmp_path)


def _shown_and_gated(translation: Path, tmp_path: Path) -> None:
    """Ledger evidence, report and gate treat New Relic and Pingdom parity like Prometheus parity."""
    ledger = json.loads((translation / "ledger.json").read_text(encoding="utf-8"))
    recorded = {e["key"]: e["evidence"]["parity"] for e in ledger["entries"] if "evidence" in e}
    assert recorded[CHECK]["verdict"] == "differs" and recorded[CHECK]["uptime"]["minutes_only_source_down"] == 10
    assert recorded[CHECK]["series"]["source"] and recorded[CONDITION_KEY]["alerts"]["minutes_only_datadog"] == 30
    report = tmp_path / "report"
    assert main(["report", "--workdir", str(tmp_path), "--translation", str(translation), "--out", str(report)]) == 0
    markdown = (report / "report.md").read_text(encoding="utf-8")
    assert "parity measured a difference from the source" in markdown and "down on one side for 10 min" in markdown
    assert f"Datadog's side: {EVENTS}" in markdown  # which firing record the comparison used
    assert 'aria-label="source and Datadog series"' in (report / "report.html").read_text(encoding="utf-8")
    # The decommission gate: what parity measured as differing blocks New Relic and Pingdom as it blocks Prometheus.
    for tool, key in (("newrelic", CONDITION_KEY), ("pingdom", CHECK)):
        gate = decommission_check(tool=tool, translation_dir=translation, workdir=tmp_path)
        assert not gate.passes and "parity_differs" in {b.reason for b in gate.blockers if b.key == key}


SAMPLE_NEWRELIC = SAMPLE_PINGDOM.parent / "newrelic"


def _is_synthetic(monitor_id: str) -> Any:
    def picks(tree: ast.Query) -> bool:
        where = tree.where
        return (
            isinstance(tree.source, tuple)
            and tree.source[0].name == "SyntheticCheck"
            and isinstance(where, ast.Binary)
            and where.left == ast.Identifier("monitorId")
            and where.right == ast.String(monitor_id)
        )

    return picks


def test_a_new_relic_synthetic_monitor_against_its_datadog_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, datadog: DatadogTestServer
) -> None:
    assert main(["collect", "newrelic", "--from-files", str(SAMPLE_NEWRELIC), "--out", str(tmp_path / "inv")]) == 0
    translation = tmp_path / "translation"
    assert main(["translate", "--inventory", str(tmp_path / "inv"), "--out", str(translation)]) == 0
    ledger = json.loads((translation / "ledger.json").read_text(encoding="utf-8"))
    entry = next(e for e in ledger["entries"] if e["ref"]["kind"] == "synthetic_monitor" and e["targets"])
    test = datadog.store.plant("synthetic_test", _resource(translation, entry["key"])["payload"])
    minutes = range(*WINDOW, 60)
    failed_nr = range(T0 + 600, T0 + 900, 60)  # New Relic saw 5 failed minutes, Datadog none
    for t in minutes:
        datadog.store.synth.record_result(test["public_id"], t + 10, passed=True)
    counts: dict[tuple[str, ...], dict[int, float]] = {
        ("SUCCESS",): {t: 1.0 for t in minutes if t not in failed_nr},
        ("FAILED",): dict.fromkeys(failed_nr, 1.0),
    }
    (monitor_id,) = [
        str(o.normalized["monitor_id"]) for o in read_inventory(tmp_path / "inv").objects if o.ref.key == entry["key"]
    ]
    nerdgraph = FakeNerdGraph([NrqlSeries(_is_synthetic(monitor_id), "count", counts)])
    out, argv = _parity_argv(monkeypatch, datadog, translation)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.add_passthru(datadog.url)
        nerdgraph.register(mock)
        assert main([*argv, "--out", str(out), "--only", entry["key"]]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))[entry["key"]]
    assert result["verdict"] == "differs" and result["uptime"]["source"] == "New Relic"
    assert result["uptime"]["minutes_only_source_down"] == 5 and result["uptime"]["first_disagreement"] == T0 + 600
    assert result["uptime"]["minutes_both_up"] == 180 - 5
    assert all(f"FROM SyntheticCheck WHERE monitorId = '{monitor_id}' FACET result" in q for q in nerdgraph.asked)


def test_a_flipped_comparison_in_the_monitor_is_caught_by_when_it_fires(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nerdgraph: FakeNerdGraph, datadog: DatadogTestServer
) -> None:
    translation = _translate(tmp_path)
    desired = json.loads((translation / "desired.json").read_text(encoding="utf-8"))
    (monitor,) = [r for r in desired["resources"] if r["type"] == "monitor"]
    assert monitor["payload"]["query"].endswith(" > 80")
    monitor["payload"]["query"] = monitor["payload"]["query"].removesuffix(" > 80") + " < 80"
    (translation / "desired.json").write_text(json.dumps(desired), encoding="utf-8")
    out, argv = _parity_argv(monkeypatch, datadog, translation)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.add_passthru(datadog.url)
        nerdgraph.register(mock)
        assert main([*argv, "--out", str(out), "--only", CONDITION_KEY]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))[CONDITION_KEY]
    assert result["max_rel_diff"] < 1e-9  # the values still agree: only the comparison is wrong
    assert result["verdict"] == "differs" and not result["alerts"]["agrees"]
    only_nr = (HOT[1] - HOT[0] - 300) // 60 + 1  # New Relic fires for web-1, as in the first test
    assert result["alerts"]["minutes_both_firing"] == 0 and result["alerts"]["minutes_only_newrelic"] == only_nr
    assert result["alerts"]["minutes_only_datadog"] > 180  # web-2 all along, web-1 outside its hot hour


def test_a_source_side_without_its_key_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], datadog: DatadogTestServer
) -> None:
    translation = _translate(tmp_path)
    out, argv = _parity_argv(monkeypatch, datadog, translation)
    for name in ("NEW_RELIC_API_KEY", "PINGDOM_API_TOKEN"):
        monkeypatch.delenv(name)
    assert main([*argv, "--out", str(out)]) != 0
    err = capsys.readouterr().err
    assert "no object could be compared" in err and ("NEW_RELIC_API_KEY" in err or "PINGDOM_API_TOKEN" in err)
    assert not out.exists()
