"""The local server's Events API v2 read, `GET /api/v2/events` (docs api/latest/events, "Get a list of
events"), for the monitor alert events parity reads as a monitor's state history.

Stored events are what Datadog writes when a monitor changes state: `record_transition()` adds one in the
answer's shape (`data[]: {id, type: "event", attributes: {timestamp (ISO), tags, message, attributes:
{monitor_id, monitor_groups, status, timestamp (ms), title}}}`). The search understands what parity sends:
`filter[query]` terms `source:alert` and `@monitor.id:<id>` (others are refused with a 400, so a client
relying on more is caught), `filter[from]` / `filter[to]` in ms, `sort` `timestamp` or `-timestamp`,
`page[limit]` (default 10, at most 1000) and `page[cursor]`; `meta.page.after` names the next page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from migrate.testing.collection import Result, Route

_STATUS = {"Alert": "error", "Warn": "warning", "OK": "success"}


@dataclass
class Events:
    events: list[dict[str, Any]] = field(default_factory=list)

    def record_transition(self, monitor_id: int, state: str, at: int, groups: tuple[str, ...] = ()) -> None:
        """The event of monitor `monitor_id` entering `state` (Alert, Warn, OK) at `at` (epoch seconds)."""
        inner = {
            "monitor_id": monitor_id,
            "monitor_groups": list(groups),
            "status": _STATUS[state],
            "timestamp": at * 1000,
            "title": f"[{'Triggered' if state != 'OK' else 'Recovered'}] monitor {monitor_id}",
        }
        iso = datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")
        attributes = {"timestamp": iso, "tags": ["source:alert", f"monitor_id:{monitor_id}"], "attributes": inner}
        self.events.append({"id": f"evt-{len(self.events) + 1}", "type": "event", "attributes": attributes})

    def search(self, m: Any, q: dict[str, str], body: Any) -> Result:
        wanted: int | None = None
        for term in q.get("filter[query]", "*").split():
            if term.startswith("@monitor.id:"):
                wanted = int(term.split(":", 1)[1])
            elif term not in ("source:alert", "*"):
                return 400, {"errors": [f"the local server does not search events by {term!r}"]}
        low, high = int(q.get("filter[from]", 0)), int(q.get("filter[to]", 2**62))
        found = [
            e
            for e in self.events
            if low <= e["attributes"]["attributes"]["timestamp"] <= high
            and wanted in (None, e["attributes"]["attributes"]["monitor_id"])
        ]
        found.sort(key=lambda e: int(e["attributes"]["attributes"]["timestamp"]), reverse=q.get("sort") != "timestamp")
        limit = min(int(q.get("page[limit]", 10)), 1000)
        offset = int(q.get("page[cursor]", 0) or 0)
        page = found[offset : offset + limit]
        after = str(offset + limit) if offset + limit < len(found) else None
        return 200, {"data": page, "meta": {"page": {"after": after}}, "links": {}}

    def routes(self) -> list[Route]:
        return [("GET", "/api/v2/events", "events", self.search)]
