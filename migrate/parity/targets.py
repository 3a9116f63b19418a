"""What parity compares in a translation directory: every exact or approximate object with a Prometheus query.

- An alerting rule (ledger `original`: its PromQL expression, comparison included) against its monitor's
  query (desired.json), read with ddquery's parser; a rule merged into a warning/critical monitor is
  compared with the threshold it contributed.
- A Grafana panel (ledger `original`: `A: <promql>` per Prometheus target) against the widget of the same
  title on its dashboard, the panel's targets paired in order with the widget's formulas. Template
  variables take the dashboard's defaults on both sides (`$job` -> `service:billing-worker` in Datadog, the
  same value in the PromQL; `*` means every value), Grafana's range variables the translator's defaults.

- A composite monitor (a rule with `and` / `or` / `unless`): each part monitor against the operand it was made
  from (the translator's own split), and the composite's firing as its parts combine (parity/composite.py).

Everything else is listed as skipped with the reason (a service check monitor, a log query, ...).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from migrate.ledger import Ledger
from migrate.model import DesiredResource, LedgerEntry
from migrate.parity.alerts import window_seconds
from migrate.parity.composite import CompositeTarget
from migrate.parity.condition import Condition, is_absent, split_condition
from migrate.translate.build.composite import PART_TAG_PREFIX
from migrate.translate.ddquery import (
    AsCount,
    Call,
    Filter,
    Formula,
    MetricQuery,
    MonitorQuery,
    Query,
    QueryError,
    QuerySyntaxError,
    Ref,
    Rollup,
    parse_formula,
    parse_monitor,
    substitute,
)
from migrate.translate.ddquery.composite import operands as composite_operands
from migrate.translate.ddquery.composite import parse_composite, render_named
from migrate.translate.prometheus.composite import part_conditions
from migrate.translate.promql import vars as grafana_vars


@dataclass(frozen=True)
class Target:
    key: str  # the evidence key: the ledger key, `<key>#<refId>` for a panel's second and later queries
    ledger_key: str
    kind: str  # monitor | widget
    resource: str  # the desired resource's key
    promql: str
    formula: Formula
    codes: tuple[str, ...]  # the object's finding codes: they choose its tolerance
    condition: Condition | None = None  # the Datadog side's comparison (monitors)
    monitor: MonitorQuery | None = None
    alertname: str | None = None
    evaluated: bool = False  # the formula already computes the monitor's value over its window


def comparable(
    resources: list[DesiredResource], ledger: Ledger, *, original: bool = True
) -> Iterator[tuple[LedgerEntry, DesiredResource]]:
    """Each entry translated exact or approximate, with the desired resource it became first (and, when
    `original`, the source query it kept): what parity can compare."""
    by_key = {r.key: r for r in resources}
    for entry in ledger:
        if entry.outcome.value not in ("exact", "approximate") or not entry.targets:
            continue
        resource = by_key.get(entry.targets[0])
        if resource is not None and (entry.original or not original):
            yield entry, resource


def find_targets(
    resources: list[DesiredResource], ledger: Ledger
) -> tuple[list[Target], dict[str, str], list[CompositeTarget]]:
    """The monitor and widget targets (a composite's parts among them), the keys skipped with why, and the
    composites, whose firing is compared as their parts combine (parity/composite.py)."""
    targets: list[Target] = []
    skipped: dict[str, str] = {}
    composites: list[CompositeTarget] = []
    by_key = {r.key: r for r in resources}
    for entry, resource in comparable(resources, ledger):
        try:
            if entry.ref.source == "prometheus" and entry.ref.kind == "alerting_rule" and resource.type == "monitor":
                if resource.payload.get("type") == "composite":
                    composite = _composite(entry, resource, by_key)
                    composites.append(composite)
                    targets += composite.parts.values()
                else:
                    targets.append(_monitor(entry, resource))
            elif entry.ref.source == "grafana" and entry.ref.kind == "panel" and resource.type == "dashboard":
                targets += _panel(entry, resource)
        except _Skip as reason:
            skipped[entry.ref.key] = str(reason)
    return targets, skipped, composites


class _Skip(Exception):
    pass


def _codes(entry: LedgerEntry) -> tuple[str, ...]:
    return tuple(sorted({f.code for f in entry.findings}))


def _composite(entry: LedgerEntry, resource: DesiredResource, by_key: dict[str, DesiredResource]) -> CompositeTarget:
    """The composite's query with its operands named by part, and one monitor target per part whose PromQL is the
    operand the translator made that part from (prometheus/composite.py `split`, so both cut the rule alike)."""
    operands = part_conditions(entry.original or "")
    if operands is None:
        raise _Skip("the rule's expression does not split into a composite's conditions")
    names: dict[str, str] = {}  # part resource key -> part name
    for key in (resource.metadata or {}).get("parts") or []:
        part = by_key.get(key)
        tags = (part.payload.get("tags") or []) if part is not None else []
        for tag in tags:
            if str(tag).startswith(PART_TAG_PREFIX):
                names[key] = str(tag).removeprefix(PART_TAG_PREFIX)
    try:
        expression = parse_composite(str(resource.payload.get("query", "")))
    except QuerySyntaxError as exc:
        raise _Skip(f"composite query not readable: {exc}") from None
    refs = [o.ref for o in composite_operands(expression)]
    if not all(ref in names and names[ref] in operands for ref in refs):
        raise _Skip("the composite names monitors that are not its parts, or parts the rule has no condition for")
    parts = {
        names[ref]: _monitor_target(
            f"{entry.ref.key}#{names[ref]}", entry, operands[names[ref]], by_key[ref], alertname=None
        )
        for ref in refs
    }
    return CompositeTarget(
        entry.ref.key,
        resource.key,
        entry.original or "",
        parse_composite(render_named(expression, names)),  # operands named by part: `a && !b`
        parts,
        entry.ref.name,
        _codes(entry),
    )


def _monitor(entry: LedgerEntry, resource: DesiredResource) -> Target:
    return _monitor_target(entry.ref.key, entry, entry.original or "", resource, alertname=entry.ref.name)


def _monitor_target(
    key: str, entry: LedgerEntry, promql: str, resource: DesiredResource, *, alertname: str | None
) -> Target:
    """`promql`: the rule's condition (a composite part's: the operand it was made from)."""
    text = str(resource.payload.get("query", ""))
    try:
        monitor = parse_monitor(text)
    except (QuerySyntaxError, QueryError) as exc:
        raise _Skip(f"monitor query not readable: {exc}") from None
    if not isinstance(monitor, MonitorQuery) or isinstance(monitor.expression, Formula):
        raise _Skip("not a metric monitor (a service check or event monitor): compared by state history only")
    threshold = monitor.threshold
    split = split_condition(promql)
    if is_absent(promql):
        raise _Skip("a no-data monitor (absent()): compared by when data stops, not by values")
    thresholds = (resource.payload.get("options") or {}).get("thresholds") or {}
    if split is not None and split[1].threshold in thresholds.values():
        threshold = split[1].threshold  # the rule that filled this monitor's warning (or critical) threshold
    formula, evaluated = _monitor_value(monitor)
    return Target(
        key,
        entry.ref.key,
        "monitor",
        resource.key,
        promql,
        formula,
        _codes(entry),
        Condition(monitor.comparator, threshold),
        monitor,
        alertname,
        evaluated,
    )


def _monitor_value(monitor: MonitorQuery) -> tuple[Formula, bool]:
    """The formula whose value at T is what the rule's expression is at T. For a `sum(last_N)` monitor over
    `.as_count()` queries (how an `increase(x[N])` rule is kept) that is the monitor's own value: Datadog
    sums each as_count query over the window before the arithmetic (docs monitors/guide/
    as-count-in-monitor-evaluations), i.e. each query's `moving_rollup(q, N, 'sum')`."""
    assert not isinstance(monitor.expression, Formula)
    formula = Formula.of(monitor.expression)
    counts = all(
        isinstance(q, MetricQuery) and AsCount() in q.modifiers and not any(isinstance(m, Rollup) for m in q.modifiers)
        for q in formula.queries.values()
    )
    if monitor.time_aggregation != "sum" or not counts:
        return formula, False
    seconds = window_seconds(monitor.window)
    summed = {name: Call("moving_rollup", Ref(name), seconds, "sum") for name in formula.queries}
    return Formula(formula.queries, substitute(formula.expr, summed)), True


