"""AlertSpec → monitor payloads, driven by the case table tests/cases/monitors_build.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.datadog.validate import validate_payload
from migrate.model import SourceRef
from migrate.translate.build.common import SpecError
from migrate.translate.build.monitor import build_alert
from migrate.translate.ddquery import Formula, parse_monitor, render
from tests.support.alert_specs import alert_spec
from tests.support.payload_paths import check_fragments

CASES = yaml.safe_load((Path(__file__).resolve().parents[1] / "cases" / "monitors_build.yaml").read_text("utf-8"))
REF = SourceRef("toy", "check", "case", "a case")


@pytest.mark.parametrize("case", [c for c in CASES if "error" not in c], ids=lambda c: c["name"])
def test_build_case(case: dict[str, Any]) -> None:
    spec = alert_spec(case["spec"], (REF,))
    built = build_alert(spec)
    payload = built.resource.payload
    check_fragments(payload, built.resource.key, case)
    if spec.condition is not None:  # the query is the tree's text, and reads back as the same tree
        assert payload["query"] == case["spec"]["condition"]
        expression = getattr(spec.condition, "expression", None)
        variables = expression.queries if isinstance(expression, Formula) else None
        assert parse_monitor(payload["query"], variables) == spec.condition
    for fragment in case.get("message_contains", []):
        assert fragment in payload["message"]
    assert validate_payload("monitor", payload) == []
    assert built.resource.source_refs == [REF]


@pytest.mark.parametrize("case", [c for c in CASES if "error" in c], ids=lambda c: c["name"])
def test_bad_spec_is_refused(case: dict[str, Any]) -> None:
    with pytest.raises(SpecError) as info:
        build_alert(alert_spec(case["spec"], (REF,)))
    assert case["error"] in str(info.value)
    assert REF.key in str(info.value)


def test_every_monitor_kind_is_in_the_table() -> None:
    kinds = {alert_spec(c["spec"], (REF,)).kind.value for c in CASES if "error" not in c}
    assert kinds == {"metric", "forecast", "anomaly", "outlier", "log", "rum", "service_check"}


def test_two_sources_one_monitor() -> None:
    other = SourceRef("toy", "check", "twin", "its warning twin")
    spec = alert_spec({"name": "Pair", "condition": "max(last_5m):avg:x{*} > 1"}, (REF, other))
    built = build_alert(spec).resource
    assert built.source_refs == [REF, other]
    assert f"- {other.key}" in built.payload["message"]
    assert spec.condition is not None
    assert render(spec.condition) == built.payload["query"]
