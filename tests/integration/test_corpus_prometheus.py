"""Every Prometheus rule file in tests/corpus/prometheus, through the real collector, PromQL translator and
payload validation: no crash, every payload valid, the ledger complete, the outcome counts measured.

Run with `-s` to see the counts; the README quotes them.
"""

from __future__ import annotations

import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
import yaml

from migrate.datadog.validate import validate_payload
from migrate.mappings import load_mappings
from migrate.model import Outcome
from migrate.sources.prometheus import collect_files
from migrate.translate.prometheus.placeholder import MANUAL_TAG
from migrate.translate.run import run_translators
from migrate.translate.store import Translation

CORPUS = Path(__file__).parents[1] / "corpus" / "prometheus"
PROJECTS = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


@cache
def count_rules(directory: Path) -> Counter[str]:
    """Rules counted straight from the YAML, independently of the collector (libyaml: 0.6 s less per run)."""
    counts: Counter[str] = Counter()
    for path in sorted(directory.rglob("*.y*ml")):
        for doc in yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader):
            groups = (doc or {}).get("groups") or ((doc or {}).get("spec") or {}).get("groups") or []
            for group in groups:
                for rule in group.get("rules") or []:
                    counts["alerting_rule" if "alert" in rule else "recording_rule"] += 1
    return counts


@cache
def translated(project: str) -> Translation:
    inventory = collect_files([CORPUS / project])
    return run_translators([inventory], load_mappings())


@pytest.mark.parametrize("project", PROJECTS)
def test_corpus_translates_completely(project: str) -> None:
    translation = translated(project)
    ledger = translation.ledger
    by_kind = Counter(e.ref.kind for e in ledger)
    assert by_kind == count_rules(CORPUS / project), "one ledger entry per alerting and recording rule"
    codes = Counter(f.code for e in ledger for f in e.findings)
    assert codes["internal.translator_error"] == 0, [e.reason for e in ledger if e.reason and "Error" in e.reason]
    assert codes["datadog.payload_invalid"] == 0
    resources = {r.key: r for r in translation.resources}
    for r in translation.resources:
        assert validate_payload(r.type, r.payload) == [], r.key
    for entry in ledger:
        assert all(t in resources for t in entry.targets)
        if entry.ref.kind != "alerting_rule":
            continue
        if entry.outcome is Outcome.SKIPPED:
            assert (entry.reason or "").startswith("duplicate of ")
            continue
        # every migrated alert is visible in Datadog, translated or as a placeholder: one monitor, or a composite
        # (named first) and its parts
        target, *parts = entry.targets
        if parts:
            assert resources[target].payload["type"] == "composite"
            assert resources[target].metadata["parts"] == parts
        placeholder = MANUAL_TAG in resources[target].payload["tags"]
        assert placeholder is (entry.outcome is Outcome.MANUAL)
        if placeholder:
            assert resources[target].payload["options"]["silenced"] == {"*": None}
            assert entry.original and entry.original in resources[target].payload["message"]


def test_corpus_counts(capsys: pytest.CaptureFixture[str]) -> None:
    total: Counter[str] = Counter()
    lines = []
    for project in PROJECTS:
        summary = translated(project).ledger.summary()
        alerts = summary["by_kind"].get("prometheus/alerting_rule", {})
        records = summary["by_kind"].get("prometheus/recording_rule", {})
        monitors = len(translated(project).resources)
        moving = sum("moving_rollup(" in r.payload["query"] for r in translated(project).resources)
        not_kept = sum(any(f.code == "alert.range_window" for f in e.findings) for e in translated(project).ledger)
        lines.append(
            f"{project}: alerts {dict(sorted(alerts.items()))}, recording {dict(sorted(records.items()))}, "
            f"monitors {monitors} (range kept by moving_rollup: {moving}; alert.range_window: {not_kept})"
        )
        total.update({"monitors.moving_rollup": moving, "alert.range_window": not_kept})
        total.update({f"alert.{k}": v for k, v in alerts.items()})
        total.update({f"record.{k}": v for k, v in records.items()})
        total["monitors"] += monitors
    with capsys.disabled():
        sys.stdout.write("\n" + "\n".join(lines) + f"\nTOTAL {dict(sorted(total.items()))}\n")
    assert total["alert.exact"] + total["alert.approximate"] + total["alert.manual"] > 0
    outcomes = ("alert.exact", "alert.approximate", "alert.manual", "alert.skipped")
    assert sum(total[k] for k in outcomes) == sum(count_rules(CORPUS / p)["alerting_rule"] for p in PROJECTS)