def _prometheus_queries(original: str) -> list[tuple[str, str]]:
    """(`A`, expr) per Prometheus target of a panel's ledger `original` (`A: expr` lines; `A (loki): ...`
    names another data source)."""
    queries: list[tuple[str, str]] = []
    for line in original.splitlines():
        ref, sep, expr = line.partition(": ")
        if sep and ref and " " not in ref:
            queries.append((ref, expr))
        elif sep and " " in ref:
            queries.append(("", ""))  # another data source: keeps the pairing with formulas in order
        elif queries:
            queries[-1] = (queries[-1][0], f"{queries[-1][1]}\n{line}")
    return queries


def _widgets(widgets: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for widget in widgets:
        definition = widget.get("definition") or {}
        yield definition
        yield from _widgets(definition.get("widgets") or [])


def _formulas(definition: dict[str, Any]) -> list[str | Formula]:
    out: list[str | Formula] = []
    for request in definition.get("requests") or []:
        queries = {q["name"]: q["query"] for q in request.get("queries") or [] if q.get("data_source") == "metrics"}
        for formula in request.get("formulas") or []:
            try:
                out.append(parse_formula(formula["formula"], queries))
            except (QuerySyntaxError, QueryError, KeyError) as exc:
                out.append(f"formula not comparable: {exc}")
    return out


def _panel(entry: LedgerEntry, resource: DesiredResource) -> list[Target]:
    payload = resource.payload
    matches = [d for d in _widgets(payload.get("widgets") or []) if d.get("title") == entry.ref.name]
    if len(matches) != 1:
        raise _Skip(f"{len(matches)} widgets titled {entry.ref.name!r} on the dashboard")
    formulas = _formulas(matches[0])
    queries = _prometheus_queries(entry.original or "")
    if len(formulas) != len(queries):
        raise _Skip(f"{len(queries)} panel queries against {len(formulas)} widget formulas: cannot pair them")
    variables = {v["name"]: v for v in payload.get("template_variables") or []}
    promql_values = {name: _promql_value(v) for name, v in variables.items()}
    targets = []
    for i, ((ref, expr), formula) in enumerate(zip(queries, formulas, strict=True)):
        if not expr or isinstance(formula, str):
            continue
        promql, _ = grafana_vars.substitute(expr, promql_values)
        key = entry.ref.key if i == 0 else f"{entry.ref.key}#{ref}"
        targets.append(
            Target(key, entry.ref.key, "widget", resource.key, promql, _resolved(formula, variables), _codes(entry))
        )
    return targets


def _promql_value(variable: dict[str, Any]) -> str:
    defaults = [str(d) for d in variable.get("defaults") or [] if d]
    return "|".join(defaults) if defaults and "*" not in defaults else ".*"


def _resolved(formula: Formula, variables: dict[str, dict[str, Any]]) -> Formula:
    """The formula with each `$var` scope term replaced by the template variable's defaults."""

    def leaf(node: Query) -> Query:
        if not isinstance(node, MetricQuery):
            return node
        filters: list[Filter] = []
        for f in node.filters:
            if f.op != "var":
                filters.append(f)
                continue
            variable = variables.get(f.values[0].lstrip("$").split(".")[0], {})
            defaults = [str(d) for d in variable.get("defaults") or [] if d and d != "*"]
            prefix = variable.get("prefix")
            if prefix and defaults:
                filters.append(Filter(prefix, "eq" if len(defaults) == 1 else "in", tuple(defaults)))
        return dataclasses.replace(node, filters=tuple(filters))

    if not all(isinstance(q, MetricQuery) for q in formula.queries.values()):
        raise _Skip("the widget reads logs or RUM events, not metrics")
    return Formula({name: leaf(q) for name, q in formula.queries.items()}, formula.expr)
