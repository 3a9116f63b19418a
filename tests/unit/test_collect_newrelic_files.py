"""New Relic collector from files: the quickstart corpus, the UI's dashboard export, condition YAML, a
NerdGraph dashboard answer, recordings, and bad files reported while the rest is collected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.errors import InputError
from migrate.sources import newrelic
from migrate.sources.newrelic.files import collect_files

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "newrelic"


def corpus_counts() -> tuple[int, int, int, int]:
    """Dashboards, widgets, widget NRQL queries and conditions, counted from the files themselves."""
    dashboards = widgets = queries = 0
    for path in (CORPUS / "dashboards").rglob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        dashboards += 1
        for page in data["pages"]:
            widgets += len(page["widgets"])
            queries += sum(len((w.get("rawConfiguration") or {}).get("nrqlQueries") or []) for w in page["widgets"])
    conditions = sum(1 for p in (CORPUS / "alert-policies").rglob("*") if p.suffix in (".yml", ".yaml"))
    return dashboards, widgets, queries, conditions


def test_whole_corpus_collects_every_dashboard_widget_query_and_condition() -> None:
    inv = newrelic.collect({"from_files": [CORPUS]})
    dashboards, widgets, queries, conditions = corpus_counts()
    assert (dashboards, conditions) == (142, 355)  # the corpus SOURCES.md states these
    counts = inv.counts()
    assert (counts["dashboard"], counts["widget"], counts["nrql_condition"]) == (dashboards, widgets, conditions)
    assert sum(len(w.normalized["queries"]) for w in inv.by_kind("widget")) == queries == 3557
    assert inv.warnings == []
    baseline = [c for c in inv.by_kind("nrql_condition") if c.normalized["type"] == "BASELINE"]
    assert baseline and all(c.normalized["baseline_direction"] for c in baseline)
    assert all(c.normalized["query"] and c.normalized["terms"] for c in inv.by_kind("nrql_condition"))


def ui_export() -> dict[str, Any]:
    """A dashboard as the New Relic UI's "Copy JSON to clipboard" gives it (no guids, linkedEntityGuids)."""
    return {
        "name": "Checkout",
        "description": None,
        "permissions": "PUBLIC_READ_WRITE",
        "pages": [
            {
                "name": "Checkout",
                "description": None,
                "widgets": [
                    {
                        "title": "Errors",
                        "layout": {"column": 1, "row": 1, "width": 4, "height": 3},
                        "linkedEntityGuids": ["MXxBUE18QVBQTElDQVRJT058MQ"],
                        "visualization": {"id": "viz.billboard"},
                        "rawConfiguration": {
                            "facet": {"showOtherSeries": False},
                            "nrqlQueries": [
                                {
                                    "accountIds": [1],
                                    "query": "SELECT count(*) FROM TransactionError WHERE appName = 'co'",
                                }
                            ],
                            "platformOptions": {"ignoreTimeRange": True},
                            "billboardSettings": {"gridOptions": {"columns": 2}},
                        },
                    }
                ],
            }
        ],
        "variables": [],
    }


def test_ui_export_with_tabs_and_content_decides_not_extension(tmp_path: Path) -> None:
    (tmp_path / "checkout.yaml").write_text(json.dumps(ui_export(), indent="\t"), encoding="utf-8")
    condition: dict[str, Any] = {
        "name": "Latency",
        "type": "STATIC",
        "nrql": {"query": "SELECT average(duration) FROM Transaction"},
    }
    condition["terms"] = [{"priority": "critical", "operator": "ABOVE", "threshold": 2, "thresholdDuration": 300}]
    (tmp_path / "latency.json").write_text(yaml.safe_dump(condition), encoding="utf-8")  # YAML in a .json
    inv = newrelic.collect({"from_files": [tmp_path]})
    widget = inv.by_kind("widget")[0].normalized
    assert widget["queries"] == [
        {"account_ids": [1], "query": "SELECT count(*) FROM TransactionError WHERE appName = 'co'"}
    ]
    assert widget["ignore_time_range"] is True and widget["other_options"] == ["billboardSettings"]
    assert widget["linked_entities"] == [{"guid": "MXxBUE18QVBQTElDQVRJT058MQ", "name": "", "type": ""}]
    assert inv.by_kind("dashboard")[0].ref.id == "checkout.yaml"
    assert inv.by_kind("widget")[0].ref.id == "checkout.yaml/page1/w1"  # no widget id in a file: its position
    term = inv.by_kind("nrql_condition")[0].normalized["terms"][0]
    assert term["priority"] == "CRITICAL" and term["threshold_duration"] == 300
    assert newrelic.collect({"from_files": [tmp_path], "service": ["co"]}).counts() == {"dashboard": 1, "widget": 1}


