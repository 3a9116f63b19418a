"""The Prometheus front end's contribution to every query translator's context: metric types from the
collected metadata, the recording rules PromQL inlines and the metric names the rules read (`PromqlContext`).
Grafana panels read it too, so a panel on a recording rule is translated like an alert on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
    ctx.relabelled = frozenset(
        label for obj in objects if obj.ref.kind == "scrape_config" for label in relabel_targets(obj.payload)
    )
    for obj in rules:  # the first definition of a name wins; later ones are usually label variants
        name, expr = str(obj.normalized["record"]), str(obj.normalized["expr"])
        ctx.recording_rules.setdefault(name, expr)
        labels = {str(k): str(v) for k, v in (obj.normalized.get("labels") or {}).items()}
        ctx.recording_definitions.setdefault(name, []).append((labels, expr))
    return [ctx]


# relabel actions that write `target_label` (labelmap/labelkeep/labeldrop name labels by pattern, keep/drop write none)
_WRITES_TARGET = frozenset({"replace", "lowercase", "uppercase", "hashmod"})


def relabel_targets(job: dict[str, Any]) -> list[str]:
    """Labels a scrape job's `relabel_configs` set on every series it scrapes (kube-prometheus: `namespace`, `pod`,
    `service`, ...). `metric_relabel_configs` run after the scrape too, so their targets count as well."""
    out = []
    for rule in [*(job.get("relabel_configs") or []), *(job.get("metric_relabel_configs") or [])]:
        target = rule.get("target_label") if isinstance(rule, dict) else None
        if isinstance(target, str) and not target.startswith("__") and rule.get("action", "replace") in _WRITES_TARGET:
            out.append(target)
    return out


def _rule_order(obj: InventoryObject) -> tuple[str, str, int]:
    n = obj.normalized
    return str(n.get("file")), str(n.get("group")), int(n.get("index") or 0)
