"""What `ddmigrate parity` compares for New Relic: NRQL conditions and dashboard widgets the translator made
(exact or approximate), each with the NRQL as New Relic ran it and the Datadog formulas it became.

- A condition: its NRQL against the monitor's metric expression (the comparison lifted out), at the
  condition's aggregation window (NR evaluates per window; the monitor's rollup has the same length), and its
  critical term (operator, threshold, duration, ALL / AT_LEAST_ONCE) read from the inventory the translation
  names, for when each side fires.
- A widget: its one NRQL query against the widget's formulas, in order (one per SELECT item and percentile);
  a widget of several NRQL queries, or one using `{{variables}}`, is listed as not comparable.
- FACET attributes become the Datadog tags the translator's rules name for the event type (`newrelic.events.
  <type>.tags`, `newrelic.apm.tags`, the Prometheus path's `label_tags` for dimensional `Metric`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrate.errors import DDMigrateError
from migrate.inventory.store import read_inventory
from migrate.ledger import Ledger
from migrate.mappings import Mappings
from migrate.model import DesiredResource, LedgerEntry
from migrate.parity.targets import _formulas, _resolved, _widgets, comparable
from migrate.translate.ddquery import (
    Call,
    Formula,
    MetricQuery,
    MonitorQuery,
    QueryError,
    QuerySyntaxError,
    parse_monitor,
)
from migrate.translate.newrelic.signal import Term
from migrate.translate.nrql import NrqlSyntaxError, ast, parse_nrql, to_nrql
from migrate.translate.nrql.rules import compile_rules

DEFAULT_WINDOW_S = 60
_MODELS = frozenset(
    {"anomalies", "outliers"}
)  # baseline and outlier conditions  # NR's aggregation window when the signal names none


@dataclass(frozen=True)
class NrTarget:
    key: str
    ledger_key: str
    kind: str  # monitor | widget
    resource: str
    nrql: str
    formulas: tuple[Formula, ...]
    codes: tuple[str, ...]
    facet_tags: dict[str, str] = field(default_factory=dict)
    step: int | None = None  # the condition's aggregation window: the step both sides are asked at
    monitor: MonitorQuery | None = None
    term: Term | None = None


class _Skip(Exception):
    pass


def find_nr_targets(
    resources: list[DesiredResource], ledger: Ledger, meta: dict[str, Any], mappings: Mappings
) -> tuple[list[NrTarget], dict[str, str]]:
    conditions = inventory_objects(meta, "newrelic", "nrql_condition")
    targets: list[NrTarget] = []
    skipped: dict[str, str] = {}
    for entry, resource in comparable(resources, ledger):
        if entry.ref.source != "newrelic" or entry.ref.kind not in ("nrql_condition", "widget"):
            continue
        try:
            tags = facet_tags(entry.original or "", mappings)
            if entry.ref.kind == "nrql_condition" and resource.type == "monitor":
                targets.append(_condition(entry, resource, conditions.get(entry.ref.key), tags))
            elif entry.ref.kind == "widget" and resource.type == "dashboard":
                targets.append(_widget(entry, resource, tags))
        except _Skip as reason:
            skipped[entry.ref.key] = str(reason)
    return targets, skipped


def inventory_objects(meta: dict[str, Any], source: str, kind: str) -> dict[str, dict[str, Any]]:
    """The normalized objects of one kind in the translation's inventories of `source`, by ledger key (what
    the ledger does not keep: a condition's terms and signal, a synthetic monitor's id)."""
    out: dict[str, dict[str, Any]] = {}
    for inv in meta.get("inventories") or []:
        if not isinstance(inv, dict) or inv.get("source") != source or not inv.get("path"):
            continue
        try:
            inventory = read_inventory(Path(str(inv["path"])))
        except DDMigrateError:
            continue  # an inventory moved since: its objects are compared without what only it holds
        out.update({o.ref.key: o.normalized for o in inventory.objects if o.ref.kind == kind})
    return out


def facet_tags(nrql: str, mappings: Mappings) -> dict[str, str]:
    try:
        tree = parse_nrql(nrql)
    except NrqlSyntaxError as exc:
        raise _Skip(f"the NRQL does not parse: {exc}") from None
    if isinstance(tree.source, ast.Query) or not tree.source:
        raise _Skip("FROM (SELECT ...): not translated to a metric query")
    rules = compile_rules(mappings)
    event = tree.source[0].name
    if event == "Metric":
        table: dict[str, str | None] = dict(rules.label_tags)
    elif event in rules.events and rules.events[event].kind == "apm":
        table = dict(rules.apm.tags)
    elif event in rules.events:
        table = dict(rules.events[event].tags)
    else:
        table = {}
    return {attr: tag for attr, tag in table.items() if tag}


def _codes(entry: LedgerEntry) -> tuple[str, ...]:
    return tuple(sorted({f.code for f in entry.findings}))


def _condition(
    entry: LedgerEntry, resource: DesiredResource, condition: dict[str, Any] | None, tags: dict[str, str]
) -> NrTarget:
    try:
        monitor = parse_monitor(str(resource.payload.get("query", "")))
    except (QuerySyntaxError, QueryError) as exc:
        raise _Skip(f"monitor query not readable: {exc}") from None
    if not isinstance(monitor, MonitorQuery) or isinstance(monitor.expression, Formula):
        raise _Skip("not a metric monitor (a log, RUM, anomaly or outlier monitor): not compared by values")
    if isinstance(monitor.expression, Call) and monitor.expression.name in _MODELS:
        raise _Skip(f"a {monitor.expression.name}() monitor: its band is Datadog's model, not New Relic's signal")
    formula = Formula.of(monitor.expression)
    if not all(isinstance(q, MetricQuery) for q in formula.queries.values()):
        raise _Skip("the monitor reads logs or RUM events, not metrics")
    term = None
    step = DEFAULT_WINDOW_S
    if condition is not None:
        critical = [t for t in condition.get("terms") or [] if isinstance(t, dict) and t.get("priority") == "CRITICAL"]
        try:
            term = Term.read(critical[0]) if critical else None
        except ValueError:
            term = None
        window = (condition.get("signal") or {}).get("aggregation_window")
        step = int(window) if isinstance(window, int | float) and window > 0 else DEFAULT_WINDOW_S
    return NrTarget(
        entry.ref.key,
        entry.ref.key,
        "monitor",
        resource.key,
        entry.original or "",
        (formula,),
        _codes(entry),
        tags,
        step,
        monitor,
        term,
    )


def _widget(entry: LedgerEntry, resource: DesiredResource, tags: dict[str, str]) -> NrTarget:
    nrql = entry.original or ""
    if "\n" in nrql.strip():
        raise _Skip("a widget of several NRQL queries: its formulas cannot be paired with one query's values")
    payload = resource.payload
    variables = {v["name"]: v for v in payload.get("template_variables") or []}
    if "{{" in nrql:
        nrql = with_defaults(nrql, variables)
    matches = [d for d in _widgets(payload.get("widgets") or []) if d.get("title") == entry.ref.name]
    if len(matches) != 1:
        raise _Skip(f"{len(matches)} widgets titled {entry.ref.name!r} on the dashboard")
    formulas = _formulas(matches[0])
    if not formulas or any(isinstance(f, str) for f in formulas):
        raise _Skip("the widget has no metrics formula to compare")
    resolved = tuple(_resolved(f, variables) for f in formulas if isinstance(f, Formula))
    if parse_nrql(nrql).compare_with is not None:
        # The translator appends a timeshifted copy of each formula for COMPARE WITH; New Relic is asked
        # without it (the window is the comparison), so the current half is compared.
        resolved = resolved[: max(1, len(resolved) // 2)]
    return NrTarget(entry.ref.key, entry.ref.key, "widget", resource.key, nrql, resolved, _codes(entry), tags)


def with_defaults(nrql: str, variables: dict[str, dict[str, Any]]) -> str:
    """The NRQL with each `attr IN ({{v}})` / `attr = {{v}}` term of its top-level AND given the variable's
    defaults, as the Datadog side takes the template variable's defaults; a term whose default is every value
    (`*`) is dropped, as Datadog drops the scope term. Any other use of a variable is not comparable."""
    tree = parse_nrql(nrql)
    kept: list[ast.Expr] = []
    for term in _conjuncts(tree.where):
        name, operand = _variable_term(term)
        if name is None or operand is None:
            kept.append(term)
            continue
        defaults = [str(d) for d in (variables.get(name) or {}).get("defaults") or [] if d and d != "*"]
        if defaults:
            kept.append(ast.In(operand, tuple(ast.String(d) for d in defaults), negated=False))
    where: ast.Expr | None = None
    for term in kept:
        where = term if where is None else ast.Binary("AND", where, term)
    text = to_nrql(dataclasses.replace(tree, where=where))
    if "{{" in text:
        raise _Skip("the NRQL uses a dashboard {{variable}} other than in `attr IN ({{v}})`: not comparable")
    return text


def _conjuncts(node: ast.Expr | None) -> list[ast.Expr]:
    if node is None:
        return []
    if isinstance(node, ast.Binary) and node.op == "AND":
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def _variable_term(term: ast.Expr) -> tuple[str | None, ast.Expr | None]:
    if isinstance(term, ast.In) and not term.negated and isinstance(term.values, tuple) and len(term.values) == 1:
        value = term.values[0]
        if isinstance(value, ast.Variable):
            return value.name, term.operand
    if isinstance(term, ast.Binary) and term.op == "=" and isinstance(term.right, ast.Variable):
        return term.right.name, term.left
    return None, None
