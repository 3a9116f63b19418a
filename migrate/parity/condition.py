"""Alert conditions: the value both sides compare with a threshold, and when each side would fire.

A PromQL rule `X > 0.05` (or `0.05 < X`) is split into its value expression `X` (written back by the PromQL
parser itself) and the comparison, so parity compares the values over the whole window, not only where the
condition holds, and then the firing minutes: the same points with each side's own comparator and threshold.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from migrate.parity.compare import datadog_key, prometheus_key
from migrate.parity.fetch import Answer
from migrate.translate.promql.guard import parse

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
_MIRROR = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}


@dataclass(frozen=True)
class Condition:
    op: str
    threshold: float

    def holds(self, value: float) -> bool:
        return _OPS[self.op](value, self.threshold)


def split_condition(promql: str) -> tuple[str, Condition] | None:
    """(`X`, `> 0.05`) for `X > 0.05` or `0.05 < X`; None when the expression is not a comparison with a
    number (or uses `bool`, which returns 0/1 instead of filtering)."""
    try:
        tree: Any = parse(promql)
    except ValueError:
        return None
    op = str(getattr(tree, "op", "")).strip()
    if op not in _OPS or "bool" in str(getattr(tree, "modifier", "") or "").lower():
        return None
    lhs, rhs = tree.lhs, tree.rhs
    if type(rhs).__name__ == "NumberLiteral":
        return str(lhs), Condition(op, float(rhs.val))
    if type(lhs).__name__ == "NumberLiteral":
        return str(rhs), Condition(_MIRROR[op], float(lhs.val))
    return None


def is_absent(promql: str) -> bool:
    """`absent(...)` / `absent_over_time(...)`: a rule about data stopping, not about values."""
    try:
        tree: Any = parse(promql)
    except ValueError:
        return False
    return type(tree).__name__ == "Call" and str(tree.func.name).startswith("absent")


@dataclass
class Firing:
    both: int = 0  # steps (per series) where both sides fire
    only_prometheus: int = 0
    only_datadog: int = 0
    neither: int = 0
    first_disagreement: int | None = None  # a Datadog timestamp

    @property
    def agrees(self) -> bool:
        return not (self.only_prometheus or self.only_datadog)

    def as_json(self) -> dict[str, Any]:
        return {**vars(self), "agrees": self.agrees}


def compare_firing(
    prometheus: Answer,
    *,
    prom_condition: Condition,
    datadog: Answer,
    dd_condition: Condition,
    window: tuple[int, int],
    label_tags: dict[str, str | None],
) -> Firing:
    """Step by step over the Datadog grid (Prometheus at t + interval, as compare.py aligns them); a step
    with no value on a side does not fire there."""
    interval = datadog.step
    lag = prometheus.lag(interval)
    prom = {prometheus_key(s.labels, label_tags): s.points for s in prometheus.series}
    dd = {datadog_key(s.labels): s.points for s in datadog.series}
    firing = Firing()
    start, end = window
    for t in range(-(-start // interval) * interval, end, interval):
        for key in sorted(prom.keys() | dd.keys()):
            p, d = prom.get(key, {}).get(t + lag), dd.get(key, {}).get(t)
            on_p = p is not None and prom_condition.holds(p)
            on_d = d is not None and dd_condition.holds(d)
            if on_p and on_d:
                firing.both += 1
            elif on_p or on_d:
                if on_p:
                    firing.only_prometheus += 1
                else:
                    firing.only_datadog += 1
                if firing.first_disagreement is None:
                    firing.first_disagreement = t
            else:
                firing.neither += 1
    return firing
