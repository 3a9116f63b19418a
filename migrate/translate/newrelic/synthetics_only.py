"""A stand-in "newrelic" translator until the New Relic dashboards/conditions front end is registered:
synthetic monitors and secure credentials are translated (synthetics.py); every other New Relic object
is ledgered as skipped, never dropped. The full translator replaces this entry in the registry and calls
`synthetic_monitors` itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from migrate.inventory.store import InventoryObject
from migrate.model import DesiredResource
from migrate.translate.base import TranslateEnv, Translator
from migrate.translate.newrelic.synthetics import KINDS, synthetic_monitors
from migrate.translate.run import CONTEXT_KINDS

_CONTEXT = CONTEXT_KINDS | {"apm_application"}  # read by the monitors' routing, not migrated themselves


def translate(objects: Sequence[InventoryObject], env: TranslateEnv) -> list[DesiredResource]:
    resources = synthetic_monitors(objects, env)
    for obj in objects:
        if obj.ref.kind not in KINDS and obj.ref.kind not in _CONTEXT:
            env.ledger.record(
                obj.ref,
                [],
                skipped=True,
                reason="translated by the New Relic dashboards/conditions front end (not built yet)",
            )
    return resources


TRANSLATOR = Translator("newrelic", KINDS, translate)
