"""The one reader of Datadog query text, into the query tree (ddquery/tree): metric queries, formulas
(over query names or inline queries), log and RUM queries, and monitor queries: metric, log/RUM, formula
(`formula("a / b").last("5m")`, queries from options.variables) and service check. `scan` is its scanner.

For text the project writes, `render(parse(text)) == text`. Text from elsewhere (live Datadog state, payloads
the local test server receives) may be written differently; what has no node (a value-less tag term, a
nested boolean scope) raises `QuerySyntaxError`, naming the text and the column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from migrate.translate.ddquery.scan import QuerySyntaxError, Scanner
from migrate.translate.ddquery.tree import (
    BINARY_OPS,
    COMPARATORS,
    AsCount,
    AsRate,
    BinOp,
    Call,
    Fill,
    Filter,
    Formula,
    LogQuery,
    MetricQuery,
    Modifier,
    MonitorQuery,
    Node,
    Number,
    Query,
    QueryError,
    Ref,
    Rollup,
    RumQuery,
    ServiceCheckQuery,
    queries_in,
)

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_METRIC = re.compile(r"[A-Za-z0-9_.]+")
_COMPARATOR = re.compile(r">=|<=|==|!=|>|<")
_WINDOW = re.compile(r"(?:last|next)_\d+[mhdw]")
_QUERY_START = re.compile(r"(?<![\w.])(avg|sum|min|max|count|p\d{1,2}(?:\.\d+)?):(?=[A-Za-z])")
_EVENT_SOURCES = {"logs": LogQuery, "rum": RumQuery}


def parse_monitor(text: str, variables: Mapping[str, Query] | None = None) -> MonitorQuery | ServiceCheckQuery:
    """A monitor's `query`: metric (`avg(last_5m):... > 1`), log/RUM (`logs(..)...last("5m") > 1`), formula
    (`formula("a / b").last("5m") > 1`, its queries given as `variables`, read from `options.variables`) or
    service check (`"check".over(..)...count_by_status()`)."""
    r = _Reader(text)
    if r.peek('"'):
        return r.service_check()
    word = r.match(_WORD)
    if word in _EVENT_SOURCES and r.peek("("):
        query = r.event_monitor(r.event_query(word))
    elif word == "formula" and r.peek("("):
        r.expect("(")
        expr = parse_expression(r.string())
        r.expect(")")
        if variables is None:
            r.fail("the queries of a formula monitor (its options.variables)")
        try:
            formula = Formula(dict(variables), expr)
        except QueryError as exc:
            raise QuerySyntaxError(f"`{text}`: {exc}") from None
        query = r.event_monitor(formula)
    else:
        word = word or r.fail("a time aggregation")
        r.expect("(")
        window = r.match(_WINDOW) or r.fail("a window like last_5m")
        r.expect("):")
        query = r.comparison(word, window, r.expr())
    r.end()
    return query


def parse_expression(text: str) -> Node:
    """A formula over query names (`a / b * 100`) or an inline expression (`abs(sum:x{*})`)."""
    r = _Reader(text)
    node = r.expr()
    r.end()
    return node


def parse_query(text: str) -> Query:
    """One metric, log or RUM query."""
    node = parse_expression(text)
    if not isinstance(node, MetricQuery | LogQuery | RumQuery):
        raise QuerySyntaxError(f"`{text}` is a formula, not one query")
    return node


def parse_formula(formula: str, queries: Mapping[str, str]) -> Formula:
    """A widget's formula text and its named queries' texts."""
    try:
        return Formula({name: parse_query(q) for name, q in queries.items()}, parse_expression(formula))
    except QueryError as exc:
        raise QuerySyntaxError(f"formula `{formula}`: {exc}") from None


def metric_names(text: str) -> list[str]:
    """The metrics a monitor query, formula or query reads, in order. Callers read state they may not have
    written: when the whole text does not read (a function not in the vocabulary, a form Datadog added later),
    the head of each metric query in it (`space:metric{`) still names its metric; a log search string has none."""
    for reader in (parse_monitor, parse_expression):
        try:
            node = reader(text)
        except QuerySyntaxError:
            continue
        if isinstance(node, ServiceCheckQuery):
            return []
        found = node.expression if isinstance(node, MonitorQuery) else node
        expression = found.inline() if isinstance(found, Formula) else found
        return list(dict.fromkeys(q.metric for q in queries_in(expression) if isinstance(q, MetricQuery)))
    names: list[str] = []
    for start in _QUERY_START.finditer(text):  # `space:metric{`: the head of a metric query, whatever follows
        r = _Reader(text)
        r.pos = start.end()
        name = r.match(_METRIC)
        if name and r.peek("{"):
            names.append(name)
    return list(dict.fromkeys(names))


class _Reader(Scanner):
    """The grammar, over the scanner."""

    # --- monitors ------------------------------------------------------------------------------
    def comparison(self, aggr: str, window: str, expression: Node | Formula) -> MonitorQuery:
        op = self.match(_COMPARATOR) or self.fail(f"a comparator ({' '.join(COMPARATORS)})")
        threshold = self.number()
        try:
            return MonitorQuery(aggr, window, expression, op, threshold)
        except QueryError as exc:
            raise QuerySyntaxError(f"`{self.text}`: {exc}") from None

    def event_monitor(self, expression: Node | Formula) -> MonitorQuery:
        self.expect('.last("')
        window = "last_" + self.until('"')
        self.expect('")')
        return self.comparison("", window, expression)

    def service_check(self) -> ServiceCheckQuery:
        check = self.string()
        self.expect(".over(")
        over = self.strings()
        self.expect(")")
        exclude: tuple[str, ...] = ()
        if self.accept(".exclude("):
            exclude = self.strings()
            self.expect(")")
        self.expect(".by(")
        group_by = self.strings()
        self.expect(").last(")
        last = self.number()
        self.expect(").count_by_status()")
        self.end()
        return ServiceCheckQuery(check, () if over == ("*",) else over, exclude, group_by, int(last))

    # --- expressions ---------------------------------------------------------------------------
    def expr(self, prec: int = 1) -> Node:
        """Operators of precedence `prec` and above, left-associative (BINARY_OPS: + - are 1, * / are 2)."""
        node = self.expr(prec + 1) if prec < 2 else self.factor()
        while True:
            op = next((o for o, p in BINARY_OPS.items() if p == prec and self.accept(o)), "")
            if not op:
                return node
            node = BinOp(node, op, self.expr(prec + 1) if prec < 2 else self.factor())

    def factor(self) -> Node:
        if self.accept("("):
            node = self.expr()
            self.expect(")")
            return node
        self.ws()
        if self.text[self.pos : self.pos + 1].isdigit() or self.peek("-") or self.peek("."):
            return Number(self.number())
        start = self.pos
        word = self.match(_WORD) or self.fail("a query, a number, a function or a query name")
        if self.text.startswith(":", self.pos):
            self.pos += 1
            return self.metric_query(word, start)
        if "." in word:
            self.pos = start
            self.fail("a query name or function")
        if self.text.startswith("(", self.pos):
            if word in _EVENT_SOURCES:
                return self.event_query(word)
            return self.call(word, start)
        return Ref(word)

    def call(self, name: str, start: int) -> Call:
        self.expect("(")
        args: list[Node | str] = []
        kwargs: dict[str, Node | str] = {}
        while not self.accept(")"):
            if args or kwargs:
                self.expect(",")
            self.ws()
            keyword = re.match(r"([a-z_]+)=", self.text[self.pos :])
            if keyword:
                self.pos += keyword.end()
            value: Node | str = self.string() if self.peek("'") or self.peek('"') else self.expr()
            if keyword:
                kwargs[keyword.group(1)] = value
            else:
                args.append(value)
        try:
            return Call(name, *args, **kwargs)
        except QueryError as exc:
            self.pos = start
            self.fail(f"a declared function call ({exc})")

    # --- queries -------------------------------------------------------------------------------
    def metric_query(self, space: str, start: int) -> MetricQuery:
        metric = self.match(_METRIC) or self.fail("a metric name")
        self.expect("{")
        filters = _scope(self.until("}"), self)
        self.pos += 1
        group_by: tuple[str, ...] = ()
        if self.accept("by {"):
            group_by = tuple(t.strip() for t in self.until("}").split(",") if t.strip())
            self.pos += 1
        modifiers: list[Modifier] = []
        while self.text.startswith(".", self.pos):
            modifiers.append(self.modifier())
        try:
            return MetricQuery(metric, filters, space, group_by, tuple(modifiers))
        except QueryError as exc:
            self.pos = start
            self.fail(f"a metric query ({exc})")

    def modifier(self) -> Modifier:
        self.pos += 1
        name = self.match(_WORD)
        self.expect("(")
        if name in ("as_rate", "as_count"):
            self.expect(")")
            return AsRate() if name == "as_rate" else AsCount()
        if name not in ("rollup", "fill"):
            self.fail("a query function (as_rate, as_count, rollup, fill)")
        word = self.match(_WORD) or self.fail("a rollup method or fill kind")
        seconds = self.number() if self.accept(",") else None
        self.expect(")")
        try:
            return Rollup(word, seconds) if name == "rollup" else Fill(word, seconds)
        except QueryError as exc:
            self.fail(str(exc))

    def event_query(self, source: str) -> LogQuery | RumQuery:
        self.expect("(")
        search = self.string()
        self.expect(")")
        index = None
        if source == "logs" and self.accept(".index("):
            index = self.string()
            self.expect(")")
        self.expect(".rollup(")
        rollup = self.string()
        measure = self.string() if self.accept(",") else None
        self.expect(")")
        group_by: tuple[str, ...] = ()
        if self.accept(".by("):
            group_by = tuple(g for g in self.string().split(",") if g)
            self.expect(")")
        try:
            if source == "logs":
                return LogQuery(search, rollup, measure, group_by, index)
            return RumQuery(search, rollup, measure, group_by)
        except QueryError as exc:
            self.fail(str(exc))


def _scope(text: str, r: _Reader) -> tuple[Filter, ...]:
    text = text.strip()
    if text == "*":
        return ()
    if " AND " in text or " IN (" in text or " OR " in text or text.startswith(("NOT ", "(")):
        return tuple(_boolean_term(t.strip(), r) for t in _split_and(text))
    return tuple(_symbolic_term(t.strip(), r) for t in text.split(","))


def _split_and(text: str) -> list[str]:
    """` AND `-separated terms, not splitting inside parentheses."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and text.startswith(" AND ", i):
            parts.append(text[start:i])
            i += 5
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return parts