def test_nerdgraph_dashboard_answer_is_a_dashboard(tmp_path: Path) -> None:
    body = {**ui_export(), "guid": "DASHGUID1"}
    (tmp_path / "answer.json").write_text(json.dumps({"data": {"actor": {"entity": body}}}), encoding="utf-8")
    inv = newrelic.collect({"from_files": [tmp_path / "answer.json"]})
    assert [o.ref.id for o in inv.by_kind("dashboard")] == ["DASHGUID1"]


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("broken.json", '{"name": "x", "pages": [', "invalid JSON"),
        ("other.yaml", "groups:\n  - name: prometheus rules\n", "not a New Relic dashboard"),
        ("tabs.yml", "name: x\n\tnrql: y\n", "tabs.yml"),
        ("wrong.json", '{"name": "x", "pages": [{"widgets": 7}]}', "wrong.json"),
        ("binary.json", "\udcff", "UTF-8"),
    ],
)
def test_one_bad_file_is_reported_and_the_rest_collected(tmp_path: Path, name: str, text: str, problem: str) -> None:
    (tmp_path / "good.json").write_text(json.dumps(ui_export()), encoding="utf-8")
    (tmp_path / name).write_bytes(text.encode("utf-8", "surrogateescape"))
    collected, counts = collect_files([tmp_path])
    if name == "wrong.json":  # readable: a dashboard whose page has no usable widgets, not an error
        assert counts.dashboards == 2 and counts.unreadable == []
        return
    assert counts.dashboards == 1 and counts.unreadable == [str(tmp_path / name)]
    assert len(collected.warnings) == 1 and problem in collected.warnings[0] and name in collected.warnings[0]


def test_nothing_readable_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputError, match="no New Relic object could be read"):
        newrelic.collect({"from_files": [tmp_path]})
    with pytest.raises(InputError, match="not found"):
        newrelic.collect({"from_files": [tmp_path / "missing"]})


def recording(*interactions: dict[str, Any], account: int = 42) -> dict[str, Any]:
    return {"nerdgraph_recording": 1, "account_id": account, "interactions": list(interactions)}


def test_recordings_replay_through_the_api_collector_and_unrecorded_requests_are_named(tmp_path: Path) -> None:
    search = {
        "operation": "EntitySearch",
        "variables": {"query": "type = 'DASHBOARD' AND accountId = 42"},
        "response": {
            "data": {"actor": {"entitySearch": {"results": {"nextCursor": "abc", "entities": [{"guid": "G1"}]}}}}
        },
    }
    second = {
        "operation": "EntitySearch",
        "variables": {"query": "type = 'DASHBOARD' AND accountId = 42", "cursor": "abc"},
        "response": {
            "data": {
                "actor": {
                    "entitySearch": {
                        "results": {
                            "nextCursor": None,
                            "entities": [{"guid": "G2"}, {"guid": "G2-page", "dashboardParentGuid": "G2"}],
                        }
                    }
                }
            }
        },
    }
    bodies = [
        {
            "operation": "Dashboard",
            "variables": {"guid": g},
            "response": {"data": {"actor": {"entity": {**ui_export(), "guid": g}}}},
        }
        for g in ("G1", "G2")
    ]
    (tmp_path / "rec.json").write_text(json.dumps(recording(search, second, *bodies)), encoding="utf-8")
    inv = newrelic.collect({"from_files": [tmp_path]})
    assert sorted(o.ref.id for o in inv.by_kind("dashboard")) == ["G1", "G2"]
    # policies, conditions, workflows, ... were not recorded: each is named, none is invented
    assert any("alert policies" in w and "not recorded: Policies" in w for w in inv.warnings), inv.warnings


def test_recordings_of_two_accounts_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(recording(account=1)), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(recording(account=2)), encoding="utf-8")
    with pytest.raises(InputError, match="recorded from account 2"):
        collect_files([tmp_path])  # and a.json alone answers nothing: no object, so an error


def test_exactly_one_of_files_or_api() -> None:
    from migrate.errors import UsageError

    with pytest.raises(UsageError):
        newrelic.collect({})
    with pytest.raises(UsageError, match="key:value"):
        newrelic.collect({"from_files": [CORPUS], "tag": ["team"]})
