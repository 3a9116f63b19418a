"""The typed NRQL tree: frozen dataclasses, compared by value.

The parser keeps what the query says and nothing it would have to guess: function names are not
checked against a list (the translator decides what it knows), keyword spellings are normalised to
upper case, and a bare number where NRQL takes a time (``SINCE 1700000000000``, ``TIMESERIES 60000``)
is kept as written for the translator to read (epoch milliseconds, or a bucket in milliseconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

# --- values and names -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Number:
    value: int | float


@dataclass(frozen=True, slots=True)
class String:
    value: str
    raw: bool = False  # r'...': backslashes were kept as written (NRQL regex literals)


@dataclass(frozen=True, slots=True)
class Boolean:
    value: bool


@dataclass(frozen=True, slots=True)
class Null:
    pass


@dataclass(frozen=True, slots=True)
class Identifier:
    """An attribute or event type name; ``quoted`` when it was written in backticks.

    ``field`` is the part of a dimensional metric a query names: ``restartCount[latest]``.
    """

    name: str
    quoted: bool = False
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Variable:
    """A dashboard template variable ``{{name}}``, wherever a value or name may stand."""

    name: str


@dataclass(frozen=True, slots=True)
class Star:
    """``*`` in ``SELECT *`` and ``count(*)``."""


@dataclass(frozen=True, slots=True)
class Duration:
    """``5 minutes``; ``unit`` is singular lower case (minute, hour, ...) or None for a bare number.

    A bare number only comes from TIMESERIES / SLIDE BY, where NRQL reads it as milliseconds: New
    Relic's own PromQL translation writes 5-minute windows sliding by 1 minute as
    ``TIMESERIES 300000 SLIDE BY 60000`` (docs.newrelic.com/whats-new/2020/10/
    build-high-resolution-charts-using-sliding-windows).
    """

    amount: int | float
    unit: str | None


# --- operators --------------------------------------------------------------------------------

BinaryOperator: TypeAlias = Literal["+", "-", "*", "/", "=", "!=", "<", "<=", ">", ">=", "AND", "OR"]


@dataclass(frozen=True, slots=True)
class Binary:
    op: BinaryOperator  # `<>` is read as `!=`
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Negate:
    """Unary minus on anything but a number literal (``-5`` is ``Number(-5)``)."""

    operand: Expr


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class In:
    operand: Expr
    values: tuple[Expr, ...] | Query  # a list, or a subquery
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Like:
    operand: Expr
    pattern: Expr
    negated: bool = False
    regex: bool = False  # RLIKE


@dataclass(frozen=True, slots=True)
class Is:
    """``x IS [NOT] NULL | TRUE | FALSE``."""

    operand: Expr
    value: Literal["NULL", "TRUE", "FALSE"]
    negated: bool = False


# --- calls ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WhereArg:
    """``WHERE cond [AS 'label']`` as a function argument: filter(), percentage(), funnel() steps."""

    condition: Expr
    alias: str | None = None


@dataclass(frozen=True, slots=True)
class NamedArg:
    """``t: 0.5`` in apdex(), ``width: 10`` in buckets() and histogram()."""

    name: str
    value: Expr


Arg: TypeAlias = "Expr | WhereArg | NamedArg"


@dataclass(frozen=True, slots=True)
class Call:
    """Any function call; ``name`` is as written (compare it lower-cased)."""

    name: str
    args: tuple[Arg, ...]


@dataclass(frozen=True, slots=True)
class Case:
    condition: Expr
    alias: str | None = None


@dataclass(frozen=True, slots=True)
class Cases:
    """``CASES(WHERE a AS 'x', b AS 'y')``; the WHERE before each condition is optional in NRQL."""

    cases: tuple[Case, ...]


@dataclass(frozen=True, slots=True)
class Subquery:
    """A parenthesised query used as a value (``x IN (SELECT ...)`` keeps its Query directly)."""

    query: Query


Expr: TypeAlias = (
    Number
    | String
    | Boolean
    | Null
    | Identifier
    | Variable
    | Star
    | Duration
    | Binary
    | Negate
    | Not
    | In
    | Like
    | Is
    | Call
    | Cases
    | Subquery
)

# --- clauses ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SelectItem:
    expr: Expr
    alias: str | None = None


@dataclass(frozen=True, slots=True)
class FacetItem:
    """One FACET entry: ``a OR b`` tries each attribute in turn (NRQL's facet fallback)."""

    alternatives: tuple[Expr, ...]
    alias: str | None = None


@dataclass(frozen=True, slots=True)
class OrderItem:
    expr: Expr
    descending: bool | None = None  # None: no ASC/DESC written


@dataclass(frozen=True, slots=True)
class Keyword:
    """``AUTO`` or ``MAX`` where NRQL takes a bucket or a limit."""

    word: Literal["AUTO", "MAX"]


@dataclass(frozen=True, slots=True)
class Ago:
    """``3 hours ago`` (AGO may be left out)."""

    duration: Duration


@dataclass(frozen=True, slots=True)
class NamedTime:
    """``today``, ``yesterday``, ``now``, ``this week``, ``last month``... lower case, one space."""

    name: str


@dataclass(frozen=True, slots=True)
class Epoch:
    """A bare number: milliseconds since the epoch."""

    millis: int


@dataclass(frozen=True, slots=True)
class DateTime:
    """A quoted date-time, as written (``'2021-10-21 10:00:00'``)."""

    text: str


TimePoint: TypeAlias = Ago | NamedTime | Epoch | DateTime | Variable
Bucket: TypeAlias = Duration | Keyword | Variable


@dataclass(frozen=True, slots=True)
class Timeseries:
    """``TIMESERIES [bucket]``; ``bucket`` None when none is written (NRQL picks one)."""

    bucket: Bucket | None = None


Source: TypeAlias = "tuple[Identifier | Variable, ...] | Query"


@dataclass(frozen=True, slots=True)
class Query:
    """One NRQL query. Several WHERE clauses are ANDed into one condition, as NRQL does."""

    select: tuple[SelectItem, ...]
    source: Source  # event types, or FROM (subquery)
    where: Expr | None = None
    facet: tuple[FacetItem, ...] = ()
    order_by: tuple[OrderItem, ...] = ()
    timeseries: Timeseries | None = None
    slide_by: Bucket | None = None
    limit: int | Keyword | Variable | None = None
    offset: int | None = None
    since: TimePoint | None = None
    until: TimePoint | None = None
    compare_with: TimePoint | None = None
    extrapolate: bool = False
    timezone: str | None = None
    metric_format: str | None = None
