"""Pingdom collector against the API 3.1 (`responses`): both payload styles, paging, the rate-limit headers,
a 429 then success, one check detail failing; the waits measured on the client's fake clock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from migrate.cli import main
from migrate.errors import CredentialsError, RemoteError
from migrate.inventory import read_inventory
from migrate.sources import pingdom
from migrate.sources.http import HttpClient, pingdom_rate_limit
from migrate.sources.pingdom.api import client_from_env
from tests.unit.test_http_client import FakeClock

URL = "https://pingdom.test/api/3.1"
TOKEN = "pd-" + "test-token-0001"


def listed(ident: int, kind: str = "http", **extra: Any) -> dict[str, Any]:
    """A /checks list entry: `type` is a string, tags are objects."""
    return {
        "id": ident,
        "name": f"check {ident}",
        "type": kind,
        "hostname": f"h{ident}.example",
        "resolution": 5,
        "status": "up",
        "tags": [{"name": "web", "type": "u", "count": "2"}],
        **extra,
    }


def detail(ident: int, **extra: Any) -> dict[str, Any]:
    """A /checks/{id} answer: `type` is an object with the settings."""
    check = {
        "id": ident,
        "name": f"check {ident}",
        "hostname": f"h{ident}.example",
        "resolution": 5,
        "status": "up",
        "type": {"http": {"url": "/health", "encryption": True, "port": 443, "shouldcontain": "ok"}},
        "probe_filters": ["region: NA", "region:EU"],
        "teams": [{"id": 7, "name": "Ops"}],
        "sendnotificationwhendown": 2,
        "notifyagainevery": 3,
        **extra,
    }
    return {"check": check}


def paged(key: str, items: list[dict[str, Any]], *, total: bool = False) -> Any:
    """A callback answering `limit`/`offset` from `items`, as the API does."""

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        query = parse_qs(urlsplit(str(request.url)).query)
        offset, limit = int(query["offset"][0]), int(query["limit"][0])
        body: dict[str, Any] = {key: items[offset : offset + limit]}
        if total:
            body["counts"] = {"total": len(items), "limited": len(items), "filtered": len(items)}
        return 200, {}, json.dumps(body)

    return answer


def serve(checks: list[dict[str, Any]], *, tms: list[dict[str, Any]] | None = None, total: bool = True) -> None:
    """Every endpoint the collector reads; checks' details registered by the caller."""
    responses.add_callback(responses.GET, f"{URL}/checks", callback=paged("checks", checks, total=total))
    responses.add_callback(responses.GET, f"{URL}/tms/check", callback=paged("checks", tms or []))
    responses.get(f"{URL}/alerting/contacts", json={"contacts": [{"id": 1, "name": "On call", "type": "user"}]})
    responses.get(f"{URL}/alerting/teams", json={"teams": [{"id": 7, "name": "Ops", "members": []}]})
    maintenance = [{"id": 9, "description": "db upgrade", "checks": {"uptime": [1], "tms": []}}]
    responses.add_callback(responses.GET, f"{URL}/maintenance", callback=paged("maintenance", maintenance))
    probes = [{"id": 32, "name": "Los Angeles, CA", "region": "NA"}]
    responses.add_callback(responses.GET, f"{URL}/probes", callback=paged("probes", probes))


def client(clock: FakeClock | None = None) -> HttpClient:
    return client_from_env({"PINGDOM_API_TOKEN": TOKEN, "PINGDOM_API_URL": URL}, clock=clock or FakeClock())


def by_id(inventory: Any, kind: str) -> dict[str, Any]:
    return {o.ref.id: o for o in inventory.by_kind(kind)}


