"""Histograms and summaries an endpoint exposes without `# TYPE`: the entries must make the Agent send the names the
translated queries read, and what it cannot send is said loudly.

`_sent` replays, for one instance, what the OpenMetrics v2 check does with a scrape (DataDog/integrations-core
datadog_checks_base checks/openmetrics/v2: transform.py matches `metrics` keys to family names exactly and picks the
transformer by the entry's type, `native` skipping untyped families; labels.py converts `le` to `upper_bound` only
for families parsed as histograms; transformers/{counter,gauge,histogram,summary}.py pick parts by sample suffix).
The exposition is parsed the way prometheus_client's text parser does: declared families keep their parts together,
every undeclared sample is its own family of type `unknown` named by the sample.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from migrate.bridge.openmetrics import build_config, undocumented_options
from migrate.commands.bridge import bridge
from migrate.inventory.store import Inventory, InventoryObject, write_inventory
from migrate.mappings import Mappings
from migrate.translate.promql.context import PromqlContext
from migrate.translate.promql.translate import translate_promql
from migrate.translate.query import QueryContext
from tests.support.sample_mappings import SAMPLE_MAPPINGS, sample_mappings
from tests.unit.test_bridge_http import _obj, _target

PARTS = {
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("", "_sum", "_count"),
    "counter": ("_total",),
    "gauge": ("",),
}


def _families(base: str, kind: str, *, declared: bool) -> list[tuple[str, str, list[str]]]:
    """(family name, parsed type, sample names) for one metric as the check's parser yields it."""
    samples = [base + part for part in PARTS[kind]]
    if declared:
        return [(base, kind, samples)]
    return [(sample, "unknown", [sample]) for sample in samples]


def _sent(instance: dict[str, Any], families: list[tuple[str, str, list[str]]]) -> set[str]:
    ns = instance["namespace"]
    distributions = bool(instance.get("histogram_buckets_as_distributions"))
    counters = bool(instance.get("collect_counters_with_distributions"))
    config: dict[str, tuple[str, str]] = {}
    for entry in instance["metrics"]:
        specs = {entry: entry} if isinstance(entry, str) else entry
        for key, spec in specs.items():
            config[key] = (spec, "native") if isinstance(spec, str) else (spec.get("name", key), spec.get("type"))
    sent: set[str] = set()
    for fam, parsed, samples in families:
        if fam not in config:
            continue  # "not defined in `metrics`"
        name, kind = config[fam]
        if kind == "native":
            if parsed == "unknown":
                continue  # "has no type, so you must define one in the `metrics` setting"
            kind = parsed
        for sample in samples:
            if kind == "counter" and sample.endswith("_total"):
                sent.add(f"{ns}.{name}.count")
            elif kind == "gauge":
                sent.add(f"{ns}.{name}")
            elif kind in ("histogram", "summary") and sample.endswith(("_sum", "_count")):
                if kind == "summary" or not distributions or counters:
                    sent.add(f"{ns}.{name}.{sample.rsplit('_', 1)[1]}")
            elif kind == "summary" and sample == fam:
                sent.add(f"{ns}.{name}.quantile")
            elif kind == "histogram" and sample.endswith("_bucket"):
                if parsed != "histogram":  # `le` was never renamed: sample.labels['upper_bound'] fails
                    raise KeyError(f"upper_bound ({fam}: the scrape of this instance aborts)")
                sent.add(f"{ns}.{name}" if distributions else f"{ns}.{name}.bucket")
    return sent


def _config(names: set[str], mappings: Mappings, types: dict[str, str] | None = None) -> Any:
    inv = Inventory(
        path=None,
        source="prometheus",
        origin="http://prom",
        collected_at="",
        objects=[_obj("metric_metadata", "m", {"types": types or {}}), _target("j", "http://10.0.0.1:9100/metrics")],
    )
    out = build_config(names, [inv], mappings)
    assert undocumented_options(out.config) == []
    (instance,) = out.config["instances"]
    return out, instance


