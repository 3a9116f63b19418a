"""The Datadog metric query builder shared by the query-language translators.

A `MetricQuery` is one `space_agg:metric{scope} by {tags}.fn()` query. Translators mutate it while
walking their tree (space aggregation, group-by, `.as_rate()`, `.rollup()`), then `render()` it once.
Scope filters are kept structured so the renderer can pick Datadog's symbolic syntax (`a:b,!c:d`) or,
when `IN`/`OR` is needed, the boolean syntax (`a:b AND NOT c:d AND e IN (x,y)`): Datadog rejects a
scope that mixes the two.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

# Datadog lowercases tag values on intake; these are the characters it keeps (others become `_`).
_TAG_VALUE_BAD = re.compile(r"[^a-z0-9_\-:./*]")


def tag_value(value: str) -> str:
    """A label value as Datadog stores it: lowercased, unsupported characters replaced by `_`."""
    return _TAG_VALUE_BAD.sub("_", value.lower())


def number(value: float) -> str:
    """A number as it appears in a Datadog formula or threshold (`100`, not `100.0`)."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


@dataclass(frozen=True)
class Filter:
    """One scope term. op: eq | ne | in | not_in | any (OR of wildcard values) | has | has_not | var."""

    key: str
    op: str
    values: tuple[str, ...] = ()

    @property
    def needs_boolean(self) -> bool:
        return self.op in ("in", "not_in", "any")

    def symbolic(self) -> str:
        if self.op == "eq":
            return f"{self.key}:{self.values[0]}"
        if self.op == "ne":
            return f"!{self.key}:{self.values[0]}"
        if self.op == "has":
            return f"{self.key}:*"
        if self.op == "has_not":
            return f"!{self.key}:*"
        return self.values[0]  # var: a Datadog template variable reference such as `$host`

    def boolean(self) -> str:
        if self.op == "in":
            return f"{self.key} IN ({','.join(self.values)})"
        if self.op == "not_in":
            return f"{self.key} NOT IN ({','.join(self.values)})"
        if self.op == "any":
            return "(" + " OR ".join(f"{self.key}:{v}" for v in self.values) + ")"
        if self.op in ("ne", "has_not"):
            return "NOT " + self.symbolic()[1:]
        return self.symbolic()


def render_scope(filters: list[Filter]) -> str:
    if not filters:
        return "*"
    if any(f.needs_boolean for f in filters):
        return " AND ".join(f.boolean() for f in filters)
    return ",".join(f.symbolic() for f in filters)


@dataclass
class MetricQuery:
    metric: str
    filters: list[Filter] = field(default_factory=list)
    space: str = ""  # avg | sum | min | max | pNN; "" until an aggregation (or the default) sets it
    group_by: list[str] | None = None  # None: not aggregated yet
    functions: list[str] = field(default_factory=list)  # suffixes: ".as_rate()", ".rollup(sum, 300)"

    def render(self) -> str:
        text = f"{self.space or 'avg'}:{self.metric}{{{render_scope(self.filters)}}}"
        if self.group_by:
            text += " by {" + ",".join(self.group_by) + "}"
        return text + "".join(self.functions)
