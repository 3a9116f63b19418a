"""The local Datadog-compatible server, driven through the real datadog-api-client and migrate.datadog.client."""

from __future__ import annotations

import contextlib
import copy
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from datadog_api_client.v1.api.dashboards_api import DashboardsApi
from datadog_api_client.v1.api.metrics_api import MetricsApi
from datadog_api_client.v1.api.monitors_api import MonitorsApi
from datadog_api_client.v1.api.synthetics_api import SyntheticsApi

from migrate.datadog import ownership
from migrate.datadog.client import (
    ApiResponse,
    ConnectionFailed,
    DatadogApiError,
    RateLimited,
    ServerError,
    make_api_client,
)
from migrate.datadog.dashboards import DashboardOps
from migrate.datadog.downtimes import DowntimeOps
from migrate.datadog.monitors import DuplicateMonitor, MonitorOps
from migrate.datadog.synthetics import SyntheticTestOps
from migrate.model import SourceRef
from migrate.runner.diff import equivalent
from migrate.testing.ddserver import DatadogTestServer, Faults
from tests.unit.test_datadog_validate import owned_dashboard, owned_monitor, owned_synthetic


@pytest.fixture
def dd() -> Iterator[DatadogTestServer]:
    with DatadogTestServer() as server:
        yield server


def client_for(server: DatadogTestServer, timeout: float = 5.0) -> Any:
    return make_api_client(server.env, host=server.url, timeout=timeout)


def api(cls: type[Any], client: Any) -> Any:
    """A generated API object, as Any: its constructor is untyped, and with make_api_client's
    return_http_data_only=False its calls return (model, status, headers), not the annotated model."""
    return cls(client)


def monitor_for(name: str) -> tuple[str, dict[str, Any]]:
    ref = SourceRef("prometheus", "alerting_rule", f"rules.yml/g/{name}", name)
    key = ownership.resource_key("monitor", [ref])
    payload = owned_monitor(name=name)
    payload["tags"] = [*ownership.ownership_tags(key, [ref]), "team:payments"]
    payload["message"] = "Alert\n\n" + ownership.footer(key, [ref])
    return key, payload


def test_monitor_crud_through_the_real_client(dd: DatadogTestServer) -> None:
    c = client_for(dd)
    ops = MonitorOps(c)
    key, desired = monitor_for("HighErrorRate")
    created = ops.create(desired)
    assert isinstance(created["id"], int)
    assert created["overall_state"] == "No Data"
    assert dd.monitors[created["id"]]["name"] == "HighErrorRate"
    # The generated client deserialises what the server returns (typed model, dates parsed).
    model, status, headers = api(MonitorsApi, c).get_monitor(created["id"])
    assert status == 200 and model.id == created["id"] and model.created.year >= 2024
    assert "X-RateLimit-Name" in headers
    assert equivalent("monitor", desired, created)
    changed = copy.deepcopy(desired)
    changed["name"] = "Renamed"
    assert ops.update(created["id"], changed)["name"] == "Renamed"
    assert ops.get(created["id"])["name"] == "Renamed"  # type: ignore[index]
    assert ops.find_by_key(key)["id"] == created["id"]  # type: ignore[index]
    assert ops.validate(desired) == []
    assert ops.delete(created["id"]) is True
    assert ops.get(created["id"]) is None
    assert ops.delete(created["id"]) is False


def test_dashboard_and_synthetic_crud(dd: DatadogTestServer) -> None:
    c = client_for(dd)
    dashboards, tests = DashboardOps(c), SyntheticTestOps(c)
    dash = dashboards.create(owned_dashboard())
    assert len(dash["id"].split("-")) == 3 and isinstance(dash["widgets"][0]["id"], int)
    model, _, _ = api(DashboardsApi, c).get_dashboard(dash["id"])
    assert model.layout_type.value == "ordered"
    assert equivalent("dashboard", owned_dashboard(), dash)
    assert [d["id"] for d in dashboards.list_owned()] == [dash["id"]]
    assert dashboards.update(dash["id"], owned_dashboard(title="New"))["title"] == "New"
    assert dashboards.delete(dash["id"]) and dash["id"] not in dd.dashboards

    test = tests.create(owned_synthetic())
    assert test["status"] == "live" and isinstance(test["monitor_id"], int)
    model, _, _ = api(SyntheticsApi, c).get_api_test(test["public_id"])
    assert model.public_id == test["public_id"]
    tests.set_paused(test["public_id"], True)
    assert dd.synthetics[test["public_id"]]["status"] == "paused"
    assert equivalent("synthetic_test", owned_synthetic(), tests.get(test["public_id"]) or {})
    assert tests.delete(test["public_id"]) is True
    assert dd.requests[-1].method == "POST" and dd.requests[-1].path == "/api/v1/synthetics/tests/delete"
    assert tests.delete(test["public_id"]) is False


