"""Uptime and transaction checks → Datadog synthetic tests, driven by the case table tests/cases/checks.yaml
(Pingdom uptime and transaction checks, New Relic synthetic monitors, blackbox-exporter probe jobs)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.check_cases import problems_of, run_case
from tests.support.payload_paths import MISSING, at, fill

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "cases" / "checks.yaml").read_text("utf-8")
)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['source']}: {c['name']}")
def test_check_case(case: dict[str, Any]) -> None:
    result = run_case(case)
    entry = result.entry
    assert entry.outcome.value == case["fidelity"], [f.message for f in entry.findings]
    assert Counter(f.code for f in entry.findings) == Counter(case.get("findings", [])), [
        f"{f.code}: {f.message}" for f in entry.findings
    ]
    assert len(result.resources) == case.get("tests", 1)
    assert entry.targets == [r.key for r in result.resources]
    for resource in result.resources:
        assert problems_of(resource.type, resource.payload) == [], resource.payload
    key = result.resources[0].key if result.resources else ""
    payloads = [r.payload for r in result.resources]
    for path, expected in case.get("expect", {}).items():
        assert at(payloads, str(path)) == fill(expected, key), path
    for path in case.get("absent", []):
        assert at(payloads, str(path)) is MISSING, path
    if "replaced" in case:  # alerting rules the job's tests replace are ledgered against them
        replaced = [
            e.ref.name
            for e in result.ledger
            if any(f.code == "prometheus.replaced_by_synthetic_test" for f in e.findings)
        ]
        assert sorted(replaced) == sorted(case["replaced"])
    for text in case.get("reason_has", []):
        assert text in (entry.reason or ""), entry.reason


def test_the_table_covers_every_source_and_has_sixty_rows() -> None:
    per_source = Counter(c["source"] for c in CASES)
    assert set(per_source) == {"pingdom", "newrelic", "blackbox"}
    assert sum(per_source.values()) >= 60
