"""The `newrelic` mapping rules (migrate/data/mappings/newrelic.yaml) as typed objects.

The schema (mappings_schema.json) has checked the shapes with file:line errors; this module only reads them.
Compiled once per `Mappings` and kept in the query context (`NrqlContext`), so a dashboard of 50 queries
reads the YAML-derived dicts once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from migrate.mappings import Mappings
from migrate.translate.query import QueryContext

RULES_FILE = "newrelic.yaml"


@dataclass(frozen=True, slots=True)
class AttributeRule:
    """One NRQL attribute: a sum of Datadog metrics (`metric` kind) or a measure (`log`/`rum`), then
    `value * multiply / divide + add` (the unit or complement); `note` says how the meaning differs."""

    metrics: tuple[str, ...] = ()
    measure: str | None = None
    multiply: float = 1.0
    divide: float = 1.0
    add: float = 0.0
    note: str = ""


@dataclass(frozen=True, slots=True)
class EventRule:
    name: str
    kind: str  # apm | metric | log | rum
    errors: bool = False
    search: str = ""
    tags: dict[str, str | None] = field(default_factory=dict)
    attributes: dict[str, AttributeRule] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ApmRules:
    default_span: str = "web.request"
    spans: dict[str, str] = field(default_factory=dict)  # appName -> span name
    apdex_threshold: float = 0.5
    tags: dict[str, str | None] = field(default_factory=dict)
    metrics: dict[str, str] = field(default_factory=dict)  # apm.service.* name -> latency | hits | errors | apdex


@dataclass(frozen=True, slots=True)
class Rules:
    events: dict[str, EventRule]
    apm: ApmRules
    metrics: dict[str, str]  # dimensional metric name -> Datadog name
    metric_attributes: dict[str, str | None]
    # the Prometheus path's naming (prometheus.yaml), for dimensional metrics
    namespace: str = ""
    metric_types: dict[str, str] = field(default_factory=dict)
    label_tags: dict[str, str | None] = field(default_factory=dict)
    # dimensional metric name -> (kind, Datadog name) as the Prometheus path names it; filled as queries ask
    # (a corpus of dashboards names the same few hundred metrics thousands of times)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)


def _attribute(data: dict[str, Any]) -> AttributeRule:
    return AttributeRule(
        metrics=tuple(data.get("metrics") or ()),
        measure=data.get("measure"),
        multiply=float(data.get("multiply", 1)),
        divide=float(data.get("divide", 1)),
        add=float(data.get("add", 0)),
        note=str(data.get("note", "")),
    )


def compile_rules(mappings: Mappings) -> Rules:
    section = mappings.section("newrelic")
    events = {
        name: EventRule(
            name=name,
            kind=str(rule["kind"]),
            errors=bool(rule.get("errors", False)),
            search=str(rule.get("search", "")),
            tags=dict(rule.get("tags") or {}),
            attributes={a: _attribute(r) for a, r in (rule.get("attributes") or {}).items()},
        )
        for name, rule in (section.get("events") or {}).items()
    }
    apm = section.get("apm") or {}
    return Rules(
        events=events,
        apm=ApmRules(
            default_span=str(apm.get("default_span", "web.request")),
            spans=dict(apm.get("spans") or {}),
            apdex_threshold=float(apm.get("apdex_threshold", 0.5)),
            tags=dict(apm.get("tags") or {}),
            metrics=dict(apm.get("metrics") or {}),
        ),
        metrics=dict(section.get("metrics") or {}),
        metric_attributes=dict(section.get("metric_attributes") or {}),
        namespace=mappings.namespace,
        metric_types=mappings.metric_types,
        label_tags=mappings.label_tags,
    )


@dataclass
class NrqlContext:
    """What NRQL translation keeps in `QueryContext.parts`: the compiled rules of the context's mappings, and
    the span names the New Relic front end learns per service (they win over the rules' `spans`)."""

    spans: dict[str, str] = field(default_factory=dict)
    _rules: Rules | None = None
    _for: int = 0

    def rules(self, ctx: QueryContext) -> Rules:
        if self._rules is None or self._for != id(ctx.mappings):
            self._rules, self._for = compile_rules(ctx.mappings), id(ctx.mappings)
        return self._rules


def rule_example(event_type: str) -> str:
    """The rule a user writes for a custom event type (`nrql.unmapped_event_type` names it)."""
    key = event_type if event_type.isidentifier() else f"'{event_type}'"  # YAML needs `Netlify:onEnd` quoted
    return (
        f"add a rule `newrelic: {{events: {{{key}: {{kind: log|rum|metric|apm, ...}}}}}}` in a --mappings "
        f'file, e.g. `{key}: {{kind: rum, search: "@type:action"}}` or '
        f"`{key}: {{kind: metric, attributes: {{myAttribute: {{metrics: [my.metric]}}}}}}` (see {RULES_FILE})"
    )
