"""The state and the routes of the local Datadog-compatible server (ddserver.py owns HTTP, limits, faults).

Each handler takes (match, query, body) and returns (status, json_body). Bodies are validated with the same
`validate_payload` ddmigrate uses (the schema and rules each type declares, without the ownership rule:
Datadog does not require our marker), and responses carry the fields Datadog adds, so datadog-api-client
deserialises them. Routes are built on each type's declared `api_path`. The four types ddmigrate ships
have hand-written handlers here (they model Datadog's quirks: summaries, delete by POST, duplicates); any
other registered type is served from its declaration alone (collection.py). Updates behave as Datadog's:
a monitor PUT (a MonitorUpdateRequest, every field optional) keeps the top-level fields it is not sent
and clears one sent as null (`options` is replaced as one object); a dashboard or API test PUT replaces
the whole resource (what it is not sent is gone), keeping only the server's own fields. Browser tests,
global variables, locations and test runs are in ddsynthetics.py.
"""

from __future__ import annotations

import itertools
import random
import re
import string
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from migrate.datadog.dashboards import DASHBOARD
from migrate.datadog.downtimes import DOWNTIME
from migrate.datadog.monitors import MONITOR
from migrate.datadog.resources import RESOURCE_TYPES
from migrate.datadog.synthetics import SYNTHETIC_TEST
from migrate.datadog.validate import validate_payload, validate_request
from migrate.testing.collection import Collection, Handler, Result, Route, crud_routes
from migrate.testing.ddevents import Events
from migrate.testing.ddsynthetics import SYNTHETIC_BROWSER_TEST, SYNTHETIC_GLOBAL_VARIABLE, SyntheticRuns
from migrate.testing.metrics_api import timeseries_query
from migrate.testing.metrics_db import MetricsDb
from migrate.translate.ddquery import metric_names
from migrate.translate.ddquery.composite import QuerySyntaxError, monitor_ids

HAND_WRITTEN = frozenset(
    {MONITOR.name, DASHBOARD.name, SYNTHETIC_TEST.name, DOWNTIME.name}
    | {SYNTHETIC_BROWSER_TEST.name, SYNTHETIC_GLOBAL_VARIABLE.name}  # ddsynthetics.py
)
_CREATOR = {"email": "ddmigrate-test@example.com", "handle": "ddmigrate-test@example.com", "name": "Test"}
_MONITOR_DEFAULT_OPTIONS = {
    "notify_no_data": False,
    "notify_audit": False,
    "new_host_delay": 300,
    "include_tags": True,
    "silenced": {},
}


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _err(status: int, *messages: str) -> Result:
    return status, {"errors": list(messages)}


