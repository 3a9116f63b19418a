"""A small in-process NerdGraph for tests (behind `responses`) and for recording the sample company.

It answers the operations of migrate/sources/newrelic/queries.py by name, in NerdGraph's shapes, with
cursor paging of a fixed page size (entity search 200, workflows 250, as NerdGraph pages them). There is
no public NerdGraph emulator (client-and-test-facts.md §5): the answer shapes follow the documented queries
(newrelic-pingdom-facts.md §3.2). `override` lets a test answer one request differently (a 429, a GraphQL
error with HTTP 200), and the in-flight counter measures concurrency.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from migrate.sources.newrelic import queries

URL = "https://api.newrelic.com/graphql"
ACCOUNT = 1234567
_OPERATION = re.compile(r"^\s*query\s+(\w+)")
# operation -> (path to the listing object under data, the items key)
LISTINGS = {
    "Policies": (("actor", "account", "alerts", "policiesSearch"), "policies"),
    "NrqlConditions": (("actor", "account", "alerts", "nrqlConditionsSearch"), "nrqlConditions"),
    "Destinations": (("actor", "account", "aiNotifications", "destinations"), "entities"),
    "Channels": (("actor", "account", "aiNotifications", "channels"), "entities"),
    "Workflows": (("actor", "account", "aiWorkflows", "workflows"), "entities"),
}
PAGE_SIZES = {"EntitySearch": 200, "Workflows": 250}
SEARCH_KINDS = (
    queries.DASHBOARDS,
    queries.MONITORS,
    queries.SECURE_CREDENTIALS,
    queries.CONDITION_ENTITIES,
    queries.APM_APPLICATIONS,
)

Override = Callable[[str, dict[str, Any], int], "tuple[int, Any] | None"]


def nest(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    for key in reversed(path):
        value = {key: value}
    return dict(value)


@dataclass
class FakeNerdGraph:
    entities: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {k: [] for k in SEARCH_KINDS})
    dashboards: dict[str, dict[str, Any]] = field(default_factory=dict)
    lists: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {k: [] for k in LISTINGS})
    scripts: dict[str, str] = field(default_factory=dict)
    steps: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    page_sizes: dict[str, int] = field(default_factory=lambda: dict(PAGE_SIZES))
    override: Override | None = None
    delay: float = 0.0
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _page(self, operation: str, items: list[dict[str, Any]], cursor: str | None) -> tuple[list[Any], str | None]:
        size = self.page_sizes.get(operation, 100)
        start = int(cursor or 0)
        end = start + size
        return items[start:end], (str(end) if end < len(items) else None)

    def answer(self, operation: str, variables: dict[str, Any]) -> Any:
        """The `data` NerdGraph would give for one request."""
        cursor = variables.get("cursor")
        if operation == "EntitySearch":
            kind = next(k for k in SEARCH_KINDS if str(variables["query"]).startswith(k))
            page, nxt = self._page(operation, self.entities[kind], cursor)
            results = {"nextCursor": nxt, "entities": page}
            return {"actor": {"entitySearch": {"count": len(self.entities[kind]), "results": results}}}
        if operation == "Dashboard":
            return {"actor": {"entity": self.dashboards.get(str(variables["guid"]))}}
        if operation in LISTINGS:
            path, key = LISTINGS[operation]
            items = self.lists[operation]
            page, nxt = self._page(operation, items, cursor)
            return nest(path, {"nextCursor": nxt, "totalCount": len(items), key: page})
        if operation == "MonitorScript":
            text = self.scripts.get(str(variables["guid"]))
            return nest(("actor", "account", "synthetics", "script"), None if text is None else {"text": text})
        if operation == "MonitorSteps":
            return nest(("actor", "account", "synthetics", "steps"), self.steps.get(str(variables["guid"])))
        raise AssertionError(f"unexpected operation {operation}")

    def respond(self, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
        operation = _OPERATION.match(body["query"])[1]  # type: ignore[index]
        variables = dict(body.get("variables") or {})
        with self._lock:
            self.calls.append((operation, variables))
            self.headers.append(headers)
            count = sum(1 for op, _ in self.calls if op == operation)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            special = self.override(operation, variables, count) if self.override else None
            return special if special is not None else (200, {"data": self.answer(operation, variables)})
        finally:
            with self._lock:
                self.in_flight -= 1

    def callback(self, request: Any) -> tuple[int, dict[str, str], str]:
        """For `responses.add_callback(responses.POST, URL, callback=fake.callback)`."""
        status, body = self.respond(json.loads(request.body), dict(request.headers))
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    def count(self, operation: str) -> int:
        return sum(1 for op, _ in self.calls if op == operation)
