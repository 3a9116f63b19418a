"""The sample company's phases.yaml (used by PLAYBOOK.md and `make demo`) loads and puts every demo resource in
a phase; each New Relic service's phase holds exactly what `collect newrelic --service NAME` collects."""

import itertools
from pathlib import Path

import pytest

from migrate import cli
from migrate.inventory.store import read_inventory
from migrate.runner.phases import load_phases
from migrate.translate.store import read_translation

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "inventories" / "sample"
SOURCES = ("prometheus", "grafana", "newrelic", "pingdom")
# The ops plan's order (section 4: Phase 2 New Relic, Phase 3 Prometheus, Phase 4 Pingdom), New Relic's twelve
# services one at a time in the order of inventories/sample/sources/newrelic/README.md.
NR_SERVICES = [
    "account-service",
    "auth-gateway",
    "catalog-api",
    "search-api",
    "cart-service",
    "order-service",
    "shipping-service",
    "inventory-sync",
    "storefront-web",
    "admin-portal",
    "reporting-service",
    "email-dispatcher",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    for source in SOURCES:
        argv = ["collect", source, "--from-files", str(SAMPLE / "sources" / source), "--out", str(out / source)]
        assert cli.main(argv) == 0
    argv = [
        "translate",
        *(a for s in SOURCES for a in ("--inventory", str(out / s))),
        "--out",
        str(out / "translation"),
    ]
    assert cli.main(argv) == 0
    return out


def test_every_sample_resource_belongs_to_a_phase(demo: Path) -> None:
    phases = load_phases(SAMPLE / "phases.yaml")
    assigned = phases.assign(read_translation(demo / "translation").resources)
    assert assigned[""] == [], "a sample resource is in no phase"
    pilot = assigned["prometheus-payments"]
    assert pilot and all("team:payments" in r.payload.get("tags", []) or r.type == "dashboard" for r in pilot)
    assert assigned["pingdom-synthetics"] and all(
        r.source_refs[0].source == "pingdom" for r in assigned["pingdom-synthetics"]
    )
    assert [p.name for p in phases.ordered] == [
        *(f"newrelic-{s}" for s in NR_SERVICES),
        "prometheus-payments",
        "prometheus-billing-notifications",
        "prometheus-platform",
        "pingdom-synthetics",
    ]
    for before, after in itertools.pairwise(NR_SERVICES):
        assert phases.get(f"newrelic-{after}").depends_on == [f"newrelic-{before}"], "one service at a time"


@pytest.mark.parametrize("service", NR_SERVICES)
def test_a_service_phase_is_what_its_service_collects(demo: Path, service: str, tmp_path: Path) -> None:
    argv = ["collect", "newrelic", "--from-files", str(SAMPLE / "sources" / "newrelic"), "--service", service]
    assert cli.main([*argv, "--out", str(tmp_path / "inv")]) == 0
    collected = {o.ref.key for o in read_inventory(tmp_path / "inv").objects}
    resources = read_translation(demo / "translation").resources
    from_service = {
        r.key for r in resources if r.source_refs[0].source == "newrelic" and r.source_refs[0].key in collected
    }
    phase = load_phases(SAMPLE / "phases.yaml").assign(resources)[f"newrelic-{service}"]
    assert {r.key for r in phase} == from_service
    assert {r.type for r in phase} >= {"dashboard", "monitor"}, "its dashboard and NRQL-condition monitors"
