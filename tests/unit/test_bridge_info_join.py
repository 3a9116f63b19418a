"""Info-metric joins: the monitor groups by the label a join copies, and bridge mode has the OpenMetrics check copy
that label onto the joined series (`share_labels`), both decided by promql/info_join.info_join."""

from __future__ import annotations

from typing import Any

from migrate.bridge.metrics import referenced_metrics, shared_labels
from migrate.bridge.openmetrics import build_config, undocumented_options
from migrate.inventory.store import Inventory, InventoryObject
from migrate.ledger import Ledger
from migrate.model import Outcome, SourceRef
from migrate.sources.grafana_normalize import normalize_dashboard
from migrate.translate.base import TranslateEnv
from migrate.translate.ddquery import Filter, Formula, MetricQuery, MonitorQuery, parse_monitor, queries_in
from migrate.translate.grafana.dashboards import translate
from migrate.translate.query import QueryContext
from migrate.translate.run import run_translators
from tests.support.sample_mappings import sample_mappings

JOIN = (
    "sum by (nodename) (rate(node_cpu_seconds_total{mode='idle'}[5m]) "
    "* on (instance) group_left(nodename) node_uname_info) < 0.1"
)
POD_JOIN = (
    "sum by (namespace, pod, node) (kube_pod_container_resource_requests{resource='cpu'} "
    "* on (namespace, pod) group_left(node) kube_pod_info{node=~'worker-.*'}) > 4"
)


def _obj(kind: str, oid: str, normalized: dict[str, Any]) -> InventoryObject:
    return InventoryObject(SourceRef("prometheus", kind, oid, oid), {}, normalized)


def _inventory(*exprs: str) -> Inventory:
    objects = [_obj("alerting_rule", f"A{i}", {"name": f"A{i}", "expr": e}) for i, e in enumerate(exprs)]
    objects.append(
        _obj(
            "target",
            "node/http://10.0.0.7:9100/metrics",
            {
                "scrape_pool": "node",
                "scrape_url": "http://10.0.0.7:9100/metrics",
                "health": "up",
                "labels": {"job": "node", "instance": "10.0.0.7:9100"},
                "discovered_labels": {},
            },
        )
    )
    return Inventory(path=None, source="prometheus", origin="http://prom", collected_at="", objects=objects)


def test_the_monitor_groups_by_the_label_the_bridge_copies() -> None:
    mappings = sample_mappings()
    inv = _inventory(JOIN, POD_JOIN)
    translation = run_translators([inv], mappings)
    entries = {e.ref.name: e for e in translation.ledger}
    for name in ("A0", "A1"):
        assert entries[name].outcome is Outcome.APPROXIMATE, entries[name].findings
        (note,) = [f for f in entries[name].findings if f.code == "promql.info_join"]
        assert "same endpoint" in note.message  # share_labels works within one scrape of one endpoint only
    monitors = {r.source_refs[0].name: r for r in translation.resources}
    share, warnings = shared_labels([translation])
    assert warnings == []
    # `instance` is the Prometheus server's: one value per endpoint, so node_uname_info needs no match
    assert share == {
        "node_uname_info": {"labels": ["nodename"]},
        "kube_pod_info": {"labels": ["node"], "match": ["namespace", "pod"]},
    }
    out = build_config(referenced_metrics([translation], [inv]), [inv], mappings, share_labels=share)
    (instance,) = out.config["instances"]
    assert instance["share_labels"] == share
    assert instance["cache_shared_labels"] is False  # pods that appear after the first scrape get them too
    assert undocumented_options(out.config) == []
    renames = instance.get("rename_labels") or {}
    grouped = {name: _group_by(str(r.payload["query"])) for name, r in monitors.items()}
    # the keys the Agent gives the copied labels are the tags the monitors group by
    assert grouped["A0"] == {renames.get(x, x) for x in share["node_uname_info"]["labels"]}
    assert {renames.get(x, x) for x in share["kube_pod_info"]["labels"]} <= grouped["A1"]
    (pod_query,) = _metric_queries(str(monitors["A1"].payload["query"]))
    assert Filter("node", "eq", ("worker-*",)) in pod_query.filters  # the info side's matcher, on the copied tag
    assert any("share_labels copies node from kube_pod_info" in w for w in out.warnings)


def _metric_queries(text: str) -> list[MetricQuery]:
    monitor = parse_monitor(text)
    assert isinstance(monitor, MonitorQuery) and not isinstance(monitor.expression, Formula)
    return [q for q in queries_in(monitor.expression) if isinstance(q, MetricQuery)]


def _group_by(text: str) -> set[str]:
    return {tag for q in _metric_queries(text) for tag in q.group_by}


def test_two_joins_of_one_info_metric_on_different_labels_are_warned() -> None:
    other = "sum by (pod, node) (x_bytes * on (pod) group_left(node) kube_pod_info) > 1"
    translation = run_translators([_inventory(POD_JOIN, other)], sample_mappings())
    share, warnings = shared_labels([translation])
    assert list(share) == ["kube_pod_info"]
    assert len(warnings) == 1 and "joins kube_pod_info on (pod)" in warnings[0]


def test_a_join_with_a_metric_that_is_not_an_info_metric_stays_manual() -> None:
    expr = "sum by (instance) (rate(a_total[5m])) * on (instance) group_left(version) b_gauge > 1"
    translation = run_translators([_inventory(expr)], sample_mappings())
    (entry,) = [e for e in translation.ledger if e.ref.kind == "alerting_rule"]
    assert entry.outcome is Outcome.MANUAL
    assert [f.code for f in entry.findings if f.outcome is Outcome.MANUAL] == ["promql.group_modifier"]
    assert shared_labels([translation]) == ({}, [])


def test_a_dashboard_records_the_labels_its_panels_joins_need() -> None:
    panel = {"id": 1, "type": "timeseries", "title": "p", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 8}}
    panel["targets"] = [
        {"refId": "A", "expr": "sum by (owner_name) (x * on (pod) group_left(owner_name) kube_pod_owner)"}
    ]
    env = TranslateEnv(ctx=QueryContext(mappings=sample_mappings()), ledger=Ledger())
    (resource,) = translate(normalize_dashboard({"uid": "d", "title": "D", "panels": [panel]}, origin="d.json"), env)
    assert resource.metadata["share_labels"] == {"kube_pod_owner": {"labels": ["owner_name"], "match": ["pod"]}}
