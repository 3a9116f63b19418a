"""Read everything a report or the decommission gate looks at, from the paths the operator gives."""

from __future__ import annotations

import time
from pathlib import Path

from migrate.acceptance import Acceptances, default_path
from migrate.report import Inputs, secrets
from migrate.report import phases as phases_section
from migrate.report.cardinality import load as load_cardinality
from migrate.report.evidence import Evidence, app_base, read_journal, read_parity, unaccounted
from migrate.report.gate import Hints
from migrate.runner.phases import load_phases
from migrate.runner.plan import read_plan
from migrate.translate.store import Translation, read_translation


def gather(
    *,
    translation_dir: Path,
    workdir: Path = Path(),
    acceptances_path: Path | None = None,
    phases_file: Path | None = None,
    plan_path: Path | None = None,
    cardinality_path: Path | None = None,
    secrets_path: Path | None = None,
    out_dir: Path | None = None,
) -> tuple[Translation, Inputs]:
    translation = read_translation(translation_dir)
    evidence = Evidence(parity=read_parity(translation_dir / "ledger.json"))
    read_journal(workdir, evidence)
    phase_of: dict[str, str] = {}
    phases = None
    if phases_file is not None:
        loaded = load_phases(phases_file)
        for name, members in loaded.assign(translation.resources).items():
            phase_of.update({r.key: name for r in members})
        phases = phases_section.section(loaded, phases_file, translation.resources)
    inventories = tuple(
        str(i["path"]) for i in translation.meta.get("inventories") or [] if isinstance(i, dict) and i.get("path")
    )
    hints = Hints(translation_dir, workdir, phases_file, phase_of, inventories)
    inputs = Inputs(
        plan=read_plan(plan_path) if plan_path is not None else None,
        plan_path=plan_path,
        out_dir=out_dir,
        cardinality=load_cardinality(cardinality_path) if cardinality_path is not None else None,
        evidence=evidence,
        acceptances=Acceptances.load(acceptances_path or default_path(workdir)),
        hints=hints,
        phases=phases,
        not_translated=unaccounted(translation),
        secrets=secrets.section(secrets_path, translation.resources),
        app_base=app_base(),
        generated_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    return translation, inputs
