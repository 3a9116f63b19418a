"""What Datadog itself recorded, where it records it: a monitor's state transitions and a synthetic test's results.

Monitor state history: Datadog's documented read of it is the Events API v2, `GET /api/v2/events`
(docs api/latest/events "Get a list of events": `filter[query]`, `filter[from]`, `filter[to]`, `sort`,
`page[limit]`, `page[cursor]`; the answer's `meta.page.after` is the next cursor). A monitor's alert events
are searched with `source:alert @monitor.id:<id>` (the docs' note: query monitor events by `@monitor.id`);
each event's `attributes.attributes` has `monitor_id`, `monitor_groups` (the group's tags), `status`
(`error` on Alert, `warning` on Warn, `success` on recovery: EventStatusType) and `timestamp` (ms). The
monitor is in alert from an `error` event until the group's next event that is not one. The v1 monitor API
answers only the current `overall_state`, so it cannot say when a monitor fired.

The Datadog id of an applied resource is found by its ownership marker: monitors by the tag
`ddmigrate_id:<key>` (`GET /api/v1/monitor?monitor_tags=`), synthetic tests in the test list.
"""

from __future__ import annotations

from typing import Any

from migrate import paging
from migrate.datadog.resources import spec
from migrate.parity.compare import datadog_key
from migrate.sources.http import HttpClient

EVENTS_PATH = "/api/v2/events"
TESTS_PATH = "/api/v1/synthetics/tests"
TESTS_PAGE = 100  # the synthetics listing's page size (migrate/datadog/synthetics.py)
PAGE_LIMIT = 1000
_ALERT = "error"


def monitor_id(client: HttpClient, resource_key: str) -> int | None:
    found = client.get_json("/api/v1/monitor", {"monitor_tags": f"ddmigrate_id:{resource_key}"})
    ids = [m["id"] for m in found or [] if isinstance(m, dict) and isinstance(m.get("id"), int)]
    return ids[0] if len(ids) == 1 else None


def synthetic_ids(client: HttpClient) -> dict[str, tuple[str, str]]:
    """Resource key -> (public_id, type: api | browser) of every synthetic test ddmigrate owns."""

    def fetch(number: int) -> list[dict[str, Any]]:
        data = client.get_json(TESTS_PATH, {"page_size": str(TESTS_PAGE), "page_number": str(number)})
        return [t for t in (data or {}).get("tests") or [] if isinstance(t, dict)]

    out: dict[str, tuple[str, str]] = {}
    for test in paging.by_page_number(fetch, page_size=TESTS_PAGE, what="synthetic tests"):
        kind = "browser" if test.get("type") == "browser" else "api"
        key = spec("synthetic_browser_test" if kind == "browser" else "synthetic_test").owned_key(test)
        if key and test.get("public_id"):
            out[key] = (str(test["public_id"]), kind)
    return out


def monitor_events(client: HttpClient, ident: int, start: int, end: int) -> list[dict[str, Any]]:
    """The monitor's alert events from `start` back to a day before it (the state it entered the window in)."""
    params = {
        "filter[query]": f"source:alert @monitor.id:{ident}",
        "filter[from]": str((start - 86400) * 1000),
        "filter[to]": str(end * 1000),
        "sort": "timestamp",
        "page[limit]": str(PAGE_LIMIT),
    }

    def fetch(cursor: str | None) -> paging.Page[dict[str, Any], str]:
        data = client.get_json(EVENTS_PATH, {**params, **({"page[cursor]": cursor} if cursor else {})}) or {}
        after = ((data.get("meta") or {}).get("page") or {}).get("after")
        return paging.Page([e for e in data.get("data") or [] if isinstance(e, dict)], after or None)

    return list(paging.by_cursor(fetch, what=f"monitor {ident} events"))


def alert_states(events: list[dict[str, Any]], times: range) -> dict[str, set[int]]:
    """Per group key, the evaluation times at which the monitor was in alert by its own events."""
    changes: dict[str, list[tuple[int, bool]]] = {}
    for event in events:
        inner = (event.get("attributes") or {}).get("attributes") or {}
        stamp = inner.get("timestamp")
        if not isinstance(stamp, int | float):
            continue
        groups = [g for g in inner.get("monitor_groups") or [] if isinstance(g, str) and ":" in g]
        key = datadog_key(dict(g.partition(":")[::2] for g in groups))
        changes.setdefault(key, []).append((int(stamp) // 1000, inner.get("status") == _ALERT))
    out: dict[str, set[int]] = {}
    for key, seen in changes.items():
        seen.sort()
        on = out.setdefault(key, set())
        for t in times:
            state = [alerting for at, alerting in seen if at <= t]
            if state and state[-1]:
                on.add(t)
    return out
