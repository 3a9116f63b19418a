"""What a source translator is given and what it must do, shared by the registry and the driver.

A translator turns one source's inventory objects into desired Datadog resources and records exactly
one ledger entry for every object of its `ledgered_kinds` (the driver checks that afterwards).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from migrate.inventory.store import InventoryObject
from migrate.ledger import Ledger
from migrate.model import DesiredResource
from migrate.translate.query import QueryContext

# (resource type, payload) -> problems found; an empty list means the payload may be planned.
PayloadCheck = Callable[[str, dict[str, Any]], list[str]]


def no_check(resource_type: str, payload: dict[str, Any]) -> list[str]:
    return []


@dataclass
class TranslateEnv:
    ctx: QueryContext
    ledger: Ledger
    check_payload: PayloadCheck = no_check


def no_context(objects: Sequence[InventoryObject]) -> list[object]:
    return []


@dataclass(frozen=True)
class Translator:
    source: str
    ledgered_kinds: frozenset[str]  # kinds that each get exactly one ledger entry; others are context
    translate: Callable[[Sequence[InventoryObject], TranslateEnv], list[DesiredResource]]
    # What this source tells every query translator (`QueryContext.parts`), read from its objects before any
    # source is translated: Prometheus' metric types and recording rules serve Grafana panels too.
    context: Callable[[Sequence[InventoryObject]], list[object]] = no_context
