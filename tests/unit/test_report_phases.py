"""`report --phases FILE`: each service's phase in report.json and the printed summary, and what no phase
selects (`apply --phase` can never reach it), by the same `Phases.assign` as apply."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from migrate import cli
from migrate.commands.report import report
from migrate.ledger import Ledger
from migrate.model import DesiredResource
from migrate.report import summary_lines
from migrate.translate.store import Translation, write_translation
from tests.unit.test_plan import desired_monitor

PHASES = """\
phases:
  - name: checkout
    select: [{source: newrelic, service: checkout}]
  - name: checkout-dashboards
    select: [{type: dashboard}]
"""


def monitor(name: str, services: list[str], source: str = "newrelic") -> DesiredResource:
    res = desired_monitor(name, source=source)
    res.payload["tags"] += [f"service:{s}" for s in services]
    if services:
        res.metadata["services"] = services
    return res


def dashboard(name: str, services: list[str]) -> DesiredResource:
    base = desired_monitor(name, source="newrelic")
    return DesiredResource("dashboard", "d-" + base.key, {"title": name}, base.source_refs, {"services": services})


@pytest.fixture
def translation(tmp_path: Path) -> Path:
    ledger = Ledger()
    made = [
        monitor("checkout errors", ["checkout"]),
        dashboard("checkout (APM)", ["checkout"]),
        monitor("search errors", ["search"]),
        monitor("search latency", ["search"]),
        monitor("no service", []),
    ]
    made[1].metadata["services"] = ["checkout", "search"]  # a dashboard of two services
    for res in made:
        ledger.record(res.source_refs[0], [], targets=[res])
    out = tmp_path / "translation"
    write_translation(out, Translation(made, ledger, {}))
    (tmp_path / "phases.yaml").write_text(PHASES)
    return out


def test_each_service_names_its_phases_and_the_unphased_are_listed(
    translation: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["report", "--translation", str(translation), "--phases", str(tmp_path / "phases.yaml")]
    assert cli.main([*argv, "--out", str(tmp_path / "r")]) == 0
    printed = capsys.readouterr().out
    assert f"Phases ({tmp_path / 'phases.yaml'}): 2 phases; 2 of 5 resources in a phase" in printed
    assert "  newrelic service checkout: phase checkout (dashboard 1, monitor 1)" in printed
    # the two-service dashboard went to checkout (first phase in run order); search's monitors to none
    assert "  newrelic service search: phase checkout (1), NOT IN ANY PHASE (2) (dashboard 1, monitor 2)" in printed
    assert "  other phases (resources): checkout-dashboards 0" in printed
    assert "  not in any phase: 3 resource(s); `apply --phase` cannot reach them:" in printed
    for name in ("search errors", "search latency", "no service"):
        assert f'    monitor "{name}" from newrelic/' in printed
    data = json.loads((tmp_path / "r" / "report.json").read_text())
    schema: dict[str, Any] = json.loads(resources.files("migrate.report").joinpath("report.schema.json").read_text())
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    assert sorted(u["name"] for u in data["phases"]["unphased"]) == ["no service", "search errors", "search latency"]
    assert [p["resources"] for p in data["phases"]["phases"]] == [2, 0]
    markdown = (tmp_path / "r" / "report.md").read_text()
    assert "| newrelic | `search` | checkout 1, (no phase) 2 | dashboard 1, monitor 2 |" in markdown
    assert "### Not in any phase (3)" in markdown
    page = (tmp_path / "r" / "report.html").read_text()
    assert '<section id="phases">' in page and '<b data-figure="unphased">3</b> of 5 resources' in page


def test_without_phases_there_is_no_phase_section(translation: Path, tmp_path: Path) -> None:
    result = report(translation_dir=translation, out=tmp_path / "r")
    assert result.data["phases"] is None
    assert not any(line.startswith("Phases") for line in summary_lines(result.data))
    assert "## Phases" not in result.markdown_path.read_text()
    assert "No phases file given" in result.html_path.read_text()
