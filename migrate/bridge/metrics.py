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
from migrate.translate.promql.tables import family_part
from migrate.translate.promql.translate import selector_names
from migrate.translate.store import Translation

UNTYPED = {"unknown", "untyped", ""}
# As the translator reads a name nothing types (promql/tables.resolve_kind): `_total` a counter, `_bucket` a
# histogram's; `_sum`/`_count` a histogram's parts (`ns.foo.sum`, `ns.foo.count`) only when another part of the
# family is read too (tables.family_part), else a gauge of their own name.
_SUFFIXES = {"_bucket": "histogram", "_total": "counter"}
_FAMILY = re.compile(r"_(bucket|sum|count|total|created)$")
_PARTS_OF = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count")}


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


def _readings(translations: Sequence[Translation]) -> dict[str, dict[str, list[str]]]:
    """Source metric -> type the translated queries read it as -> the resources reading it so."""
    out: dict[str, dict[str, list[str]]] = {}
    for translation in translations:
        for resource in translation.resources:
            for name, kinds in (resource.metadata.get("source_types") or {}).items():
                for kind in kinds:
                    out.setdefault(str(name), {}).setdefault(str(kind), []).append(resource.key)
    return out


def translated_types(translations: Sequence[Translation]) -> dict[str, str]:
    """Source metric -> the type the translated queries read it as (resources' `metadata.source_types`); where
    they disagree (a metric nothing types, read by rate() in one place and plainly in another) the counter, which
    rate() and increase() need, and `type_conflicts` says what will not arrive."""
    return {name: "counter" if "counter" in kinds else min(kinds) for name, kinds in _readings(translations).items()}


def type_conflicts(translations: Sequence[Translation]) -> list[str]:
    """A warning per metric the translated queries read as two types: the Agent sends one, the others get no data."""
    out = []
    chosen = translated_types(translations)
    for name, kinds in sorted(_readings(translations).items()):
        lost = sorted(k for k in kinds if k != chosen[name])
        for kind in lost:
            out.append(
                f"`{name}` has no type metadata and is read as a {chosen[name]} by some queries and as a {kind} by "
                f"{len(kinds[kind])} resource(s) ({', '.join(sorted(kinds[kind])[:3])}): the Agent is told "
                f"{chosen[name]}, so those get no data; declare its type in mappings prometheus.metric_types"
            )
    return out


def shared_labels(translations: Sequence[Translation]) -> tuple[dict[str, dict[str, list[str]]], list[str]]:
    """(the OpenMetrics check's `share_labels`, warnings): the info-metric joins the translated queries read as
    tags of the joined series (resources' `metadata.share_labels`, promql/info_join.py), merged per info metric.
    Two joins of one metric on different labels cannot both be written: the first is kept, the other warned."""
    out: dict[str, dict[str, list[str]]] = {}
    warnings: list[str] = []
    for translation in translations:
        for resource in translation.resources:
            for metric, entry in (resource.metadata.get("share_labels") or {}).items():
                labels, match = [str(x) for x in entry.get("labels") or []], [str(x) for x in entry.get("match") or []]
                kept = out.setdefault(str(metric), {"labels": [], **({"match": match} if match else {})})
                if sorted(kept.get("match") or []) != sorted(match):
                    warnings.append(
                        f"{resource.key} joins {metric} on ({', '.join(match)}), others on "
                        f"({', '.join(kept.get('match') or [])}): share_labels matches on one set, so its "
                        f"{', '.join(labels)} tag(s) may not arrive"
                    )
                    continue
                kept["labels"] += [x for x in labels if x not in kept["labels"]]
    return out, warnings


def family(name: str, kind: str) -> str:
    """The name the OpenMetrics check matches: the family, without the part suffix of its type (a counter
    `x_request_count` keeps its `_count`)."""
    for suffix in _PARTS_OF.get(kind, ()):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def resolve_type(
    name: str,
    types: dict[str, str],
    mappings: Mappings,
    *,
    translated: dict[str, str] | None = None,
    siblings: frozenset[str] = frozenset(),
) -> tuple[str, bool]:
    """(type, needs an override in the Agent config). Metadata wins, then the type the translated queries read
    (so the Agent sends what they query), then mappings, then the suffix as the translator reads it."""
    for candidate in (name, _FAMILY.sub("", name)):
        if types.get(candidate, "") not in UNTYPED:
            return types[candidate], False
    if translated and name in translated:
        return translated[name], True
    for candidate in (name, _FAMILY.sub("", name)):
        if candidate in mappings.metric_types:
            return mappings.metric_types[candidate], True
    for suffix, kind in _SUFFIXES.items():
        if name.endswith(suffix):
            return kind, True
    return ("histogram" if family_part(name, siblings.__contains__) else "gauge"), True