def _queried(expr: str, mappings: Mappings | QueryContext) -> list[str]:
    ctx = mappings if isinstance(mappings, QueryContext) else QueryContext(mappings)
    return translate_promql(expr, ctx).metrics


@pytest.mark.parametrize(
    ("expr", "name", "kind", "queried"),
    [
        ("sum(rate(x_request_count[5m])) > 1", "x_request_count", "counter", "techcorp.x_request_count.count"),
        ("avg(db_connections_count) > 90", "db_connections_count", "gauge", "techcorp.db_connections_count"),
    ],
)
def test_a_count_name_with_no_family_is_its_own_metric_and_the_bridge_agrees(
    expr: str, name: str, kind: str, queried: str
) -> None:
    """`_count`/`_sum` is a histogram's part only when its family says so; alone it is read by its own type (guessed,
    and said), and bridge mode types it the way the query reads it, under its own name."""
    mappings = sample_mappings()
    result = translate_promql(expr, QueryContext(mappings))
    assert result.metrics == [queried]
    assert "promql.type_guessed" in {f.code for f in result.findings}
    out = build_config({name}, [], mappings, result.source_types)
    assert out.metrics[name]["type"] == kind
    assert out.metrics[name]["entry"] == name  # the family keeps its `_count`: nothing strips it


def _layer(tmp_path: Path, text: str) -> Mappings:
    (tmp_path / "layer.yaml").write_text(text)
    return sample_mappings(tmp_path)


def test_an_untyped_summary_arrives_as_quantile_sum_and_count(tmp_path: Path) -> None:
    """Keyed `rpc_seconds` only, the untyped `rpc_seconds_sum` and `_count` families matched nothing."""
    mappings = _layer(tmp_path, "prometheus:\n  metric_types:\n    rpc_seconds: summary\n")
    exprs = ['max(rpc_seconds{quantile="0.99"})', "sum(rate(rpc_seconds_sum[5m])) / sum(rate(rpc_seconds_count[5m]))"]
    names = {"rpc_seconds", "rpc_seconds_sum", "rpc_seconds_count"}
    out, instance = _config(names, mappings)
    assert instance["metrics"] == [
        {"rpc_seconds": {"type": "summary"}},
        {"rpc_seconds_count": {"name": "rpc_seconds", "type": "summary"}},
        {"rpc_seconds_sum": {"name": "rpc_seconds", "type": "summary"}},
    ]
    queried = {m for expr in exprs for m in _queried(expr, mappings)}
    assert queried == {"techcorp.rpc_seconds.quantile", "techcorp.rpc_seconds.sum", "techcorp.rpc_seconds.count"}
    for declared in (True, False):  # the same names whether or not the endpoint declares the type, never twice
        assert _sent(instance, _families("rpc_seconds", "summary", declared=declared)) == queried, declared
    assert out.untyped_histograms == []


@pytest.mark.parametrize("names", [{"lat_seconds_sum", "lat_seconds_count"}])
def test_an_untyped_histograms_sum_and_count_arrive_under_the_translated_names(names: set[str]) -> None:
    """Nothing types `lat_seconds_sum`, but another part of its family is read: the translator reads
    `.sum`/`.count`, the bridge once made it a gauge `lat_seconds_sum` (sent as `techcorp.lat_seconds_sum`, which no
    query reads)."""
    mappings = sample_mappings()
    out, instance = _config(names, mappings)
    assert {"lat_seconds_sum": {"name": "lat_seconds", "type": "histogram"}} in instance["metrics"]
    assert instance["collect_counters_with_distributions"] is True
    ctx = QueryContext(mappings)
    ctx.part(PromqlContext).metric_names = frozenset(names)  # as the front end fills it from every rule
    queried = {m for name in names for m in _queried(f"sum(rate({name}[5m]))", ctx)}
    for declared in (True, False):
        assert queried <= _sent(instance, _families("lat_seconds", "histogram", declared=declared)), declared
    assert out.untyped_histograms == []  # no query reads its buckets


