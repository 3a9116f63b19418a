"""compare.py, condition.py, alerts.py and ledger.py on hand-made answers (no servers)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from migrate.parity.alerts import monitor_states, window_seconds
from migrate.parity.compare import Tolerance, compare
from migrate.parity.condition import Condition, compare_firing
from migrate.parity.fetch import Answer, Series
from migrate.parity.ledger import record_in_ledger

LABELS: dict[str, str | None] = {"instance": "endpoint", "job": None}
WINDOW = (600, 900)  # Datadog buckets at 600, 660, 720, 780, 840


def dd(points: dict[int, float], step: int = 60, **tags: str) -> Answer:
    return Answer([Series(dict(tags), points)], step)


def prom(points: dict[int, float], **labels: str) -> Answer:
    return Answer([Series(dict(labels), points)], 60)


def test_the_datadog_bucket_at_t_is_compared_with_prometheus_at_t_plus_its_interval() -> None:
    datadog = dd({t: float(t) for t in range(600, 900, 60)})
    shifted = prom({t + 60: float(t) for t in range(600, 900, 60)}, job="api")  # job maps to nothing
    result = compare(shifted, datadog, WINDOW, LABELS, Tolerance())
    assert result.verdict == "agrees" and result.coverage == 1.0 and result.series[0].both == 5
    same_time = compare(prom({t: float(t) for t in range(600, 960, 60)}), datadog, WINDOW, LABELS, Tolerance())
    assert same_time.verdict == "differs" and same_time.series[0].first_difference == 600


def test_hourly_rollups_align_on_their_own_interval() -> None:
    datadog = dd({3600: 10.0}, step=3600)
    result = compare(prom({7200: 10.0, 3660: 99.0}), datadog, (3600, 7200), LABELS, Tolerance())
    assert result.verdict == "agrees" and result.step_seconds == 3600


def test_series_are_matched_through_the_label_map_and_tag_normalisation() -> None:
    datadog = Answer([Series({"endpoint": "http://10.0.0.1:9100/metrics", "path": "/hello_world"}, {600: 1.0})], 60)
    source = prom({660: 1.0}, instance="10.0.0.1:9100", path="/Hello World")
    assert compare(source, datadog, WINDOW, LABELS, Tolerance()).coverage == 1.0
    other = prom({660: 1.0}, instance="10.0.0.2:9100", path="/Hello World")
    result = compare(other, datadog, WINDOW, LABELS, Tolerance())
    assert result.verdict == "differs" and result.coverage == 0.0 and "only in" in result.detail


def test_tolerances_missing_points_and_no_data() -> None:
    datadog = dd({600: 100.0, 660: 100.0, 720: 100.0})
    close = prom({660: 100.5, 720: 100.0, 780: 100.0})
    assert compare(close, datadog, WINDOW, LABELS, Tolerance(relative=0.01)).verdict == "agrees"
    assert compare(close, datadog, WINDOW, LABELS, Tolerance(relative=0.001)).verdict == "differs"
    gappy = prom({660: 100.0, 720: 100.0})
    assert compare(gappy, datadog, WINDOW, LABELS, Tolerance()).verdict == "differs"
    assert compare(gappy, datadog, WINDOW, LABELS, Tolerance(missing=0.5)).verdict == "agrees"
    empty = compare(prom({}), datadog, WINDOW, LABELS, Tolerance())
    assert empty.verdict == "no_data" and "Prometheus" in empty.detail


def test_firing_steps_count_each_side() -> None:
    values = {t: float(t) for t in range(600, 900, 60)}  # 600 .. 840
    source = prom({t + 60: v for t, v in values.items()})
    firing = compare_firing(
        source,
        prom_condition=Condition(">", 700),
        datadog=dd(values),
        dd_condition=Condition(">", 800),
        window=WINDOW,
        label_tags=LABELS,
    )
    assert (firing.both, firing.only_prometheus, firing.only_datadog, firing.neither) == (1, 2, 0, 2)
    assert firing.first_disagreement == 720 and not firing.agrees


def test_a_monitor_aggregates_its_window() -> None:
    answer = dd({600: 1.0, 660: 5.0, 720: 1.0})
    assert window_seconds("last_2m") == 120 and window_seconds("last_1h") == 3600
    states = monitor_states(answer, "max", 120, range(720, 840, 60), Condition(">", 4))
    assert states == {"*": {720, 780}}  # buckets ending in (T - 120, T]: 660 (ends 720) then 660, 720
    assert monitor_states(answer, "min", 120, range(720, 840, 60), Condition(">", 4)) == {"*": set()}


def test_the_ledger_gets_each_entrys_worst_verdict(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.json"
    entries = [{"key": "grafana/panel/d/1", "outcome": "exact"}, {"key": "prometheus/alerting_rule/r#2"}]
    ledger.write_text(json.dumps({"entries": entries}), encoding="utf-8")
    sketch = {"source": [[600.0, 1.0]], "datadog": [[600.0, 2.0]]}
    evidence: dict[str, dict[str, Any]] = {
        "grafana/panel/d/1": {"verdict": "agrees", "ledger_key": "grafana/panel/d/1", "detail": ""},
        "grafana/panel/d/1#B": {
            "verdict": "differs",
            "ledger_key": "grafana/panel/d/1",
            "detail": "x",
            "sketch": sketch,
        },
        "prometheus/alerting_rule/r#2": {"verdict": "no_data", "ledger_key": "prometheus/alerting_rule/r#2"},
    }
    assert record_in_ledger(ledger, evidence, datetime(2026, 1, 1, tzinfo=UTC)) == 2
    written = {e["key"]: e["evidence"]["parity"] for e in json.loads(ledger.read_text(encoding="utf-8"))["entries"]}
    assert written["grafana/panel/d/1"]["verdict"] == "differs" and written["grafana/panel/d/1"]["series"] == sketch
    assert written["prometheus/alerting_rule/r#2"] == {"verdict": "no_data", "at": "2026-01-01T00:00:00+00:00"}
