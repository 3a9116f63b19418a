"""TechCorp's New Relic side (inventories/sample/sources/newrelic): recordings that are what the collector
asks today, collected offline as `make demo` does, one service at a time as the platform team migrates."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from migrate.sources import newrelic

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "inventories/sample/sources/newrelic"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_recordings", SAMPLE / "make_recordings.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKE = generator()
SERVICES = [s[0] for s in MAKE.SERVICES]


def test_recordings_are_what_the_collector_asks_today() -> None:
    """A changed query or variable in queries.py / api.py shows here: re-run make_recordings.py."""
    built = MAKE.build()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in SAMPLE.glob("*.json")}
    assert sorted(built) == sorted(on_disk)
    for name, text in built.items():
        assert text == on_disk[name], f"{name} is stale: run {SAMPLE / 'make_recordings.py'}"
    assert "API-Key" not in "".join(on_disk.values())


def test_sample_collects_the_twelve_services_offline() -> None:
    inv = newrelic.collect({"from_files": [SAMPLE]})
    assert inv.warnings == []
    assert sorted(o.ref.name for o in inv.by_kind("apm_application")) == sorted(SERVICES)
    assert len(SERVICES) == 12
    assert len(inv.by_kind("dashboard")) == 12, "the 24 page entities of the search are not dashboards"
    conditions = [c.normalized for c in inv.by_kind("nrql_condition")]
    assert Counter(c["type"] for c in conditions)["BASELINE"] >= 1
    assert any("FROM Log" in c["query"] for c in conditions)
    events = {
        e
        for c in conditions
        for e in ("Transaction", "SystemSample", "Log", "PageView", "Metric")
        if f"FROM {e}" in c["query"]
    }
    assert events == {"Transaction", "SystemSample", "Log", "PageView", "Metric"}
    types = {m.normalized["type"] for m in inv.by_kind("synthetic_monitor")}
    assert {"SIMPLE", "SCRIPT_API", "BROWSER", "CERT_CHECK"} <= types
    scripted = [m for m in inv.by_kind("synthetic_monitor") if m.normalized["type"] == "SCRIPT_API"]
    assert all(m.normalized["script"] and m.normalized["secure_names"] for m in scripted)
    assert {d.normalized["type"] for d in inv.by_kind("notification_destination")} == {
        "PAGERDUTY_SERVICE_INTEGRATION",
        "SLACK",
    }


@pytest.mark.parametrize("service", SERVICES)
def test_one_service_at_a_time(service: str) -> None:
    inv = newrelic.collect({"from_files": [SAMPLE], "service": [service]})
    assert [o.ref.name for o in inv.by_kind("apm_application")] == [service]
    assert [o.ref.name for o in inv.by_kind("dashboard")] == [f"{service} (APM)"]
    assert [o.ref.name for o in inv.by_kind("alert_policy")] == [f"{service} (legacy)"]
    assert len(inv.by_kind("nrql_condition")) == 3
    assert all(c.ref.name.startswith(f"{service}:") for c in inv.by_kind("nrql_condition"))
    # its incidents reach a PagerDuty service and a Slack channel
    assert {d.normalized["type"] for d in inv.by_kind("notification_destination")} == {
        "PAGERDUTY_SERVICE_INTEGRATION",
        "SLACK",
    }
    assert {w.normalized["dashboard_name"] for w in inv.by_kind("widget")} == {f"{service} (APM)"}
