"""The typed Datadog query tree: what every translator builds and every consumer reads.

Leaves are queries (`MetricQuery`, `LogQuery`, `RumQuery`) and numbers; `BinOp` and `Call` combine them;
a `Formula` names its queries and refers to them with `Ref` (the form a widget takes: queries + formula),
and `Formula.inline()` gives the one expression a metric monitor's query needs. `MonitorQuery` and
`ServiceCheckQuery` are whole monitor queries. Nodes are frozen and compare by value, so
`parse(render(tree)) == tree`; only `ddquery/render` writes text and only `ddquery/parse` reads it.

Text-level facts the nodes keep (not source semantics): a scope filter on a template variable (`$host`)
has no key (the dashboard's variable declares its tag); a query's space aggregation is always explicit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeAlias

from migrate.translate.ddquery.functions import Kind, signature


class QueryError(ValueError):
    """A node that Datadog could not read (an undeclared function, a bad aggregation): a translator bug."""


COMPARATORS = (">", ">=", "<", "<=", "==", "!=")
FILTER_OPS = ("eq", "ne", "in", "not_in", "any", "has", "has_not", "var")
ROLLUP_METHODS = ("avg", "sum", "min", "max", "count")
FILL_KINDS = ("null", "zero", "linear", "last")
# Log and RUM computes (docs monitors/types/log, real_user_monitoring): count, unique count of a facet, measures.
EVENT_ROLLUPS = ("count", "cardinality", "avg", "sum", "min", "max", "median", "pc75", "pc90", "pc95", "pc98", "pc99")
_SPACE = re.compile(r"(?:avg|sum|min|max|count|p\d{1,2}(?:\.\d+)?)")  # p50 .. p99.9: percentiles of distributions
_PLAIN_SPACES = frozenset(("avg", "sum", "min", "max", "count"))
_WINDOW = re.compile(r"(?:last|next)_\d+[mhdw]")


@dataclass(frozen=True, slots=True)
class Filter:
    """One scope term. op: eq | ne | in | not_in | any (OR of wildcard values) | has | has_not | var
    (`values[0]` is the `$name`; key "" in the tree, see the module docstring)."""

    key: str
    op: str
    values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.op not in FILTER_OPS:
            raise QueryError(f"scope filter op `{self.op}` is not one of {', '.join(FILTER_OPS)}")

    @property
    def needs_boolean(self) -> bool:
        """Datadog has no symbolic form for these; a scope with one is written in the boolean syntax."""
        return self.op in ("in", "not_in", "any")


@dataclass(frozen=True, slots=True)
class AsRate:
    """`.as_rate()`: a count metric as a per-second rate."""


@dataclass(frozen=True, slots=True)
class AsCount:
    """`.as_count()`: a count metric as the count per interval (monitors: evaluated with `sum` only)."""


@dataclass(frozen=True, slots=True)
class Rollup:
    """`.rollup(method[, seconds])`: time aggregation per interval."""

    method: str
    seconds: float | None = None

    def __post_init__(self) -> None:
        if self.method not in ROLLUP_METHODS:
            raise QueryError(f"rollup method `{self.method}` is not one of {', '.join(ROLLUP_METHODS)}")


@dataclass(frozen=True, slots=True)
class Fill:
    """`.fill(kind[, limit])`: gap filling."""

    kind: str
    limit: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in FILL_KINDS:
            raise QueryError(f"fill `{self.kind}` is not one of {', '.join(FILL_KINDS)}")


Modifier: TypeAlias = AsRate | AsCount | Rollup | Fill


@dataclass(frozen=True, slots=True)
class MetricQuery:
    """`space:metric{scope} by {tags}.modifiers`. APM trace metrics are metric queries too (`trace.<span>.hits`,
    `p95:trace.<span>` on the span's distribution)."""

    metric: str
    filters: tuple[Filter, ...] = ()
    space: str = "avg"
    group_by: tuple[str, ...] = ()
    modifiers: tuple[Modifier, ...] = ()

    def __post_init__(self) -> None:
        if self.space not in _PLAIN_SPACES and not _SPACE.fullmatch(self.space):
            raise QueryError(f"`{self.space}` is not a Datadog space aggregation (avg sum min max count pNN)")
        if not self.metric:
            raise QueryError("a metric query needs a metric name")


@dataclass(frozen=True, slots=True)
class _EventQuery:
    search: str
    rollup: str = "count"
    measure: str | None = None  # the `@measure` or facet of avg/cardinality/...; None for count
    group_by: tuple[str, ...] = ()  # facets

    def __post_init__(self) -> None:
        if self.rollup not in EVENT_ROLLUPS:
            raise QueryError(f"rollup `{self.rollup}` is not one of {', '.join(EVENT_ROLLUPS)}")
        if (self.measure is None) != (self.rollup == "count"):
            raise QueryError(f"rollup `{self.rollup}` {'needs' if self.measure is None else 'takes no'} measure")


@dataclass(frozen=True, slots=True)
class LogQuery(_EventQuery):
    """`logs("search").index("*").rollup("count"|"avg", "@measure").by("@facet")`."""

    index: str | None = "*"


@dataclass(frozen=True, slots=True)
class RumQuery(_EventQuery):
    """`rum("search").rollup(...).by(...)`: the same shape as LogQuery, without an index."""


Query: TypeAlias = MetricQuery | LogQuery | RumQuery


@dataclass(frozen=True, slots=True)
class Number:
    value: float


@dataclass(frozen=True, slots=True)
class Ref:
    """A named query inside a formula (`a`, `q1`, `query1`)."""

    name: str


BINARY_OPS = {"+": 1, "-": 1, "*": 2, "/": 2}  # precedence; the renderer parenthesises from it


@dataclass(frozen=True, slots=True)
class BinOp:
    lhs: Node
    op: str
    rhs: Node

    def __post_init__(self) -> None:
        if self.op not in BINARY_OPS:
            raise QueryError(f"`{self.op}` is not a Datadog formula operator (+ - * /)")


Arg: TypeAlias = "Node | str"  # str: a quoted literal argument


@dataclass(frozen=True, slots=True, init=False)
class Call:
    """A formula function from the declared vocabulary (ddquery/functions); arguments are checked there.
    Numbers may be given as floats: `Call("clamp_min", q, 0)`."""

    name: str
    args: tuple[Arg, ...]
    kwargs: tuple[tuple[str, Arg], ...]

    def __init__(self, name: str, *args: Arg | float, **kwargs: Arg | float) -> None:
        try:
            sig = signature(name)
        except ValueError as exc:
            raise QueryError(str(exc)) from None
        if not sig.required <= len(args) <= len(sig.args):
            count = f"{sig.required} to {len(sig.args)}" if sig.required < len(sig.args) else str(sig.required)
            raise QueryError(f"{name}() takes {count} arguments, not {len(args)}")
        checked = tuple(_arg(name, kind, a) for kind, a in zip(sig.args, args, strict=False))
        named: list[tuple[str, Arg]] = []
        for key, a in kwargs.items():
            if key not in sig.keywords:
                raise QueryError(f"{name}() has no `{key}=` argument")
            named.append((key, _arg(name, sig.keywords[key], a)))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "args", checked)
        object.__setattr__(self, "kwargs", tuple(named))


