"""The plan says, under each New Relic monitor it creates or updates, who gets paged: the handles, whether only
critical issues reach them, and through which workflow and channel (the ledger's `newrelic.paged` line)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from migrate import cli
from migrate.inventory.store import InventoryObject
from migrate.model import DesiredResource, SourceRef
from migrate.report.diff_text import paged_of, plan_lines
from migrate.runner.changes import Create, Delete
from migrate.runner.plan import Plan
from migrate.sources.newrelic import collect
from migrate.translate.run import run_translators
from tests.support.sample_mappings import SAMPLE_MAPPINGS, sample_mappings

SAMPLE = Path(__file__).resolve().parents[2] / "inventories/sample/sources/newrelic"


def test_the_plan_prints_who_each_monitor_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inv, translation = tmp_path / "inv", tmp_path / "translation"
    assert (
        cli.main(["collect", "newrelic", "--from-files", str(SAMPLE), "--service", "cart-service", "--out", str(inv)])
        == 0
    )
    argv = ["translate", "--inventory", str(inv), "--mappings", str(SAMPLE_MAPPINGS), "--out", str(translation)]
    assert cli.main(argv) == 0
    capsys.readouterr()
    assert cli.main(["plan", "--translation", str(translation), "--out", str(tmp_path / "plan.json")]) == 0
    printed = capsys.readouterr().out.splitlines()
    ledger = json.loads((translation / "ledger.json").read_text())["entries"]
    conditions = [e for e in ledger if e["ref"]["kind"] == "nrql_condition"]
    assert len(conditions) == 3
    for entry in conditions:
        said = next(f["message"] for f in entry["findings"] if f["code"] == "newrelic.paged")
        at = printed.index(f'+ create monitor "{entry["ref"]["name"]}"')
        assert printed[at + 2] == "    " + said, "the line right under the monitor's key"
    assert "@pagerduty-commerce-oncall (critical only) via workflow 'commerce critical to PagerDuty'" in said


def test_a_placeholder_pages_nobody_and_says_whom_new_relic_paged() -> None:
    inventory = collect({"from_files": [str(SAMPLE)], "service": ["cart-service"]})
    objects = [
        InventoryObject(
            o.ref, o.payload, {**o.normalized, "query": "SELECT funnel(session, WHERE a = 1) FROM PageView"}
        )
        if o.ref.name == "cart-service: error rate high"
        else o
        for o in inventory.objects
    ]
    resources = run_translators([replace(inventory, objects=objects)], sample_mappings()).resources
    monitor = next(r for r in resources if r.payload.get("name", "").endswith("cart-service: error rate high"))
    assert "ddmigrate_status:manual" in monitor.payload["tags"]
    assert monitor.metadata["paged"].startswith(
        "nobody: a muted placeholder (New Relic paged @pagerduty-commerce-oncall"
    )


def test_only_creates_and_updates_get_the_line() -> None:
    refs = (SourceRef("newrelic", "nrql_condition", "1", "c"),)
    paged = paged_of(
        [
            DesiredResource("monitor", "k1", {}, list(refs), {"paged": "@slack-x"}),
            DesiredResource("monitor", "k2", {}, []),
        ]
    )
    assert paged == {"k1": "@slack-x"}
    changes = [Create("monitor", "k1", "c", refs, payload={}), Delete("monitor", "k1", "gone", refs, "1", payload={})]
    plan = Plan(changes=list(changes), desired_hash="sha256:d", state_fingerprint="sha256:s")
    lines = [text for _, text in plan_lines(plan, paged)]
    assert lines.count("    who gets paged: @slack-x") == 1
    assert "    who gets paged: @slack-x" not in [text for _, text in plan_lines(plan)]
