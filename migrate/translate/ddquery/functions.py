"""The Datadog formula functions a query tree may call, with the kinds of their arguments.

A `Call` to a name not declared here is an error when it is built, so a translator can never pass an
unknown function through. Translators' tables (PromQL's `promql/tables`, later NRQL's) map their own
names onto this vocabulary. Sources: docs dashboards/functions/* (arithmetic, algorithms, count, rate,
rollup, smoothing, timeshift, exclusion, interpolation, rank) and monitors/types/{anomaly,outlier,forecasts}.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    SERIES = "series"  # any expression: a query, a formula, a number
    NUMBER = "number"  # a literal number
    STRING = "string"  # a quoted literal: 'avg', 'linear', '6h'


S, N, T = Kind.SERIES, Kind.NUMBER, Kind.STRING


@dataclass(frozen=True, slots=True)
class Signature:
    args: tuple[Kind, ...]
    required: int  # the trailing args past this many are optional
    keywords: dict[str, Kind] = field(default_factory=dict)


def _sig(*args: Kind, required: int | None = None, keywords: dict[str, Kind] | None = None) -> Signature:
    return Signature(args, len(args) if required is None else required, keywords or {})


_UNARY = (
    # arithmetic
    "abs", "log2", "log10", "cumsum", "integral",
    # rate
    "per_second", "per_minute", "per_hour", "dt", "diff", "monotonic_diff", "derivative",
    # count / interpolation
    "count_nonzero", "count_not_null", "default_zero",
    # timeshift shorthands
    "hour_before", "day_before", "week_before", "month_before",
    # smoothing
    "ewma_3", "ewma_5", "ewma_10", "ewma_20", "median_3", "median_5", "median_7", "median_9",
    # regression
    "trend_line", "piecewise_constant", "robust_trend",
)  # fmt: skip

_ANOMALY_KEYWORDS = {
    "direction": T,
    "alert_window": T,
    "interval": N,
    "count_default_zero": T,
    "seasonality": T,
    "timezone": T,
}

FUNCTIONS: dict[str, Signature] = {
    **{name: _sig(S) for name in _UNARY},
    "pow": _sig(S, S),
    "clamp_min": _sig(S, N),
    "clamp_max": _sig(S, N),
    "cutoff_min": _sig(S, N),
    "cutoff_max": _sig(S, N),
    "timeshift": _sig(S, N),
    "moving_rollup": _sig(S, N, T, required=2),
    # top(query, limit, 'max'|'mean'|'min'|'sum'|'last'|'l2norm'|'area', 'asc'|'desc')
    "top": _sig(S, N, T, T),
    "anomalies": _sig(S, T, N, keywords=_ANOMALY_KEYWORDS),
    # outliers(query, 'dbscan'|'mad'|'scaleddbscan'|'scaledmad', tolerance[, pct])
    "outliers": _sig(S, T, N, N, required=3),
    # forecast(query, 'linear'|'seasonal', deviations, interval=, history=, model=, seasonality=, timezone=)
    "forecast": _sig(S, T, N, keywords={"interval": N, "history": T, "model": T, "seasonality": T, "timezone": T}),
}


def signature(name: str) -> Signature:
    """The declared signature, or ValueError naming the function (an undeclared function is a bug)."""
    sig = FUNCTIONS.get(name)
    if sig is None:
        raise ValueError(f"`{name}` is not a declared Datadog formula function (ddquery/functions.py)")
    return sig