def _arg(fn: str, kind: Kind, value: Arg | float) -> Arg:
    if isinstance(value, bool):
        raise QueryError(f"{fn}() takes no boolean argument")
    if isinstance(value, int | float):
        value = Number(float(value))
    if kind is Kind.STRING:
        if not isinstance(value, str):
            raise QueryError(f"{fn}() takes a quoted string here, not {value!r}")
    elif isinstance(value, str):
        raise QueryError(f"{fn}() takes a {kind.value} here, not the string {value!r}")
    elif kind is Kind.NUMBER and not isinstance(value, Number):
        raise QueryError(f"{fn}() takes a literal number here, not {type(value).__name__}")
    return value


Node: TypeAlias = Number | Ref | BinOp | Call | MetricQuery | LogQuery | RumQuery


@dataclass(frozen=True, slots=True)
class Formula:
    """An expression over `Ref`s and the named queries it refers to, in order (a widget's queries + formula)."""

    queries: dict[str, Query]
    expr: Node

    def __post_init__(self) -> None:
        unknown = [name for name in _ref_names(self.expr) if name not in self.queries]
        if unknown:
            raise QueryError(f"the formula refers to unknown queries: {', '.join(unknown)}")

    @classmethod
    def of(cls, expression: Node) -> Formula:
        """The formula of an inline expression: its queries named `a`, `b`, ... in order (equal queries once)."""
        names: dict[Query, Ref] = {}
        for q in queries_in(expression):
            if q not in names:
                names[q] = Ref(chr(ord("a") + len(names)) if len(names) < 26 else f"q{len(names)}")

        def named(leaf: Node) -> Node:
            return names[leaf] if isinstance(leaf, MetricQuery | LogQuery | RumQuery) else leaf

        return cls({ref.name: q for q, ref in names.items()}, map_leaves(expression, named))

    def inline(self) -> Node:
        """Every `Ref` replaced by its query: one expression, as a metric monitor's query needs it."""
        return substitute(self.expr, self.queries)


