"""APM events (`Transaction`, `TransactionError`, `apm.service.*` metrics) → Datadog APM trace metrics.

Facts (DataDog/documentation tracing/metrics/metrics_namespace.md): `trace.<span>.hits` and `.errors` are COUNTs
(`.as_count()` per interval, `.as_rate()` per second); `trace.<span>` is a DISTRIBUTION of latency in seconds, as
NRQL's `duration` is, so avg/pNN/max/min/sum are exact aggregations of it; `trace.<span>.apdex` is a gauge whose
threshold is the service's setting. The span name depends on the tracer: from the rules (`newrelic.apm.spans`)
per service, else the default, said in a finding.
"""

from __future__ import annotations

from migrate.translate.ddquery import AsCount, AsRate, BinOp, Filter, MetricQuery, Node, Number, number
from migrate.translate.nrql.family import Agg, percentile_space, tag_key
from migrate.translate.nrql.findings import Manual, Notes
from migrate.translate.nrql.rules import Rules
from migrate.translate.nrql.scope import scope
from migrate.translate.nrql.where import Cond, Term, both, conjuncts

LATENCY_ATTRIBUTES = frozenset({"duration", "apm.service.transaction.duration", "apm.service.overview.web"})
_LATENCY_SPACE = {"average": "avg", "max": "max", "min": "min", "sum": "sum"}
_ERROR_ATTRIBUTES = frozenset({"error"})


class Apm:
    def __init__(self, rules: Rules, spans: dict[str, str], notes: Notes, *, errors: bool = False) -> None:
        self.rules, self.notes, self.errors = rules, notes, errors
        self.spans = {**rules.apm.spans, **spans}

    def build(self, agg: Agg, cond: Cond | None, facets: tuple[str, ...]) -> Node:
        cond, errors = self._errors(cond)
        span = self._span(cond)
        filters = scope(cond, self._tag, self.notes)
        group = tuple(self._facet(f) for f in facets)
        if agg.fn == "count" or (agg.fn == "sum" and agg.attr in ("apm.service.error.count",)):
            return self._count(span, filters, group, errors, agg.per)
        if agg.per is not None:
            raise Manual("nrql.rate", f"rate() of {agg.fn}(): only a rate of count(*) is a trace metric")
        if (errors is not None or self.errors) and agg.fn != "apdex":
            raise Manual("nrql.apm_errors", "the latency of errors alone: trace metrics keep one latency distribution")
        if agg.fn == "apdex":
            t = agg.threshold if agg.threshold is not None else self.rules.apm.apdex_threshold
            if t != self.rules.apm.apdex_threshold:
                self.notes.approximate(
                    "nrql.apdex_threshold",
                    f"apdex(t: {number(t)}): Datadog's Apdex threshold is set on the service page "
                    f"(the rules assume {number(self.rules.apm.apdex_threshold)} s); set it to {number(t)} s",
                )
            return MetricQuery(f"trace.{span}.apdex", filters, "avg", group)
        if agg.attr not in LATENCY_ATTRIBUTES:
            raise Manual(
                "nrql.apm_attribute",
                f"{agg.fn}({agg.attr}): trace metrics carry request counts, errors and latency (duration) only",
            )
        if agg.fn in _LATENCY_SPACE:
            return MetricQuery(f"trace.{span}", filters, _LATENCY_SPACE[agg.fn], group)
        if agg.fn in ("percentile", "median"):
            level = 50.0 if agg.fn == "median" else agg.level or 50.0
            space = "max" if level == 100 else percentile_space(level, f"trace.{span}")
            return MetricQuery(f"trace.{span}", filters, space, group)
        raise Manual("nrql.unsupported_aggregation", f"{agg.fn}() of a transaction's duration has no trace metric")

    def _count(
        self, span: str, filters: tuple[Filter, ...], group: tuple[str, ...], errors: bool | None, per: float | None
    ) -> Node:
        def counted(metric: str) -> Node:
            if per is None:
                return MetricQuery(metric, filters, "sum", group, (AsCount(),))
            q = MetricQuery(metric, filters, "sum", group, (AsRate(),))
            return q if per == 1 else BinOp(q, "*", Number(per))

        hits, errs = counted(f"trace.{span}.hits"), counted(f"trace.{span}.errors")
        if errors is None:
            return errs if self.errors else hits
        if errors:
            return errs
        if self.errors:
            raise Manual("nrql.apm_errors", "TransactionError events that are not errors")
        return BinOp(hits, "-", errs)

    def _errors(self, cond: Cond | None) -> tuple[Cond | None, bool | None]:
        """`error IS TRUE` / `error = false` picks `.errors` (or hits minus errors); it is not a tag."""
        rest: list[Cond] = []
        errors: bool | None = None
        for part in conjuncts(cond):
            if isinstance(part, Term) and part.attr in _ERROR_ATTRIBUTES and part.op in ("eq", "ne"):
                value = part.values[0]
                if isinstance(value, bool | str):
                    truth = value if isinstance(value, bool) else value.lower() == "true"
                    errors = truth if part.op == "eq" else not truth
                    continue
            rest.append(part)
        return (both(*rest) if rest else None), errors

    def _span(self, cond: Cond | None) -> str:
        services = [
            str(p.values[0])
            for p in conjuncts(cond)
            if isinstance(p, Term) and p.attr == "appName" and p.op == "eq" and isinstance(p.values[0], str)
        ]
        for service in services:
            if service in self.spans:
                return self.spans[service]
        span = self.rules.apm.default_span
        self.notes.approximate(
            "nrql.apm_span_assumed",
            f"trace.{span}.*: the span name is an assumption (it depends on the tracer and framework); "
            f"name the service's span under newrelic.apm.spans",
        )
        return span

    def _tag(self, attr: str) -> str | None:
        key = tag_key(attr, (self.rules.apm.tags,))
        if key is not None and attr not in self.rules.apm.tags:
            raise Manual(
                "nrql.apm_tag",
                f"`{attr}`: trace metrics are tagged with env, service, version, resource_name, http.status_code and "
                "host only (map it under newrelic.apm.tags if the tracer sets it as the second primary tag)",
            )
        return key

    def _facet(self, attr: str) -> str:
        key = self._tag(attr)
        if key is None:
            raise Manual("nrql.facet_unmapped", f"FACET {attr}: trace metrics have no tag for it")
        return key
