"""Monitor kinds beyond the metric threshold: `up` → service check (promql/health), increase() → a sum of
.as_count() over the range (prometheus/monitor_query.count_window), and the validator rules Datadog enforces for them
(migrate/datadog/monitor_rules.py through validate_payload)."""

from __future__ import annotations

from typing import Any

import pytest

from migrate.datadog import ownership
from migrate.datadog.validate import validate_payload
from migrate.mappings import Mappings
from migrate.model import SourceRef
from migrate.translate.ddquery import parse_formula, render
from migrate.translate.prometheus.monitor_query import count_window, forecast_window
from migrate.translate.promql.health import MAX_RUNS, translate_up_alert
from migrate.translate.query import QueryContext, QueryResult

MAPPINGS = Mappings(
    data={
        "prometheus": {
            "namespace": "app",
            "label_tags": {"instance": "host", "job": "service"},
            "server_labels": ["job", "instance"],
        }
    }
)


def ctx(*group_by: str) -> QueryContext:
    return QueryContext(MAPPINGS, default_group_by=list(group_by))


# (expr, for seconds, annotation labels) -> (query, critical runs, no-data alert)
UP_CASES: list[tuple[str, float, tuple[str, ...], str, int, bool]] = [
    ('up{job="api"} == 0', 0, (), '"app.openmetrics.health".over("service:api").by("endpoint").last(1)', 1, False),
    ("up < 1", 60, (), '"app.openmetrics.health".over("*").by("endpoint").last(4)', 4, False),
    ("up != 1", 30, ("instance",), '"app.openmetrics.health".over("*").by("endpoint").last(2)', 2, False),
    (
        'up{job!="batch"} <= 0',
        0,
        (),
        '"app.openmetrics.health".over("*").exclude("service:batch").by("endpoint").last(1)',
        1,
        False,
    ),
    ("max by (job) (up) == 0", 0, (), '"app.openmetrics.health".over("*").by("service").last(1)', 1, False),
    ("min by (job) (up) == 0", 0, (), '"app.openmetrics.health".over("*").by("endpoint","service").last(1)', 1, False),
    (
        '(up{job="db", env="Prod"}) == 0',
        0,
        ("pod",),
        '"app.openmetrics.health".over("service:db","env:prod").by("endpoint","pod").last(1)',
        1,
        False,
    ),
    ("min_over_time(up[10m]) == 0", 300, (), '"app.openmetrics.health".over("*").by("endpoint").last(1)', 1, False),
    ("max_over_time(up[2m]) == 0", 0, (), '"app.openmetrics.health".over("*").by("endpoint").last(8)', 8, False),
    ("avg_over_time(up[10m]) < 0.75", 0, (), '"app.openmetrics.health".over("*").by("endpoint").last(11)', 11, False),
    ("avg_over_time(up[10m]) <= 0.75", 0, (), '"app.openmetrics.health".over("*").by("endpoint").last(10)', 10, False),
    ("up == 0", 3600, (), f'"app.openmetrics.health".over("*").by("endpoint").last({MAX_RUNS})', MAX_RUNS, False),
    ('absent(up{job="api"})', 0, (), '"app.openmetrics.health".over("service:api").by("service").last(1)', 1, True),
    (
        'absent_over_time(up{job="api"}[5m])',
        0,
        (),
        '"app.openmetrics.health".over("service:api").by("service").last(1)',
        1,
        True,
    ),
]


@pytest.mark.parametrize("case", UP_CASES, ids=[c[0] for c in UP_CASES])
def test_up_shapes(case: tuple[str, float, tuple[str, ...], str, int, bool]) -> None:
    expr, for_s, labels, query, runs, no_data = case
    check, why = translate_up_alert(expr, ctx(*labels), for_s)
    assert check is not None, why
    assert (check.query, check.failures, check.no_data) == (query + ".count_by_status()", runs, no_data)
    assert check.thresholds == {"critical": float(runs), "ok": 1.0}
    assert check.findings, "every service check translation says how it differs from `up`"


UNSUPPORTED = [
    ('up{job=~"api|web"} == 0', "exact tags"),
    ('up{instance="10.0.0.1:9100"} == 0', "full scrape URL"),
    ("up == 1", "does not mean the targets are down"),
    ("up < 0", "does not mean the targets are down"),
    ("sum(up) < 3", "does not mean the targets are down"),
    ("sum(up) == 0", "no group"),
    ("count(up == 0) > 0", "cannot evaluate"),
    ("avg_over_time(up[5m]) > 0.9", "not a share of failed scrapes"),
    ("sum without (instance) (up) == 0", "without"),
    ("up offset 5m == 0", "plain"),
    ("up == bool 0", "compare"),
    ("absent(up == 0)", "absent() of an expression"),
]


@pytest.mark.parametrize(("expr", "reason"), UNSUPPORTED, ids=[c[0] for c in UNSUPPORTED])
def test_up_shapes_without_a_service_check(expr: str, reason: str) -> None:
    check, why = translate_up_alert(expr, ctx(), 300)
    assert check is None and reason in why


def test_job_mapped_to_nothing_cannot_scope_the_check() -> None:
    mappings = Mappings(data={"prometheus": {"label_tags": {"job": None}, "server_labels": ["job", "instance"]}})
    check, why = translate_up_alert('up{job="api"} == 0', QueryContext(mappings))
    assert check is None and "mapped to nothing" in why


def test_unnamespaced_check_name() -> None:
    check, _ = translate_up_alert("up == 0", QueryContext(Mappings(data={"prometheus": {}})))
    assert check is not None and check.query.startswith('"openmetrics.health".over("*")')