@dataclass(frozen=True, slots=True)
class MonitorQuery:
    """`time_aggregation(window):expression comparator threshold`. Log and RUM monitors have no time aggregation
    and write the window after the query, `.last("5m")`: one query inline, or a `Formula` over named queries as
    `formula("a / b * 100").last("5m")` (its queries go to the monitor's `options.variables`). `next_<N>` windows
    are forecasts'."""

    time_aggregation: str
    window: str
    expression: Node | Formula
    comparator: str
    threshold: float

    def __post_init__(self) -> None:
        if not _WINDOW.fullmatch(self.window):
            raise QueryError(f"`{self.window}` is not a monitor window (last_5m, last_1h, next_1w, ...)")
        if self.comparator not in COMPARATORS:
            raise QueryError(f"`{self.comparator}` is not a monitor comparator")
        if self.event == bool(self.time_aggregation):
            raise QueryError("a log, RUM or formula monitor has no time aggregation; every other monitor needs one")
        if self.event and not self.window.startswith("last_"):
            raise QueryError("a log, RUM or formula monitor looks back (`last_`)")

    @property
    def event(self) -> bool:
        """Written `<query>.last("5m")`, not `aggr(last_5m):<query>`."""
        return isinstance(self.expression, LogQuery | RumQuery | Formula)


@dataclass(frozen=True, slots=True)
class ServiceCheckQuery:
    """`"check".over("tag",..).exclude(..).by("tag",..).last(N).count_by_status()`: a service check monitor."""

    check: str
    over: tuple[str, ...] = ()  # () is `"*"`
    exclude: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ()
    last: int = 1


def children(node: Node) -> Iterator[Node]:
    if isinstance(node, BinOp):
        yield node.lhs
        yield node.rhs
    elif isinstance(node, Call):
        for a in (*node.args, *(v for _, v in node.kwargs)):
            if not isinstance(a, str):
                yield a


def walk(node: Node) -> Iterator[Node]:
    """Every node of an expression, depth first, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))


def _ref_names(node: Node) -> list[str]:
    """The names `Ref`s in the expression use (unordered; built for every formula, so kept cheap)."""
    names: list[str] = []
    stack: list[Node | str] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Ref):
            names.append(current.name)
        elif isinstance(current, BinOp):
            stack += (current.lhs, current.rhs)
        elif isinstance(current, Call):
            stack += current.args
            stack += [v for _, v in current.kwargs]
    return names


def queries_in(node: Node) -> list[Query]:
    """The queries written inline in an expression, in order."""
    return [n for n in walk(node) if isinstance(n, MetricQuery | LogQuery | RumQuery)]


def has_modifier(node: Node, kind: type[Modifier]) -> bool:
    """Whether a metric query written inline in the expression carries a modifier of that kind (`AsCount`)."""
    return any(isinstance(m, kind) for q in queries_in(node) if isinstance(q, MetricQuery) for m in q.modifiers)


def map_leaves(node: Node, fn: Callable[[Node], Node]) -> Node:
    """The expression with every leaf (query, number, `Ref`) replaced by `fn(leaf)`."""
    if isinstance(node, BinOp):
        return BinOp(map_leaves(node.lhs, fn), node.op, map_leaves(node.rhs, fn))
    if isinstance(node, Call):
        return Call(
            node.name,
            *(a if isinstance(a, str) else map_leaves(a, fn) for a in node.args),
            **{k: v if isinstance(v, str) else map_leaves(v, fn) for k, v in node.kwargs},
        )
    return fn(node)


def substitute(node: Node, nodes: Mapping[str, Node]) -> Node:
    """The expression with each `Ref` whose name is in `nodes` replaced by that node."""
    return map_leaves(node, lambda leaf: nodes.get(leaf.name, leaf) if isinstance(leaf, Ref) else leaf)
