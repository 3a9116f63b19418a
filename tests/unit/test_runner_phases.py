from pathlib import Path

import pytest

from migrate.errors import ConfigError
from migrate.model import DesiredResource, SourceRef
from migrate.runner.journal import Journal
from migrate.runner.phases import Phase, load_phases, unmet_gates

PHASES = """\
phases:
  - name: prometheus
    select:
      - {source: prometheus, service: billing}
      - {id: "prometheus/alerting_rule/platform/*"}
    mute_until_cutover: true
    gates: {verified: true, cut_over: true, min_parallel_run: 1h}
  - name: rest
    depends_on: [prometheus]
    select:
      - {type: monitor}
"""


def _res(key: str, source: str, rid: str, tags: list[str]) -> DesiredResource:
    return DesiredResource("monitor", key, {"tags": tags}, [SourceRef(source, "alerting_rule", rid, rid)])


def test_selection_first_phase_wins(tmp_path: Path) -> None:
    path = tmp_path / "phases.yaml"
    path.write_text(PHASES)
    phases = load_phases(path)
    a = _res("a", "prometheus", "billing/x", ["service:billing"])
    b = _res("b", "prometheus", "platform/disk", ["service:platform"])
    c = _res("c", "newrelic", "n1", ["service:billing"])
    assigned = phases.assign([a, b, c])
    assert [r.key for r in assigned["prometheus"]] == ["a", "b"]
    assert [r.key for r in assigned["rest"]] == ["c"]
    assert phases.get("prometheus").mute_until_cutover


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("phases:\n  - name: a\n    select: [{colour: red}]\n", "Additional properties", 3),
        ("phases:\n  - name: a\n    select: [{type: monitor}]\n    depends_on: [zz]\n", "unknown phase 'zz'", 2),
        (
            "phases:\n  - name: a\n    select: [{type: monitor}]\n  - name: a\n    select: [{type: monitor}]\n",
            "used twice",
            4,
        ),
        (
            "phases:\n  - name: a\n    select: [{type: monitor}]\n    gates: {min_parallel_run: soon}\n",
            "does not match",
            4,
        ),
    ],
)
def test_bad_phases_name_file_and_line(tmp_path: Path, text: str, message: str, line: int) -> None:
    path = tmp_path / "phases.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as err:
        load_phases(path)
    assert f"phases.yaml:{line}:" in str(err.value)


def test_cycle_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "phases.yaml"
    path.write_text(
        "phases:\n  - {name: a, select: [{type: monitor}], depends_on: [b]}\n"
        "  - {name: b, select: [{type: monitor}], depends_on: [a]}\n"
    )
    with pytest.raises(ConfigError, match="cycle"):
        load_phases(path)


def test_gates_follow_the_ledger(tmp_path: Path) -> None:
    path = tmp_path / "phases.yaml"
    path.write_text(PHASES)
    phases = load_phases(path)
    j = Journal(tmp_path)
    rest = phases.get("rest")
    assert unmet_gates(j, phases, rest) == ["phase 'prometheus' is not applied; apply it first"]
    j.phase_event("prometheus", "applied", run_id="r1")
    applied_at = j.phase_events("prometheus")[-1]["at"]
    problems = unmet_gates(j, phases, rest, now=applied_at + 60)
    assert [p.split(":")[0] for p in problems] == ["gate verified", "gate cut_over", "gate min_parallel_run 1h"]
    j.phase_event("prometheus", "verified", run_id="r2")
    j.phase_event("prometheus", "cut_over", run_id="r3")
    assert unmet_gates(j, phases, rest, now=applied_at + 3601) == []
    j.phase_event("prometheus", "rolled_back", run_id="r4")
    assert unmet_gates(j, phases, rest, now=applied_at + 3601) == ["phase 'prometheus' is rolled_back; apply it first"]


def test_service_selects_by_tag_or_by_metadata_services() -> None:
    """Dashboards have no free-form tags: their services travel in `metadata.services`."""
    phase = Phase("nr", [{"source": "newrelic", "service": "checkout"}])
    ref = SourceRef("newrelic", "dashboard", "g1", "checkout (APM)")
    assert phase.matches(DesiredResource("dashboard", "d", {"title": "x"}, [ref], {"services": ["checkout"]}))
    assert not phase.matches(DesiredResource("dashboard", "d", {"title": "x"}, [ref], {"services": ["search"]}))
    assert not phase.matches(DesiredResource("dashboard", "d", {"title": "x"}, [ref]))
    assert phase.matches(_res("m", "newrelic", "c1", ["service:checkout"]))
    assert not phase.matches(_res("m", "prometheus", "c1", ["service:checkout"])), "every field of a selector"
