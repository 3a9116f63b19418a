"""Every Pingdom check in tests/corpus/pingdom (go-pingdom fixtures, PingdomExporter examples) is accounted:
one ledger entry each, every test it became schema-valid, every object of the corpus ledgered."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from migrate.inventory.store import InventoryObject
from migrate.ledger import Ledger
from migrate.mappings import load_mappings
from migrate.model import DesiredResource
from migrate.sources.pingdom import collect
from migrate.translate.base import TranslateEnv
from migrate.translate.pingdom.checks import KINDS, translate
from migrate.translate.query import QueryContext
from tests.support.check_cases import problems_of

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "pingdom"
CHECKS = ("uptime_check", "transaction_check")


def corpus_objects() -> list[InventoryObject]:
    objects: list[InventoryObject] = []
    for directory in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        objects += collect({"from_files": [str(directory)]}).objects
    return objects


@pytest.fixture(scope="module")
def translated() -> tuple[list[InventoryObject], Ledger, list[DesiredResource]]:
    objects = corpus_objects()
    ledger = Ledger()
    env = TranslateEnv(ctx=QueryContext(mappings=load_mappings()), ledger=ledger, check_payload=problems_of)
    resources = translate(objects, env)
    return objects, ledger, list(resources)


def test_every_check_has_one_entry(translated: tuple[list[InventoryObject], Ledger, list[DesiredResource]]) -> None:
    objects, ledger, _ = translated
    checks = [o for o in objects if o.ref.kind in CHECKS]
    assert len(checks) >= 10  # the corpus holds uptime and transaction checks from both projects
    assert {o.ref.key for o in objects if o.ref.kind in KINDS} == {e.ref.key for e in ledger}
    outcomes = Counter(e.outcome.value for e in ledger if e.ref.kind in CHECKS)
    assert outcomes["exact"] + outcomes["approximate"] > 0 and sum(outcomes.values()) == len(checks)


def test_every_test_is_schema_valid(translated: tuple[list[InventoryObject], Ledger, list[DesiredResource]]) -> None:
    _, ledger, resources = translated
    targets = {key for e in ledger for key in e.targets}
    assert resources and {r.key for r in resources} == targets
    for resource in resources:
        assert problems_of(resource.type, resource.payload) == [], resource.key


def test_manual_checks_say_why(translated: tuple[list[InventoryObject], Ledger, list[DesiredResource]]) -> None:
    _, ledger, _ = translated
    manual = [e for e in ledger if e.outcome.value == "manual"]
    assert manual and all(e.reason for e in manual)
    # Transaction checks keep every step for the person rebuilding them.
    assert all(e.original for e in manual if e.ref.kind == "transaction_check" and "no steps" not in (e.reason or ""))
