"""`A and B`, `A or B`, `A unless B` between alert conditions → a Datadog composite monitor over one monitor per
condition (`a && b`, `a || b`, `a && !b`; docs monitors/types/composite).

A rule's expression is split at its top-level set operators (a no-traffic guard, `... and rate(same[5m]) > 0`,
stays with its condition, which drops it: promql/guard.py); each operand must translate on its own to a metric
monitor condition, else the rule stays manual and the reason names the operand. `(A and B) > N` is `A > N and B`
(`and` and `unless` keep A's series and values; not under an `or`). The parts notify nobody (the composite does)
and are owned resources; the parts' and the composite's keys derive from the rule's monitor key (`#a`, `#b`,
`#composite`: ownership.part_key), and the rule's ledger entry targets the composite, then its parts.

What differs from Prometheus, said in findings:
- Series matching. PromQL pairs series by all labels, or those `on(...)` names, or all but `ignoring(...)`'s;
  a composite of multi-alert monitors pairs their groups by the tags they have in common ("composite results
  require common groupings"). Equal groupings with matching that keeps them all: the same pairs
  (`composite.group_matching` otherwise). Datadog does not combine simple-alert and multi-alert monitors in a
  composite (DataDog/documentation#10238), so one grouped and one ungrouped operand stay manual, as do multi-alert
  operands with no tag in common.
- `for`. Prometheus holds the whole expression for the duration; here each part monitor holds its own condition
  over the window and the composite combines their states. For `and` alone that is the same (every part true at
  every point of the window); with `or` or `unless` it is not: (A or B) held for 10m by A then B alerts in
  Prometheus, not here, and `!b` is true as soon as b is not alerting for the whole window (`composite.for_per_part`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import promql_parser as pp

from migrate.mappings import Mappings
from migrate.model import DesiredResource, Finding, Outcome
from migrate.translate.build.composite import build_composite, part_tag
from migrate.translate.ddquery.composite import BoolOp, CompositeNode, MonitorOperand, Not, render_composite
from migrate.translate.prometheus import messages as msgs
from migrate.translate.prometheus.alerts import (
    AlertRule,
    RuleDraft,
    draft,
    make_tag,
    monitor_spec,
    render_annotations,
    rule_tags,
)
from migrate.translate.promql.binary import without_guard
from migrate.translate.promql.guard import parse as guarded_parse
from migrate.translate.promql.labels import effective_label_tags
from migrate.translate.promql.walk import strip
from migrate.translate.query import QueryResult
from migrate.translate.routing import Route, route
from migrate.translate.specs.alert import CompositeSpec
from migrate.translate.specs.message import MessageSpec

MAX_PARTS = 10  # Datadog: a composite combines up to 10 monitors
_OPS = {"and": "&&", "or": "||"}


@dataclass
class CompositeDraft:
    expression: CompositeNode  # operands named by part ("a", "b", ...)
    parts: list[tuple[str, RuleDraft]]
    findings: list[Finding] = field(default_factory=list)
    manual: str | None = None
    group_by: list[str] = field(default_factory=list)  # the tags every part groups by (the composite's groups)


@dataclass
class _Split:
    leaves: list[tuple[str, str]] = field(default_factory=list)  # (part, PromQL text)
    matchings: list[tuple[str, Any]] = field(default_factory=list)  # (operator, its vector matching modifier)
    guards: list[str] = field(default_factory=list)  # no-traffic guards dropped around a split condition
    distributed: str = ""  # `(A and B) > N`: the comparison the first operand took (`> N`)


def is_set_operator_manual(result: QueryResult) -> bool:
    return any(f.code == "promql.set_operator" and f.outcome is Outcome.MANUAL for f in result.findings)


def split(expr: str) -> tuple[CompositeNode, _Split] | None:
    """The boolean structure of `expr`'s top-level set operators and the operands' text; None when there is none
    or more operands than a composite takes."""
    try:
        root = guarded_parse(expr)
    except ValueError:
        return None
    parts = _Split()
    node = _node(*_comparison_inside(strip(root), parts), parts)
    if isinstance(node, MonitorOperand) or len(parts.leaves) > MAX_PARTS:
        return None
    return node, parts


def part_conditions(expr: str) -> dict[str, str] | None:
    """Each part's condition (PromQL) by part name, cut as `composite_draft` cuts them for the part monitors: what
    parity compares each part monitor with (migrate/parity/targets.py). None when `expr` makes no composite."""
    found = split(expr)
    return dict(found[1].leaves) if found is not None else None


def _comparison_inside(root: Any, parts: _Split) -> tuple[Any, str]:
    """`(A and B) > N` is `A > N and B` (and, unless: the result is A's series with A's values, so filtering them
    after or before the set operator keeps the same series): the node to split and the comparison its leftmost
    operand takes (`` when none)."""
    if not isinstance(root, pp.BinaryExpr) or str(root.op) not in (">", "<", ">=", "<=", "==", "!="):
        return root, ""
    inner, number = strip(root.lhs), strip(root.rhs)
    bool_ = root.modifier is not None and root.modifier.return_bool
    if bool_ or not isinstance(number, pp.NumberLiteral) or not _set_operator(inner) or str(inner.op) == "or":
        return root, ""
    parts.distributed = f"{root.op} {number.prettify()}"
    return inner, parts.distributed


def _node(node: Any, comparison: str, parts: _Split) -> CompositeNode:
    """`comparison` (`> 30`): what the leftmost operand is compared with (see _comparison_inside)."""
    node = strip(node)
    op = str(node.op) if isinstance(node, pp.BinaryExpr) else ""
    if op == "and":
        condition, guard = without_guard(node)
        if guard is not None and _set_operator(condition):  # `A and B and rate(x) > 0`: drop the guard, split the rest
            parts.guards.append(guard.prettify())
            return _node(condition, comparison, parts)
    if op in ("and", "or", "unless") and not (comparison and op == "or") and not _kept_whole(node, op):
        left, right = _node(node.lhs, comparison, parts), _node(node.rhs, "", parts)
        parts.matchings.append((op, node.modifier))
        return BoolOp("&&", left, Not(right)) if op == "unless" else BoolOp(_OPS[op], left, right)
    name = chr(ord("a") + len(parts.leaves))
    text = node.prettify()
    parts.leaves.append((name, f"({text}) {comparison}" if comparison else text))
    return MonitorOperand(name, symbolic=False)  # named by part until the builder writes the parts' keys


def _set_operator(node: Any) -> bool:
    return isinstance(node, pp.BinaryExpr) and str(node.op) in ("and", "or", "unless")


def _kept_whole(node: Any, op: str) -> bool:
    """Set operators the query translator handles itself: `x or vector(0)`, and a no-traffic guard."""
    rhs = strip(node.rhs)
    if op == "or" and isinstance(rhs, pp.Call) and rhs.func.name == "vector":
        return True
    return op == "and" and without_guard(node)[1] is not None


def composite_draft(
    rule: AlertRule,
    mappings: Mappings,
    translate_part: Callable[[str], tuple[QueryResult, bool]],
) -> CompositeDraft | None:
    """The composite for `rule`, or None when its expression has no top-level set operator to split at.
    `translate_part(text)` translates one operand as a monitor condition: (result, is an `up` service check)."""
    found = split(rule.expr)
    if found is None:
        return None
    expression, parts = found
    drafts: list[tuple[str, RuleDraft]] = []
    for name, text in parts.leaves:
        result, service_check = translate_part(text)
        d = draft(replace(rule, expr=text), result, mappings)
        if service_check and not d.manual:
            d.manual = "an `up` condition needs a service check monitor, which this translation does not combine"
        drafts.append((name, d))
    cd = CompositeDraft(expression, drafts)
    where = render_composite(expression)
    for name, d in drafts:
        if d.manual:
            cd.manual = f"composite `{where}`: part {name} (`{_one_line(d.rule.expr)}`) cannot be a monitor: {d.manual}"
            cd.findings = [f for _, p in drafts for f in p.findings if f.outcome is Outcome.MANUAL]
            cd.findings.append(Finding("composite.part_manual", cd.manual, Outcome.MANUAL))
            return cd
    _grouping(cd, parts, mappings)
    if cd.manual:
        return cd
    cd.findings += [f for _, d in drafts for f in d.findings]
    cd.findings += [
        Finding(
            "promql.guard_dropped",
            f"`and {guard}` only keeps series where that expression over metrics the conditions already read is "
            "above zero (no traffic, no capacity); dropped, as for a single condition (promql/guard.py)",
        )
        for guard in parts.guards
    ]
    if parts.distributed:
        cd.findings.append(
            Finding(
                "composite.comparison_distributed",
                f"the comparison `{parts.distributed}` after the set operator compares the first condition's "
                "values, which `and` and `unless` keep: part a takes it, the same series alert",
                Outcome.EXACT,
            )
        )
    _for_finding(cd, rule)
    cd.findings.append(
        Finding(
            "composite.monitors",
            f"became a composite monitor `{where}` over {len(drafts)} monitors, one per condition (they notify "
            "nobody; the composite notifies)",
            Outcome.EXACT,
        )
    )
    return cd


def _grouping(cd: CompositeDraft, parts: _Split, mappings: Mappings) -> None:
    groups = [frozenset(d.result.group_by or ()) for _, d in cd.parts]
    grouped = [g for g in groups if g]
    if grouped and len(grouped) != len(groups):
        cd.manual = (
            "some conditions are per series (multi-alert) and some are one value (simple alert); Datadog does not "
            "combine simple-alert and multi-alert monitors in a composite"
        )
        cd.findings.append(Finding("composite.mixed_grouping", cd.manual, Outcome.MANUAL))
        return
    common = frozenset.intersection(*groups) if groups else frozenset()
    if grouped and not common:
        cd.manual = (
            f"the conditions are grouped by {_tags(groups)} with no tag in common; a composite of multi-alert "
            "monitors needs common groups to pair them"
        )
        cd.findings.append(Finding("composite.no_common_group", cd.manual, Outcome.MANUAL))
        return
    cd.group_by = sorted(common)
    label_tags = effective_label_tags(mappings)
    same = len(set(groups)) == 1
    problems = [] if same else [f"the conditions are grouped by {_tags(groups)}"]
    for op, modifier in parts.matchings:
        matching = modifier.matching if modifier is not None else None
        if matching is None or not common:
            continue
        labels = {label_tags.get(label, label) or label for label in matching.labels}
        include = matching.type == pp.LabelModifierType.Include
        if (include and labels != common) or (not include and labels & common):
            kind = "on" if include else "ignoring"
            problems.append(f"`{op} {kind}({', '.join(sorted(matching.labels))})` matches on other labels")
    if problems:
        cd.findings.append(
            Finding(
                "composite.group_matching",
                "; ".join(problems)
                + f": Datadog pairs the parts' groups by their common tags {{{', '.join(cd.group_by)}}} "
                "(docs monitors/types/composite: composite results require common groupings), PromQL by the labels "
                "its vector matching names",
            )
        )


def _for_finding(cd: CompositeDraft, rule: AlertRule) -> None:
    if rule.for_seconds <= 0:
        return
    window = cd.parts[0][1].window.text
    only_and = _only_and(cd.expression)
    text = (
        f"`for: {rule.for_seconds:g}s` holds the whole expression in Prometheus; each part monitor holds its own "
        f"condition over its window ({window}) and the composite combines their states"
    )
    if only_and:
        cd.findings.append(Finding("composite.for_per_part", text + ": for `and` alone, the same", Outcome.EXACT))
    else:
        cd.findings.append(
            Finding(
                "composite.for_per_part",
                text + ": with `or`/`unless` a condition held by one part then another, or a negated part true "
                "for only part of the window, differs",
            )
        )


def _only_and(node: CompositeNode) -> bool:
    if isinstance(node, MonitorOperand):
        return True
    if isinstance(node, Not):
        return False
    return node.op == "&&" and _only_and(node.left) and _only_and(node.right)


def _tags(groups: list[frozenset[str]]) -> str:
    return " / ".join("{" + ", ".join(sorted(g)) + "}" if g else "{}" for g in groups)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def build_composite_monitor(
    d: RuleDraft, cd: CompositeDraft, mappings: Mappings, routes: Sequence[Route]
) -> tuple[list[DesiredResource], list[Finding]]:
    """The part monitors and the composite (last) for one rule, with the rule's findings."""
    rule = d.rule
    findings = list(cd.findings)
    scope = msgs.TemplateScope(cd.group_by, effective_label_tags(mappings), rule.labels)
    name, body, found = render_annotations(d, scope)
    findings += found
    specs = []
    for part, pd in cd.parts:
        spec, per_rule = monitor_spec([pd], mappings, routes)
        findings += [f for f in per_rule[rule.ref.key] if f not in pd.findings]
        note = (
            f"Part {part} of the composite monitor {name!r} ({rule.ref.key}): `{_one_line(pd.rule.expr)}`. "
            "It notifies nobody; the composite does."
        )
        specs.append(
            replace(
                spec,
                part=part,
                name=f"{name} (part {part})",
                message=MessageSpec(body=note),
                priority=None,
                tags=(*spec.tags, part_tag(part)),
            )
        )
    tags, tag_findings = rule_tags(rule, mappings)
    handles = route({**rule.labels, "alertname": rule.name}, routes)
    composite = CompositeSpec(
        refs=(rule.ref,),
        name=name,
        expression=cd.expression,
        parts=tuple(specs),
        message=MessageSpec(body=body, notify=msgs.notify(handles, None)),
        tags=(*mappings.section("alerts").get("monitor_tags", []), make_tag("alertname", rule.name), *tags),
        priority=d.priority,  # a new group's delay is the parts' (they evaluate; the composite combines)
    )
    resources, built = build_composite(composite)
    return resources, msgs.dedupe([*findings, *tag_findings, *built])
