"""The Prometheus front end's contribution to every query translator's context: metric types from the
collected metadata, the recording rules PromQL inlines and the metric names the rules read (`PromqlContext`).
Grafana panels read it too, so a panel on a recording rule is translated like an alert on it."""

from __future__ import annotations

from collections.abc import Sequence

from migrate.inventory.store import InventoryObject
from migrate.translate.promql.context import PromqlContext
from migrate.translate.promql.translate import selector_names


def prometheus_context(objects: Sequence[InventoryObject]) -> list[object]:
    ctx = PromqlContext()
    for obj in objects:
        if obj.ref.kind == "metric_metadata":
            ctx.metric_types.update({str(k): str(v) for k, v in (obj.normalized.get("types") or {}).items()})
    rules = sorted(
        (o for o in objects if o.ref.kind == "recording_rule"),
        key=lambda o: (
            str(o.normalized.get("file")),
            str(o.normalized.get("group")),
            int(o.normalized.get("index") or 0),
        ),
    )
    names: set[str] = set()
    for obj in objects:
        if obj.ref.kind in ("alerting_rule", "recording_rule"):
            names.update(selector_names(str(obj.normalized.get("expr") or "")))
    ctx.metric_names = frozenset(names)
    for obj in rules:  # the first definition of a name wins; later ones are usually label variants
        name, expr = str(obj.normalized["record"]), str(obj.normalized["expr"])
        ctx.recording_rules.setdefault(name, expr)
        labels = {str(k): str(v) for k, v in (obj.normalized.get("labels") or {}).items()}
        ctx.recording_definitions.setdefault(name, []).append((labels, expr))
    return [ctx]


def _rule_order(obj: InventoryObject) -> tuple[str, str, int]:
    n = obj.normalized
    return str(n.get("file")), str(n.get("group")), int(n.get("index") or 0)