@pytest.mark.parametrize(
    ("layer", "missing"),
    [
        ("", "techcorp.lat_seconds"),  # the sample mappings: buckets as distributions
        ("prometheus:\n  histogram_buckets_as_distributions: false\n", "techcorp.lat_seconds.bucket"),
    ],
)
def test_an_untyped_histograms_buckets_cannot_arrive_and_say_so(tmp_path: Path, layer: str, missing: str) -> None:
    """Typed `histogram`, an untyped `lat_seconds_bucket` family aborts the instance's scrape (no `upper_bound`);
    keyed as the family only, it silently matched nothing. Neither is keyed: the loss is reported instead."""
    mappings = _layer(tmp_path, layer)
    expr = "histogram_quantile(0.9, sum by (le) (rate(lat_seconds_bucket[5m])))"
    if not mappings.distributions:
        expr = 'sum(rate(lat_seconds_bucket{le="0.5"}[5m]))'
    out, instance = _config({"lat_seconds_bucket", "lat_seconds_sum"}, mappings)
    assert not any("lat_seconds_bucket" in e for e in instance["metrics"])
    assert {"lat_seconds": {"type": "histogram"}} in instance["metrics"]  # an endpoint that does declare it
    assert _queried(expr, mappings) == [missing]
    declared = _sent(instance, _families("lat_seconds", "histogram", declared=True))
    untyped = _sent(instance, _families("lat_seconds", "histogram", declared=False))
    assert missing in declared and missing not in untyped
    assert untyped == {"techcorp.lat_seconds.sum", "techcorp.lat_seconds.count"}
    (report,) = out.untyped_histograms
    assert report["metric"] == "lat_seconds" and report["read_as"] == ["lat_seconds_bucket"]
    assert report["missing"] == missing and set(report["arrives"]) == untyped
    assert report["warning"] in out.warnings
    assert f"`{missing}`" in report["warning"] and "will NOT arrive in Datadog" in report["warning"]
    assert "# TYPE lat_seconds histogram" in report["warning"]


def test_a_histogram_the_metadata_types_needs_no_warning() -> None:
    names = {"lat_seconds_bucket"}
    out, instance = _config(names, sample_mappings(), types={"lat_seconds": "histogram"})
    assert instance["metrics"] == ["lat_seconds"] and out.untyped_histograms == []


def test_the_command_prints_and_writes_the_loss(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from migrate.cli import main

    objects: list[InventoryObject] = [
        _obj("alerting_rule", "a", {"expr": "histogram_quantile(0.9, rate(lat_seconds_bucket[5m])) > 1"}),
        _target("j", "http://10.0.0.1:9100/metrics"),
    ]
    write_inventory(tmp_path / "inv", source="prometheus", origin="http://prom", objects=objects)
    result = bridge(inventories=[tmp_path / "inv"], out=tmp_path / "agent" / "conf.yaml", mappings=[SAMPLE_MAPPINGS])
    summary = json.loads((tmp_path / "agent" / "bridge-summary.json").read_text(encoding="utf-8"))
    (entry,) = summary["not_arriving"]
    assert entry["metric"] == "lat_seconds" and entry["missing"] == "techcorp.lat_seconds"
    assert entry["warning"] in summary["warnings"]
    assert summary["metrics"]["lat_seconds_bucket"]["type"] == "histogram"
    assert result.summary_lines()[0].startswith("NOT ARRIVING in Datadog: `lat_seconds`")

    argv = ["bridge", "--inventory", str(tmp_path / "inv"), "--out", str(tmp_path / "cli" / "conf.yaml")]
    assert main([*argv, "--mappings", str(SAMPLE_MAPPINGS)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("`techcorp.lat_seconds`") == 1  # once, loud, not again among the other warnings
