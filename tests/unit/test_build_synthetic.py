"""CheckSpec → synthetic test payloads, driven by the case table tests/cases/synthetics_build.yaml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.datadog import ownership
from migrate.datadog.validate import schema_errors, validate_payload
from migrate.model import DesiredResource, SourceRef
from migrate.translate.build.synthetic import BROWSER_TEST, build_check
from tests.support.check_specs import check_spec
from tests.support.payload_paths import check_fragments

CASES = yaml.safe_load((Path(__file__).resolve().parents[1] / "cases" / "synthetics_build.yaml").read_text("utf-8"))
REF = SourceRef("toy", "check", "case", "a case")
CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "datadog" / "payloads"


def problems(resource: DesiredResource) -> list[str]:
    """validate_payload; browser tests (no resource type declares them yet): their schema and the marker."""
    if resource.type != BROWSER_TEST:
        return validate_payload(resource.type, resource.payload)
    found = schema_errors("SyntheticsBrowserTest", resource.payload)
    if ownership.TAGS_AND_FOOTER.key(resource.payload) != resource.key:
        found.append("$.tags / $.message: the ownership marker is missing or inconsistent")
    return found


@pytest.mark.parametrize("case", [c for c in CASES if "error" not in c], ids=lambda c: c["name"])
def test_build_case(case: dict[str, Any]) -> None:
    built = build_check(check_spec(case["spec"], REF))
    payload = built.resource.payload
    check_fragments(payload, built.resource.key, case)
    assert [f.code for f in built.findings] == case["findings"]
    assert problems(built.resource) == []
    assert built.resource.source_refs == [REF]


@pytest.mark.parametrize("case", [c for c in CASES if "error" in c], ids=lambda c: c["name"])
def test_bad_spec_is_refused(case: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as info:
        build_check(check_spec(case["spec"], REF))
    assert case["error"] in str(info.value)
    assert "toy/check/case" in str(info.value) or "global variable" in str(info.value)


def test_every_subtype_and_browser_is_in_the_table() -> None:
    kinds = {c["spec"]["kind"] for c in CASES if "error" not in c}
    assert kinds == {"http", "ssl", "tcp", "dns", "icmp", "udp", "websocket", "grpc", "multi", "browser"}


def test_types_and_keys() -> None:
    api = build_check(check_spec(CASES[0]["spec"], REF)).resource
    browser_case = next(c for c in CASES if c["spec"]["kind"] == "browser" and "error" not in c)
    browser = build_check(check_spec(browser_case["spec"], REF)).resource
    assert (api.type, browser.type) == ("synthetic_test", "synthetic_browser_test")
    assert api.key != browser.key  # the same source object as an API and a browser test: two resources


@pytest.mark.parametrize(
    "name",
    [
        "synthetics_browser_test_payload.json",
        "synthetics_browser_test_payload_with_advanced_scheduling.json",
        "synthetics_browser_test_payload_with_rum_settings.json",
    ],
)
def test_datadog_browser_payloads_pass_the_vendored_schema(name: str) -> None:
    """Datadog's own browser test payloads: the vendored SyntheticsBrowserTest subset accepts them."""
    assert schema_errors("SyntheticsBrowserTest", json.loads((CORPUS / name).read_text("utf-8"))) == []
