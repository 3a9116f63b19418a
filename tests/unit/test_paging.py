"""The one paging helper: each style over more than two pages, completeness, and the loop guards.

Fake servers here are small functions over a list, so each test states the server's behaviour (what it
does with the position it is given) and checks that every item came back exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import pytest
import responses

from migrate import paging
from migrate.datadog.dashboards import DASHBOARD, DashboardOps
from migrate.datadog.monitors import MonitorOps
from migrate.datadog.synthetics import SyntheticTestOps
from migrate.errors import RemoteError
from migrate.sources.http import HttpClient, next_link
from migrate.testing.ddserver import DatadogTestServer
from tests.unit.test_datadog_validate import owned_synthetic
from tests.unit.test_ddserver import client_for, monitor_for

ITEMS = [f"item{i}" for i in range(11)]


def test_page_numbers_until_a_short_page() -> None:
    asked: list[int] = []

    def fetch(number: int) -> Sequence[str]:
        asked.append(number)
        return ITEMS[(number - 1) * 4 : number * 4]

    assert list(paging.by_page_number(fetch, page_size=4, first=1, what="things")) == ITEMS
    assert asked == [1, 2, 3]


def test_a_full_last_page_costs_one_empty_page_more() -> None:
    asked: list[int] = []

    def fetch(number: int) -> Sequence[str]:
        asked.append(number)
        return ITEMS[:9][number * 3 : (number + 1) * 3]

    assert list(paging.by_page_number(fetch, page_size=3, what="things")) == ITEMS[:9]
    assert asked == [0, 1, 2, 3]


def test_offsets_follow_what_came_back_and_a_total_outlasts_a_server_cap() -> None:
    # The server caps every page at 3 items although 5 were asked for: without the total the first short
    # page would look like the last one; with it, paging goes on until all 11 are read.
    asked: list[int] = []

    def capped(offset: int) -> paging.Counted[str]:
        asked.append(offset)
        return paging.Counted(ITEMS[offset : offset + 3], total=len(ITEMS))

    assert list(paging.by_offset(capped, limit=5, what="checks")) == ITEMS
    assert asked == [0, 3, 6, 9]

    def plain(offset: int) -> Sequence[str]:
        return ITEMS[offset : offset + 5]

    assert list(paging.by_offset(plain, limit=5, what="checks")) == ITEMS


def test_cursor_pages_until_the_cursor_is_null() -> None:
    pages = {None: (ITEMS[:4], "c1"), "c1": (ITEMS[4:8], "c2"), "c2": ([], "c3"), "c3": (ITEMS[8:], None)}
    asked: list[str | None] = []

    def fetch(cursor: str | None) -> paging.Page[str, str]:
        asked.append(cursor)
        items, after = pages[cursor]
        return paging.Page(items, after)

    assert list(paging.by_cursor(fetch, what="dashboards")) == ITEMS
    assert asked == [None, "c1", "c2", "c3"]  # an empty page with a cursor is not the end


def test_a_cursor_sent_twice_is_an_error_not_a_loop() -> None:
    pages = {None: (ITEMS[:2], "c1"), "c1": (ITEMS[2:4], "c2"), "c2": (ITEMS[4:6], "c1")}
    got: list[str] = []
    with pytest.raises(RemoteError) as exc:
        got.extend(paging.by_cursor(lambda c: paging.Page(*pages[c]), what="NerdGraph entitySearch"))
    assert exc.value.message == "NerdGraph entitySearch: the server sent the page position 'c1' a second time"
    assert got == ITEMS[:6]


def test_a_server_that_ignores_the_page_parameter_is_an_error() -> None:
    with pytest.raises(RemoteError, match=r"things: the page at 1 repeats the previous one"):
        list(paging.by_page_number(lambda n: ITEMS[:3], page_size=3, what="things"))


@responses.activate
def test_link_paging_through_the_http_client() -> None:
    base = "http://src.test"
    for n in (1, 2, 3):
        link = {"Link": f'</api/items?page={n + 1}>; rel="next", </api/items?page=1>; rel="first"'} if n < 3 else {}
        responses.get(
            f"{base}/api/items",
            json=ITEMS[(n - 1) * 4 : n * 4],
            headers=link,
            match=[responses.matchers.query_param_matcher({"page": str(n)})],
        )
    client = HttpClient(base)

    def fetch(url: str) -> paging.Page[str, str]:
        resp = client.request("GET", url)
        return paging.Page(resp.json(), next_link(resp))

    assert list(paging.by_link(fetch, "/api/items?page=1", what="items")) == ITEMS
    assert [c.request.url for c in responses.calls][1:] == [f"{base}/api/items?page=2", f"{base}/api/items?page=3"]


# -- the Datadog listings page through the same helper, over datadog-api-client -------------------------
@pytest.fixture
def dd() -> Iterator[DatadogTestServer]:
    with DatadogTestServer() as server:
        yield server


def test_datadog_monitors_and_synthetics_read_every_page(
    dd: DatadogTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monitors = MonitorOps(client_for(dd))
    created = [monitors.create(monitor_for(f"M{i}")[1])["id"] for i in range(5)]
    tests = SyntheticTestOps(client_for(dd))
    public_ids = [tests.create(owned_synthetic(name=f"T{i}"))["public_id"] for i in range(5)]
    for ops in (MonitorOps, SyntheticTestOps):  # the declaration is what list_all pages by
        monkeypatch.setattr(ops, "rtype", replace(ops.rtype, paging=replace(ops.rtype.paging, size=2)))
    assert [m["id"] for m in monitors.list_all()] == created
    assert sorted(t["public_id"] for t in tests.list_all()) == sorted(public_ids)
    pages = [r.query["page"] for r in dd.requests if r.method == "GET" and r.path == "/api/v1/monitor"]
    assert pages == ["0", "1", "2"]


def test_datadog_dashboards_page_by_offset(dd: DatadogTestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # The test server ignores `start`/`count`, so the pages are served here, below the resource module.
    summaries = [{"id": f"abc-{i}", "title": f"D{i}"} for i in range(5)]
    starts: list[Any] = []

    class Response:
        def __init__(self, data: Any) -> None:
            self.data = data

    def call(op: str, **kwargs: Any) -> Response:
        query = kwargs["query"]
        starts.append(query["start"])
        return Response({"dashboards": summaries[query["start"] : query["start"] + query["count"]]})

    ops = DashboardOps(client_for(dd))
    monkeypatch.setattr(ops, "_call", call)
    monkeypatch.setattr(DashboardOps, "rtype", replace(DASHBOARD, paging=replace(DASHBOARD.paging, size=2)))
    assert list(ops.list_all()) == summaries
    assert starts == [0, 2, 4]
