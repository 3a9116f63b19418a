"""PromQL → Datadog as data: metric identity, function tables (rows that build query tree nodes from the
declared Datadog vocabulary, ddquery/functions) and regex-matcher reductions.

Metric names follow the Agent's OpenMetrics v2 check (../shared/reference/translation-facts.md §2):
counters lose `_total` and gain `.count`; histograms become `.bucket` (`le` → `upper_bound`), `.sum`,
`.count`, or one distribution; summaries become `.quantile` (`quantile` tag); gauges keep their name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache

from migrate.translate.ddquery import BinOp, Call, Node, Number

# Kinds of a Prometheus series as the Agent ingests it.
COUNTER, GAUGE, BUCKET, HSUM, HCOUNT, SUMMARY = "counter", "gauge", "bucket", "hsum", "hcount", "summary"
COUNT_LIKE = frozenset({COUNTER, BUCKET, HSUM, HCOUNT})  # submitted as monotonic counts
_SUFFIX_KIND = (("_total", COUNTER), ("_bucket", BUCKET), ("_sum", HSUM), ("_count", HCOUNT))
_BAD_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.]")

# Series the Prometheus server makes up itself; no exporter exposes them, so the Agent never sees them.
SERVER_METRICS = {
    "up": "`up` is recorded by the Prometheus server, no metric carries it in Datadog; alert rules of the "
    "shapes in promql/health.py become service check monitors on `<namespace>.openmetrics.health`",
    "scrape_duration_seconds": "recorded by the Prometheus server per scrape; the Agent does not send it",
    "scrape_samples_scraped": "recorded by the Prometheus server per scrape; the Agent does not send it",
    "scrape_samples_post_metric_relabeling": "recorded by the Prometheus server; the Agent does not send it",
    "scrape_series_added": "recorded by the Prometheus server; the Agent does not send it",
    "ALERTS": "Prometheus' own alert state series; Datadog monitors have no metric equivalent",
    "ALERTS_FOR_STATE": "Prometheus' own alert state series; Datadog monitors have no metric equivalent",
}


# The type the Agent's OpenMetrics check is told (bridge mode) for each kind the translator reads.
AGENT_TYPE = {COUNTER: "counter", GAUGE: "gauge", BUCKET: "histogram", HSUM: "histogram", HCOUNT: "histogram"}
AGENT_TYPE[SUMMARY] = "summary"
_PART_SIBLINGS = {"_sum": ("_bucket", "_count", ""), "_count": ("_bucket", "_sum", "")}


def family_part(name: str, reads: Callable[[str], bool]) -> bool:
    """Whether a `_sum`/`_count` name nothing types is a histogram's or summary's part: only when another part of
    its family (`_bucket`, the other of `_sum`/`_count`, a summary's bare name) is read too. A counter
    `x_request_count` or a gauge `db_connections_count` has no such sibling."""
    for suffix, others in _PART_SIBLINGS.items():
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            return bool(base) and any(reads(base + other) for other in others)
    return False


def resolve_kind(
    name: str, *type_maps: dict[str, str], reads: Callable[[str], bool] = frozenset().__contains__
) -> tuple[str, bool]:
    """(kind, known): the first map that knows the series (or its histogram/summary/counter base)
    wins; otherwise `_total` and `_bucket` decide, `_sum`/`_count` only when `reads` says a sibling of their
    family is read (family_part). `known` is False when nothing did (a gauge guess, of its own name)."""
    for types in type_maps:
        if not types:  # most contexts declare no types: skip the suffix checks below
            continue
        declared = types.get(name)
        if declared in ("counter", "gauge"):
            return declared, True
        if declared in ("histogram", "summary"):
            for suffix, kind in _SUFFIX_KIND[1:]:
                if name.endswith(suffix):
                    return kind, True
            return (SUMMARY, True) if declared == "summary" else (GAUGE, True)
        for suffix, kind in _SUFFIX_KIND:
            if name.endswith(suffix):
                base = types.get(name[: -len(suffix)])
                if (kind == COUNTER and base == "counter") or (kind != COUNTER and base in ("histogram", "summary")):
                    return kind, True
    for suffix, kind in _SUFFIX_KIND:
        if name.endswith(suffix) and (kind in (COUNTER, BUCKET) or family_part(name, reads)):
            return kind, True
    return GAUGE, False


@lru_cache(maxsize=4096)  # a pure function of names the corpus repeats across rules (bench/translate.py clears it)
def datadog_metric(name: str, kind: str, namespace: str, *, distribution: bool = False) -> str:
    base = _BAD_NAME_CHARS.sub("_", name)
    for suffix, suffix_kind in _SUFFIX_KIND:
        if kind == suffix_kind and base.endswith(suffix):
            base = base[: -len(suffix)]
    if distribution:
        dd = base
    else:
        dd = base + {COUNTER: ".count", BUCKET: ".bucket", HSUM: ".sum", HCOUNT: ".count", SUMMARY: ".quantile"}.get(
            kind, ""
        )
    return f"{namespace}.{dd}" if namespace else dd


def _keep(v: Node) -> Node:
    return v


# Instant-vector functions with a direct Datadog formula function: name -> (builder, code or "" if exact).
# The builder takes the vector argument's expression, then the scalar arguments.
WRAPPERS: dict[str, tuple[Callable[..., Node], str]] = {
    "abs": (lambda v: Call("abs", v), ""),
    "clamp_min": (lambda v, lo: Call("clamp_min", v, lo), ""),
    "clamp_max": (lambda v, hi: Call("clamp_max", v, hi), ""),
    "clamp": (lambda v, lo, hi: Call("clamp_max", Call("clamp_min", v, lo), hi), ""),
    "log2": (lambda v: Call("log2", v), ""),
    "log10": (lambda v: Call("log10", v), ""),
    "ln": (lambda v: BinOp(Call("log2", v), "*", Number(math.log(2))), ""),
    "sqrt": (lambda v: Call("pow", v, 0.5), ""),
    "exp": (lambda v: Call("pow", math.e, v), ""),
    # Datadog has no rounding functions: the value is kept unrounded (off by less than 1).
    "ceil": (_keep, "promql.rounding_dropped"),
    "floor": (_keep, "promql.rounding_dropped"),
    "round": (_keep, "promql.rounding_dropped"),
    # Ordering only matters for tables; Datadog widgets sort themselves.
    "sort": (_keep, "promql.sort_dropped"),
    "sort_desc": (_keep, "promql.sort_dropped"),
}

# `<fn>_over_time(x[r])` → `.rollup(<method>, r)`.
ROLLUPS = {
    "avg_over_time": "avg",
    "min_over_time": "min",
    "max_over_time": "max",
    "sum_over_time": "sum",
    "count_over_time": "count",
}

# A fixed rate() range at least this long (seconds) is noted on a graph: Datadog's rollup is 20s to 5m for
# time frames up to a day, so the graph shows what a range this long averages out.
LONG_RATE_RANGE = 900

# What a monitor misses when a range function's window is not kept (query.RangeWindow.difference).
SPIKES = "short spikes and dips count that the range smooths out"

# Space aggregations a monitor's moving_rollup(<method>) commutes with (applying it after aggregating the
# series equals aggregating per-series windows): avg/sum are linear, min of mins and max of maxes.
MOVING_COMMUTES = {"avg": {"avg", "sum"}, "sum": {"avg", "sum"}, "min": {"min"}, "max": {"max"}, "count": set()}

# Range functions over gauges: name -> (builder of (expression, range seconds), finding code, note).
GAUGE_RANGE: dict[str, tuple[Callable[[Node, float], Node], str, str]] = {
    "deriv": (
        lambda v, r: Call("derivative", v),
        "promql.deriv_as_derivative",
        "deriv() (least-squares slope over the range) became derivative() (point-to-point change per second)",
    ),
    "delta": (
        lambda v, r: BinOp(Call("per_second", v), "*", Number(r)),
        "promql.delta_as_rate",
        "delta() over the range became the per-second change times the range length",
    ),
    "idelta": (
        lambda v, r: Call("diff", v),
        "promql.idelta_as_diff",
        "idelta() (last two samples) became diff() between consecutive Datadog points",
    ),
}

# Functions Datadog cannot express: (code, why).
_NO_NOW = (
    "Datadog metric queries have no current time, so the age of a timestamp (`time() - x`) or the time left until "
    "one (`x - time()`) cannot be computed; whether a timestamp metric changed can (max - min over a window), but "
    "that is the same condition only for a timestamp that every success moves forward, not for one set once (a "
    "creation, expiry or start time), and the expression does not say which it is"
)
MANUAL_FUNCTIONS = {
    "label_replace": ("promql.label_rewrite", "label_replace() has no Datadog equivalent"),
    "label_join": ("promql.label_rewrite", "label_join() has no Datadog equivalent"),
    "time": ("promql.time_function", "time(): " + _NO_NOW),
    "timestamp": ("promql.time_function", "timestamp(): " + _NO_NOW),
    "changes": (
        "promql.changes",
        "changes() counts how often each series' value changed; Datadog has no count of value changes. Only "
        "`changes(x[R]) > 0` (any change within R) is expressible, as max - min of x over the trailing R above 0",
    ),
}

# predict_linear() → forecast monitors (docs monitors/types/forecasts): Datadog compares forecasts with >= or <=.
FORECAST_COMPARISONS = {">": ">=", ">=": ">=", "<": "<=", "<=": "<="}
# Rollup interval of the forecast: the longest that still leaves FORECAST_MIN_POINTS points in the history.
FORECAST_INTERVALS = (3600, 1800, 600, 300, 60)
FORECAST_MIN_POINTS = 60

PERCENTILES = {0.5: "p50", 0.75: "p75", 0.9: "p90", 0.95: "p95", 0.99: "p99"}
TOP_LIMITS = (5, 10, 25, 50, 100)
SHIFT_FUNCTIONS = {3600.0: "hour_before", 86400.0: "day_before", 604800.0: "week_before"}

# --- regex matchers -----------------------------------------------------------------------------
_META = set(".^$*+?()[]{}|\\")


def _literal(text: str) -> str | None:
    """The literal a regex fragment matches, or None if it uses any regex feature."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            # \d, \w, ... are classes, not escaped literals; a literal `*` would be a Datadog wildcard
            if i + 1 >= len(text) or text[i + 1].isalnum() or text[i + 1] == "*":
                return None
            out.append(text[i + 1])
            i += 2
            continue
        if ch in _META:
            return None
        out.append(ch)
        i += 1
    return "".join(out)


def regex_values(pattern: str) -> tuple[list[str], bool] | None:
    """`reduce_regex` as a fresh list the caller may keep."""
    reduced = reduce_regex(pattern)
    return None if reduced is None else (list(reduced[0]), reduced[1])


@lru_cache(maxsize=4096)  # rules repeat the same few patterns (`5..`, `.*foo.*`); bench/translate.py clears it
def reduce_regex(pattern: str) -> tuple[tuple[str, ...], bool] | None:
    """Reduce a fully-anchored RE2 pattern to Datadog tag values with `*` wildcards.

    Returns (values, approximate) or None when the pattern needs real regex semantics. `.*` at either
    end becomes `*` (`.+` too, approximately); a trailing run of one-character tokens (`5..`, `5[0-9][0-9]`,
    `2\\d\\d`) becomes `*` too, approximately (any length); small classes elsewhere expand into values (`[45]xx` is
    `4xx`, `5xx`).
    """
    if pattern.startswith("(?i)"):  # Datadog compares lowercased values anyway
        pattern = pattern[4:]
    pattern = pattern.removeprefix("^").removesuffix("$")
    if pattern.startswith("(") and pattern.endswith(")") and "(" not in pattern[1:-1]:
        pattern = pattern[1:-1].removeprefix("?:")
    values: list[str] = []
    approximate = False
    for alt in pattern.split("|"):
        # `.+` at an end is `*` too, approximately: `*` also matches nothing there (`veth.+` does not match `veth`)
        prefix = alt.startswith((".*", ".+"))
        approximate = approximate or alt.startswith(".+")
        core = alt[2:] if prefix else alt
        suffix = core.endswith((".*", ".+")) and not core.endswith(("\\.*", "\\.+"))
        approximate = approximate or (suffix and core.endswith(".+"))
        core = core[:-2] if suffix else core
        tokens = _tokens(core)
        if tokens is None:
            return None
        if not suffix:  # `5..`, `5[0-9][0-9]`, `2\d\d`: a trailing run of one-character tokens becomes `*`
            kept = len(tokens)
            while kept and _one_char(tokens[kept - 1]):
                kept -= 1
            if kept == 0 and tokens and _class_chars(tokens[0]) is not None:
                kept = 1  # `[45]\d\d`: the leading class picks the values, `4*` and `5*`
            if 0 < kept < len(tokens):
                tokens, suffix, approximate = tokens[:kept], True, True
        expanded = _expand(tokens)
        if expanded is None or len(values) + len(expanded[0]) > MAX_ALTERNATIVES:
            return None
        literals, approximate = expanded[0], approximate or expanded[1]
        for literal in literals:
            if not literal and not (prefix or suffix):
                return None
            values.append(("*" if prefix else "") + literal + ("*" if suffix else ""))
    return tuple(values), approximate


MAX_ALTERNATIVES = 10  # values one regex matcher may expand into (`[45]..` is two)
_CLASS_SIZE = 5  # a character class of at most this many characters is expanded (`[45]`, `[a-c]`)


def _tokens(text: str) -> list[str] | None:
    """A regex fragment split into escapes (`\\d`, `\\.`), classes (`[45]`) and single characters; None for a
    class that does not close."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\":
            out.append(text[i : i + 2])
            i += 2
        elif text[i] == "[":
            end = text.find("]", i + 2)
            if end < 0:
                return None
            out.append(text[i : end + 1])
            i = end + 1
        else:
            out.append(text[i])
            i += 1
    return out


def _one_char(token: str) -> bool:
    """A token that matches exactly one character of any kind it names (`.`, `\\d`, `[0-9]`)."""
    return token in (".", "\\d", "\\w") or (token.startswith("[") and not token.startswith("[^"))


def _class_chars(token: str) -> list[str] | None:
    """The characters a small positive class lists (`[45]`, `[a-c]`), or None."""
    body = token[1:-1]
    if not body or body.startswith("^") or "\\" in body or "[" in body:
        return None
    chars: list[str] = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            chars += [chr(c) for c in range(ord(body[i]), ord(body[i + 2]) + 1)]
            i += 3
        else:
            chars.append(body[i])
            i += 1
    return sorted(set(chars)) if len(set(chars)) <= _CLASS_SIZE and all(c not in "*" for c in chars) else None


def _expand(tokens: list[str]) -> tuple[list[str], bool] | None:
    """(the literal strings a class-and-literal token list matches, approximately), or None if it needs real
    regex semantics. An unescaped `.` between two literal characters (`requests.cpu`, `10.0.0.1`) is read as the
    dot it almost always means, approximately: the regex also accepts any other character there."""
    variants = [""]
    approximate = False
    for i, part in enumerate(tokens):
        if part == "." and 0 < i < len(tokens) - 1 and _plain(tokens[i - 1]) and _plain(tokens[i + 1]):
            variants = [v + "." for v in variants]
            approximate = True
            continue
        if part.startswith("["):
            chars = _class_chars(part)
            if chars is None:
                return None
            variants = [v + c for v in variants for c in chars]
            if len(variants) > MAX_ALTERNATIVES:
                return None
            continue
        literal = _literal(part)
        if literal is None:
            return None
        variants = [v + literal for v in variants]
    return variants, approximate


def _plain(token: str) -> bool:
    """A token that is one letter or digit."""
    return len(token) == 1 and token.isalnum()
