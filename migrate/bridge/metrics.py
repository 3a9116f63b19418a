"""Which Prometheus metrics bridge mode must ship, and as what type.

The list is what the translated monitors and dashboards read: each desired resource's
`metadata.source_metrics`, plus the selectors of every Prometheus expression in the ledger (monitors
keep theirs as `original`). Recording rules live on the Prometheus server, which the Agent never
sees, so they are expanded into the metrics they read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from migrate.inventory.store import Inventory
from migrate.mappings import Mappings
from migrate.translate.promql.translate import selector_names
from migrate.translate.store import Translation

UNTYPED = {"unknown", "untyped", ""}
# As the translator reads a name nothing types (promql/tables.resolve_kind): `_sum`/`_count` are a histogram's
# parts there (`ns.foo.sum`, `ns.foo.count`), so the Agent must send them under those names, not as gauges.
_SUFFIXES = {"_bucket": "histogram", "_total": "counter", "_sum": "histogram", "_count": "histogram"}
_FAMILY = re.compile(r"_(bucket|sum|count|total|created)$")


def recording_rules(inventories: Sequence[Inventory]) -> dict[str, str]:
    rules: dict[str, str] = {}
    for inv in inventories:
        for obj in inv.by_kind("recording_rule"):
            rules.setdefault(str(obj.normalized.get("record")), str(obj.normalized.get("expr")))
    return rules


def metric_types(inventories: Sequence[Inventory]) -> dict[str, str]:
    types: dict[str, str] = {}
    for inv in inventories:
        for obj in inv.by_kind("metric_metadata"):
            types.update({str(k): str(v) for k, v in (obj.normalized.get("types") or {}).items()})
    return types


def expand(names: Iterable[str], rules: dict[str, str]) -> set[str]:
    """Metric names with recording rules replaced by what they read (cycles stop)."""
    out: set[str] = set()
    pending, seen = list(names), set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in rules:
            pending += selector_names(rules[name])
        else:
            out.add(name)
    return out


def _originals(text: str) -> list[str]:
    """A ledger `original` is one expression, or `A: expr` lines for a Grafana panel."""
    lines = text.splitlines() if re.match(r"^[^\s:]+(?: \([^)]*\))?: ", text) else [text]
    return [line.split(": ", 1)[1] if re.match(r"^[^\s:]+: ", line) else line for line in lines]


def referenced_metrics(translations: Sequence[Translation], inventories: Sequence[Inventory]) -> set[str]:
    names: set[str] = set()
    for translation in translations:
        for resource in translation.resources:
            names.update(str(m) for m in resource.metadata.get("source_metrics") or [])
        for entry in translation.ledger:
            if entry.ref.source in ("prometheus", "grafana") and entry.original:
                for expr in _originals(entry.original):
                    names.update(selector_names(expr))
    if not translations:  # no translation given: read the expressions straight from the inventories
        for inv in inventories:
            for obj in inv.by_kind("alerting_rule"):
                names.update(selector_names(str(obj.normalized.get("expr") or "")))
            for obj in inv.by_kind("panel"):
                for target in obj.normalized.get("targets") or []:
                    if target.get("expr") and target.get("datasource_kind") == "prometheus":
                        names.update(selector_names(str(target["expr"])))
    return {n for n in expand(names, recording_rules(inventories)) if ":" not in n}


def family(name: str, kind: str) -> str:
    """The name the OpenMetrics check matches: the family, without `_total`/`_bucket`/`_sum`/`_count`."""
    if kind in ("counter", "histogram", "summary"):
        return _FAMILY.sub("", name)
    return name


def resolve_type(name: str, types: dict[str, str], mappings: Mappings) -> tuple[str, bool]:
    """(type, needs an override in the Agent config). Metadata wins, then mappings, then the suffix."""
    for candidate in (name, _FAMILY.sub("", name)):
        if types.get(candidate, "") not in UNTYPED:
            return types[candidate], False
    for candidate in (name, _FAMILY.sub("", name)):
        if candidate in mappings.metric_types:
            return mappings.metric_types[candidate], True
    for suffix, kind in _SUFFIXES.items():
        if name.endswith(suffix):
            return kind, True
    return "gauge", True
