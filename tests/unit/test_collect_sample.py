"""The bundled sample company collects cleanly, with its recorded metadata, as `make demo` runs it."""

from __future__ import annotations

from pathlib import Path

import yaml

from migrate.commands.collect import collect
from migrate.inventory import read_inventory

SAMPLE = Path(__file__).resolve().parents[2] / "inventories/sample/sources/prometheus"


def rule_names(kind: str) -> list[str]:
    names = []
    for path in sorted(p for p in SAMPLE.glob("*.y*ml") if p.name != "config.yaml"):  # config.yaml: prometheus.yml
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            groups = doc["spec"]["groups"] if doc.get("kind") == "PrometheusRule" else doc["groups"]
            names += [r[kind] for g in groups for r in g["rules"] if kind in r]
    return sorted(names)


def test_sample_collects_every_rule_with_metadata(tmp_path: Path) -> None:
    collect("prometheus", out=tmp_path / "inv", from_files=[SAMPLE])
    inv = read_inventory(tmp_path / "inv")
    assert sorted(o.ref.name for o in inv.by_kind("alerting_rule")) == rule_names("alert")
    assert sorted(o.ref.name for o in inv.by_kind("recording_rule")) == rule_names("record")
    assert 30 <= len(rule_names("alert")) <= 40
    types = inv.by_kind("metric_metadata")[0].normalized["types"]
    assert types["payment_gateway_request_duration_seconds"] == "histogram"
    assert types["payment_gateway_requests_total"] == "counter"
    assert "payment_gateway_inflight_requests" not in types  # typed by mappings/prometheus.yaml instead
    assert inv.warnings == []
    # warning/critical pairs share a name in one group: the second gets `#2`
    assert any(o.ref.id.endswith("/PaymentGatewayHighErrorRate#2") for o in inv.objects)