def test_updates_merge_monitors_and_replace_dashboards_and_tests_as_datadog_does(dd: DatadogTestServer) -> None:
    """Datadog's monitor PUT keeps what it is not sent and clears a field sent as null (options as one object);
    dashboard and API test PUTs replace the whole resource."""
    c = client_for(dd)
    _, payload = monitor_for("Merge")
    monitor = MonitorOps(c).create({**payload, "priority": 3})
    kept = MonitorOps(c).update(monitor["id"], {"name": "Renamed"})
    assert kept["priority"] == 3 and kept["query"] == payload["query"] and kept["name"] == "Renamed"
    assert MonitorOps(c).update(monitor["id"], {"priority": None})["priority"] is None
    dash = DashboardOps(c).create({**owned_dashboard(), "reflow_type": "auto"})
    assert "reflow_type" not in DashboardOps(c).update(dash["id"], owned_dashboard())
    test = SyntheticTestOps(c).create({**owned_synthetic(), "options": {"tick_every": 60, "min_location_failed": 2}})
    replaced = SyntheticTestOps(c).update(test["public_id"], owned_synthetic())
    assert replaced["options"] == owned_synthetic()["options"]


def test_owned_listing_ignores_planted_unowned_resources(dd: DatadogTestServer) -> None:
    c = client_for(dd)
    ops = MonitorOps(c)
    _, desired = monitor_for("Mine")
    mine = ops.create(desired)
    # A hand-made copy: our tags, but no footer. It must not count as ours.
    dd.plant("monitor", {**desired, "message": "copied by hand"})
    dd.plant("dashboard", owned_dashboard(description="someone else's"))
    assert [m["id"] for m in ops.list_owned()] == [mine["id"]]
    assert DashboardOps(c).list_owned() == []
    assert len(dd.monitors) == 2


def test_downtime_mute_and_unmute(dd: DatadogTestServer) -> None:
    c = client_for(dd)
    key, desired = monitor_for("Muted")
    monitor = MonitorOps(c).create(desired)
    downtimes = DowntimeOps(c)
    dd.plant("downtime", {"monitor_id": monitor["id"], "scope": ["*"], "message": "operator's own"})
    downtimes.mute_monitor(monitor["id"], key)
    assert len(downtimes.mutes_for(monitor["id"])) == 1
    assert downtimes.unmute_monitor(monitor["id"]) == 1
    assert downtimes.mutes_for(monitor["id"]) == []
    assert sum(1 for d in dd.downtimes.values() if not d["canceled"]) == 1  # the operator's survives


def test_missing_keys_are_forbidden(dd: DatadogTestServer) -> None:
    c = make_api_client({"DD_API_KEY": "wrong", "DD_APP_KEY": "keys"}, host=dd.url)
    with pytest.raises(DatadogApiError) as exc:
        MonitorOps(c).get(1)
    assert exc.value.status == 403 and exc.value.errors == ["Forbidden"] and not exc.value.ambiguous


def test_invalid_body_gets_a_datadog_shaped_400(dd: DatadogTestServer) -> None:
    _, desired = monitor_for("Bad")
    desired["options"] = {"thresholds": {"critical": 90}}
    desired["query"] = "avg(last_5m):avg:system.cpu.user{*} > 200"
    with pytest.raises(DatadogApiError) as exc:
        MonitorOps(client_for(dd)).create(desired)
    assert exc.value.status == 400
    assert exc.value.errors == [
        "$.options.thresholds.critical: Alert threshold (90.0) does not match that used in the query (200.0)."
    ]
    assert MonitorOps(client_for(dd)).validate(desired) == exc.value.errors
    assert dd.monitors == {}


def test_duplicate_monitor_is_a_typed_error_carrying_the_id() -> None:
    with DatadogTestServer(reject_duplicate_monitors=True) as dd:
        ops = MonitorOps(client_for(dd))
        _, desired = monitor_for("Twice")
        first = ops.create(desired)
        with pytest.raises(DuplicateMonitor) as exc:
            ops.create(desired)
        assert exc.value.monitor_id == first["id"] and exc.value.status == 400


