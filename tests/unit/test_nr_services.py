"""Each New Relic resource says which APM service it belongs to (translate/newrelic/services.py): monitors
and synthetic tests by `service:` tag, every type in `metadata.services`, by the collector's `--service` rule
and the APM mapping's appName tag."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import pytest

from migrate.inventory.store import Inventory, InventoryObject
from migrate.model import DesiredResource
from migrate.runner.phases import Phase
from migrate.sources.newrelic import collect
from migrate.translate.run import run_translators
from tests.support.sample_mappings import sample_mappings

SAMPLE = Path(__file__).resolve().parents[2] / "inventories/sample/sources/newrelic"


@pytest.fixture(scope="module")
def sample() -> Inventory:
    return collect({"from_files": [str(SAMPLE)]})


def translated(inventory: Inventory, objects: list[InventoryObject], *layers: Path) -> list[DesiredResource]:
    return run_translators([replace(inventory, objects=objects)], sample_mappings(*layers)).resources


def named(resources: list[DesiredResource], name: str) -> DesiredResource:
    return next(r for r in resources if name in (r.payload.get("name"), r.payload.get("title")))


def edited(objects: list[InventoryObject], name: str, **fields: object) -> list[InventoryObject]:
    """The objects with `name`'s normalized fields changed (a deep copy: the fixture is shared)."""
    out = []
    for each in objects:
        obj = each
        if obj.ref.name == name:
            obj = InventoryObject(
                replace(obj.ref, name=str(fields.get("name", name))), obj.payload, copy.deepcopy(obj.normalized)
            )
            obj.normalized.update(fields)
        out.append(obj)
    return out


def test_every_sample_resource_names_the_service_its_name_says(sample: Inventory) -> None:
    apps = {o.ref.name for o in sample.objects if o.ref.kind == "apm_application"}
    resources = translated(sample, sample.objects)
    assert len(resources) == 12 + 36 + 8
    for res in resources:
        services = res.metadata.get("services")
        assert services is not None and len(services) == 1 and services[0] in apps, res.key
        title = str(res.payload.get("name") or res.payload.get("title"))
        if title.split(" ", maxsplit=1)[0].rstrip(":") in apps:  # the certificate checks are named after a host
            assert title.startswith(services[0]), (title, services)
        if res.type != "dashboard":
            assert f"service:{services[0]}" in res.payload["tags"]
    cert = named(resources, "www.techcorp.example certificate")
    assert cert.metadata["services"] == ["storefront-web"], "its NR `service` tag names the service"


def test_a_condition_naming_two_services_carries_both(sample: Inventory) -> None:
    query = "SELECT count(*) FROM Transaction WHERE appName IN ('cart-service', 'order-service')"
    objects = edited(sample.objects, "cart-service: error rate high", query=query)
    monitor = named(translated(sample, objects), "cart-service: error rate high")
    assert monitor.metadata["services"] == ["cart-service", "order-service"]
    assert {"service:cart-service", "service:order-service"} <= set(monitor.payload["tags"])
    first = Phase("a", [{"source": "newrelic", "service": "order-service"}])
    assert first.matches(monitor), "either service's phase selects it; the first in run order wins"


def test_the_service_is_the_app_name_as_datadog_stores_it(sample: Inventory) -> None:
    query = "SELECT count(*) FROM Transaction WHERE appName = 'Cart Service'"
    app = next(o for o in sample.objects if o.ref.kind == "apm_application" and o.ref.name == "cart-service")
    objects = edited(sample.objects, "cart-service: error rate high", query=query)
    objects = [
        InventoryObject(replace(o.ref, name="Cart Service"), o.payload, {**o.normalized, "name": "Cart Service"})
        if o is app
        else o
        for o in objects
    ]
    resources = translated(sample, objects)
    monitor = named(resources, "cart-service: error rate high")
    assert "service:cart_service" in monitor.payload["tags"], "the same value the query's filter writes"
    assert "service:cart_service" in monitor.payload["query"]
    assert Phase("p", [{"source": "newrelic", "service": "cart_service"}]).matches(monitor)


def test_the_tag_key_follows_the_apm_mapping(sample: Inventory, tmp_path: Path) -> None:
    (tmp_path / "newrelic.yaml").write_text("newrelic:\n  apm:\n    tags:\n      appName: application\n")
    resources = translated(sample, sample.objects, tmp_path)
    monitor = named(resources, "cart-service: error rate high")
    assert "application:cart-service" in monitor.payload["tags"]
    assert not any(t.startswith("service:") for t in monitor.payload["tags"])
    dashboard = named(resources, "cart-service (APM)")
    for res in (monitor, dashboard):
        assert Phase("p", [{"source": "newrelic", "service": "cart-service"}]).matches(res), "by metadata.services"


def test_without_apm_applications_nothing_names_a_service(sample: Inventory) -> None:
    objects = [o for o in sample.objects if o.ref.kind != "apm_application"]
    resources = translated(sample, objects)
    assert resources and all("services" not in r.metadata for r in resources)
    monitors = [r for r in resources if r.type == "monitor"]
    assert monitors and not any(t.startswith("service:") for m in monitors for t in m.payload["tags"])
