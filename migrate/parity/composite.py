"""When a composite monitor (`a && !b` over part monitors, migrate/translate/prometheus/composite.py) fires, against
Prometheus' record of the rule it came from (`ALERTS{alertname=...}`).

Each part's values are compared like any monitor condition (targets.py makes one target per part, `<key>#a`, from
the PromQL operand the translator split off). This is the composite's own comparison: at each step T, per group,
the boolean combination its query writes (`&&`, `||`, `!`: the desired composite's query, so a wrong operator
shows) of its parts' states, each part evaluated on its Datadog series with its own window and aggregation
(alerts.evaluated_states); or the composite's own state history when Datadog has one over the window.

Groups, as Datadog pairs them (docs monitors/types/composite: "composite results require common groupings"):
the composite's groups are the tags every part groups by. With equal groupings (what the translator calls exact)
a part's group is the composite's. Where they differ (`composite.group_matching`) a part's group counts for the
composite group it projects onto, one in alert being taken as enough: Datadog documents no more than the common
groupings, so that case is an assumption. A part without a group is not in alert there, so `!b` holds for it.
ALERTS series are projected onto the same tags.

The evidence's figures, as uptime.py's: `coverage` 1 when both sides answered, `max_abs_diff` the minutes the
two disagree, `max_rel_diff` those steps over the steps either fires; `series` per group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from migrate.parity.alerts import EVALUATED, agreement, alerts_states, datadog_firing, evaluated_states, minutes
from migrate.parity.condition import Firing
from migrate.translate.ddquery import MetricQuery, render
from migrate.translate.ddquery.composite import BoolOp, CompositeNode, MonitorOperand, render_composite

if TYPE_CHECKING:
    from migrate.parity.check import Sides
    from migrate.parity.compare import Tolerance
    from migrate.parity.targets import Target


@dataclass(frozen=True)
class CompositeTarget:
    key: str  # the rule's ledger key (its parts' evidence is `<key>#a`, ...)
    resource: str  # the composite's desired resource key
    promql: str  # the rule's whole expression
    expression: CompositeNode  # the composite's query, operands named by part (`a && !b`)
    parts: Mapping[str, Target]  # part name -> its monitor's target
    alertname: str
    codes: tuple[str, ...]

    @property
    def group_tags(self) -> list[str]:
        """The tags every part groups by: the composite's groups."""
        groups = [
            {g for q in t.formula.queries.values() if isinstance(q, MetricQuery) for g in q.group_by}
            for t in self.parts.values()
        ]
        return sorted(set.intersection(*groups)) if groups else []


def project(key: str, tags: Sequence[str]) -> str:
    """A Datadog group key (`endpoint:x,pod:a`) reduced to `tags` (`*` when none are left)."""
    kept = [t for t in key.split(",") if t.partition(":")[0] in tags]
    return ",".join(sorted(kept)) or "*"


def combine(
    expression: CompositeNode, states: Mapping[str, Mapping[str, set[int]]], tags: Sequence[str], times: range
) -> dict[str, set[int]]:
    """Per composite group, the times `expression` holds over the parts' states (part -> group key -> times in
    alert), the groups paired by their common `tags`."""
    projected: dict[str, dict[str, set[int]]] = {}
    for part, by_group in states.items():
        mine = projected.setdefault(part, {})
        for key, on in by_group.items():
            mine.setdefault(project(key, tags), set()).update(on)
    every = set(times)
    groups = sorted({g for by_group in projected.values() for g in by_group})

    def holds(node: CompositeNode, group: str) -> set[int]:
        if isinstance(node, MonitorOperand):
            return projected.get(node.ref, {}).get(group, set()) & every
        if isinstance(node, BoolOp):
            left, right = holds(node.left, group), holds(node.right, group)
            return left & right if node.op == "&&" else left | right
        return every - holds(node.operand, group)

    return {group: holds(expression, group) for group in groups}


def check_composite(
    target: CompositeTarget, sides: Sides, window: tuple[int, int], step: int, _tolerance: Tolerance
) -> dict[str, Any]:
    times = range(window[0], window[1], step)
    tags = target.group_tags
    query = render_composite(target.expression)
    out: dict[str, Any] = {
        "verdict": "no_data",
        "coverage": 0.0,
        "max_abs_diff": 0.0,
        "max_rel_diff": 0.0,
        "step_seconds": step,
        "window": {"from": window[0], "to": window[1]},
        "series": [],
        "detail": "",
        "promql": target.promql,
        "datadog": f"{query} ({'; '.join(f'{n}: {render(t.monitor)}' for n, t in target.parts.items() if t.monitor)})",
    }
    prom_on = alerts_states(sides, target.alertname, set(tags), times)
    dd_on, used = datadog_firing(sides.datadog, target.resource, times)
    if dd_on is None:
        states: dict[str, dict[str, set[int]]] = {}
        for name, part in target.parts.items():
            evaluated = evaluated_states(sides, part, times)
            if evaluated is None or not evaluated[0].series:
                fired = sum(len(on) for on in prom_on.values()) * step / 60
                out["detail"] = (
                    f"part {name} ({render(part.monitor) if part.monitor else '?'}) is not evaluated on its series "
                    "(a forecast or change monitor) and the composite has no state history in the window"
                    if evaluated is None
                    else f"no data from Datadog for part {name} in the window"
                ) + f"; Prometheus' ALERTS: {fired:g} group-minutes firing"
                return out
            states[name] = evaluated[1]
        dd_on, used = combine(target.expression, states, tags, times), EVALUATED
    firing = agreement(prom_on, dd_on, times)
    out.update(_figures(firing, prom_on, dd_on, step))
    out["alerts"] = {**minutes(firing, step, "prometheus"), "monitor": query, "datadog_firing": used}
    return out


def _figures(firing: Firing, prom: dict[str, set[int]], dd: dict[str, set[int]], step: int) -> dict[str, Any]:
    disagreeing = firing.only_prometheus + firing.only_datadog
    either = firing.both + disagreeing
    series = []
    for key in sorted(prom.keys() | dd.keys()):
        p, d = prom.get(key, set()), dd.get(key, set())
        first = min(p ^ d, default=None)
        series.append(
            {
                "key": key,
                "both": len(p & d),
                "only_prometheus": len(p - d),
                "only_datadog": len(d - p),
                "first_difference": first,
            }
        )
    detail = ""
    if not firing.agrees:
        detail = (
            f"fires differently from {firing.first_disagreement}: {firing.only_prometheus * step / 60:g} min only in "
            f"Prometheus' ALERTS, {firing.only_datadog * step / 60:g} min only in Datadog"
        )
    return {
        "verdict": "agrees" if firing.agrees else "differs",
        "coverage": 1.0,
        "max_abs_diff": disagreeing * step / 60,
        "max_rel_diff": disagreeing / either if either else 0.0,
        "series": series,
        "detail": detail,
        "firing": firing.as_json(),
    }