@responses.activate
def test_list_and_detail_payloads_merge_into_one_normalised_check() -> None:
    serve([listed(1), listed(2, "ping")])
    responses.get(f"{URL}/checks/1", json=detail(1))
    responses.get(f"{URL}/checks/2", json=detail(2, type={"ping": {}}, probe_filters=[]))
    inv = pingdom.to_inventory(pingdom.collect_api(client()))
    checks = by_id(inv, "uptime_check")
    one = checks["1"]
    assert one.payload["type"] == detail(1)["check"]["type"], "the detail's type object wins over the list's string"
    assert one.payload["tags"] == listed(1)["tags"], "what only the list has is kept"
    norm = one.normalized
    assert (norm["type"], norm["settings"]["shouldcontain"], norm["settings"]["port"]) == ("http", "ok", 443)
    assert norm["regions"] == ["NA", "EU"], "both spellings of the region filter"
    assert (norm["team_ids"], norm["tags"], norm["detail_loaded"]) == (["7"], ["web"], True)
    assert (norm["send_notification_when_down"], norm["notify_again_every"]) == (2, 3)
    assert checks["2"].normalized["type"] == "ping"
    assert one.ref.origin == f"{URL}/checks/1"
    assert inv.counts() == {
        "contact": 1,
        "maintenance_window": 1,
        "probe": 1,
        "team": 1,
        "uptime_check": 2,
    }
    sent = next(c.request for c in responses.calls if urlsplit(str(c.request.url)).path.endswith("/checks"))
    query = parse_qs(urlsplit(str(sent.url)).query)
    assert query["include_tags"] == query["include_severity"] == query["showencryption"] == ["true"]
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    detail_query = parse_qs(urlsplit(str(responses.calls[1].request.url)).query)
    assert detail_query == {"include_teams": ["true"]}


@responses.activate
@pytest.mark.parametrize("total", [True, False], ids=["counts.total", "short page"])
def test_paging_reads_every_page(total: bool) -> None:
    checks = [listed(i) for i in range(1, 6)]
    serve(checks, tms=[{"id": 50 + i, "name": f"t{i}", "type": "script"} for i in range(3)], total=total)
    for i in range(1, 6):
        responses.get(f"{URL}/checks/{i}", json=detail(i))
    for i in range(3):
        responses.get(f"{URL}/tms/check/{50 + i}", json={"check": {"steps": [{"fn": "go_to", "args": {"url": "u"}}]}})
    inv = pingdom.to_inventory(pingdom.collect_api(client(), page_size=2))
    assert sorted(by_id(inv, "uptime_check")) == ["1", "2", "3", "4", "5"]
    assert sorted(by_id(inv, "transaction_check")) == ["50", "51", "52"]
    assert by_id(inv, "transaction_check")["51"].normalized["steps"] == [{"fn": "go_to", "args": {"url": "u"}}]
    offsets = [
        parse_qs(urlsplit(str(c.request.url)).query)["offset"][0]
        for c in responses.calls
        if urlsplit(str(c.request.url)).path == "/api/3.1/checks"
    ]
    # with the total known, the third page (one item) ends the listing; without it a short page does
    assert offsets == ["0", "2", "4"]


