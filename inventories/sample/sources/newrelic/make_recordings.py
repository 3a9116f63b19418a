"""Regenerate TechCorp's recorded NerdGraph answers (see README.md).

    .venv/bin/python inventories/sample/sources/newrelic/make_recordings.py

The account is described below as data (12 legacy services, their dashboards, conditions, synthetics and
routing). The collector itself is run against tests/support/nerdgraph.py serving that data, and every
request it makes is written with its answer, so the recordings are exactly what the collector asks
(tests/unit/test_collect_newrelic_sample.py checks that they still are).
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[3]))  # the repository root: migrate/ and tests/support/

from migrate.sources.http import HttpClient  # noqa: E402
from migrate.sources.newrelic import queries  # noqa: E402
from migrate.sources.newrelic.api import read_account  # noqa: E402
from migrate.sources.newrelic.nerdgraph import NerdGraph  # noqa: E402
from tests.support.nerdgraph import URL, FakeNerdGraph  # noqa: E402

ACCOUNT = 3141592
# name, language, team (routing group), browser app?, what its extra condition watches
SERVICES = [
    ("account-service", "java", "platform", False, "log"),
    ("auth-gateway", "java", "platform", False, "baseline"),
    ("catalog-api", "ruby", "commerce", False, "cpu"),
    ("search-api", "java", "commerce", False, "baseline"),
    ("cart-service", "nodejs", "commerce", False, "log"),
    ("order-service", "java", "commerce", False, "baseline"),
    ("shipping-service", "python", "platform", False, "log"),
    ("inventory-sync", "python", "platform", False, "cpu"),
    ("storefront-web", "nodejs", "commerce", True, "browser"),
    ("admin-portal", "ruby", "platform", True, "browser"),
    ("reporting-service", "python", "platform", False, "cpu"),
    ("email-dispatcher", "python", "platform", False, "metric"),
]
FILES = {
    "dashboards.json": {"Dashboard"},
    "alerts.json": {"Policies", "NrqlConditions"},
    "routing.json": {"Destinations", "Channels", "Workflows"},
    "synthetics.json": {"MonitorScript", "MonitorSteps"},
}
SEARCH_FILES = {
    queries.DASHBOARDS: "dashboards.json",
    queries.CONDITION_ENTITIES: "alerts.json",
    queries.MONITORS: "synthetics.json",
    queries.SECURE_CREDENTIALS: "synthetics.json",
    queries.APM_APPLICATIONS: "apm.json",
}


def guid(domain: str, kind: str, ident: object) -> str:
    """NerdGraph guids are base64 of `account|DOMAIN|TYPE|id`."""
    return base64.b64encode(f"{ACCOUNT}|{domain}|{kind}|{ident}".encode()).decode().rstrip("=")


def nrql(query: str) -> dict[str, Any]:
    return {"nrqlQueries": [{"accountId": ACCOUNT, "query": query}]}


def widget(wid: int, title: str, viz: str, layout: tuple[int, int, int, int], config: dict[str, Any], **extra: Any) -> dict[str, Any]:
    column, row, width, height = layout
    return {
        "id": str(wid),
        "title": title,
        "visualization": {"id": viz},
        "layout": {"column": column, "row": row, "width": width, "height": height},
        "rawConfiguration": {**config, "platformOptions": {"ignoreTimeRange": False}},
        "linkedEntities": extra.get("linked", []),
    }


def dashboard(index: int, app: str, app_guid: str, team: str, browser: bool) -> dict[str, Any]:
    where = f"WHERE appName = '{app}'"
    base = 9000 + index * 100
    overview = [
        widget(base + 1, "", "viz.markdown", (1, 1, 3, 3), {"text": f"# {app}\nRunbook: https://wiki.techcorp.example/runbooks/{app}\nOwner: {team} team"}),
        widget(
            base + 2,
            "Golden signals (vs. yesterday)",
            "viz.billboard",
            (4, 1, 9, 3),
            {
                **nrql(
                    "SELECT count(*) AS 'Requests', percentage(count(*), WHERE error IS true) AS 'Error %', "
                    f"average(duration) * 1000 AS 'Avg ms' FROM Transaction {where} SINCE 1 hour ago COMPARE WITH 1 day ago"
                ),
                "thresholds": [{"alertSeverity": "CRITICAL", "value": 5}],
            },
        ),
        widget(
            base + 3,
            "Throughput by transaction",
            "viz.line",
            (1, 4, 6, 3),
            {**nrql(f"SELECT rate(count(*), 1 minute) FROM Transaction {where} AND name IN ({{{{transaction}}}}) FACET name LIMIT 10 TIMESERIES AUTO"), "legend": {"enabled": True}},
            linked=[{"__typename": "ApmApplicationEntityOutline", "guid": app_guid, "name": app, "accountId": ACCOUNT}],
        ),
        widget(base + 4, "Latency percentiles (s)", "viz.line", (7, 4, 6, 3), {**nrql(f"SELECT percentile(duration, 50, 95, 99) FROM Transaction {where} TIMESERIES"), "yAxisLeft": {"zero": True}}),
        widget(base + 5, "Errors by class", "viz.stacked-bar", (1, 7, 6, 3), nrql(f"SELECT count(*) FROM TransactionError {where} FACET error.class TIMESERIES")),
        widget(base + 6, "Slowest transactions", "viz.table", (7, 7, 6, 3), nrql(f"SELECT count(*), average(duration), max(duration) FROM Transaction {where} FACET name LIMIT 20")),
        widget(base + 7, "Error logs", "logger.log-table-widget", (1, 10, 12, 4), nrql(f"SELECT timestamp, level, message FROM Log WHERE service.name = '{app}' AND level = 'ERROR' LIMIT 100")),
    ]
    if browser:
        overview += [
            widget(base + 8, "Page load time by URL", "viz.area", (1, 14, 6, 3), nrql(f"SELECT average(duration) FROM PageView {where} FACET pageUrl LIMIT 5 TIMESERIES")),
            widget(base + 9, "JavaScript errors", "viz.pie", (7, 14, 6, 3), nrql(f"SELECT count(*) FROM JavaScriptError {where} FACET errorMessage LIMIT 10")),
        ]
    hosts = [
        widget(base + 20, "Host CPU %", "viz.line", (1, 1, 6, 3), nrql(f"SELECT average(cpuPercent) FROM SystemSample WHERE apmApplicationNames LIKE '%|{app}|%' FACET hostname TIMESERIES")),
        widget(base + 21, "Host memory %", "viz.area", (7, 1, 6, 3), nrql(f"SELECT average(memoryUsedPercent) FROM SystemSample WHERE apmApplicationNames LIKE '%|{app}|%' FACET hostname TIMESERIES")),
        widget(base + 22, "Apdex", "viz.bullet", (1, 4, 4, 3), {**nrql(f"SELECT apdex(duration, t: 0.5) FROM Transaction {where}"), "limit": 1}),
        widget(base + 23, "Service latency (metric)", "viz.line", (5, 4, 8, 3), nrql(f"SELECT average(apm.service.transaction.duration) * 1000 FROM Metric {where} TIMESERIES")),
    ]
    dash_guid = guid("VIZ", "DASHBOARD", 40000 + index)
    pages = [("Overview", overview), ("Hosts", hosts)]
    return {
        "guid": dash_guid,
        "__typename": "DashboardEntity",
        "accountId": ACCOUNT,
        "name": f"{app} (APM)",
        "description": f"Legacy New Relic dashboard of {app}; migrating in phase 2",
        "permissions": "PUBLIC_READ_WRITE",
        "permalink": f"https://one.newrelic.com/redirect/entity/{dash_guid}",
        "createdAt": "2023-04-11T09:12:00Z",
        "updatedAt": "2024-09-30T16:45:00Z",
        "owner": {"email": f"{team}-lead@techcorp.example", "userId": 1000 + index},
        "tags": [{"key": "team", "values": [team]}, {"key": "service", "values": [app]}],
        "pages": [
            {"guid": guid("VIZ", "DASHBOARD", 40000 + index * 10 + p + 1), "name": name, "description": None, "widgets": ws}
            for p, (name, ws) in enumerate(pages)
        ],
        "variables": [
            {
                "name": "transaction",
                "title": "Transaction",
                "type": "NRQL",
                "isMultiSelection": True,
                "defaultValues": [{"value": {"string": "*"}}],
                "items": None,
                "nrqlQuery": {"accountIds": [ACCOUNT], "query": f"FROM Transaction SELECT uniques(name) {where} SINCE 1 day ago"},
                "options": {"ignoreTimeRange": False, "excluded": False, "showApplyAction": False},
                "replacementStrategy": "STRING",
            }
        ],
    }


def signal(window: int = 60, method: str = "EVENT_FLOW", **extra: Any) -> dict[str, Any]:
    base = {"aggregationWindow": window, "aggregationMethod": method, "aggregationDelay": 120 if method == "EVENT_FLOW" else None,
            "aggregationTimer": 60 if method == "EVENT_TIMER" else None, "fillOption": "NONE", "fillValue": None,
            "evaluationDelay": None, "slideBy": None}
    return {**base, **extra}


def term(priority: str, operator: str, threshold: float, duration: int = 300, occurrences: str = "ALL") -> dict[str, Any]:
    return {"priority": priority, "operator": operator, "threshold": threshold, "thresholdDuration": duration,
            "thresholdOccurrences": occurrences, "disableHealthStatusReporting": False}


def conditions(index: int, app: str, extra: str, policy_id: str) -> list[dict[str, Any]]:
    where = f"WHERE appName = '{app}'"
    base = 70000 + index * 10
    common = {"policyId": policy_id, "enabled": True, "violationTimeLimitSeconds": 86400, "titleTemplate": None,
              "runbookUrl": f"https://wiki.techcorp.example/runbooks/{app}", "nrql": None,
              "expiration": {"expirationDuration": 600, "openViolationOnExpiration": False,
                             "closeViolationsOnExpiration": True, "ignoreOnExpectedTermination": False}}
    out = [
        {**common, "id": str(base + 1), "name": f"{app}: error rate high", "type": "STATIC",
         "description": f"More than 5% of {app} transactions fail.",
         "nrql": {"query": f"SELECT percentage(count(*), WHERE error IS true) FROM Transaction {where}", "evaluationOffset": None, "dataAccountId": ACCOUNT},
         "terms": [term("CRITICAL", "ABOVE", 5), term("WARNING", "ABOVE", 2)], "signal": signal()},
        {**common, "id": str(base + 2), "name": f"{app}: p95 latency", "type": "STATIC",
         "description": f"95th percentile latency of {app} above 1.5 s.",
         "nrql": {"query": f"SELECT percentile(duration, 95) FROM Transaction {where}", "evaluationOffset": None, "dataAccountId": ACCOUNT},
         "terms": [term("CRITICAL", "ABOVE", 1.5, 600), term("WARNING", "ABOVE", 0.8, 300, "AT_LEAST_ONCE")],
         "signal": signal(300, fillOption="LAST_VALUE")},
    ]
    third: dict[str, Any] = {**common, "id": str(base + 3), "type": "STATIC", "signal": signal()}
    if extra == "baseline":
        third.update(name=f"{app}: throughput anomaly", type="BASELINE", baselineDirection="LOWER_ONLY", signalSeasonality="DAILY",
                     description=f"{app} traffic is well below its usual daily pattern.",
                     nrql={"query": f"SELECT count(*) FROM Transaction {where}", "evaluationOffset": None, "dataAccountId": ACCOUNT},
                     terms=[term("CRITICAL", "ABOVE", 3, 900)])
    elif extra == "log":
        third.update(name=f"{app}: error log burst", description=f"{app} logs more than 50 errors in 5 minutes.",
                     nrql={"query": f"SELECT count(*) FROM Log WHERE service.name = '{app}' AND level = 'ERROR'", "evaluationOffset": None, "dataAccountId": ACCOUNT},
                     terms=[term("CRITICAL", "ABOVE", 50)], signal=signal(300, "EVENT_TIMER", fillOption="STATIC", fillValue=0))
    elif extra == "cpu":
        third.update(name=f"{app}: host CPU", description=f"A host running {app} is above 90% CPU for 10 minutes.",
                     nrql={"query": f"SELECT average(cpuPercent) FROM SystemSample WHERE apmApplicationNames LIKE '%|{app}|%' FACET hostname", "evaluationOffset": None, "dataAccountId": ACCOUNT},
                     terms=[term("CRITICAL", "ABOVE", 90, 600), term("WARNING", "ABOVE", 80, 600)], expiration=None)
    elif extra == "browser":
        third.update(name=f"{app}: slow page loads", description=f"75th percentile page load of {app} above 4 s.",
                     nrql={"query": f"SELECT percentile(duration, 75) FROM PageView {where}", "evaluationOffset": None, "dataAccountId": ACCOUNT},
                     terms=[term("CRITICAL", "ABOVE", 4, 600)])
    else:  # metric: the RabbitMQ integration's dimensional metric
        third.update(name=f"{app}: outbound queue backlog", description="The outbound e-mail queue holds more than 5,000 messages.",
                     nrql={"query": "SELECT latest(rabbitmq.queue.messages) FROM Metric WHERE queue = 'email-outbound'", "evaluationOffset": None, "dataAccountId": ACCOUNT},
                     terms=[term("CRITICAL", "ABOVE", 5000, 600, "AT_LEAST_ONCE")], signal=signal(60, fillOption="LAST_VALUE"))
    out.append(third)
    return [{**c, "entityGuid": guid("AIOPS", "CONDITION", c["id"])} for c in out]


def monitors() -> tuple[list[dict[str, Any]], dict[str, str], dict[str, list[dict[str, Any]]]]:
    def outline(name: str, kind: str, period: int, url: str | None, locations: list[str], **tags: str) -> dict[str, Any]:
        ident = guid("SYNTH", "MONITOR", name.replace(" ", "-"))
        tag_list = [{"key": "publicLocation", "values": locations}, {"key": "monitorStatus", "values": ["ENABLED"]}]
        tag_list += [{"key": k, "values": [v]} for k, v in tags.items()]
        return {"guid": ident, "name": name, "accountId": ACCOUNT, "domain": "SYNTH", "type": "MONITOR", "monitorType": kind,
                "period": period, "monitoredUrl": url, "monitorId": ident[-12:], "tags": tag_list}

    us_eu = ["AWS_US_EAST_1", "AWS_EU_WEST_1"]
    found = [
        outline("catalog-api health", "SIMPLE", 1, "https://catalog.techcorp.example/health", us_eu, responseValidationText='"status":"ok"', useTlsValidation="true"),
        outline("search-api health", "SIMPLE", 1, "https://search.techcorp.example/health", us_eu, responseValidationText='"status":"ok"'),
        outline("auth-gateway health", "SIMPLE", 5, "https://auth.techcorp.example/healthz", ["AWS_US_EAST_1", "AWS_US_WEST_2"]),
        outline("order-service checkout API", "SCRIPT_API", 5, None, us_eu, runtimeType="NODE_API", runtimeTypeVersion="16.10", scriptLanguage="JAVASCRIPT"),
        outline("account-service login API", "SCRIPT_API", 10, None, ["AWS_US_EAST_1"], runtimeType="NODE_API", runtimeTypeVersion="16.10"),
        outline("storefront-web home page", "BROWSER", 15, "https://www.techcorp.example/", us_eu + ["AWS_AP_SOUTHEAST_1"]),
        outline("admin-portal login steps", "STEP_MONITOR", 30, "https://admin.techcorp.example/login", ["AWS_US_EAST_1"]),
        outline("www.techcorp.example certificate", "CERT_CHECK", 1440, "www.techcorp.example", ["AWS_US_EAST_1"], service="storefront-web", daysUntilExpiration="30"),
        outline("api.techcorp.example certificate", "CERT_CHECK", 1440, "api.techcorp.example", ["AWS_US_EAST_1"], service="auth-gateway", daysUntilExpiration="21"),
    ]
    scripts = {
        found[3]["guid"]: (
            "const assert = require('assert');\n"
            "const token = $secure.ORDER_API_TOKEN;\n"
            "$http.post({url: 'https://orders.techcorp.example/v2/checkout/dry-run', headers: {Authorization: 'Bearer ' + token},\n"
            "  json: {sku: 'TC-1001', quantity: 1}}, (err, res, body) => {\n"
            "  assert.equal(res.statusCode, 200, 'checkout dry-run failed');\n"
            "  assert.ok(body.orderId, 'no order id');\n});\n"
        ),
        found[4]["guid"]: (
            "const assert = require('assert');\n"
            "$http.post({url: 'https://accounts.techcorp.example/api/login',\n"
            "  json: {user: 'synthetics@techcorp.example', password: $secure.ACCOUNT_SVC_PASSWORD}}, (err, res) => {\n"
            "  assert.equal(res.statusCode, 200);\n});\n"
        ),
    }
    steps = {
        found[6]["guid"]: [
            {"ordinal": 0, "type": "NAVIGATE", "values": ["https://admin.techcorp.example/login"]},
            {"ordinal": 1, "type": "TEXT_ENTRY", "values": ["#username", "synthetics"]},
            {"ordinal": 2, "type": "SECURE_TEXT_ENTRY", "values": ["#password", "$secure.ADMIN_PORTAL_PASSWORD"]},
            {"ordinal": 3, "type": "CLICK_ELEMENT", "values": ["button[type=submit]"]},
            {"ordinal": 4, "type": "ASSERT_TEXT", "values": ["h1", "Dashboard"]},
        ]
    }
    return found, scripts, steps


def account() -> FakeNerdGraph:
    fake = FakeNerdGraph()
    teams: dict[str, list[str]] = {"commerce": [], "platform": []}
    for index, (app, language, team, browser, extra) in enumerate(SERVICES):
        app_guid = guid("APM", "APPLICATION", 500100 + index)
        fake.entities[queries.APM_APPLICATIONS].append(
            {"guid": app_guid, "name": app, "accountId": ACCOUNT, "domain": "APM", "type": "APPLICATION",
             "language": language, "applicationId": 500100 + index,
             "tags": [{"key": "team", "values": [team]}, {"key": "env", "values": ["production"]},
                      {"key": "migration-phase", "values": ["2"]}]}
        )
        body = dashboard(index, app, app_guid, team, browser)
        fake.dashboards[body["guid"]] = body
        fake.entities[queries.DASHBOARDS].append({"guid": body["guid"], "name": body["name"], "accountId": ACCOUNT,
                                                  "dashboardParentGuid": None, "permissions": body["permissions"],
                                                  "tags": body["tags"]})
        for page in body["pages"]:  # each page is a DASHBOARD entity of its own, with its parent named
            fake.entities[queries.DASHBOARDS].append({"guid": page["guid"], "name": f"{body['name']} / {page['name']}",
                                                      "accountId": ACCOUNT, "dashboardParentGuid": body["guid"]})
        policy_id = str(880100 + index)
        teams[team].append(policy_id)
        fake.lists["Policies"].append({"accountId": ACCOUNT, "id": policy_id, "name": f"{app} (legacy)", "incidentPreference": "PER_CONDITION"})
        for cond in conditions(index, app, extra, policy_id):
            fake.lists["NrqlConditions"].append(cond)
            tags = [{"key": "service", "values": [app]}] if extra in ("cpu", "metric") and cond["id"].endswith("3") else []
            fake.entities[queries.CONDITION_ENTITIES].append({"guid": cond["entityGuid"], "name": cond["name"], "accountId": ACCOUNT,
                                                              "domain": "AIOPS", "type": "CONDITION", "tags": tags})
    destinations = [
        ("d0c1a5e2-0001-4c6e-9a77-commerce0001", "PagerDuty: commerce on-call", "PAGERDUTY_SERVICE_INTEGRATION", "TOKEN"),
        ("d0c1a5e2-0002-4c6e-9a77-platform0002", "PagerDuty: platform on-call", "PAGERDUTY_SERVICE_INTEGRATION", "TOKEN"),
        ("d0c1a5e2-0003-4c6e-9a77-slack0000003", "TechCorp Slack", "SLACK", "OAUTH2"),
    ]
    for ident, name, kind, auth in destinations:
        props = [{"key": "teamName", "value": "techcorp", "label": "Workspace", "displayValue": "TechCorp"}] if kind == "SLACK" else \
                [{"key": "two_way_integration", "value": "true", "label": None, "displayValue": None}]
        fake.lists["Destinations"].append({"accountId": ACCOUNT, "id": ident, "guid": guid("AIOPS", "DESTINATION", ident[-8:]), "name": name,
                                           "type": kind, "active": True, "status": "DEFAULT", "isUserAuthenticated": False,
                                           "auth": {"authType": auth},
                                           "properties": props, "createdAt": "2023-05-02T10:00:00Z", "updatedAt": "2024-08-19T08:30:00Z"})
    channels = [
        ("c4a77e10-0001-commerce-pd", "Commerce on-call", "PAGERDUTY_SERVICE_INTEGRATION", destinations[0][0], [{"key": "summary", "value": "{{ annotations.title.[0] }}"}]),
        ("c4a77e10-0002-platform-pd", "Platform on-call", "PAGERDUTY_SERVICE_INTEGRATION", destinations[1][0], [{"key": "summary", "value": "{{ annotations.title.[0] }}"}]),
        ("c4a77e10-0003-commerce-sl", "#commerce-alerts", "SLACK", destinations[2][0], [{"key": "channelId", "value": "C04COMMERCE"}]),
        ("c4a77e10-0004-platform-sl", "#platform-alerts", "SLACK", destinations[2][0], [{"key": "channelId", "value": "C04PLATFORM"}]),
    ]
    for ident, name, kind, dest, props in channels:
        fake.lists["Channels"].append({"accountId": ACCOUNT, "id": ident, "name": name, "type": kind, "product": "IINT", "destinationId": dest,
                                       "active": True, "status": "DEFAULT", "properties": props})
    flows = [
        ("commerce critical to PagerDuty", "commerce", channels[0], True),
        ("commerce to #commerce-alerts", "commerce", channels[2], False),
        ("platform critical to PagerDuty", "platform", channels[1], True),
        ("platform to #platform-alerts", "platform", channels[3], False),
    ]
    for number, (name, team, channel, critical_only) in enumerate(flows, start=1):
        predicates = [{"attribute": "labels.policyIds", "operator": "EXACTLY_MATCHES", "values": teams[team]}]
        if critical_only:
            predicates.append({"attribute": "priority", "operator": "EQUAL", "values": ["CRITICAL"]})
        fake.lists["Workflows"].append({"id": f"7f1e0b3c-000{number}-4d2a-b1c9-workflow000{number}", "name": name, "workflowEnabled": True,
                                        "destinationsEnabled": True, "mutingRulesHandling": "NOTIFY_ALL_ISSUES",
                                        "destinationConfigurations": [{"channelId": channel[0], "name": channel[1], "type": channel[2],
                                                                       "notificationTriggers": ["ACTIVATED", "CLOSED"], "updateOriginalMessage": True}],
                                        "issuesFilter": {"id": f"f11e0000-000{number}", "name": name, "type": "FILTER", "predicates": predicates},
                                        "enrichments": []})
    found, scripts, steps = monitors()
    fake.entities[queries.MONITORS] = found
    fake.scripts, fake.steps = scripts, steps
    fake.entities[queries.SECURE_CREDENTIALS] = [
        {"guid": guid("SYNTH", "SECURE_CRED", name), "name": name, "accountId": ACCOUNT, "description": text, "updatedAt": 1727700000000,
         "tags": []}
        for name, text in (("ORDER_API_TOKEN", "bearer token of the synthetics service account (orders)"),
                           ("ACCOUNT_SVC_PASSWORD", "password of synthetics@techcorp.example"),
                           ("ADMIN_PORTAL_PASSWORD", "admin-portal synthetics login"))
    ]
    return fake


class _Recorder(BaseAdapter):
    def __init__(self, fake: FakeNerdGraph) -> None:
        super().__init__()
        self.fake = fake
        self.interactions: list[dict[str, Any]] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        body = json.loads(request.body or b"{}")
        status, answer = self.fake.respond(body, {})
        operation = self.fake.calls[-1][0]
        variables = {k: v for k, v in body["variables"].items() if v is not None}
        self.interactions.append({"operation": operation, "variables": variables, "response": answer})
        resp = requests.Response()
        resp.status_code, resp._content, resp.url = status, json.dumps(answer).encode(), str(request.url)
        resp.headers["Content-Type"] = "application/json"
        return resp

    def close(self) -> None:
        return None


def _file_of(item: dict[str, Any]) -> str:
    if item["operation"] == "EntitySearch":
        return next(f for kind, f in SEARCH_FILES.items() if item["variables"]["query"].startswith(kind))
    return next(f for f, ops in FILES.items() if item["operation"] in ops)


def build() -> dict[str, str]:
    """file name -> text of every recording file, as the collector requests them today."""
    recorder = _Recorder(account())
    session = requests.Session()
    session.mount("https://", recorder)
    read_account(NerdGraph(HttpClient(URL, retries=0, max_in_flight=1, session=session)), ACCOUNT, "recording")
    files: dict[str, list[dict[str, Any]]] = {}
    for item in recorder.interactions:
        files.setdefault(_file_of(item), []).append(item)
    return {
        name: json.dumps({"nerdgraph_recording": 1, "account_id": ACCOUNT, "interactions": items}, indent=1, sort_keys=True) + "\n"
        for name, items in sorted(files.items())
    }


if __name__ == "__main__":
    for name, text in build().items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(f"wrote {name} ({len(json.loads(text)['interactions'])} interactions)")
