"""Tags longer than Datadog's 200 characters ("Tags can be up to 200 characters long",
docs.datadoghq.com/getting_started/tagging) are cut to fit by the builders, for every source, with the full
tag in a `tag.truncated` finding; before, the Prometheus front end cut them silently and the other front ends
wrote them whole, which made the payload invalid and the object manual.

Names and titles are not cut: Datadog documents no length limit for a monitor name, a dashboard title or a
synthetic test name, and the vendored API schema (migrate/datadog/schema) declares none."""

from __future__ import annotations

import json
from pathlib import Path

from migrate.datadog.payload_rules import TAG_MAX
from migrate.datadog.validate import validate_payload
from migrate.model import SourceRef
from migrate.translate.build.synthetic import build_check
from migrate.translate.specs.check import AssertionSpec, AssertKind, CheckKind, CheckSpec, Op, RequestSpec
from tests.support.ddorg import run_cli

LONG_VALUE = "v" * 300
LONG_NAME = "Very" + "long" * 150


def test_prometheus_label_tags_are_cut_with_the_full_tag_in_the_ledger(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "groups:\n- name: g\n  rules:\n"
        f"  - alert: {LONG_NAME}\n    expr: sum(rate(http_requests_total[5m])) > 1\n"
        f"    labels: {{team: {LONG_VALUE}}}\n",
        encoding="utf-8",
    )
    assert run_cli("collect", "prometheus", "--from-files", rules, "--out", tmp_path / "inv")[0] == 0
    assert run_cli("translate", "--inventory", tmp_path / "inv", "--out", tmp_path / "tr")[0] == 0
    (monitor,) = json.loads((tmp_path / "tr" / "desired.json").read_text())["resources"]
    payload = monitor["payload"]
    assert validate_payload("monitor", payload) == []
    assert max(len(t) for t in payload["tags"]) == TAG_MAX
    assert f"team:{LONG_VALUE}"[:TAG_MAX] in payload["tags"]
    assert payload["name"] == LONG_NAME, "names are not cut"
    (entry,) = json.loads((tmp_path / "tr" / "ledger.json").read_text())["entries"]
    cut = [f["message"] for f in entry["findings"] if f["code"] == "tag.truncated"]
    assert len(cut) == 2 and entry["outcome"] == "approximate"
    assert any(f"`team:{LONG_VALUE}`" in m for m in cut) and any(f"`alertname:{LONG_NAME.lower()}`" in m for m in cut)


def test_synthetic_test_tags_are_cut_to_a_valid_payload() -> None:
    ref = SourceRef("toy", "check", "c1", "c1")
    spec = CheckSpec(
        refs=(ref,),
        name=LONG_NAME,
        kind=CheckKind.HTTP,
        request=RequestSpec(url="https://shop.example.com/health"),
        assertions=(AssertionSpec(AssertKind.STATUS_CODE, Op.IS, 200),),
        locations=("aws:eu-west-1",),
        frequency_s=60,
        tags=(f"team:{LONG_VALUE}", "x" * (TAG_MAX - 1) + ":" + "y"),
    )
    built = build_check(spec)
    payload = built.resource.payload
    assert validate_payload(built.resource.type, payload) == []
    assert all(len(t) <= TAG_MAX for t in payload["tags"]) and not any(t.endswith(":") for t in payload["tags"])
    assert payload["name"] == LONG_NAME
    assert sorted(f.code for f in built.findings if f.code.startswith("tag.")) == ["tag.truncated", "tag.truncated"]
