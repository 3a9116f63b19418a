"""NRQL → Datadog as data: which NRQL functions are aggregations a family builds, which wrap one, and why the
rest have no Datadog equivalent (each a manual finding with that reason; nothing is passed through)."""

from __future__ import annotations

# Aggregations of one attribute (or `*`) that every family knows how to build (nrql/family.Agg.fn).
AGGREGATIONS = frozenset(
    {"average", "sum", "min", "max", "count", "latest", "median", "percentile", "uniquecount", "apdex"}
)
# Functions over an aggregation: filter(agg, WHERE c), percentage(agg, WHERE c), rate(agg, unit).
WRAPPERS = frozenset({"filter", "percentage", "rate"})

# name (lower case) -> why Datadog cannot express it
UNSUPPORTED = {
    "bytecountestimate": "bytecountestimate() measures New Relic's own ingest volume; Datadog's usage metrics "
    "(datadog.estimated_usage.*) count other units",
    "funnel": "funnel() follows sessions through ordered steps; Datadog's funnel analysis (RUM) is built in its UI",
    "histogram": "histogram() buckets values in the query; Datadog's distribution widget buckets a query's values",
    "eventtype": "eventType() tells event types apart; each Datadog query reads one kind of data",
    "keyset": "keyset() lists attribute names; Datadog queries return values only",
    "uniques": "uniques() lists distinct values; Datadog queries return numbers (a top list groups by the tag)",
    "capture": "capture() extracts with a regular expression at query time; Datadog extracts at intake "
    "(a log pipeline Grok parser), so the attribute must exist first",
    "aparse": "aparse() extracts at query time; Datadog extracts at intake (a log pipeline parser)",
    "if": "if() chooses a value per event or group; Datadog formulas have no conditional",
    "earliest": "earliest(): Datadog queries have no first-value aggregation",
    "stddev": "stddev(): Datadog has no standard deviation aggregation",
    "cardinality": "cardinality() counts a dimensional metric's series; Datadog shows it in Metrics Summary only",
    "derivative": "derivative() over the time window: Datadog's derivative() works point to point",
    "predictlinear": "predictLinear(): Datadog forecasts in forecast monitors, not in queries",
    "cdfpercentage": "cdfPercentage(): Datadog has no cumulative-distribution aggregation",
    "bucketpercentile": "bucketPercentile() over Prometheus buckets: Datadog computes percentiles from "
    "distributions (histogram_buckets_as_distributions)",
    "buckets": "buckets() groups by value ranges; Datadog groups by tag values",
    "numeric": "numeric() casts an attribute at query time; Datadog needs the attribute stored as a measure",
    "concat": "concat() builds a value at query time; Datadog groups by stored tags",
    "dateof": "dateOf() groups by calendar date; Datadog groups by tags, time is the x axis",
    "hourof": "hourOf() groups by hour of day; Datadog groups by tags, time is the x axis",
    "weekdayof": "weekdayOf() groups by weekday; Datadog groups by tags",
    "minuteof": "minuteOf() groups by minute; Datadog groups by tags",
    "dayofmonthof": "dayOfMonthOf() groups by calendar day; Datadog groups by tags",
    "monthof": "monthOf() groups by month; Datadog groups by tags",
    "yearof": "yearOf() groups by year; Datadog groups by tags",
    "lookup": "lookup() joins a lookup table at query time; Datadog joins at intake (reference tables)",
    "round": "round(): Datadog formulas have no rounding",
    "floor": "floor(): Datadog formulas have no rounding",
    "ceil": "ceil(): Datadog formulas have no rounding",
}
