"""Bridge mode and the translation agree over the whole corpus: every metric a monitor or a widget queries is one
the generated Agent config delivers under that name (tests/corpus/prometheus rules, each project with the Grafana
dashboards beside it; the bridge reads the same translation, as `ddmigrate bridge --translation` does).

What the Agent sends for a `metrics:` entry of the OpenMetrics v2 check (DataDog/integrations-core,
datadog_checks_base checks/openmetrics/v2 transformers): a counter `<ns>.<name>.count`, a gauge `<ns>.<name>`, a
histogram `<ns>.<name>.sum` / `.count` and `.bucket` (or the distribution `<ns>.<name>`), a summary `.quantile`,
`.sum`, `.count`; the buckets of a histogram nothing declares cannot arrive (`untyped_histograms` says so, and
such a metric is counted as not delivered here)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migrate.bridge.metrics import referenced_metrics, shared_labels, translated_types, type_conflicts
from migrate.bridge.openmetrics import build_config
from migrate.inventory.store import Inventory
from migrate.mappings import Mappings, load_mappings
from migrate.sources.grafana import collect_files as collect_grafana
from migrate.sources.prometheus import collect_files as collect_prometheus
from migrate.translate.ddquery import metric_names
from migrate.translate.promql.tables import COUNTER, GAUGE, SERVER_METRICS, datadog_metric
from migrate.translate.run import run_translators
from migrate.translate.store import Translation

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
PROJECTS = sorted(p.name for p in (CORPUS / "prometheus").iterdir() if p.is_dir())
_SUFFIXES = {
    "counter": (".count",),
    "gauge": ("",),
    "histogram": (".sum", ".count", ".bucket"),
    "summary": (".quantile", ".sum", ".count"),
}


def _queried(translation: Translation) -> Iterator[tuple[str, str]]:
    """(resource key, metric) for every metric query of every monitor and widget."""
    for res in translation.resources:
        texts = [res.payload["query"]] if res.type == "monitor" else list(_widget_queries(res.payload))
        for text in texts:
            for name in metric_names(text):
                yield res.key, name


def _widget_queries(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("data_source") == "metrics" and isinstance(node.get("query"), str):
            yield node["query"]
        for value in node.values():
            yield from _widget_queries(value)
    elif isinstance(node, list):
        for item in node:
            yield from _widget_queries(item)


def _delivered(detail: dict[str, dict[str, Any]], missing: set[str], mappings: Mappings) -> set[str]:
    ns = f"{mappings.namespace}." if mappings.namespace else ""
    out: set[str] = set()
    for d in detail.values():
        for suffix in _SUFFIXES.get(d["type"], ("",)):
            out.add(f"{ns}{d['entry']}{suffix}")
        if d["type"] == "histogram" and mappings.distributions:
            out.add(f"{ns}{d['entry']}")
    return out - missing


def _said(translation: Translation, chosen: dict[str, str], mappings: Mappings) -> set[tuple[str, str]]:
    """(resource, metric) pairs the ledger or the bridge warnings already name as not arriving: a recording rule
    the rules do not define (`promql.recording_rule_not_found`), a metric read as two types (`type_conflicts`)."""
    out: set[tuple[str, str]] = set()
    for res in translation.resources:
        types = res.metadata.get("source_types") or {}
        for name in res.metadata.get("source_metrics") or []:
            kinds = types.get(name) or ["gauge"]
            if ":" in name or any(chosen.get(name, kind) != kind for kind in kinds):
                out |= {(res.key, datadog_metric(name, k, mappings.namespace)) for k in (GAUGE, COUNTER)}
    return out


@pytest.mark.parametrize("project", PROJECTS)
def test_every_queried_metric_is_delivered_by_the_bridge_config(project: str) -> None:
    mappings = load_mappings()
    grafana = collect_grafana([CORPUS / "grafana"])
    dashboards = Inventory(path=None, source="grafana", origin="files", collected_at="", objects=grafana.objects)
    inventories = [collect_prometheus([CORPUS / "prometheus" / project]), dashboards]
    translation = run_translators(inventories, mappings)
    names = referenced_metrics([translation], inventories) - SERVER_METRICS.keys()
    chosen = translated_types([translation])
    share, _ = shared_labels([translation])
    bridge = build_config(names, inventories, mappings, chosen, share)
    warned = {h["missing"] for h in bridge.untyped_histograms}  # buckets no override can rebuild, said loudly
    delivered = _delivered(bridge.metrics, warned, mappings)
    queried = set(_queried(translation))
    said = _said(translation, chosen, mappings)
    # placeholders of manual rules fall back on the Agent's own `datadog.agent.running`, not a bridged metric
    bridged = {(key, m) for key, m in queried if m.startswith(f"{mappings.namespace}.")}
    silent = sorted((key, m) for key, m in bridged if m not in delivered | warned and (key, m) not in said)
    assert len(queried) > 100
    assert silent == [], f"{len(silent)} queried metrics the Agent config does not deliver, and nothing says so"
    for res in translation.resources:  # every label an info join reads as a tag is one the Agent copies
        for metric, entry in (res.metadata.get("share_labels") or {}).items():
            written = bridge.share_labels[metric]
            assert set(entry["labels"]) <= set(written["labels"]), res.key
            assert entry.get("match") == written.get("match"), res.key
    read = [
        (n, k) for r in translation.resources for n, ks in (r.metadata.get("source_types") or {}).items() for k in ks
    ]
    if any(chosen[n] != k for n, k in read):
        assert type_conflicts([translation])