def _symbolic_term(term: str, r: _Reader) -> Filter:
    if term.startswith("$"):
        return Filter("", "var", (term,))
    negated = term.startswith("!")
    key, colon, value = term.removeprefix("!").partition(":")
    if not colon or not key or not value:
        r.fail(f"a `tag:value` scope term, not `{term}`")
    if value == "*":
        return Filter(key, "has_not" if negated else "has")
    return Filter(key, "ne" if negated else "eq", (value,))


def _boolean_term(term: str, r: _Reader) -> Filter:
    if term.startswith("(") and term.endswith(")"):
        alternatives = [_symbolic_term(t.strip(), r) for t in term[1:-1].split(" OR ")]
        keys = {f.key for f in alternatives}
        if len(keys) != 1 or any(f.op != "eq" for f in alternatives):
            r.fail(f"an OR of values of one tag, not `{term}`")
        return Filter(keys.pop(), "any", tuple(f.values[0] for f in alternatives))
    for marker, op in ((" NOT IN (", "not_in"), (" IN (", "in")):
        key, found, rest = term.partition(marker)
        if found:
            if not rest.endswith(")"):
                r.fail(f"`)` closing `{term}`")
            return Filter(key.strip(), op, tuple(v.strip() for v in rest[:-1].split(",")))
    if term.startswith("NOT "):
        return _symbolic_term("!" + term[4:].strip(), r)
    return _symbolic_term(term, r)
