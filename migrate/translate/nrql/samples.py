"""Metric-backed event types: infrastructure samples (`SystemSample`, ... → the Agent's checks, attribute by
attribute from the rules) and the dimensional `Metric` type (→ the Prometheus path's naming).

A sample event holds one value per attribute per host and interval, as an Agent gauge does, so average/min/max/
sum over them are space aggregations of the gauge. Dimensional metrics from New Relic's Prometheus and
OpenTelemetry integrations keep their source names; the Agent's OpenMetrics check names them as the PromQL
path does (promql/tables `resolve_kind`, `datadog_metric`), which is an assumption about how the data arrives,
said in a finding unless `newrelic.metrics` names the metric.
"""

from __future__ import annotations

from migrate.translate.ddquery import AsCount, AsRate, BinOp, MetricQuery, Node, Number
from migrate.translate.nrql.apm import Apm
from migrate.translate.nrql.family import SPACE, Agg, derived, rules_note, tag_key
from migrate.translate.nrql.findings import Manual, Notes
from migrate.translate.nrql.rules import EventRule, Rules
from migrate.translate.nrql.scope import scope
from migrate.translate.nrql.where import Cond
from migrate.translate.promql import tables as promql


def _latest(agg: Agg, notes: Notes, what: str) -> None:
    if agg.fn == "latest":
        notes.approximate(
            "nrql.latest_as_average",
            f"latest({what}) became the average of each interval: Datadog queries have no last-value aggregation",
        )


class Samples:
    def __init__(self, rules: Rules, event: EventRule, notes: Notes) -> None:
        self.rules, self.event, self.notes = rules, event, notes

    def build(self, agg: Agg, cond: Cond | None, facets: tuple[str, ...]) -> Node:
        name = self.event.name
        if agg.attr is None:
            raise Manual("nrql.count_samples", f"count(*) of {name} counts agent samples; Datadog metrics have none")
        rule = self.event.attributes.get(agg.attr)
        if rule is None:
            raise Manual(
                "nrql.unmapped_attribute",
                f"{name}.{agg.attr} has no rule: add `newrelic: {{events: {{{name}: {{attributes: "
                f"{{{agg.attr}: {{metrics: [system.my_metric]}}}}}}}}}}` in a --mappings file",
            )
        if agg.fn not in SPACE or agg.per is not None:
            raise Manual("nrql.unsupported_aggregation", f"{agg.fn}() of {name}.{agg.attr}: a gauge has no such value")
        _latest(agg, self.notes, agg.attr)
        if rule.note:
            self.notes.approximate("nrql.attribute_semantics", rule.note)
        filters = scope(cond, self._tag, self.notes)
        group = tuple(self._facet(f) for f in facets)
        return derived(rule, SPACE[agg.fn], filters, group, notes=self.notes, attr=f"{name}.{agg.attr}")

    def _tag(self, attr: str) -> str | None:
        return tag_key(attr, (self.event.tags,))

    def _facet(self, attr: str) -> str:
        key = self._tag(attr)
        if key is None:
            raise Manual("nrql.facet_unmapped", f"FACET {attr}: the Agent's metrics have no tag for it")
        return key


class Dimensional:
    def __init__(self, rules: Rules, spans: dict[str, str], notes: Notes) -> None:
        self.rules, self.spans, self.notes = rules, spans, notes

    def build(self, agg: Agg, cond: Cond | None, facets: tuple[str, ...]) -> Node:
        name = agg.attr
        if name is None:
            raise Manual("nrql.count_samples", "count(*) of Metric counts data points; Datadog metrics have none")
        role = self.rules.apm.metrics.get(name)
        if role is not None:
            return self._apm(role, agg, cond, facets)
        if agg.fn in ("uniquecount", "count"):
            raise Manual("nrql.unsupported_aggregation", f"{agg.fn}({name}): Datadog metrics count no data points")
        if agg.fn not in SPACE:
            raise Manual("nrql.unsupported_aggregation", f"{agg.fn}() of the metric {name}")
        mapped = self.rules.metrics.get(name)
        kind, named = self._named(name)
        if mapped is None:
            mapped = named
            self.notes.approximate(
                "nrql.metric_name_assumed",
                f"{name} → {mapped}: named as the Agent's OpenMetrics check would ({rules_note(self.rules)}); "
                f"map it under newrelic.metrics if it reaches Datadog another way",
            )
        filters = scope(cond, self._tag, self.notes)
        group = tuple(self._facet(f) for f in facets)
        if kind in promql.COUNT_LIKE:
            if agg.fn != "sum":
                raise Manual("nrql.unsupported_aggregation", f"{agg.fn}() of the counter {name}: use sum() or rate()")
            if agg.per is None:
                return MetricQuery(mapped, filters, "sum", group, (AsCount(),))
            q = MetricQuery(mapped, filters, "sum", group, (AsRate(),))
            return q if agg.per == 1 else BinOp(q, "*", Number(agg.per))
        if agg.per is not None:
            raise Manual("nrql.rate", f"rate() of the gauge {name}: a gauge has no per-interval count")
        _latest(agg, self.notes, name)
        return MetricQuery(mapped, filters, SPACE[agg.fn], group)

    def _named(self, name: str) -> tuple[str, str]:
        found = self.rules.names.get(name)
        if found is None:
            kind, _ = promql.resolve_kind(name, self.rules.metric_types)
            found = self.rules.names[name] = (kind, promql.datadog_metric(name, kind, self.rules.namespace))
        return found

    def _apm(self, role: str, agg: Agg, cond: Cond | None, facets: tuple[str, ...]) -> Node:
        apm = Apm(self.rules, self.spans, self.notes, errors=role == "errors")
        if role == "apdex":
            return apm.build(Agg("apdex", "duration"), cond, facets)
        if role == "errors" or agg.fn == "count":
            return apm.build(Agg("count", None, per=agg.per), cond, facets)
        return apm.build(Agg(agg.fn, "duration", agg.level, agg.threshold, agg.per), cond, facets)

    def _tag(self, attr: str) -> str | None:
        return tag_key(attr, (self.rules.metric_attributes, self.rules.label_tags))

    def _facet(self, attr: str) -> str:
        key = self._tag(attr)
        if key is None:
            raise Manual("nrql.facet_unmapped", f"FACET {attr}: New Relic adds it; Datadog metrics have no such tag")
        return key
