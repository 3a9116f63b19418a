"""The sample company's phases.yaml (used by PLAYBOOK.md) loads and puts every demo resource in a phase."""

from pathlib import Path

from migrate import cli
from migrate.runner.phases import load_phases
from migrate.translate.store import read_translation

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "inventories" / "sample"


def test_every_sample_resource_belongs_to_a_phase(tmp_path: Path) -> None:
    for source in ("prometheus", "grafana", "newrelic"):
        argv = ["collect", source, "--from-files", str(SAMPLE / "sources" / source), "--out", str(tmp_path / source)]
        assert cli.main(argv) == 0
    assert (
        cli.main(
            [
                "translate",
                "--inventory",
                str(tmp_path / "prometheus"),
                "--inventory",
                str(tmp_path / "grafana"),
                "--inventory",
                str(tmp_path / "newrelic"),
                "--out",
                str(tmp_path / "translation"),
            ]
        )
        == 0
    )
    phases = load_phases(SAMPLE / "phases.yaml")
    assigned = phases.assign(read_translation(tmp_path / "translation").resources)
    assert assigned[""] == [], "a sample resource is in no phase"
    pilot = assigned["prometheus-payments"]
    assert pilot and all("team:payments" in r.payload.get("tags", []) or r.type == "dashboard" for r in pilot)
    newrelic = assigned["newrelic-legacy-services"]
    assert newrelic and all(r.source_refs[0].source == "newrelic" for r in newrelic)
    assert [p.name for p in phases.ordered] == [
        "newrelic-legacy-services",
        "prometheus-payments",
        "prometheus-billing-notifications",
        "prometheus-platform",
    ]
