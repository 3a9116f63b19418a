"""New Relic collector over NerdGraph (`responses` in front of tests/support/nerdgraph.py): complete cursor
paging, page entities skipped, the GraphQL error model, retries, at most 25 requests in flight, and no key
in anything written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from migrate.commands.collect import collect as collect_command
from migrate.errors import ConfigError, CredentialsError, RemoteError
from migrate.inventory import read_inventory
from migrate.sources import newrelic
from migrate.sources.newrelic import queries
from migrate.sources.newrelic.nerdgraph import endpoint
from tests.support.nerdgraph import ACCOUNT, URL, FakeNerdGraph
from tests.unit.test_http_client import FakeClock

KEY = "NRAK-" + "TESTCANARY0123456789ABCDEFGH"  # a planted canary (split for the secret scanner), not a real key
ENV = {"NEW_RELIC_API_KEY": KEY, "NEW_RELIC_ACCOUNT_ID": str(ACCOUNT)}


def dashboard(guid: str, app: str = "checkout-api", pages: int = 1) -> dict[str, Any]:
    widgets = [
        {
            "id": f"{guid}-w1",
            "title": "Throughput",
            "visualization": {"id": "viz.line"},
            "layout": {"column": 1, "row": 1, "width": 6, "height": 3},
            "rawConfiguration": {
                "nrqlQueries": [
                    {
                        "accountId": ACCOUNT,
                        "query": f"FROM Transaction SELECT rate(count(*), 1 minute) WHERE appName = '{app}' TIMESERIES",
                    }
                ]
            },
            "linkedEntities": [],
        },
        {
            "id": f"{guid}-w2",
            "title": "",
            "visualization": {"id": "viz.markdown"},
            "layout": {"column": 7, "row": 1, "width": 6, "height": 3},
            "rawConfiguration": {"text": "# Runbook"},
            "linkedEntities": [],
        },
    ]
    return {
        "guid": guid,
        "name": f"Dashboard {guid}",
        "accountId": ACCOUNT,
        "permissions": "PUBLIC_READ_WRITE",
        "tags": [{"key": "team", "values": ["shop"]}],
        "pages": [
            {"guid": f"{guid}-p{i}", "name": f"Page {i}", "widgets": widgets if i == 0 else []} for i in range(pages)
        ],
        "variables": [
            {
                "name": "app",
                "title": "Application",
                "type": "NRQL",
                "isMultiSelection": True,
                "defaultValues": [{"value": {"string": app}}],
                "nrqlQuery": {"accountIds": [ACCOUNT], "query": "FROM Transaction SELECT uniques(appName)"},
                "replacementStrategy": "STRING",
            }
        ],
    }


def add_dashboards(fake: FakeNerdGraph, n: int, pages_every: int = 0) -> list[str]:
    """`n` dashboards; with `pages_every`, every such dashboard also lists a page entity of its own."""
    guids = []
    for i in range(n):
        guid = f"DASH{i:04d}"
        guids.append(guid)
        fake.dashboards[guid] = dashboard(guid)
        fake.entities[queries.DASHBOARDS].append({"guid": guid, "name": guid, "accountId": ACCOUNT})
        if pages_every and i % pages_every == 0:
            page = {"guid": f"{guid}-PAGE", "name": f"{guid} / p2", "dashboardParentGuid": guid}
            fake.entities[queries.DASHBOARDS].append(page)
    return guids


@pytest.fixture
def fake() -> Iterator[FakeNerdGraph]:
    graph = FakeNerdGraph()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, URL, callback=graph.callback)
        yield graph


def run(**options: Any) -> Any:
    return newrelic.collect({"from_api": True, "env": ENV, "clock": FakeClock(), **options})


def test_entity_search_pages_past_200_and_skips_page_entities(fake: FakeNerdGraph) -> None:
    guids = add_dashboards(fake, 230, pages_every=10)  # 253 entities: pages of 200 + 53
    inv = run()
    assert len(fake.entities[queries.DASHBOARDS]) == 253
    dashboard_searches = [v for op, v in fake.calls if op == "EntitySearch" and "DASHBOARD" in v["query"]]
    assert [v["cursor"] for v in dashboard_searches] == [None, "200"]
    assert sorted(o.ref.id for o in inv.by_kind("dashboard")) == guids
    fetched = {v["guid"] for op, v in fake.calls if op == "Dashboard"}
    assert fetched == set(guids), "page entities (dashboardParentGuid set) are never fetched as dashboards"
    assert len(inv.by_kind("widget")) == 2 * 230
    assert inv.warnings == []


def test_workflows_page_past_250(fake: FakeNerdGraph) -> None:
    fake.lists["Workflows"] = [
        {"id": f"wf-{i}", "name": f"wf {i}", "issuesFilter": {"predicates": []}} for i in range(260)
    ]
    inv = run()
    assert len(inv.by_kind("workflow")) == 260
    assert fake.count("Workflows") == 2


def test_dashboard_body_pages_widgets_and_variables(fake: FakeNerdGraph) -> None:
    add_dashboards(fake, 1)
    fake.dashboards["DASH0000"] = dashboard("DASH0000", pages=2)
    inv = run()
    dash = inv.by_kind("dashboard")[0].normalized
    assert [p["name"] for p in dash["pages"]] == ["Page 0", "Page 1"]
    assert dash["variables"][0]["default_values"] == ["checkout-api"]
    assert dash["variables"][0]["nrql_query"]["query"].startswith("FROM Transaction")
    line = next(w for w in inv.by_kind("widget") if w.normalized["visualization"] == "viz.line").normalized
    assert line["layout"] == {"column": 1, "row": 1, "width": 6, "height": 3}
    assert line["queries"][0]["account_ids"] == [ACCOUNT]
    assert dash["pages"][0]["widgets"] == [w.ref.id for w in inv.by_kind("widget")]
    # NerdGraph's widget id names the widget, so reordering pages or moving widgets keeps its ledger key
    assert [w.ref.id for w in inv.by_kind("widget")] == ["DASH0000/DASH0000-w1", "DASH0000/DASH0000-w2"]


def test_graphql_error_with_http_200_is_an_error_and_other_sections_still_read(fake: FakeNerdGraph) -> None:
    add_dashboards(fake, 3)

    def forbid_workflows(op: str, variables: dict[str, Any], n: int) -> tuple[int, Any] | None:
        if op == "Workflows":
            error = {"message": "Access denied to aiWorkflows", "extensions": {"errorClass": "ACCESS_DENIED"}}
            return 200, {"data": {"actor": {"account": {"aiWorkflows": None}}}, "errors": [error]}
        return None

    fake.override = forbid_workflows
    inv = run()
    assert len(inv.by_kind("dashboard")) == 3
    assert any("workflows" in w and "ACCESS_DENIED" in w and "Access denied" in w for w in inv.warnings), inv.warnings


def test_partial_data_beside_an_error_is_kept_and_the_error_named(fake: FakeNerdGraph) -> None:
    fake.lists["NrqlConditions"] = [{"id": "1", "name": "ok", "nrql": {"query": "SELECT 1"}}]

    def partial(op: str, variables: dict[str, Any], n: int) -> tuple[int, Any] | None:
        if op == "NrqlConditions":
            body = {"data": fake.answer(op, variables)}
            body["errors"] = [{"message": "condition 2 could not be read", "path": ["actor", "account"]}]
            return 200, body
        return None

    fake.override = partial
    inv = run()
    assert [o.ref.name for o in inv.by_kind("nrql_condition")] == ["ok"]
    assert any("NRQL conditions" in w and "partial data" in w and "condition 2" in w for w in inv.warnings)


def test_deprecation_notice_does_not_stop_paging(fake: FakeNerdGraph) -> None:
    guids = add_dashboards(fake, 205)

    def deprecated(op: str, variables: dict[str, Any], n: int) -> tuple[int, Any] | None:
        if op == "EntitySearch" and variables.get("cursor") is None:
            notice = {"message": "This field is deprecated! Use `entitySearch.results` instead."}
            return 200, {"data": fake.answer(op, variables), "errors": [notice]}
        return None

    fake.override = deprecated
    inv = run()
    assert len(inv.by_kind("dashboard")) == len(guids)
    notes = [w for w in inv.warnings if "deprecat" in w]
    assert len(notes) == 1 and "ignored" in notes[0], inv.warnings


@pytest.mark.parametrize(
    "refusal",
    [
        (429, {"errors": [{"message": "Too many requests"}]}),
        (503, {"errors": [{"message": "unavailable"}]}),
        (200, {"data": None, "errors": [{"message": "slow down", "extensions": {"errorClass": "TOO_MANY_REQUESTS"}}]}),
    ],
    ids=["http-429", "http-503", "too-many-requests-in-200"],
)
def test_refusals_are_retried_with_backoff(fake: FakeNerdGraph, refusal: tuple[int, Any]) -> None:
    add_dashboards(fake, 2)
    fake.override = lambda op, v, n: refusal if op == "Dashboard" and v["guid"] == "DASH0001" and n <= 2 else None
    clock = FakeClock()
    inv = newrelic.collect({"from_api": True, "env": ENV, "clock": clock})
    assert sorted(o.ref.id for o in inv.by_kind("dashboard")) == ["DASH0000", "DASH0001"]
    assert inv.warnings == []
    assert len(clock.slept) >= 1 and all(s > 0 for s in clock.slept)


def test_retries_give_up_and_name_the_dashboard(fake: FakeNerdGraph) -> None:
    add_dashboards(fake, 2)
    fake.override = lambda op, v, n: (500, {"errors": []}) if op == "Dashboard" and v["guid"] == "DASH0001" else None
    inv = run()
    assert [o.ref.id for o in inv.by_kind("dashboard")] == ["DASH0000"]
    assert any("DASH0001" in w and "HTTP 500" in w and "4 attempts" in w for w in inv.warnings), inv.warnings


def test_never_more_than_25_requests_in_flight(fake: FakeNerdGraph) -> None:
    add_dashboards(fake, 80)
    fake.delay = 0.02
    inv = run()
    assert len(inv.by_kind("dashboard")) == 80
    assert 1 < fake.max_in_flight <= 25, fake.max_in_flight


def test_a_refused_key_stops_the_collection(fake: FakeNerdGraph) -> None:
    error = {"message": "Invalid API key", "extensions": {"error_code": "BAD_API_KEY"}}
    fake.override = lambda op, v, n: (200, {"data": None, "errors": [error]})
    with pytest.raises(CredentialsError, match="refused the key"):
        run()


def test_nothing_readable_is_an_error_not_an_empty_inventory(fake: FakeNerdGraph) -> None:
    fake.override = lambda op, v, n: (200, {"data": None, "errors": [{"message": "account not found"}]})
    with pytest.raises(RemoteError, match=r"nothing could be read .* account not found"):
        run()


def test_endpoint_region_and_settings() -> None:
    assert endpoint({}) == "https://api.newrelic.com/graphql"
    assert endpoint({"NEW_RELIC_REGION": "eu"}) == "https://api.eu.newrelic.com/graphql"
    assert endpoint({"NEW_RELIC_REGION": "JP"}) == "https://api.jp.newrelic.com/graphql"
    assert endpoint({"NEW_RELIC_REGION": "EU", "NEW_RELIC_API_URL": "http://localhost:9999/graphql"}) == (
        "http://localhost:9999/graphql"
    )
    with pytest.raises(ConfigError, match="not a New Relic region"):
        endpoint({"NEW_RELIC_REGION": "MARS"})
    with pytest.raises(ConfigError, match="NEW_RELIC_ACCOUNT_ID"):
        newrelic.collect({"from_api": True, "env": {"NEW_RELIC_API_KEY": KEY}})
    with pytest.raises(CredentialsError, match="NEW_RELIC_API_KEY"):
        newrelic.collect({"from_api": True, "env": {"NEW_RELIC_ACCOUNT_ID": "1"}})


def add_account(fake: FakeNerdGraph) -> None:
    """Two services, with everything that routes their incidents, and synthetics with a secure credential."""
    for guid, app in (("DASH-A", "checkout-api"), ("DASH-B", "search-api")):
        fake.dashboards[guid] = dashboard(guid, app=app)
        fake.entities[queries.DASHBOARDS].append({"guid": guid, "name": guid})
    fake.entities[queries.APM_APPLICATIONS] = [
        {"guid": "APM-A", "name": "checkout-api", "tags": [{"key": "team", "values": ["checkout"]}]},
        {"guid": "APM-B", "name": "search-api", "tags": [{"key": "team", "values": ["discovery"]}]},
    ]
    fake.lists["Policies"] = [{"id": "10", "name": "Checkout"}, {"id": "20", "name": "Search"}]
    fake.lists["NrqlConditions"] = [
        {
            "id": "101",
            "policyId": "10",
            "name": "errors",
            "entityGuid": "COND-A",
            "nrql": {"query": "SELECT count(*) FROM TransactionError WHERE appName IN ('checkout-api')"},
        },
        {
            "id": "201",
            "policyId": "20",
            "name": "latency",
            "entityGuid": "COND-B",
            "nrql": {"query": "SELECT average(duration) FROM Transaction WHERE `appName` = 'search-api'"},
        },
    ]
    fake.entities[queries.CONDITION_ENTITIES] = [{"guid": "COND-B", "tags": [{"key": "tier", "values": ["1"]}]}]
    fake.lists["Workflows"] = [
        {
            "id": "wf-a",
            "name": "checkout to PagerDuty",
            "destinationConfigurations": [{"channelId": "ch-a"}],
            "issuesFilter": {
                "predicates": [{"attribute": "labels.policyIds", "operator": "EXACTLY_MATCHES", "values": ["10"]}]
            },
        },
        {
            "id": "wf-b",
            "name": "search to Slack",
            "destinationConfigurations": [{"channelId": "ch-b"}],
            "issuesFilter": {
                "predicates": [{"attribute": "labels.policyIds", "operator": "EXACTLY_MATCHES", "values": ["20"]}]
            },
        },
        {
            "id": "wf-c",
            "name": "checkout by policy name",
            "destinationConfigurations": [{"channelId": "ch-c"}],
            "issuesFilter": {
                "predicates": [{"attribute": "accumulations.policyName", "operator": "CONTAINS", "values": ["Check"]}]
            },
        },
        {"id": "wf-all", "name": "everything to e-mail", "destinationConfigurations": [{"channelId": "ch-c"}]},
    ]
    fake.lists["Channels"] = [
        {"id": "ch-a", "name": "pd", "destinationId": "d-a"},
        {"id": "ch-b", "name": "slack", "destinationId": "d-b"},
        {"id": "ch-c", "name": "mail", "destinationId": "d-c"},
    ]
    fake.lists["Destinations"] = [
        {
            "id": "d-a",
            "name": "PagerDuty checkout",
            "type": "PAGERDUTY_SERVICE_INTEGRATION",
            "auth": {"authType": "TOKEN", "prefix": "u+Ab"},  # as client-go's query would return it
            "properties": [{"key": "two_way_integration", "value": "true"}],
        },
        {"id": "d-b", "name": "Slack", "type": "SLACK", "properties": [{"key": "teamName", "value": "techcorp"}]},
        {
            "id": "d-c",
            "name": "ops e-mail",
            "type": "EMAIL",
            "properties": [{"key": "email", "value": "ops@x.example"}],
        },
    ]
    fake.entities[queries.MONITORS] = [
        {
            "guid": "MON-A",
            "name": "checkout-api login flow",
            "monitorType": "SCRIPT_API",
            "period": 5,
            "tags": [
                {"key": "publicLocation", "values": ["AWS_US_EAST_1", "EU_WEST_1"]},
                {"key": "monitorStatus", "values": ["ENABLED"]},
            ],
        },
        {
            "guid": "MON-B",
            "name": "search-api ping",
            "monitorType": "SIMPLE",
            "period": 1,
            "monitoredUrl": "https://search.example/health",
            "tags": [{"key": "responseValidationText", "values": ["ok"]}],
        },
        {
            "guid": "MON-C",
            "name": "checkout steps",
            "monitorType": "STEP_MONITOR",
            "period": 15,
            "tags": [{"key": "service", "values": ["checkout-api"]}],
        },
    ]
    fake.scripts["MON-A"] = "const token = $secure.CHECKOUT_TOKEN;\n$http.post('https://checkout.example/login')"
    fake.steps["MON-C"] = [
        {"ordinal": 0, "type": "NAVIGATE", "values": ["https://shop.example"]},
        {"ordinal": 1, "type": "SECURE_TEXT_ENTRY", "values": ["#pw", "$secure.SHOP_PASSWORD"]},
    ]
    fake.entities[queries.SECURE_CREDENTIALS] = [
        {"guid": "SC-1", "name": "CHECKOUT_TOKEN", "description": "login token"},
        {"guid": "SC-2", "name": "SHOP_PASSWORD"},
        {"guid": "SC-3", "name": "UNUSED"},
    ]


def ids(inv: Any, kind: str) -> list[str]:
    return sorted(o.ref.id for o in inv.by_kind(kind))


def test_synthetics_scripts_steps_and_secure_credentials(fake: FakeNerdGraph) -> None:
    add_account(fake)
    inv = run()
    mons = {o.ref.id: o.normalized for o in inv.by_kind("synthetic_monitor")}
    assert mons["MON-A"]["script"].startswith("const token")
    assert mons["MON-A"]["locations"]["public"] == ["EU_WEST_1", "US_EAST_1"]
    assert mons["MON-A"]["status"] == "ENABLED"
    assert mons["MON-B"]["validation_text"] == "ok" and mons["MON-B"]["uri"] == "https://search.example/health"
    assert [s["type"] for s in mons["MON-C"]["steps"]] == ["NAVIGATE", "SECURE_TEXT_ENTRY"]
    assert {o.ref.name: o.normalized["used_by"] for o in inv.by_kind("secure_credential")} == {
        "CHECKOUT_TOKEN": ["MON-A"],
        "SHOP_PASSWORD": ["MON-C"],
        "UNUSED": [],
    }
    assert fake.count("MonitorScript") == 1 and fake.count("MonitorSteps") == 1  # only the types that have them


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"service": ["checkout-api"]},
            {
                "dashboard": ["DASH-A"],
                "nrql_condition": ["101"],
                "alert_policy": ["10"],
                "workflow": ["wf-a", "wf-all", "wf-c"],
                "notification_channel": ["ch-a", "ch-c"],
                "notification_destination": ["d-a", "d-c"],
                "synthetic_monitor": ["MON-A", "MON-C"],
                "secure_credential": ["SC-1", "SC-2"],
                "apm_application": ["APM-A"],
            },
        ),
        (
            {"tag": ["team:discovery"]},
            {
                "dashboard": ["DASH-B"],
                "nrql_condition": ["201"],
                "alert_policy": ["20"],
                "workflow": ["wf-all", "wf-b"],
                "notification_channel": ["ch-b", "ch-c"],
                "notification_destination": ["d-b", "d-c"],
                "synthetic_monitor": ["MON-B"],
                "secure_credential": [],
                "apm_application": ["APM-B"],
            },
        ),
        (
            {"tag": ["tier:1"]},
            {
                "dashboard": [],
                "nrql_condition": ["201"],
                "alert_policy": ["20"],
                "workflow": ["wf-all", "wf-b"],
                "notification_channel": ["ch-b", "ch-c"],
                "notification_destination": ["d-b", "d-c"],
                "synthetic_monitor": [],
                "secure_credential": [],
                "apm_application": [],
            },
        ),
        (
            {"entity_guid": ["MON-B", "DASH-A"]},
            {
                "dashboard": ["DASH-A"],
                "nrql_condition": [],
                "alert_policy": [],
                "workflow": [],
                "notification_channel": [],
                "notification_destination": [],
                "synthetic_monitor": ["MON-B"],
                "secure_credential": [],
                "apm_application": [],
            },
        ),
    ],
    ids=["service", "tag-on-apm-app", "tag-on-condition-entity", "entity-guid"],
)
def test_selection(fake: FakeNerdGraph, options: dict[str, Any], expected: dict[str, list[str]]) -> None:
    add_account(fake)
    inv = run(**options)
    assert {kind: ids(inv, kind) for kind in expected} == expected
    widgets = {w.normalized["dashboard_id"] for w in inv.by_kind("widget")}
    assert widgets == set(expected["dashboard"]), "a selected dashboard keeps all its widgets, others none"


def test_canary_key_is_sent_but_never_written(fake: FakeNerdGraph, tmp_path: Path) -> None:
    add_account(fake)
    out = tmp_path / "inv"
    result = collect_command("newrelic", out=out, from_api=True, env=ENV, clock=FakeClock(), service=["checkout-api"])
    assert all(h.get("API-Key") == KEY for h in fake.headers) and fake.headers
    written = [p for p in out.rglob("*") if p.is_file()]
    assert len(written) > 10
    assert not [p for p in written if KEY in p.read_text(encoding="utf-8")]
    assert KEY not in result.summary()
    inv = read_inventory(out)
    assert inv.selection == {"services": ["checkout-api"], "entity_guids": [], "tags": []}
    assert "selection: services: checkout-api" in result.summary()
    # the destination's token shows only as its auth type; a token prefix is never kept as a value
    dest = next(o for o in inv.objects if o.ref.kind == "notification_destination")
    assert dest.normalized["authentication"] == {"type": "TOKEN", "user": None}
    assert dest.payload["auth"] == {"authType": "TOKEN"}


def test_an_endpoint_that_never_answers_stops_at_the_first_request() -> None:
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, URL, body=requests.ConnectionError("Connection refused"))
        with pytest.raises(RemoteError, match=r"cannot connect .*after 4 attempts"):
            run()
        assert len(mock.calls) == 4, "retried, then no other section was tried against a dead endpoint"
