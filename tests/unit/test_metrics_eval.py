"""The local metrics query: the Datadog semantics metrics_eval.py documents, on small hand-made series, and the
Agent emulation (agent.py) that fills it."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from migrate.testing.agent import submit
from migrate.testing.ddserver import DatadogTestServer
from migrate.testing.generated import Stream
from migrate.testing.metrics_db import MetricsDb
from migrate.testing.metrics_eval import EvalError, Window, evaluate
from migrate.translate.ddquery import parse_expression

T = 6000  # a multiple of 60, 300 and 3600 / 60... any aligned start


def db_with(*series: tuple[str, str, dict[str, str], list[tuple[int, float]]]) -> MetricsDb:
    db = MetricsDb()
    for metric, kind, tags, points in series:
        for t, v in points:
            db.add(metric, kind, tags, t, v)
    return db


def values(text: str, db: MetricsDb, start: int = T, end: int = T + 180, interval: int = 60) -> dict[str, list[float]]:
    frame = evaluate(parse_expression(text), db, Window(start, end, interval))
    return {",".join(g) or "*": [p[t] for t in sorted(p)] for g, p in frame.series.items()}


COUNTS = db_with(
    ("c", "count", {"code": "200"}, [(T + 5, 30.0), (T + 35, 30.0), (T + 65, 60.0), (T + 125, 6.0)]),
    ("c", "count", {"code": "500"}, [(T + 5, 3.0), (T + 65, 3.0)]),
)


def test_counts_sum_per_bucket_and_as_rate_divides_by_its_seconds() -> None:
    assert values("sum:c{*}", COUNTS) == {"*": [63.0, 63.0, 6.0]}
    assert values("sum:c{*}.as_rate()", COUNTS) == {"*": [63 / 60, 63 / 60, 0.1]}
    assert values("sum:c{*} by {code}.as_count()", COUNTS) == {"code:200": [60.0, 60.0, 6.0], "code:500": [3.0, 3.0]}


def test_rollup_buckets_align_to_the_epoch_and_a_finer_rollup_is_ignored() -> None:
    frame = evaluate(parse_expression("sum:c{*}.rollup(sum, 120)"), COUNTS, Window(T + 60, T + 300, 60))
    assert frame.interval == 120 and frame.series[()] == {T: 126.0, T + 120: 6.0}  # T + 60 floors to T
    assert values("sum:c{*}.rollup(sum, 30)", COUNTS) == values("sum:c{*}", COUNTS)


def test_time_then_space_aggregation_for_gauges() -> None:
    db = db_with(
        ("g", "gauge", {"pod": "a"}, [(T, 1.0), (T + 30, 3.0)]),  # bucket avg 2
        ("g", "gauge", {"pod": "b"}, [(T, 10.0)]),
    )
    assert values("avg:g{*}", db) == {"*": [6.0]}  # (2 + 10) / 2, not (1 + 3 + 10) / 3
    assert values("max:g{*} by {pod}", db) == {"pod:a": [2.0], "pod:b": [10.0]}
    assert values("sum:g{*}.rollup(max)", db) == {"*": [13.0]}


def test_scope_filters() -> None:
    db = db_with(*[("g", "gauge", {"code": code}, [(T, float(i))]) for i, code in enumerate(("200", "500", "502"))])
    db.add("g", "gauge", {}, T, 100.0)
    assert values("sum:g{code:5*}", db) == {"*": [3.0]}
    assert values("sum:g{!code:500}", db) == {"*": [102.0]}  # a series without the tag is not excluded
    assert values("sum:g{code NOT IN (500,502)}", db) == {"*": [100.0]}
    assert values("sum:g{!code:*}", db) == {"*": [100.0]}
    assert values("sum:g{(code:2* OR code:502)}", db) == {"*": [2.0]}
    assert values("sum:g{*} by {code}", db)["code:N/A"] == [100.0]


def test_arithmetic_matches_groups_and_broadcasts_an_ungrouped_side() -> None:
    assert values("sum:c{*} by {code} / sum:c{*}", COUNTS) == {
        "code:200": [60 / 63, 60 / 63, 1.0],
        "code:500": [3 / 63, 3 / 63],
    }
    assert values("100 * sum:c{code:500}", COUNTS) == {"*": [300.0, 300.0]}
    assert values("sum:c{code:200} / (sum:c{code:200} - 60)", COUNTS) == {"*": [-6 / 54]}  # x / 0 has no point


def test_timeshift_moving_rollup_and_functions() -> None:
    db = db_with(("g", "gauge", {}, [(T + 60 * i, float(i)) for i in range(-60, 10)]))
    assert values("timeshift(avg:g{*}, -3600)", db, T, T + 120) == {"*": [-60.0, -59.0]}
    assert values("hour_before(avg:g{*})", db, T, T + 120) == values("timeshift(avg:g{*}, -3600)", db, T, T + 120)
    assert values("moving_rollup(avg:g{*}, 180, 'max')", db, T, T + 120) == {"*": [0.0, 1.0]}
    assert values("moving_rollup(avg:g{*}, 180)", db, T, T + 60) == {"*": [-1.0]}  # (t - 180, t]: -2, -1, 0
    assert values("clamp_max(abs(avg:g{*} - 5), 3)", db, T, T + 180) == {"*": [3.0, 3.0, 3.0]}
    assert values("per_second(avg:g{*})", db, T, T + 180) == {"*": [1 / 60, 1 / 60]}
    assert values("default_zero(sum:nothing{*})", db, T, T + 120) == {"*": [0.0, 0.0]}


def test_percentiles_read_distributions_only() -> None:
    db = db_with(("d", "distribution", {"s": "a"}, [(T, float(v)) for v in range(1, 101)]))
    assert values("p99:d{*}", db) == {"*": [99.0]}
    assert values("p50:d{*}", db) == {"*": [50.0]}
    with pytest.raises(EvalError, match="distribution"):
        values("p99:c{*}", COUNTS)
    with pytest.raises(EvalError, match="not emulated"):
        values("forecast(sum:c{*}, 'linear', 1)", COUNTS)


def test_agent_emulation_counts_deltas_drops_resets_and_renames_tags() -> None:
    counter = Stream("reqs", "counter", "reqs_total", {"Code": "OK", "instance": "x"}, "10.0.0.1:80")
    counter.points = [(T, 10.0), (T + 15, 16.0), (T + 30, 2.0), (T + 45, 5.0)]
    bucket = Stream("lat", "histogram", "lat_bucket", {"le": "+Inf"}, "10.0.0.1:80", [(T, 1.0), (T + 15, 2.0)])
    db = MetricsDb()
    submit([counter, bucket], db, namespace="ns", renames={"instance": None}, distributions=False)
    (series,) = db.select("ns.reqs.count", ())
    assert series.kind == "count" and series.tags == {"code": "ok", "endpoint": "http://10.0.0.1:80/metrics"}
    assert list(zip(series.times, series.values, strict=True)) == [(T + 15, 6.0), (T + 45, 3.0)]
    assert db.metrics() == ["ns.reqs.count"]  # +Inf bucket skipped


def test_the_server_answers_the_v2_timeseries_shape() -> None:
    with DatadogTestServer() as dd:
        dd.store.points.add("c", "count", {"code": "200"}, T + 5, 60.0)
        body: dict[str, Any] = {
            "data": {
                "type": "timeseries_request",
                "attributes": {
                    "from": T * 1000,
                    "to": (T + 120) * 1000,
                    "interval": 60_000,
                    "queries": [{"data_source": "metrics", "name": "a", "query": "sum:c{*} by {code}.as_rate()"}],
                    "formulas": [{"formula": "a * 2"}],
                },
            }
        }
        headers = {"DD-API-KEY": dd.api_key, "DD-APPLICATION-KEY": dd.app_key}
        resp = requests.post(f"{dd.url}/api/v2/query/timeseries", json=body, headers=headers, timeout=10)
        assert resp.status_code == 200, resp.text
        attributes = resp.json()["data"]["attributes"]
        assert attributes["times"] == [T * 1000]
        assert attributes["series"] == [{"group_tags": ["code:200"], "query_index": 0, "unit": None}]
        assert attributes["values"] == [[2.0]]
        body["data"]["attributes"]["formulas"] = [{"formula": "forecast(a, 'linear', 1)"}]
        bad = requests.post(f"{dd.url}/api/v2/query/timeseries", json=body, headers=headers, timeout=10)
        assert bad.status_code == 400 and "forecast" in bad.text


def test_fill_closes_gaps_up_to_its_limit_per_series_before_space_aggregation() -> None:
    sparse = [(T, 10.0), (T + 180, 40.0), (T + 900, 0.0)]  # a 2-bucket gap, then a 11-bucket one
    db = db_with(
        ("g", "gauge", {"pod": "a"}, sparse), ("g", "gauge", {"pod": "b"}, [(t, 1.0) for t in range(T, T + 960, 60)])
    )

    def pod_a(text: str) -> list[float]:
        return values(text, db, end=T + 960)["pod:a"]

    assert pod_a("avg:g{*} by {pod}") == [10.0, 40.0, 0.0]
    assert pod_a("avg:g{*} by {pod}.fill(zero)") == [10.0, 0.0, 0.0, 40.0, 0.0]  # 660 s missing > 300: kept
    assert pod_a("avg:g{*} by {pod}.fill(last)") == [10.0, 10.0, 10.0, 40.0, 0.0]
    assert pod_a("avg:g{*} by {pod}.fill(linear)") == [10.0, 20.0, 30.0, 40.0, 0.0]
    assert len(pod_a("avg:g{*} by {pod}.fill(zero, 600)")) == 5 and pod_a("avg:g{*} by {pod}.fill(null)") == [10, 40, 0]
    # Filled before space aggregation: pod a's filled buckets count in the average with pod b's.
    assert values("avg:g{*}.fill(zero)", db, end=T + 960)["*"][1] == 0.5
