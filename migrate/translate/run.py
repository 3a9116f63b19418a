"""The translate driver shared by every source.

Reads the inventories, builds one QueryContext from what each source's front end contributes
(`Translator.context`: Prometheus' metric types and recording rules), runs each registered translator
over its source's objects,
validates every payload and checks the ledger is complete: every object of a ledgered kind has
exactly one entry. Objects of a source with no translator are ledgered as skipped, never dropped.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

from migrate.errors import DDMigrateError, InputError
from migrate.inventory.store import Inventory, InventoryObject
from migrate.ledger import Ledger
from migrate.mappings import Mappings, recorded_path
from migrate.model import DesiredResource, Finding, LedgerEntry, Outcome, SourceRef
from migrate.progress import Ticker
from migrate.translate.base import PayloadCheck, TranslateEnv, Translator, no_check
from migrate.translate.query import QueryContext
from migrate.translate.store import Translation
from migrate.translate.unset_mappings import note_unset

# Kinds that describe the environment (metadata, scrape configs, targets): read as context, not migrated.
CONTEXT_KINDS = frozenset({"metric_metadata", "scrape_config", "target"})


def default_payload_check() -> PayloadCheck:
    """`migrate.datadog.validate.validate_payload` once it exists; until then, no check."""
    try:
        module = importlib.import_module("migrate.datadog.validate")
    except ImportError:
        return no_check
    validate = module.validate_payload

    def check(resource_type: str, payload: dict[str, Any]) -> list[str]:
        try:
            problems = validate(resource_type, payload)
        except DDMigrateError as exc:
            return [exc.message]
        return [str(p) for p in problems or []]

    return check


def build_context(
    objects: Mapping[str, Sequence[InventoryObject]], mappings: Mappings, translators: Mapping[str, Translator]
) -> QueryContext:
    ctx = QueryContext(mappings=mappings)
    for source, source_objects in sorted(objects.items()):
        translator = translators.get(source)
        for part in translator.context(source_objects) if translator else []:
            ctx.parts[type(part)] = part
    return ctx


def _unique_objects(inventories: Sequence[Inventory]) -> dict[str, list[InventoryObject]]:
    by_source: dict[str, list[InventoryObject]] = {}
    where: dict[str, str] = {}
    for inv in inventories:
        for obj in inv.objects:
            if obj.ref.key in where:
                raise InputError(
                    f"object {obj.ref.key} is in two inventories ({where[obj.ref.key]} and {inv.path})",
                    hint="give each collection once; collect again into one directory if needed",
                )
            where[obj.ref.key] = str(inv.path)
            by_source.setdefault(inv.source, []).append(obj)
    return by_source


def _drop_invalid(
    resources: list[DesiredResource], ledger: Ledger, check: PayloadCheck
) -> tuple[list[DesiredResource], Ledger]:
    """Last line of defence: a payload that fails validation is not planned; its objects become manual."""
    bad = {r.key: "; ".join(p) for r in resources if (p := check(r.type, r.payload))}
    if not bad:
        return resources, ledger
    entries = []
    for entry in ledger:
        hit = [k for k in entry.targets if k in bad]
        if not hit:
            entries.append(entry)
            continue
        reason = f"the {hit[0]} payload failed validation: {bad[hit[0]]}"
        findings = [*entry.findings, Finding("datadog.payload_invalid", reason, Outcome.MANUAL)]
        entries.append(
            LedgerEntry(
                entry.ref, Outcome.MANUAL, findings, [k for k in entry.targets if k not in bad], entry.original, reason
            )
        )
    return [r for r in resources if r.key not in bad], Ledger(entries)


def _record_unreadable(inventory: Inventory, ledger: Ledger) -> None:
    """A file the collector could not read is a source object too: skipped, with the reason, never silent."""
    for item in inventory.unreadable:
        ref = SourceRef(source=inventory.source, kind="file", id=item["path"], name=item["path"], origin=item["path"])
        ledger.record(ref, [], skipped=True, reason=f"could not be read at collect time: {item['reason']}")


def run_translators(
    inventories: Sequence[Inventory],
    mappings: Mappings,
    *,
    translators: Mapping[str, Translator] | None = None,
    check_payload: PayloadCheck | None = None,
    progress: Ticker | None = None,
) -> Translation:
    """`progress` counts the source objects ledgered (the command's progress line)."""
    if translators is None:
        # Imported here, not at the top: a caller with its own translators (a new source's tests) loads no
        # source's front end it does not use.
        from migrate.translate.registry import TRANSLATORS  # noqa: PLC0415

        translators = TRANSLATORS
    check = check_payload or default_payload_check()
    by_source = _unique_objects(inventories)
    ledger = Ledger(on_add=progress.advance if progress else None)
    if progress is not None:
        unreadable = sum(len(i.unreadable) for i in inventories)
        progress.total(unreadable + sum(o.ref.kind not in CONTEXT_KINDS for objs in by_source.values() for o in objs))
    env = TranslateEnv(ctx=build_context(by_source, mappings, translators), ledger=ledger, check_payload=check)
    for inv in inventories:
        _record_unreadable(inv, ledger)
    resources: list[DesiredResource] = []
    for source, objects in sorted(by_source.items()):
        translator = translators.get(source)
        if translator is None:
            for obj in objects:
                if obj.ref.kind not in CONTEXT_KINDS:
                    ledger.record(obj.ref, [], skipped=True, reason=f"no translator for source {source!r} yet")
            continue
        resources += translator.translate(objects, env)
        missing = [o.ref.key for o in objects if o.ref.kind in translator.ledgered_kinds and o.ref.key not in ledger]
        if missing:
            raise DDMigrateError(
                f"internal error: the {source} translator left {len(missing)} objects without a "
                f"ledger outcome, e.g. {missing[0]}",
                hint="report this; nothing was written",
            )
    resources, ledger = _drop_invalid(resources, ledger, check)
    ledger = note_unset(ledger, mappings)
    meta = {
        "inventories": [{"path": str(i.path), "source": i.source, "collected_at": i.collected_at} for i in inventories],
        # machine-independent names: the packaged defaults by name, an operator's files relative to the workdir
        "mappings": {"fingerprint": mappings.fingerprint(), "files": [recorded_path(f) for f in mappings.files]},
    }
    return Translation(resources=resources, ledger=ledger, meta=meta)
