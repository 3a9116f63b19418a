"""Info-metric joins: `X * on (instance) group_left (nodename) node_uname_info` copies labels of an info series
(value 1, one per `on` label set) onto the series of X.

A Datadog formula cannot pair series by labels, but bridge mode can make the label arrive on X itself: the
OpenMetrics check's `share_labels` option (`{node_uname_info: {labels: [nodename], match: [instance]}}`) copies
it at scrape time onto every series of the payload that shares the `match` labels. The join then is X, grouped
or filtered by the copied label's tag. `info_join` decides both the query and that option (`SharedLabels` on
the result, which bridge mode writes), so they cannot disagree.

Only a real info join: `*` with `on(...)` and group_left/group_right, the one side a selector (or a
max/min/avg/group or topk(N) by of one) on a metric whose type is `info`, whose name ends in `_info`, or that
is documented as an info metric (INFO_METRICS).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import promql_parser as pp

from migrate.translate.promql.selectors import Selectors
from migrate.translate.promql.walk import Manual, Val, strip
from migrate.translate.query import SharedLabels

# An aggregation over an info metric that keeps its value 1 for every group (a sum would count the series);
# topk/bottomk keep series as they are.
_IDEMPOTENT = frozenset({"max", "min", "avg", "group"})
_SELECTING = frozenset({"topk", "bottomk"})
# Metrics documented as one series of value 1 per object although their names do not end in `_info`
# (kube-state-metrics' owner and label metrics, the kubelet's node name, node_exporter's hwmon names).
INFO_METRICS = frozenset(
    {
        "kube_pod_owner",
        "kube_replicaset_owner",
        "kube_job_owner",
        "kube_pod_labels",
        "kube_node_labels",
        "kube_namespace_labels",
        "kubelet_node_name",
        "node_hwmon_chip_names",
        "node_hwmon_sensor_label",
    }
)


@dataclass(frozen=True)
class InfoJoin:
    many: Any  # the expression whose series get the labels
    info: Any  # the info metric's VectorSelector
    on: tuple[str, ...]  # the on() labels
    group: tuple[str, ...]  # the group_left/group_right labels: the result's labels besides X's
    shared: SharedLabels  # those and the labels the info selector filters on


def info_join(node: Any, metric_types: dict[str, str], server_labels: set[str]) -> InfoJoin | None:
    """The join `node` is, when it is an info-metric join (module docstring), else None. Labels the Prometheus
    server adds (`instance`, `job`) are not in what the Agent scrapes: they are the same for every series of one
    endpoint, so they need no matching (share_labels' `match` lists only the exporter's labels), and a join that
    would copy one has nothing to copy."""
    modifier = node.modifier
    if modifier is None or modifier.matching is None or modifier.return_bool or str(node.op) != "*":
        return None
    if modifier.matching.type != pp.LabelModifierType.Include or not modifier.matching.labels:
        return None
    if modifier.card == pp.VectorMatchCardinality.ManyToOne:
        many, one = node.lhs, strip(node.rhs)
    elif modifier.card == pp.VectorMatchCardinality.OneToMany:
        many, one = node.rhs, strip(node.lhs)
    else:
        return None
    match = tuple(modifier.matching.labels)
    if isinstance(one, pp.AggregateExpr):
        kept = set(one.modifier.labels) if one.modifier is not None else set()
        by = one.modifier is not None and one.modifier.type == pp.AggModifierType.By
        op = str(one.op)
        selects = op in _SELECTING and isinstance(one.param, pp.NumberLiteral)
        keeps = (op in _IDEMPOTENT and one.param is None) or selects
        if not keeps or not by:
            return None
        one = strip(one.expr)
        if not set(match) <= kept or not set(modifier.group_labels or ()) <= kept:
            return None
    if not isinstance(one, pp.VectorSelector) or not one.name or one.offset is not None or one.at is not None:
        return None
    if ":" in one.name:  # a recording rule's series: what it holds is the rule's, not an info metric's
        return None
    if not (metric_types.get(one.name) == "info" or one.name.endswith("_info") or one.name in INFO_METRICS):
        return None
    group = tuple(modifier.group_labels or ())
    if set(group) & server_labels:
        return None
    filtered = [m.name for m in one.matchers.matchers if m.name not in {*match, *server_labels, "__name__"}]
    labels = tuple(dict.fromkeys([*group, *filtered]))
    if not labels:
        return None
    return InfoJoin(
        many, one, match, group, SharedLabels(one.name, labels, tuple(x for x in match if x not in server_labels))
    )


class InfoJoins(Selectors):
    def joined(self, join: InfoJoin) -> Val:
        """X with the info metric's labels as its own tags: grouped by the group_left labels where X is grouped,
        filtered by the info selector's matchers."""
        value = self.visit(join.many)
        shared = join.shared
        on_tags = {self.tag_for(label, None)[0] for label in join.on} - {None}
        if value.group_by is not None and not on_tags <= set(value.group_by):
            raise Manual(
                "promql.group_modifier",
                f"the side joined with {shared.metric} is aggregated without the on({', '.join(join.on)}) labels, "
                "so no series matches",
            )
        self.shared.append(shared)
        self.source_metrics.append(shared.metric)
        matchers = [m for m in join.info.matchers.matchers if m.name != "__name__"]
        tags = self.tags_for(list(join.group), None, "; left out of the grouping")
        for q in value.queries:
            for m in matchers:
                q.filters += [f for f in self.filter_for(m, q) if f not in q.filters]
            if q.group_by is not None:
                q.group_by = [*q.group_by, *(t for t in tags if t not in q.group_by)]
        group_by = value.group_by
        if group_by is not None:
            group_by = [*group_by, *(t for t in tags if t not in group_by)]
        self.note(
            "promql.info_join",
            f"the join with {shared.metric} on ({', '.join(join.on)}) became the {', '.join(shared.labels)} "
            f"tag(s) of the series themselves, which bridge mode has the OpenMetrics check copy from {shared.metric} "
            f"(share_labels: labels {list(shared.labels)}"
            + (f", match {list(shared.match)}" if shared.match else ", from the one series of each endpoint")
            + "). The Agent copies them at "
            f"scrape time and only onto series scraped from the same endpoint as {shared.metric}: series another "
            "exporter serves do not get them (Prometheus joins across targets)",
        )
        return replace(value, group_by=group_by)