# --- increase(): `sum(last_R)` over plain .as_count() queries -----------------------------------------
def result(formula: str, **queries: str) -> QueryResult:
    return QueryResult("expr", formula=parse_formula(formula, queries))


def test_ratio_of_increases_sums_each_query_over_the_range() -> None:
    r = result(
        "a / b * 100",
        a="sum:x.count{code:5*}.as_count().rollup(sum, 3600)",
        b="sum:x.count{*}.as_count().rollup(sum, 3600)",
    )
    counted = count_window(r)
    assert counted is not None
    assert (render(counted[0]), counted[1]) == (
        "sum:x.count{code:5*}.as_count() / sum:x.count{*}.as_count() * 100",
        3600.0,
    )


@pytest.mark.parametrize(
    "r",
    [
        result(
            "a / b", a="sum:x.count{*}.as_count().rollup(sum, 3600)", b="sum:y.count{*}.as_count().rollup(sum, 600)"
        ),
        result("a / b", a="sum:x.count{*}.as_count().rollup(sum, 300)", b="sum:y.count{*}.as_rate()"),
        result("abs(a)", a="sum:x.count{*}.as_count().rollup(sum, 300)"),
        result("a", a="avg:x{*}.rollup(avg, 300)"),
    ],
    ids=["different ranges", "mixed with a rate", "function", "no count"],
)
def test_other_count_shapes_are_not_a_sum_window(r: QueryResult) -> None:
    assert count_window(r) is None


@pytest.mark.parametrize(
    ("seconds", "window", "clamped"),
    [
        (86400, "next_1d", False),
        (4 * 3600, "next_12h", True),
        (36 * 3600, "next_36h", False),
        (14 * 86400, "next_2w", False),
        (365 * 86400, "next_90d", True),
        (12.5 * 3600, "next_13h", True),
    ],
)
def test_forecast_window(seconds: float, window: str, clamped: bool) -> None:
    text, findings = forecast_window(seconds)
    assert text == window
    assert [f.code for f in findings] == (["alert.forecast_window"] if clamped else [])


# --- validator rules ------------------------------------------------------------------------------------
def monitor(kind: str, query: str, **thresholds: float) -> dict[str, Any]:
    refs = [SourceRef("prometheus", "alerting_rule", "r.yml/g/A", "A", "r.yml")]
    key = ownership.resource_key("monitor", refs)
    return {
        "type": kind,
        "name": "A",
        "query": query,
        "message": ownership.footer(key, refs),
        "tags": ownership.ownership_tags(key, refs),
        "options": {"thresholds": thresholds},
    }


SC = '"app.openmetrics.health".over("service:api").by("endpoint").last(3).count_by_status()'


@pytest.mark.parametrize(
    ("query", "thresholds", "problem"),
    [
        (SC, {"critical": 3, "ok": 1}, None),
        (
            '"app.openmetrics.health".over("*").exclude("service:a","env:dev").by("endpoint","service").last(1)'
            ".count_by_status()",
            {"critical": 1},
            None,
        ),
        (SC, {"critical": 4}, "exceed .last(3)"),
        (SC, {"critical": 0.5}, "whole number"),
        (SC, {"ok": 1}, "needs the number of CRITICAL runs"),
        (SC.replace("last(3)", "last(101)"), {"critical": 3}, "out of range"),
        ('"app.openmetrics.health".over().by("endpoint").last(1).count_by_status()', {"critical": 1}, "blank"),
        ('"app.openmetrics.health".over("*").last(1).count_by_status()', {"critical": 1}, "needs its group"),
        ("avg(last_5m):avg:x{*} > 1", {"critical": 1}, "must look like"),
    ],
)
def test_service_check_rules(query: str, thresholds: dict[str, float], problem: str | None) -> None:
    problems = validate_payload("monitor", monitor("service check", query, **thresholds))
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0], problems


FORECAST = "forecast(avg:app.disk_free{*} by {host}, 'linear', 1, interval=300, history='6h', model='simple')"


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("sum(last_1h):sum:x.count{*}.as_count() > 10", None),
        ("min(last_5m):sum:x.count{*}.as_count() > 10", "with `sum` only"),
        ("max(last_5m):sum:x.count{*}.as_count().rollup(sum, 300) / sum:y.count{*}.as_count() > 1", "`sum` only"),
        ("avg(last_5m):cumsum(avg:x{*}) > 10", "cumsum()"),
        ("avg(last_5m):integral(avg:x{*}) > 10", "integral()"),
        (f"min(next_1d):{FORECAST} <= 10", None),
        (f"max(next_2w):{FORECAST} >= 10", None),
        (f"max(next_1d):{FORECAST} <= 10", "uses min()"),
        (f"min(next_1d):{FORECAST} < 10", ">= or <="),
        (f"min(next_4h):{FORECAST} <= 10", "12 hours to 3 months"),
        (f"min(last_1d):{FORECAST} <= 10", "next_#"),
        ("min(next_1d):forecast(avg:x{*}, 'linear', 1) <= 10", "interval="),
        ("min(next_1d):forecast(anomalies(avg:x{*}, 'basic', 2), 'linear', 1, interval=60) <= 10", "anomalies()"),
        ("min(next_1d):forecast(avg:x{*}, 'linear', 0.5, interval=60) <= 10", "≥ 1"),
    ],
)
def test_metric_monitor_function_rules(query: str, problem: str | None) -> None:
    threshold = float(query.rsplit(" ", 1)[1])
    problems = validate_payload("monitor", monitor("query alert", query, critical=threshold))
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0], problems
