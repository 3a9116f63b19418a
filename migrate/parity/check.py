"""One translated query checked on both systems: values over the window, and for a condition when each side
would fire. The verdict is `differs` when either the values or the firing steps disagree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from migrate.errors import ConfigError
from migrate.parity.compare import Parity, Tolerance, compare
from migrate.parity.condition import Condition, Firing, compare_firing, split_condition
from migrate.parity.fetch import Answer, datadog_timeseries, prometheus_range
from migrate.sources.http import HttpClient
from migrate.sources.newrelic.nerdgraph import NerdGraph
from migrate.translate.ddquery import Formula, render


@dataclass(frozen=True)
class Query:
    """What parity asks: the PromQL as written, the Datadog formula (comparison lifted out) and the
    Datadog side's comparison, if the query is a monitor condition."""

    promql: str
    formula: Formula
    condition: Condition | None = None


@dataclass(frozen=True)
class Sides:
    """The clients parity asks. A source side is None when its endpoint is not configured: only the objects
    that need it fail, naming the variable to set."""

    prometheus: HttpClient | None
    datadog: HttpClient
    label_tags: dict[str, str | None]
    newrelic: NerdGraph | None = None
    newrelic_account: int | None = None
    pingdom: HttpClient | None = None

    def source(self, name: str) -> HttpClient:
        client = {"prometheus": self.prometheus, "pingdom": self.pingdom}[name]
        if client is None:
            raise ConfigError(f"{_NEEDS[name]} is not set: the {name} side of parity cannot be asked")
        return client

    def nerdgraph(self) -> tuple[NerdGraph, int]:
        if self.newrelic is None or self.newrelic_account is None:
            raise ConfigError(f"{_NEEDS['newrelic']} are not set: the New Relic side of parity cannot be asked")
        return self.newrelic, self.newrelic_account


_NEEDS = {
    "prometheus": "PROMETHEUS_URL",
    "pingdom": "PINGDOM_API_TOKEN",
    "newrelic": "NEW_RELIC_API_KEY and NEW_RELIC_ACCOUNT_ID",
}


# Prometheus is asked past the window's end so the last Datadog bucket [t, t + I) has its value at t + I.
LOOK_AHEAD = 3600


def check(sides: Sides, query: Query, window: tuple[int, int], step: int, tolerance: Tolerance) -> dict[str, Any]:
    start, end = window
    split = split_condition(query.promql) if query.condition is not None else None
    promql = split[0] if split is not None else query.promql
    prom = prometheus_range(sides.source("prometheus"), promql, start, end + LOOK_AHEAD, step)
    dd = datadog_timeseries(sides.datadog, query.formula, start, end, step)
    if query.condition is not None and split is None:
        # A condition Prometheus cannot split (vector against vector): compare where each side holds.
        dd = _holding(dd, query.condition)
    parity: Parity = compare(prom, dd, window, sides.label_tags, tolerance)
    out = parity.as_json()
    out["promql"], out["datadog"] = promql, render(query.formula.inline())
    if split is not None and query.condition is not None and parity.verdict != "no_data":
        firing: Firing = compare_firing(
            prom,
            prom_condition=split[1],
            datadog=dd,
            dd_condition=query.condition,
            window=window,
            label_tags=sides.label_tags,
        )
        out["firing"] = firing.as_json()
        if not firing.agrees:
            out["verdict"] = "differs"
            out["detail"] = "; ".join(
                filter(None, [out["detail"], f"fires differently from {firing.first_disagreement}"])
            )
    return out


def _holding(answer: Answer, condition: Condition) -> Answer:
    for s in answer.series:
        s.points = {t: v for t, v in s.points.items() if condition.holds(v)}
    return answer