def test_rate_limit_headers_and_429() -> None:
    with DatadogTestServer(rate_limits={"monitors": (3, 3600)}) as dd:
        seen: list[ApiResponse] = []
        ops = MonitorOps(client_for(dd), on_response=seen.append)
        ops.get(1)  # 404: counts too
        list(ops.list_all())
        rl = seen[-1].rate_limit
        assert rl is not None and (rl.limit, rl.period, rl.remaining, rl.name) == (3, 3600, 1, "monitors")
        assert 0 < rl.reset <= 3600
        list(ops.list_all())
        with pytest.raises(RateLimited) as exc:
            list(ops.list_all())
        assert exc.value.status == 429 and not exc.value.ambiguous
        assert 0 < exc.value.reset_seconds <= 3600 and exc.value.rate_limit.remaining == 0  # type: ignore[union-attr]
        # Other limit names are independent.
        assert DashboardOps(client_for(dd)).list_owned() == []


def test_429_burst_then_recovery(dd: DatadogTestServer) -> None:
    ops = MonitorOps(client_for(dd))
    dd.inject("rate_limited", count=2)
    for _ in range(2):
        with pytest.raises(RateLimited):
            ops.get(1)
    assert ops.get(1) is None


@pytest.mark.parametrize(("fault", "committed"), [("error_before", False), ("error_after", True)])
def test_5xx_before_or_after_commit(dd: DatadogTestServer, fault: str, committed: bool) -> None:
    ops = MonitorOps(client_for(dd))
    key, desired = monitor_for("Flaky")
    dd.inject(fault, method="POST")
    with pytest.raises(ServerError) as exc:
        ops.create(desired)
    assert exc.value.status == 503 and exc.value.ambiguous  # a POST that got 5xx may have been committed
    assert (ops.find_by_key(key) is not None) is committed
    assert len(dd.monitors) == int(committed)


def test_dropped_connection_after_commit(dd: DatadogTestServer) -> None:
    ops = MonitorOps(client_for(dd))
    key, desired = monitor_for("Dropped")
    dd.inject("drop_after", method="POST", path_prefix="/api/v1/monitor")
    with pytest.raises(ConnectionFailed) as exc:
        ops.create(desired)
    assert exc.value.ambiguous and exc.value.status == 0
    assert dd.requests[-1].status == 0 and dd.requests[-1].fault == "drop_after"
    found = ops.find_by_key(key)  # the "look before re-creating" rule finds it
    assert found is not None and found["id"] in dd.monitors


def test_dropped_get_is_not_ambiguous(dd: DatadogTestServer) -> None:
    dd.inject("drop_before", method="GET")
    with pytest.raises(ConnectionFailed) as exc:
        MonitorOps(client_for(dd)).get(1)
    assert not exc.value.ambiguous


def test_slow_response_times_out(dd: DatadogTestServer) -> None:
    dd.inject("slow", delay=0.6)
    started = time.monotonic()
    with pytest.raises(ConnectionFailed) as exc:
        MonitorOps(client_for(dd, timeout=0.2)).create(monitor_for("Slow")[1])
    assert exc.value.ambiguous and "Timeout" in str(exc.value)
    assert time.monotonic() - started < 0.6


def test_refused_connection_is_not_ambiguous() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = make_api_client({"DD_API_KEY": "k", "DD_APP_KEY": "a"}, host=f"http://127.0.0.1:{port}")
    with pytest.raises(ConnectionFailed) as exc:
        MonitorOps(c).create(monitor_for("Nowhere")[1])
    assert not exc.value.ambiguous


def test_random_faults_are_deterministic_for_a_seed() -> None:
    def run(seed: int) -> list[str | None]:
        with DatadogTestServer(faults=Faults(seed=seed, error_rate=0.3, drop_after_commit_rate=0.2)) as dd:
            ops = MonitorOps(client_for(dd))
            for i in range(30):
                with contextlib.suppress(ServerError, ConnectionFailed):
                    ops.create(monitor_for(f"M{i}")[1])
            return [r.fault for r in dd.requests]

    first = run(7)
    assert first == run(7)
    assert {"error_before", "error_after", "drop_after", None} <= set(first)


def test_metrics_query_reports_only_marked_metrics(dd: DatadogTestServer) -> None:
    now = int(time.time())
    dd.report_metric("http.requests.count", 4.0, now - 60)
    data, status, _ = api(MetricsApi, client_for(dd)).query_metrics(
        _from=now - 3600, to=now, query="sum:http.requests.count{*}.as_count() / sum:http.missing{*}"
    )
    assert status == 200
    assert [s.metric for s in data.series] == ["http.requests.count"]
    assert data.series[0].pointlist[0].value == [float((now - 60) * 1000), 4.0]