@responses.activate
def test_a_rate_limit_header_near_zero_makes_the_collector_wait() -> None:
    clock = FakeClock()
    sent_at: list[float] = []
    limit = {
        "Req-Limit-Short": "Remaining: 1 Time until reset: 60",
        "Req-Limit-Long": "Remaining: 71994 Time until reset: 2591989",
    }

    def checks_page(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        sent_at.append(clock.now)
        return 200, limit, json.dumps({"checks": [listed(1)], "counts": {"total": 1}})

    def one(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        sent_at.append(clock.now)
        return 200, {}, json.dumps(detail(1))

    responses.add_callback(responses.GET, f"{URL}/checks", callback=checks_page)
    responses.add_callback(responses.GET, f"{URL}/checks/1", callback=one)
    serve([])  # the other endpoints (its own /checks is never reached: the first registration answers)
    pingdom.collect_api(client(clock))
    # 1 request left for 60 s: the next one waits 60 / (1 + 1) s, not a moment less
    assert sent_at[1] - sent_at[0] == pytest.approx(30.0)
    assert clock.slept[0] == pytest.approx(30.0)


@responses.activate
def test_a_429_is_retried_after_the_wait_it_asks_for() -> None:
    clock = FakeClock()
    serve([listed(1)])
    responses.get(
        f"{URL}/checks/1", status=429, headers={"Retry-After": "5"}, body="Request limit exceeded, try again later"
    )
    responses.get(f"{URL}/checks/1", json=detail(1))
    account = pingdom.collect_api(client(clock))
    assert account.problems == []
    assert account.entries["uptime_check"]["1"].detailed
    assert sum(clock.slept) == pytest.approx(5.0)
    assert len([c for c in responses.calls if c.request.url and "/checks/1" in c.request.url]) == 2


@responses.activate
def test_one_check_detail_failing_is_recorded_and_the_rest_collected() -> None:
    serve([listed(1), listed(2), listed(3)])
    responses.get(f"{URL}/checks/1", json=detail(1))
    responses.get(f"{URL}/checks/2", status=500, json={"error": {"statuscode": 500, "errormessage": "boom"}})
    responses.get(f"{URL}/checks/3", json=detail(3))
    inv = pingdom.to_inventory(pingdom.collect_api(client()))
    checks = by_id(inv, "uptime_check")
    assert sorted(checks) == ["1", "2", "3"]
    broken = checks["2"]
    assert broken.payload == listed(2), "kept as the list gave it"
    assert broken.normalized["detail_loaded"] is False
    assert broken.normalized["type"] == "http" and broken.normalized["settings"] == {}
    assert "HTTP 500" in broken.normalized["problems"][0]
    assert len(inv.problems) == 1
    assert inv.problems[0].startswith("uptime check 2 (check 2): detail not loaded, kept from the list")
    assert "after 3 attempts" in inv.problems[0], "5xx retried before giving up"
    assert checks["1"].normalized["detail_loaded"] and checks["3"].normalized["detail_loaded"]


@responses.activate
def test_the_collect_command_writes_the_inventory_and_exits_non_zero_saying_how_many_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PINGDOM_API_TOKEN", TOKEN)
    monkeypatch.setenv("PINGDOM_API_URL", URL)
    serve([listed(1), listed(2)])
    responses.get(f"{URL}/checks/1", status=404, json={"error": {"statuscode": 404, "errormessage": "no such check"}})
    responses.get(f"{URL}/checks/2", json=detail(2))
    code = main(["collect", "pingdom", "--from-api", "--out", str(tmp_path / "inv")])
    out = capsys.readouterr().out
    assert code == 1
    assert "1 object(s) could not be read completely" in out
    assert f"collected pingdom from {URL}" in out
    inv = read_inventory(tmp_path / "inv")
    assert len(inv.problems) == 1 and "uptime check 1" in inv.problems[0]
    assert sorted(by_id(inv, "uptime_check")) == ["1", "2"]
    assert TOKEN not in "".join(p.read_text() for p in (tmp_path / "inv").rglob("*.json"))


def test_the_token_comes_from_the_environment_only() -> None:
    with pytest.raises(CredentialsError, match="PINGDOM_API_TOKEN is not set"):
        client_from_env({})
    made = client_from_env({"PINGDOM_API_TOKEN": TOKEN})
    assert made.display_url == "https://api.pingdom.com/api/3.1"
    assert made.rate_limit is pingdom_rate_limit


@responses.activate
def test_an_answer_of_the_wrong_shape_names_the_url() -> None:
    responses.get(f"{URL}/checks", json={"unexpected": []})
    with pytest.raises(RemoteError, match=r"pingdom.test/api/3.1/checks did not return a `checks` list"):
        pingdom.collect_api(client())


@responses.activate
def test_a_transaction_check_detail_failing_and_a_listed_check_without_id() -> None:
    serve([listed(1), {"name": "no id", "type": "http"}], tms=[{"id": 51, "name": "login", "type": "script"}])
    responses.get(f"{URL}/checks/1", json=detail(1))
    responses.get(f"{URL}/tms/check/51", status=403, json={"error": {"statuscode": 403, "errormessage": "no access"}})
    account = pingdom.collect_api(client())
    assert list(account.entries["uptime_check"]) == ["1"]
    assert account.warnings == [
        f"{URL}/checks: uptime check 'no id' without an `id` (a create request, not an export?); skipped"
    ]
    assert len(account.problems) == 1
    assert account.problems[0].startswith("transaction check 51 (login): detail not loaded, kept from the list")
    assert "HTTP 403" in account.problems[0]
    tms = pingdom.to_inventory(account).by_kind("transaction_check")[0].normalized
    assert (tms["detail_loaded"], tms["steps"], tms["name"]) == (False, [], "login")
