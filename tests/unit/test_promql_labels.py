"""Two source labels on one Datadog tag key (promql/labels.py): found from the mappings, resolved in queries and
in bridge mode alike."""

from __future__ import annotations

from migrate.inventory.store import InventoryObject
from migrate.mappings import Mappings
from migrate.model import SourceRef
from migrate.translate.prometheus.context import prometheus_context
from migrate.translate.promql.context import PromqlContext
from migrate.translate.promql.labels import Collision, tag_collisions
from migrate.translate.promql.translate import translate_promql
from migrate.translate.query import QueryContext


def _mappings(**prom: object) -> Mappings:
    base: dict[str, object] = {"namespace": "app", "label_tags": {"job": "service"}, "server_labels": ["job"]}
    return Mappings(data={"prometheus": {**base, **prom}})


def test_an_exporter_label_named_like_a_mapped_key_is_kept_apart() -> None:
    assert tag_collisions({"job": "service"}, ["job"]) == {"service": Collision("prom_service", "service", "job")}
    assert "service" not in tag_collisions({"job": "service", "service": "app_service"}, ["job"])  # mapped: own key
    assert tag_collisions({"job": "service"}, ["job"], "src_")["service"].key == "src_service"


def test_job_and_service_no_longer_write_a_contradictory_scope() -> None:
    result = translate_promql('sum(rate(x_total{job="api", service="checkout"}[5m]))', QueryContext(_mappings()))
    assert result.expression == "sum:app.x.count{service:api,prom_service:checkout}.as_rate()"
    assert "promql.tag_collision" in {f.code for f in result.findings}
    custom = translate_promql("sum by (service) (x)", QueryContext(_mappings(collision_prefix="exp_")))
    assert custom.expression == "sum:app.x{*} by {exp_service}"


def test_two_labels_mapped_to_one_key_on_purpose_are_noted_when_a_query_filters_on_both() -> None:
    mappings = _mappings(label_tags={"instance": "host", "node": "host"}, server_labels=["instance"])
    result = translate_promql('sum(x{instance="a", node="b"})', QueryContext(mappings))
    assert result.expression == "sum:app.x{host:a,host:b}"
    assert any(f.code == "promql.tag_collision" and "`instance` and `node`" in f.message for f in result.findings)


def test_labels_the_scrape_configs_relabel_rules_write_are_server_labels() -> None:
    """kube-prometheus' `namespace` / `pod` come from relabelling: per deployment, read from the scrape configs."""
    job = {
        "job_name": "pods",
        "relabel_configs": [
            {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
            {"source_labels": ["__meta_kubernetes_pod_name"], "action": "replace", "target_label": "pod"},
            {"source_labels": ["__address__"], "action": "hashmod", "target_label": "__tmp_hash", "modulus": 2},
            {"regex": "__meta_kubernetes_pod_label_(.+)", "action": "labelmap"},
            {"source_labels": ["__meta_kubernetes_pod_phase"], "action": "drop", "regex": "Succeeded"},
        ],
    }
    ref = SourceRef(source="prometheus", kind="scrape_config", id="pods", name="pods", origin="x")
    (part,) = prometheus_context([InventoryObject(ref=ref, payload=job, normalized={})])
    assert isinstance(part, PromqlContext)
    assert part.relabelled == {"namespace", "pod"}
    ctx = QueryContext(_mappings())
    expr = 'sum(x{namespace="shop", container="api"})'
    assert translate_promql(expr, ctx).expression == "sum:app.x{namespace:shop,container:api}"  # nothing says
    ctx.parts[PromqlContext] = part
    result = translate_promql(expr, ctx)
    assert result.expression == "sum:app.x{container:api}"
    assert any(f.code == "promql.server_label" and "`namespace`" in f.message for f in result.findings)
