"""Hostile source text never notifies anyone: `@handles`, `{{#is_alert}}` blocks and `{{> partial}}` in
annotations, names and descriptions are neutralised, with a finding; only the routing mappings add `@`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from migrate.cli import main
from migrate.inventory.store import write_inventory
from migrate.model import SourceRef
from migrate.translate.build.mentions import BLOCK_CODE, HANDLE_CODE, neutralise
from migrate.translate.build.monitor import build_alert
from migrate.translate.build.synthetic import build_check
from migrate.translate.ddquery import parse_monitor
from migrate.translate.specs.alert import AlertSpec, Manual
from migrate.translate.specs.check import CheckKind, CheckSpec, RequestSpec
from migrate.translate.specs.message import Block, MessageSpec, Notify, When
from tests.support.sample_mappings import SAMPLE_MAPPINGS
from tests.unit.test_alerts import rule_objects

HOSTILE = (
    "ping @pagerduty-ceo and @slack-exec-war-room, mail ops@example.com; "
    "{{#is_alert}}@webhook-steal{{/is_alert}} {{^is_warning}}x{{/is_warning}} {{> partial}} "
    "{{=<% %>=}} {{~#if x}} {{!hidden}} {{{raw}}} {{ #is_recovery }}"
)
# a Datadog @-mention: `@` then a handle or email (the parser's exact grammar is not documented: any `@`
# directly followed by a character counts here)
MENTION = re.compile(r"@\S+")
SECTION = re.compile(r"\{\{~?\s*[#^/>!=&{]")
# the id is in the ownership footer of every message (`- toy/check/hostile @pagerduty-ceo`)
REF = SourceRef("toy", "check", "hostile @pagerduty-ceo", "hostile @pagerduty-ceo")


def test_neutralise_leaves_no_mention_and_no_section_but_stays_readable() -> None:
    done = neutralise(HOSTILE + " {{value}} {{host.name}}")
    assert MENTION.findall(done.text) == [] and SECTION.findall(done.text) == []
    assert "(at)pagerduty-ceo" in done.text and "ops(at)example.com" in done.text
    assert "{{value}} {{host.name}}" in done.text  # plain variables, which front ends write, are kept
    assert "@pagerduty-ceo" in done.handles and "{{> partial}}" in done.blocks
    assert len(done.blocks) == 10, done.blocks
    assert neutralise("no handles, {{value}} @ alone").text == "no handles, {{value}} @ alone"


def _monitor(**message: Any) -> AlertSpec:
    return AlertSpec(
        refs=(REF,),
        name="Disk full {{#is_alert}}@pagerduty-ceo{{/is_alert}}",
        condition=parse_monitor("avg(last_5m):avg:system.disk.in_use{*} > 0.9"),
        message=MessageSpec(notify=(Notify(("@slack-ops",)), Notify(("@pagerduty-ops",), When.ALERT)), **message),
    )


def test_monitor_only_notifies_the_routing_handles() -> None:
    spec = _monitor(body=HOSTILE, runbook="https://wiki/@pagerduty-ceo", blocks=(Block(When.RECOVERY, HOSTILE),))
    built = build_alert(spec)
    payload = built.resource.payload
    assert MENTION.findall(payload["message"]) == ["@slack-ops", "@pagerduty-ops"]
    assert MENTION.findall(payload["name"]) == []
    # ddmigrate's own blocks are the only sections: one recovery block, one alert block for the handle
    assert SECTION.findall(payload["message"]) == ["{{#", "{{/", "{{#", "{{/"]
    assert payload["message"].index("{{#is_alert}}\n@pagerduty-ops\n{{/is_alert}}") > 0
    codes = {f.code for f in built.findings}
    assert codes == {HANDLE_CODE, BLOCK_CODE}
    assert any("`@pagerduty-ceo`" in f.message for f in built.findings)


def test_placeholder_and_footer_source_names_are_neutralised() -> None:
    manual = Manual(what="rule", reason="needs @slack-reason", originals=())
    message = MessageSpec(body=HOSTILE, notify=(Notify(("@slack-ops",)),))
    built = build_alert(AlertSpec(refs=(REF,), name=REF.name, condition=None, manual=manual, message=message))
    payload = built.resource.payload
    assert MENTION.findall(payload["message"]) == [] and MENTION.findall(payload["name"]) == []
    assert "- toy/check/hostile (at)pagerduty-ceo" in payload["message"]  # the footer's source line, readable
    assert "needs (at)slack-reason" in payload["message"]
    assert "slack-ops" in payload["message"]  # the handle a placeholder would route to, without its `@`
    assert HANDLE_CODE in {f.code for f in built.findings}


def test_synthetic_test_message_and_name_are_neutralised() -> None:
    spec = CheckSpec(
        refs=(REF,),
        name="Checkout @pagerduty-ceo",
        kind=CheckKind.HTTP,
        request=RequestSpec(url="https://shop.example/health"),
        message=MessageSpec(body=HOSTILE, notify=(Notify(("@slack-ops",)),)),
    )
    built = build_check(spec)
    assert MENTION.findall(built.resource.payload["message"]) == ["@slack-ops"]
    assert MENTION.findall(built.resource.payload["name"]) == []
    assert {HANDLE_CODE, BLOCK_CODE} <= {f.code for f in built.findings}


RULES: list[dict[str, Any]] = [
    {
        "alert": "ApiErrors @pagerduty-ceo",
        "expr": "sum(rate(http_requests_total[5m])) > 1",
        "for": "5m",
        "labels": {"team": "payments", "severity": "critical", "owner": "@slack-leak"},
        "annotations": {
            "summary": "API errors {{#is_alert}}@pagerduty-ceo{{/is_alert}}",
            "description": "Owner {{ $labels.owner }}. {{#is_recovery}} open block swallowing the handles",
            "runbook_url": "https://wiki.example/@opsgenie-ceo",
            "dashboard": "{{> partial}}",
        },
    }
]


def test_prometheus_annotations_cannot_add_routing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_inventory(tmp_path / "inv", source="prometheus", origin="rules/", objects=rule_objects(RULES))
    argv = ["translate", "--inventory", str(tmp_path / "inv"), "--out", str(tmp_path / "t")]
    assert main([*argv, "--mappings", str(SAMPLE_MAPPINGS)]) == 0
    (monitor,) = json.loads((tmp_path / "t" / "desired.json").read_text())["resources"]
    payload = monitor["payload"]
    # TechCorp's routing for team payments + critical, and nothing else
    assert MENTION.findall(payload["message"]) == ["@pagerduty-payments-oncall", "@slack-payments-incidents"]
    assert MENTION.findall(payload["name"]) == [] and SECTION.findall(payload["name"]) == []
    assert SECTION.findall(payload["message"]) == []  # the open block cannot wrap the handles
    assert "Owner (at)slack-leak" in payload["message"] and "(at)opsgenie-ceo" in payload["message"]
    assert not any(MENTION.search(t) for t in payload["tags"] if not t.startswith("owner:"))
    (entry,) = json.loads((tmp_path / "t" / "ledger.json").read_text())["entries"]
    codes = [f["code"] for f in entry["findings"]]
    assert codes.count(HANDLE_CODE) >= 1 and codes.count(BLOCK_CODE) >= 1, codes
    assert "alert.template_unsupported" not in codes  # `{{> partial}}` is neutralised, not "kept verbatim"
