"""PromQL function calls → Datadog query functions and formula functions, mostly from the tables in
`promql/tables` (wrappers, rollups, gauge range functions, functions with no equivalent).

`rate()`/`increase()` and `*_over_time()` mutate the one query they apply to (`.as_rate()`, `.rollup()`)
while that is exact; for a monitor their window goes on the query as a `Moving` that `promql.finish`
renders as `moving_rollup()`. `histogram_quantile()` turns a bucket query into a percentile of a distribution.
"""

from __future__ import annotations

from typing import Any

from migrate.translate.ddquery import AsCount, AsRate, BinOp, Call, Node, Number, Rollup, number
from migrate.translate.promql import tables as t
from migrate.translate.promql.selectors import Selectors
from migrate.translate.promql.vars import DEFAULTED_RANGES, GRAPH_STEP
from migrate.translate.promql.walk import Manual, Moving, Query, Val
from migrate.translate.query import RangeWindow


class Functions(Selectors):
    def call(self, node: Any) -> Val:
        fn = node.func.name
        if fn in ("absent", "absent_over_time"):
            raise Manual(
                "promql.absent_nested",
                f"{fn}() inside an expression (only a whole-rule absent() maps to a no-data alert)",
            )
        if fn == "predict_linear":
            raise Manual(
                "promql.predict_linear",
                "predict_linear() inside an expression: Datadog forecasts a "
                "whole monitor query (`predict_linear(v[r], t) < N` is a forecast monitor)",
            )
        if fn in t.MANUAL_FUNCTIONS:
            raise Manual(*t.MANUAL_FUNCTIONS[fn])
        if fn == "vector":
            return self.visit(node.args[0])
        if fn == "histogram_quantile":
            return self.quantile(node)
        args = [self.visit(a) for a in node.args]
        if fn in ("rate", "irate", "increase"):
            return self.rate(fn, args[0])
        if fn in t.ROLLUPS:
            return self.rollup(args[0], t.ROLLUPS[fn], fn)
        if fn == "last_over_time":
            self.note("promql.last_over_time", "last_over_time(): the latest value is used, without the look-back")
            return Val(formula=args[0].formula, query=args[0].query, queries=args[0].queries)
        if fn in t.GAUGE_RANGE:
            build, code, message = t.GAUGE_RANGE[fn]
            self.note(code, message)
            r = self.range_seconds(args[0])
            if self.monitor and fn != "idelta":  # idelta reads the last two samples: its range is only a look-back
                self.ranges.append(RangeWindow(fn, r, f"is computed between consecutive points: {t.SPIKES}"))
            value = self.wrapped(build(args[0].formula, r), args[0])
            value.linear = args[0].query
            return value
        if fn in t.WRAPPERS:
            wrap, code = t.WRAPPERS[fn]
            if code:
                self.note(code, f"{fn}() has no Datadog function and was left out")
            return self.wrapped(wrap(args[0].formula, *(self.scalar(a, fn) for a in args[1:])), args[0])
        if fn == "scalar":
            self.note("promql.scalar", "scalar() became the (single) series itself")
            return args[0]
        raise Manual("promql.unsupported_function", f"{fn}() is not supported in Datadog")

    def any_change(self, call: Any) -> Val:
        """`changes(x[R]) > 0` for a monitor: x took more than one value within R, i.e. its maximum over the
        trailing R exceeds its minimum (two queries of x, each kept as a moving_rollup of R)."""
        if not self.monitor:
            raise Manual(*t.MANUAL_FUNCTIONS["changes"])
        value = self.visit(call.args[0])
        seconds = self.range_seconds(value)
        high = self.bare(value, "changes")
        if high.kind in t.COUNT_LIKE:
            raise Manual(
                "promql.changes",
                f"changes() of the counter {high.source}: the Agent sends its increments per interval, whose "
                "maximum and minimum do not say whether it moved; `increase(x[R]) > 0` asks the same and translates",
            )
        low = self.bare(self.visit(call.args[0]), "changes")
        high.moving.append(Moving("changes", "max", seconds, after_space=False))
        low.moving.append(Moving("changes", "min", seconds, after_space=False))
        self.note(
            "promql.changes_any",
            f"changes({high.source}[{number(seconds)}s]) > 0 (the value changed within the window) became the "
            f"maximum minus the minimum of {high.source} over the trailing {number(seconds)}s, above 0: Datadog "
            "compares values rolled up per interval, not each scraped sample, so a change and its reversal within "
            "one interval still shows, but only as the interval's average",
        )
        return Val(formula=BinOp(high.ref, "-", low.ref), queries=[high, low])

    def wrapped(self, formula: Node, inner: Val) -> Val:
        keep = inner.query if formula is inner.formula else None
        return Val(formula=formula, query=keep, queries=inner.queries, group_by=inner.group_by)

    def bare(self, value: Val, fn: str) -> Query:
        q = value.query  # set only while the formula around it commutes with query functions (timeshift)
        if not isinstance(q, Query) or q.modifiers or q.space:
            raise Manual("promql.unsupported_expression", f"{fn}() of a computed expression")
        return q

    def rate(self, fn: str, value: Val) -> Val:
        if value.range_s is None:
            raise Manual("promql.unsupported_expression", f"{fn}() without a range")
        step = fn == "increase" and not self.monitor and round(value.range_s, 3) == GRAPH_STEP
        r = self.range_seconds(value) if fn == "increase" and not step else None
        q = self.bare(value, fn)
        if q.kind == t.GAUGE and not q.kind_known:
            q.kind = t.COUNTER
            self.rename(q)
            self.note("promql.type_guessed", f"{q.source} has no type metadata; {fn}() implies a counter ({q.metric})")
        if fn == "irate":
            self.note("promql.irate_as_rate", "irate() (last two samples) became the per-second rate per interval")
        if q.kind in t.COUNT_LIKE and step:  # the increase over each graph step: Datadog's count per rollup interval
            q.modifiers += [AsCount()]
            return Val(formula=value.formula, query=q, queries=[q])
        if q.kind in t.COUNT_LIKE:
            q.modifiers += [AsRate()] if r is None else [AsCount(), Rollup("sum", r)]
            if r is not None:
                self.ranges.append(RangeWindow(fn, r))  # the count window of prometheus/monitor_query.count_window
            elif fn == "rate":
                self.rate_window(q, value)
            return Val(formula=value.formula, query=q, queries=[q])
        if step:  # a gauge's increase over the step: its change per second times the step, as for any range
            r = self.range_seconds(value)
        self.note(
            "promql.rate_of_gauge",
            f"{fn}() of the gauge {q.source}: per-second change of the gauge, "
            "without Prometheus' counter-reset handling",
        )
        if self.monitor and fn != "irate":
            self.ranges.append(
                RangeWindow(fn, self.range_seconds(value), f"became the change between consecutive points: {t.SPIKES}")
            )
        formula: Node = Call("per_second", value.formula)
        if r is not None:
            formula = BinOp(formula, "*", Number(r))
        return Val(formula=formula, queries=[q], linear=q)

    def rate_window(self, q: Query, value: Val) -> None:
        """rate()'s range: a monitor keeps it as a trailing average (moving_rollup, applied in `finish`); a
        graph shows the rate per rollup interval, the accepted equivalent, noted only for a long fixed range."""
        if self.monitor:
            q.moving.append(Moving("rate", "avg", self.range_seconds(value), after_space=False))
            return
        seconds = round(value.range_s or 0, 3)
        if seconds not in DEFAULTED_RANGES and seconds >= t.LONG_RATE_RANGE:
            self.note(
                "promql.rate_range_long",
                f"rate() over {number(seconds)}s is graphed per rollup interval "
                f"(20s to 5m up to a day's time frame): spikes and dips its {number(seconds)}s average smooths "
                "out show in Datadog",
            )

    def rollup(self, value: Val, method: str, fn: str) -> Val:
        r = self.range_seconds(value)
        targets = [value.query] if value.query is not None else value.queries
        if value.query is None:
            self.note("promql.rollup_of_formula", f"{fn}() of a computed expression: each query is rolled up")
        for q in targets:
            if self.monitor and isinstance(q, Query):
                q.moving.append(Moving(fn, method, r, after_space=bool(q.space)))
            else:
                q.modifiers.append(Rollup(method, r))
        return Val(formula=value.formula, query=value.query, queries=value.queries, group_by=value.group_by)

    def quantile(self, node: Any) -> Val:
        phi = self.visit(node.args[0])
        value = self.visit(node.args[1])
        q = value.query
        if not isinstance(q, Query) or q.kind != t.BUCKET or q.percentile:
            raise Manual(
                "promql.histogram_quantile",
                "histogram_quantile() over something other than (a sum of) the rate of one histogram's buckets",
            )
        if not self.distributions:
            raise Manual(
                "promql.histogram_quantile",
                f"{q.source}: Datadog cannot compute percentiles from "
                "bucket counts; set histogram_buckets_as_distributions and send distributions",
            )
        quantile = self.scalar(phi, "histogram_quantile")
        name = t.PERCENTILES.get(quantile)
        if name is None:
            name = "p" + number(round(quantile * 100, 4))
            self.note("promql.custom_percentile", f"{name} needs advanced percentile queries on the distribution")
        q.percentile = name
        q.space = name
        q.modifiers = []
        for moving in q.moving:  # a moving average of percentiles is not a percentile over the range
            self.ranges.append(
                RangeWindow(
                    moving.function,
                    moving.seconds,
                    f"of the buckets became the percentile of each interval's values: {t.SPIKES}",
                )
            )
        q.moving = []
        q.filters = [f for f in q.filters if f.key != "upper_bound"]
        if q.group_by is None:
            q.group_by = self.default_group_by_tags(q)
            self.note(
                "promql.no_aggregation",
                f"histogram_quantile() per {q.source} series became one percentile "
                f"by {', '.join(q.group_by) or 'nothing'}",
            )
        elif "upper_bound" not in q.group_by:
            raise Manual("promql.histogram_quantile", "histogram_quantile() over buckets aggregated without `le`")
        else:
            q.group_by = [g for g in q.group_by if g != "upper_bound"]
        self.rename(q)
        return Val(formula=value.formula, query=q, queries=[q], group_by=q.group_by)
