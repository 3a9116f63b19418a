"""Event-backed types: `Log` → log queries, browser events → RUM queries (docs logs/explorer/search_syntax,
monitors/types/real_user_monitoring).

Both compute count, cardinality (unique count of a facet) and measures (avg sum min max median pc75..pc99), so
NRQL's count/uniqueCount/average/... map one to one; the event type's `search` (`@type:view`) and the condition
(nrql/search) make the query's search. A measure's unit comes from the rule (`divide: 1000000000` for the browser
SDK's nanoseconds).
"""

from __future__ import annotations

from migrate.translate.ddquery import LogQuery, Node, RumQuery
from migrate.translate.nrql.family import Agg, scaled
from migrate.translate.nrql.findings import Manual, Notes
from migrate.translate.nrql.rules import AttributeRule, EventRule
from migrate.translate.nrql.search import MESSAGE, search
from migrate.translate.nrql.where import Cond, Term, both

_MEASURES = {"average": "avg", "sum": "sum", "min": "min", "max": "max", "median": "median"}
_PERCENTILES = {75.0: "pc75", 90.0: "pc90", 95.0: "pc95", 98.0: "pc98", 99.0: "pc99", 50.0: "median"}


class Events:
    def __init__(self, event: EventRule, notes: Notes) -> None:
        self.event, self.notes = event, notes
        self.make = LogQuery if event.kind == "log" else RumQuery

    def build(self, agg: Agg, cond: Cond | None, facets: tuple[str, ...]) -> Node:
        if agg.fn == "count" and agg.attr is not None:  # count(x) counts the events that have x
            cond = both(*(c for c in (cond, Term(agg.attr, "not_null")) if c is not None))
        text = search(self.event.search, cond, self._key, self.notes)
        group = tuple(self._facet(f) for f in facets)
        if agg.per is not None:
            if agg.fn != "count":
                raise Manual("nrql.rate", f"rate() of {agg.fn}() over {self.event.name} events")
            self.notes.approximate(
                "nrql.rate_per_interval",
                f"rate(count(*), {agg.per:g} s) became the count per interval: set the widget's interval "
                f"to {agg.per:g} s (log and RUM queries have no per-second rate)",
            )
        if agg.fn == "count":
            return self.make(text, "count", None, group)
        if agg.attr is None:
            raise Manual("nrql.unsupported_aggregation", f"{agg.fn}(*) over {self.event.name} events")
        rule = self.event.attributes.get(agg.attr) or AttributeRule(measure=self._measure(agg.attr))
        if rule.note:
            self.notes.approximate("nrql.attribute_semantics", rule.note)
        measure = rule.measure or self._measure(agg.attr)
        if agg.fn == "uniquecount":
            return self.make(text, "cardinality", measure, group)
        if agg.fn == "percentile":
            rollup = _PERCENTILES.get(agg.level or 0.0)
            if rollup is None:
                raise Manual("nrql.percentile_level", f"percentile {agg.level:g}: log and RUM compute pc75..pc99")
        elif agg.fn in _MEASURES:
            rollup = _MEASURES[agg.fn]
        else:
            raise Manual("nrql.unsupported_aggregation", f"{agg.fn}() over {self.event.name} events")
        return scaled(self.make(text, rollup, measure, group), rule)

    def _key(self, attr: str) -> str | None:
        if attr in self.event.tags:
            return self.event.tags[attr]
        if self.event.kind == "log":
            return "@" + attr
        self.notes.approximate(
            "nrql.rum_attribute_assumed",
            f"`{attr}` became `@context.{attr}`: a custom browser attribute, set with the RUM SDK's global context",
        )
        return "@context." + attr

    def _measure(self, attr: str) -> str:
        key = self._key(attr)
        if key is None or key == MESSAGE:
            raise Manual("nrql.unmapped_attribute", f"`{attr}` is not a measure of {self.event.name} in Datadog")
        return key

    def _facet(self, attr: str) -> str:
        key = self._key(attr)
        if key is None or key == MESSAGE:
            raise Manual("nrql.facet_unmapped", f"FACET {attr}: Datadog has no facet for it")
        return key
