"""The packaged mapping rules name no company: a newcomer's rules must not become `techcorp.*` monitors
paging TechCorp. Without a namespace or routing, translate says so once (ledger and terminal) and takes the
Agent's own default (the OpenMetrics check's scraper reads `namespace` as "" when absent: no prefix)."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.cli import main
from migrate.inventory.store import write_inventory
from migrate.mappings import load_mappings
from tests.support.sample_mappings import SAMPLE_MAPPINGS, sample_mappings
from tests.unit.test_alerts import rule_objects

RULES: list[dict[str, Any]] = [
    {"alert": "ApiErrors", "expr": "sum(rate(http_requests_total{code=~'5..'}[5m])) > 1", "for": "5m"},
    {"alert": "ApiDown", "expr": "sum(rate(http_requests_total[5m])) < 1", "labels": {"severity": "critical"}},
]
# What the sample company's layer decides and no package default may carry.
COMPANY = re.compile(r"techcorp|@pagerduty|@slack|payment|billing", re.IGNORECASE)


def test_packaged_defaults_carry_no_company_names_or_handles() -> None:
    shipped = resources.files("migrate").joinpath("data", "mappings")
    for path in shipped.iterdir():
        if path.name.endswith(".yaml"):  # the rules themselves; comments may show examples
            rules = json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")))
            assert not COMPANY.search(rules), (path.name, COMPANY.search(rules))
    m = load_mappings()
    assert m.namespace == "" and not m.namespace_set
    assert m.routing == [] and m.metric_types == {}


def test_sample_company_layer_keeps_techcorp_for_the_demo() -> None:
    m = sample_mappings()
    assert m.namespace == "techcorp" and m.namespace_set
    assert any("@pagerduty-payments-oncall" in r["notify"] for r in m.routing)
    assert m.files[-1].startswith(str(SAMPLE_MAPPINGS))


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    out = tmp_path / "inv"
    write_inventory(out, source="prometheus", origin="rules/", objects=rule_objects(RULES))
    return out


def _ledger(out: Path) -> list[dict[str, object]]:
    return list(json.loads((out / "ledger.json").read_text())["entries"])


def test_translate_without_namespace_or_routing_says_so_once(
    inventory: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["translate", "--inventory", str(inventory), "--out", str(tmp_path / "t")]) == 0
    out = capsys.readouterr().out
    notes = [line for line in out.splitlines() if "mappings.no_" in line]
    assert len(notes) == 2, out  # one line each, not one per monitor
    assert any("namespace" in n and "2 " in n for n in notes) and any("routing" in n and "2 " in n for n in notes)
    entries = _ledger(tmp_path / "t")
    codes = [[f["code"] for f in e["findings"]] for e in entries]  # type: ignore[attr-defined]
    assert all("mappings.no_namespace" in c and "mappings.no_routing" in c for c in codes), codes
    # informational: the outcome stays what the query translation decided
    notes_outcomes = {f["outcome"] for e in entries for f in e["findings"] if f["code"].startswith("mappings.")}  # type: ignore[attr-defined]
    assert notes_outcomes == {"exact"}
    desired = json.loads((tmp_path / "t" / "desired.json").read_text())["resources"]
    queries = [r["payload"]["query"] for r in desired]
    # the Agent's own default: no namespace, so the check submits `http_requests.count` unprefixed
    assert all("sum:http_requests.count{" in q for q in queries), queries
    assert not any("@" in r["payload"]["message"].split("\n\n")[0] for r in desired)


def test_translate_with_namespace_and_routing_has_no_notice(
    inventory: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layer = tmp_path / "m"
    layer.mkdir()
    (layer / "org.yaml").write_text("prometheus:\n  namespace: acme\nrouting:\n  - notify: ['@slack-acme-ops']\n")
    argv = ["translate", "--inventory", str(inventory), "--out", str(tmp_path / "t"), "--mappings", str(layer)]
    assert main(argv) == 0
    assert "mappings.no_" not in capsys.readouterr().out
    assert not any(f["code"].startswith("mappings.") for e in _ledger(tmp_path / "t") for f in e["findings"])  # type: ignore[attr-defined]
    desired = json.loads((tmp_path / "t" / "desired.json").read_text())["resources"]
    assert all("acme.http_requests.count" in r["payload"]["query"] for r in desired)
    assert all("@slack-acme-ops" in r["payload"]["message"] for r in desired)


def test_an_explicit_empty_namespace_is_a_choice_not_a_gap(inventory: Path, tmp_path: Path) -> None:
    layer = tmp_path / "m"
    layer.mkdir()
    (layer / "org.yaml").write_text("prometheus:\n  namespace: ''\n")
    argv = ["translate", "--inventory", str(inventory), "--out", str(tmp_path / "t"), "--mappings", str(layer)]
    assert main(argv) == 0
    codes = {f["code"] for e in _ledger(tmp_path / "t") for f in e["findings"]}  # type: ignore[attr-defined]
    assert "mappings.no_namespace" not in codes and "mappings.no_routing" in codes
