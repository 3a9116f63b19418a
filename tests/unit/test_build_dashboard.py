"""DashboardSpec → dashboard payloads, driven by the case table tests/cases/dashboards_build.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.datadog.validate import validate_payload
from migrate.model import SourceRef
from migrate.translate.build.common import SpecError
from migrate.translate.build.dashboard import build_dashboard
from migrate.translate.ddquery import MetricQuery, Query, parse_query
from migrate.translate.specs.dashboard import WidgetSpec
from tests.support.dashboard_specs import dashboard_spec
from tests.support.payload_paths import check_fragments, fill

CASES = yaml.safe_load((Path(__file__).resolve().parents[1] / "cases" / "dashboards_build.yaml").read_text("utf-8"))
REF = SourceRef("toy", "dashboard", "case", "a case")
LONG = "A line of the source dashboard's description.\n" * 200  # 9,400 characters


def _spec(case: dict[str, Any]) -> dict[str, Any]:
    return {**case["spec"], "description": LONG} if case["spec"].get("description") == "{long}" else case["spec"]


@pytest.mark.parametrize("case", [c for c in CASES if "error" not in c], ids=lambda c: c["name"])
def test_build_case(case: dict[str, Any]) -> None:
    built = build_dashboard(dashboard_spec(_spec(case), REF))
    payload, key = built.resource.payload, built.resource.key
    expect = dict(case.get("expect", {}))
    if "description_length" in expect:
        assert len(payload["description"]) == expect.pop("description_length")
        assert payload["description"].endswith(fill(expect.pop("description_ends"), key))
        assert payload["description"].startswith(LONG[:100])
    check_fragments(payload, key, {**case, "expect": expect})
    assert validate_payload("dashboard", payload) == []
    assert built.resource.source_refs == [REF]


@pytest.mark.parametrize("case", [c for c in CASES if "error" in c], ids=lambda c: c["name"])
def test_bad_spec_is_refused(case: dict[str, Any]) -> None:
    with pytest.raises(SpecError) as info:
        build_dashboard(dashboard_spec(case["spec"], REF))
    assert case["error"] in str(info.value)
    assert REF.key in str(info.value)


def _metric_texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [str(node["query"])] if node.get("data_source") == "metrics" else []
        return own + [t for v in node.values() for t in _metric_texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in _metric_texts(v)]
    return []


def _spec_queries(widgets: tuple[WidgetSpec, ...]) -> list[Query]:
    return [q for w in widgets for q in [*w.queries.values(), *_spec_queries(w.children)]]


def test_metric_queries_are_the_tree_rendered() -> None:
    """Every metric query in a payload reads back as one of the spec's nodes (the tree is the only writer)."""
    for case in (c for c in CASES if "error" not in c):
        spec = dashboard_spec(_spec(case), REF)
        texts = _metric_texts(build_dashboard(spec).resource.payload)
        wanted = [q for q in _spec_queries(spec.widgets) if isinstance(q, MetricQuery)]
        assert [parse_query(t) for t in texts] == wanted, case["name"]