class DatadogStore:
    """Monitors, dashboards, API tests, downtimes and reporting metrics of one fake org. Thread-safe."""

    def __init__(self, seed: int = 0, *, reject_duplicate_monitors: bool = False) -> None:
        self.lock = threading.RLock()
        self.monitors: dict[int, dict[str, Any]] = {}
        self.dashboards: dict[str, dict[str, Any]] = {}
        self.synthetics: dict[str, dict[str, Any]] = {}
        self.downtimes: dict[int, dict[str, Any]] = {}
        self.metrics: dict[str, list[tuple[float, float]]] = {}
        self.points = MetricsDb()  # typed series the metrics query API evaluates (metrics_eval.py)
        self.reject_duplicate_monitors = reject_duplicate_monitors
        self._ids = itertools.count(1000)
        self._rng = random.Random(seed)  # noqa: S311 (reproducible ids, not secrets)
        # Registered types without handlers here, served from their declarations.
        self.collections = {
            name: Collection(rtype, self._int_id, self._str_id)
            for name, rtype in RESOURCE_TYPES.items()
            if name not in HAND_WRITTEN
        }
        # Browser tests, global variables, locations and test runs (ddsynthetics.py).
        self.synth = SyntheticRuns(self.synthetics, self._new_synthetic, self._int_id, self._str_id, _now)
        # Monitor state transitions as Datadog's alert events (ddevents.py: GET /api/v2/events).
        self.events = Events()

    # ids like Datadog's: ints for monitors/downtimes, "abc-def-ghi" for dashboards and public ids
    def _int_id(self) -> int:
        return next(self._ids)

    def _str_id(self) -> str:
        alphabet = string.ascii_lowercase + string.digits
        return "-".join("".join(self._rng.choice(alphabet) for _ in range(3)) for _ in range(3))

    # --- planting and reading state (tests) -------------------------------------------------------------
    def plant(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Store a resource as if someone else created it in the UI (no validation, no marker needed)."""
        makers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            MONITOR.name: self._new_monitor,
            DASHBOARD.name: self._new_dashboard,
            SYNTHETIC_TEST.name: self._new_synthetic,
            DOWNTIME.name: self._new_downtime,
            SYNTHETIC_BROWSER_TEST.name: self._new_synthetic,
            SYNTHETIC_GLOBAL_VARIABLE.name: self.synth.new_variable,
            **{name: c.new for name, c in self.collections.items()},
        }
        with self.lock:
            return makers[kind](dict(payload))

    def report_metric(self, name: str, value: float = 1.0, timestamp: float | None = None) -> None:
        with self.lock:
            self.metrics.setdefault(name, []).append((timestamp or time.time(), value))

    # --- monitors -------------------------------------------------------------------------------------
    def _new_monitor(self, body: dict[str, Any]) -> dict[str, Any]:
        monitor = dict(
            body,
            id=self._int_id(),
            org_id=1,
            created=_now(),
            modified=_now(),
            creator=_CREATOR,
            overall_state="No Data",
            deleted=None,
            restricted_roles=None,
        )
        if monitor["type"] == "metric alert":  # Datadog stores metric alerts as query alerts
            monitor["type"] = "query alert"
        monitor["multi"] = " by {" in str(body.get("query", ""))
        monitor["options"] = {**_MONITOR_DEFAULT_OPTIONS, **(body.get("options") or {})}
        monitor.setdefault("tags", [])
        monitor.setdefault("priority", None)
        self.monitors[monitor["id"]] = monitor
        return monitor

    def _composite_errors(self, body: dict[str, Any], own_id: int | None = None) -> list[str]:
        """Datadog's answer to a composite naming monitors that do not exist, or other composites (it cannot
        nest them): `Some monitor IDs are invalid` (its /api/v1/monitor/validate error, 400)."""
        if body.get("type") != "composite":
            return []
        try:
            named = monitor_ids(str(body.get("query") or ""))
        except QuerySyntaxError:
            return ["The value provided for parameter 'query' is invalid"]
        for text in named:
            part = self.monitors.get(int(text)) if text.isdigit() else None
            if part is None or part.get("type") == "composite" or part["id"] == own_id:
                return ["Some monitor IDs are invalid"]
        return []

    def _composites_using(self, monitor_id: int) -> list[dict[str, Any]]:
        return [
            x
            for x in self.monitors.values()
            if x.get("type") == "composite" and str(monitor_id) in monitor_ids(str(x.get("query") or ""))
        ]

    def create_monitor(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        if errors := validate_payload(MONITOR.name, body, require_owner=False) or self._composite_errors(body):
            return _err(400, *errors)
        if self.reject_duplicate_monitors:
            same = ("type", "query", "name", "message")
            dup = next((x for x in self.monitors.values() if all(x.get(k) == body.get(k) for k in same)), None)
            if dup is not None:
                return _err(400, f"Duplicate of an existing monitor_id:{dup['id']} org_id:1")
        return 200, self._new_monitor(body)

    def list_monitors(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        wanted = [t for key in ("monitor_tags", "tags") for t in q.get(key, "").split(",") if t]
        found = [
            x
            for x in sorted(self.monitors.values(), key=lambda x: x["id"])
            if all(t in x.get("tags", []) for t in wanted) and q.get("name", "") in (x.get("name") or "")
        ]
        size = min(int(q.get("page_size", 100)), 1000)
        if "page" in q:
            found = found[int(q["page"]) * size : (int(q["page"]) + 1) * size]
        return 200, found

    def get_monitor(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        monitor = self.monitors.get(int(m["id"]))
        return (200, monitor) if monitor else _err(404, "Monitor not found")

    def update_monitor(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        monitor = self.monitors.get(int(m["id"]))
        if monitor is None:
            return _err(404, "Monitor not found")
        merged = {**monitor, **body}
        if errors := (
            validate_request(MONITOR.name, "update", body)
            or validate_payload(MONITOR.name, merged, require_owner=False)
            or self._composite_errors(merged, monitor["id"])
        ):
            return _err(400, *errors)
        merged["modified"] = _now()
        if merged["type"] == "metric alert":
            merged["type"] = "query alert"
        self.monitors[monitor["id"]] = merged
        return 200, merged

    def delete_monitor(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        monitor = self.monitors.get(int(m["id"]))
        if monitor is None:
            return _err(404, "Monitor not found")
        users = self._composites_using(monitor["id"])
        if users and q.get("force") != "true":
            # 400 and nothing deleted, in the shape Datadog's answer is quoted in terraform-provider-datadog
            # issues 519 and 1452 (its exact wording has varied; callers read the status, not the text).
            named = ", ".join(f"[{u['id']},{u.get('name') or ''}]" for u in users)
            this = f"[{monitor['id']},{monitor.get('name') or ''}]"
            return _err(400, f"monitor {this} is referenced in composite monitors: {named}")
        del self.monitors[monitor["id"]]
        return 200, {"deleted_monitor_id": int(m["id"])}

    def validate_monitor(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        if m.groupdict().get("id") and int(m["id"]) not in self.monitors:
            return _err(404, "Monitor not found")
        errors = validate_payload(MONITOR.name, body, require_owner=False) or self._composite_errors(body)
        return _err(400, *errors) if errors else (200, {})

    def monitor_downtimes(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        if int(m["id"]) not in self.monitors:  # like the monitor's other sub-resources (validate)
            return _err(404, "Monitor not found")
        return 200, [d for d in self.downtimes.values() if d.get("monitor_id") == int(m["id"])]

    # --- dashboards -----------------------------------------------------------------------------------
    def _new_dashboard(self, body: dict[str, Any]) -> dict[str, Any]:
        dash_id = self._str_id()
        dashboard = dict(
            body,
            id=dash_id,
            url=f"/dashboard/{dash_id}",
            author_handle=_CREATOR["handle"],
            author_name=_CREATOR["name"],
            created_at=_now(),
            modified_at=_now(),
            is_read_only=False,
        )
        self._number_widgets(dashboard.get("widgets") or [])
        self.dashboards[dash_id] = dashboard
        return dashboard

    def _number_widgets(self, widgets: list[dict[str, Any]]) -> None:
        for widget in widgets:
            widget.setdefault("id", self._int_id())
            self._number_widgets((widget.get("definition") or {}).get("widgets") or [])

    def create_dashboard(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        if errors := validate_payload(DASHBOARD.name, body, require_owner=False):
            return _err(400, *errors)
        return 200, self._new_dashboard(body)

    def list_dashboards(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        start, count = int(q.get("start", 0)), int(q.get("count", 100))
        keys = (
            "id",
            "title",
            "description",
            "layout_type",
            "url",
            "author_handle",
            "created_at",
            "modified_at",
            "is_read_only",
        )
        summaries = [{k: d.get(k) for k in keys} for d in self.dashboards.values()][start : start + count]
        return 200, {"dashboards": summaries}

    def get_dashboard(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        dashboard = self.dashboards.get(m["id"])
        return (200, dashboard) if dashboard else _err(404, f"Dashboard with ID {m['id']} not found")

    def update_dashboard(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        old = self.dashboards.get(m["id"])
        if old is None:
            return _err(404, f"Dashboard with ID {m['id']} not found")
        if errors := validate_payload(DASHBOARD.name, body, require_owner=False):
            return _err(400, *errors)
        keep = {k: old[k] for k in ("id", "url", "author_handle", "author_name", "created_at", "is_read_only")}
        dashboard = dict(body, **keep, modified_at=_now())
        self._number_widgets(dashboard.get("widgets") or [])
        self.dashboards[m["id"]] = dashboard
        return 200, dashboard

    def delete_dashboard(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        if self.dashboards.pop(m["id"], None) is None:
            return _err(404, f"Dashboard with ID {m['id']} not found")
        return 200, {"deleted_dashboard_id": m["id"]}

    # --- synthetics API tests -------------------------------------------------------------------------
    def _new_synthetic(self, body: dict[str, Any]) -> dict[str, Any]:
        test = dict(
            body,
            public_id=self._str_id(),
            monitor_id=self._int_id(),
            status=body.get("status", "live"),
            created_at=_now(),
            modified_at=_now(),
            creator=_CREATOR,
        )
        self.synthetics[test["public_id"]] = test
        return test

    def create_synthetic(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        if errors := validate_payload(SYNTHETIC_TEST.name, body, require_owner=False):
            return _err(400, *errors)
        return 200, self._new_synthetic(body)

    def list_synthetics(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        tests = list(self.synthetics.values())
        if "page_size" in q:
            size, page = int(q["page_size"]), int(q.get("page_number", 0))
            tests = tests[page * size : (page + 1) * size]
        return 200, {"tests": tests}

    def get_synthetic(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        test = self.synthetics.get(m["id"])
        return (200, test) if test else _err(404, "Synthetics test not found")

    def update_synthetic(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        old = self.synthetics.get(m["id"])
        if old is None:
            return _err(404, "Synthetics test not found")
        if errors := validate_payload(SYNTHETIC_TEST.name, body, require_owner=False):
            return _err(400, *errors)
        keep = {k: old[k] for k in ("public_id", "monitor_id", "created_at", "creator", "status")}
        self.synthetics[m["id"]] = dict(body, **keep, modified_at=_now())
        return 200, self.synthetics[m["id"]]

    def delete_synthetics(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        if errors := validate_request(SYNTHETIC_TEST.name, "delete", body):
            return _err(400, *errors)
        ids = body.get("public_ids") or []
        if not all(i in self.synthetics for i in ids):
            return _err(404, "Synthetics test not found")
        for i in ids:
            del self.synthetics[i]
        return 200, {"deleted_tests": [{"public_id": i, "deleted_at": _now()} for i in ids]}

    def pause_synthetic(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        test = self.synthetics.get(m["id"])
        if test is None:
            return _err(404, "Synthetics test not found")
        if errors := validate_request(SYNTHETIC_TEST.name, "pause", body):
            return _err(400, *errors)
        test["status"] = body["new_status"]
        return 200, True

    # --- downtimes ------------------------------------------------------------------------------------
    def _new_downtime(self, body: dict[str, Any]) -> dict[str, Any]:
        now = int(time.time())
        downtime = dict(
            body,
            id=self._int_id(),
            active=True,
            canceled=None,
            created=now,
            modified=now,
            creator_id=1,
            disabled=False,
            downtime_type=2,
        )
        self.downtimes[downtime["id"]] = downtime
        return downtime

    def create_downtime(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        if errors := validate_payload(DOWNTIME.name, body, require_owner=False):  # the declared rules: scope
            return _err(400, *errors)
        return 200, self._new_downtime(body)

    def list_downtimes(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        current = q.get("current_only") in ("true", "True", "1")
        return 200, [d for d in self.downtimes.values() if not (current and d.get("canceled"))]

    def get_downtime(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        downtime = self.downtimes.get(int(m["id"]))
        return (200, downtime) if downtime else _err(404, "Downtime not found")

    def cancel_downtime(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        downtime = self.downtimes.get(int(m["id"]))
        if downtime is None or downtime.get("canceled"):
            return _err(404, "Downtime not found")
        downtime.update(canceled=int(time.time()), active=False)
        return 204, None

    # --- metrics query --------------------------------------------------------------------------------
    def query_metrics(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        if not {"from", "to", "query"} <= q.keys():
            return _err(400, "from, to and query are required")
        start, end, query = int(q["from"]), int(q["to"]), q["query"]
        series = []
        for name in metric_names(query):
            points = [[t * 1000, v] for t, v in self.metrics.get(name, []) if start <= t <= end]
            if points:
                series.append(
                    {
                        "metric": name,
                        "display_name": name,
                        "expression": query,
                        "pointlist": points,
                        "length": len(points),
                        "scope": "*",
                        "start": start * 1000,
                        "end": end * 1000,
                    }
                )
        return 200, {
            "status": "ok",
            "res_type": "time_series",
            "query": query,
            "from_date": start * 1000,
            "to_date": end * 1000,
            "series": series,
        }


def routes(store: DatadogStore) -> list[tuple[str, re.Pattern[str], str, Handler]]:
    """(method, path pattern, rate-limit name, handler), on the declared API paths."""
    mon, dash, dt = MONITOR.api_path, DASHBOARD.api_path, DOWNTIME.api_path
    tests = SYNTHETIC_TEST.api_path.rsplit("/", 1)[0]  # /api/v1/synthetics/tests: list, delete, pause
    table: list[Route] = [route for c in store.collections.values() for route in c.routes()]
    table += store.synth.routes(tests)
    table += store.events.routes()
    table += [
        ("POST", rf"{mon}/validate", "monitors", store.validate_monitor),
        ("POST", rf"{mon}/(?P<id>\d+)/validate", "monitors", store.validate_monitor),
        ("GET", rf"{mon}/(?P<id>\d+)/downtimes", "downtimes", store.monitor_downtimes),
        *crud_routes(
            mon,
            r"\d+",
            "monitors",
            (store.create_monitor, store.list_monitors, store.get_monitor, store.update_monitor, store.delete_monitor),
        ),
        *crud_routes(
            dash,
            r"[\w-]+",
            "dashboards",
            (
                store.create_dashboard,
                store.list_dashboards,
                store.get_dashboard,
                store.update_dashboard,
                store.delete_dashboard,
            ),
        ),
        ("POST", SYNTHETIC_TEST.api_path, "synthetics", store.create_synthetic),
        ("POST", rf"{tests}/delete", "synthetics", store.delete_synthetics),
        ("GET", tests, "synthetics", store.list_synthetics),
        ("GET", rf"{tests}(?:/api)?/(?P<id>[\w-]+)", "synthetics", store.get_synthetic),
        ("PUT", rf"{SYNTHETIC_TEST.api_path}/(?P<id>[\w-]+)", "synthetics", store.update_synthetic),
        ("PUT", rf"{tests}/(?P<id>[\w-]+)/status", "synthetics", store.pause_synthetic),
        ("POST", dt, "downtimes", store.create_downtime),
        ("GET", dt, "downtimes", store.list_downtimes),
        ("GET", rf"{dt}/(?P<id>\d+)", "downtimes", store.get_downtime),
        ("DELETE", rf"{dt}/(?P<id>\d+)", "downtimes", store.cancel_downtime),
        ("GET", r"/api/v1/query", "metrics_query", store.query_metrics),
        ("POST", r"/api/v2/query/timeseries", "metrics_query", lambda m, q, body: timeseries_query(store.points, body)),
    ]
    return [(method, re.compile(f"^{path}$"), name, fn) for method, path, name, fn in table]
