"""NRQL clauses: SELECT ... FROM ... or FROM ... SELECT ..., then the other clauses in any order.

NRQL does not fix the clause order after SELECT/FROM, so the parser reads clause after clause until
the end of the query (or the ``)`` closing a subquery), and refuses a clause written twice, except
WHERE, whose conditions NRQL ANDs together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from migrate.translate.nrql import ast
from migrate.translate.nrql.errors import NrqlSyntaxError
from migrate.translate.nrql.expressions import COMPARE, ExpressionParser, number
from migrate.translate.nrql.lexer import offset

_CLAUSES = "SELECT, FROM, WHERE, FACET, TIMESERIES, SINCE, UNTIL, LIMIT, COMPARE WITH, ..."
_NAMED_TIMES = frozenset({"TODAY", "YESTERDAY", "NOW"})
_PERIODS = frozenset({"MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"})


class Parser(ExpressionParser):
    def parse(self) -> ast.Query:
        query = self.query()
        if self.tokens[self.i].kind != "eof":
            raise self.error(f"a clause ({_CLAUSES}) or the end of the query")
        return query

    def query(self) -> ast.Query:
        self.enter()
        start = self.i
        fields: dict[str, Any] = {}
        while True:
            token = self.tokens[self.i]
            if token.kind == "eof" or (token.kind == "op" and token.value == ")"):
                break
            clause = _DISPATCH.get(token.value) if token.kind == "kw" else None
            if clause is None:
                raise self.error(f"a clause ({_CLAUSES})")
            at = self.i
            self.i += 1
            name, value = clause(self)
            if name == "where" and "where" in fields:
                value = ast.Binary("AND", fields["where"], value)
            elif name in fields:
                raise self.error(f"one {token.value} clause only", at)
            fields[name] = value
        for required in ("select", "source"):
            if required not in fields:
                what = "a SELECT clause" if required == "select" else "a FROM clause"
                raise NrqlSyntaxError(self.text, offset(self.text, start), f"{what} in this query", None)
        self.leave()
        return ast.Query(**fields)

    def _select(self) -> tuple[str, Any]:
        return "select", self.separated(self._select_item)

    def _select_item(self) -> ast.SelectItem:
        return ast.SelectItem(self.expr(), self.alias())

    def _from(self) -> tuple[str, Any]:
        if self.at_op("(") and self.ahead().kind == "kw" and self.ahead().value in ("SELECT", "FROM"):
            self.i += 1
            sub = self.query()
            self.expect_op(")", "to close the subquery after FROM")
            return "source", sub
        return "source", self.separated(self._event_type)

    def _event_type(self) -> ast.Identifier | ast.Variable:
        token = self.take()
        if token.kind == "ident":
            return ast.Identifier(token.value)
        if token.kind == "qident" and token.value:
            return ast.Identifier(token.value, quoted=True)
        if token.kind == "var":
            return ast.Variable(token.value)
        raise self.error_taken("an event type after FROM")

    def _where(self) -> tuple[str, Any]:
        return "where", self.expr()

    def _facet(self) -> tuple[str, Any]:
        return "facet", self.separated(self._facet_item)

    def _facet_item(self) -> ast.FacetItem:
        # FACET a OR b is a fallback between attributes, not a condition: read each side at comparison level.
        alternatives = [self.expr(COMPARE)]
        while self.at_kw("OR"):
            self.i += 1
            alternatives.append(self.expr(COMPARE))
        return ast.FacetItem(tuple(alternatives), self.alias())

    def _order(self) -> tuple[str, Any]:
        self.expect_word("BY", "after ORDER")
        return "order_by", self.separated(self._order_item)

    def _order_item(self) -> ast.OrderItem:
        expr = self.expr()
        if self.at_word("ASC", "DESC"):
            return ast.OrderItem(expr, self.take().value.upper() == "DESC")
        return ast.OrderItem(expr)

    def _timeseries(self) -> tuple[str, Any]:
        token = self.tokens[self.i]
        if token.kind in ("num", "var") or self.at_word("AUTO", "MAX"):
            return "timeseries", ast.Timeseries(self._bucket("TIMESERIES"))
        return "timeseries", ast.Timeseries()

    def _slide(self) -> tuple[str, Any]:
        self.expect_word("BY", "after SLIDE")
        return "slide_by", self._bucket("SLIDE BY")

    def _bucket(self, clause: str) -> ast.Bucket:
        token = self.take()
        if token.kind == "num":
            return ast.Duration(number(self, token), self.unit())
        if token.kind == "var":
            return ast.Variable(token.value)
        if token.kind == "ident" and token.value.upper() in ("AUTO", "MAX"):
            return ast.Keyword(token.value.upper())  # type: ignore[arg-type]
        raise self.error_taken(f"a duration (5 minutes), AUTO or MAX after {clause}")

    def _since(self) -> tuple[str, Any]:
        return "since", self._time("SINCE")

    def _until(self) -> tuple[str, Any]:
        return "until", self._time("UNTIL")

    def _compare(self) -> tuple[str, Any]:
        self.expect_word("WITH", "after COMPARE")
        return "compare_with", self._time("COMPARE WITH")

    def _time(self, clause: str) -> ast.TimePoint:
        token = self.take()
        if token.kind == "num":
            amount = number(self, token)
            unit = self.unit()
            if unit is None:
                if not isinstance(amount, int):
                    raise self.error_taken("a whole number of milliseconds since the epoch")
                return ast.Epoch(amount)
            if self.at_word("AGO"):
                self.i += 1
            return ast.Ago(ast.Duration(amount, unit))
        if token.kind == "str":
            return ast.DateTime(token.value)
        if token.kind == "var":
            return ast.Variable(token.value)
        if token.kind == "ident":
            word = token.value.upper()
            if word in _NAMED_TIMES:
                return ast.NamedTime(word.lower())
            if word in ("THIS", "LAST") and self.at_word(*_PERIODS):
                return ast.NamedTime(f"{word.lower()} {self.take().value.lower()}")
        raise self.error_taken(f"a time after {clause} (3 hours ago, today, this week, an epoch in ms, a quoted date)")

    def _limit(self) -> tuple[str, Any]:
        token = self.take()
        if token.kind == "num" and token.value.isdigit():
            return "limit", number(self, token)
        if token.kind == "ident" and token.value.upper() == "MAX":
            return "limit", ast.Keyword("MAX")
        if token.kind == "var":
            return "limit", ast.Variable(token.value)
        raise self.error_taken("a whole number or MAX after LIMIT")

    def _offset(self) -> tuple[str, Any]:
        token = self.take()
        if token.kind == "num" and token.value.isdigit():
            return "offset", number(self, token)
        raise self.error_taken("a whole number after OFFSET")

    def _extrapolate(self) -> tuple[str, Any]:
        return "extrapolate", True

    def _with(self) -> tuple[str, Any]:
        token = self.take()
        word = token.value.upper() if token.kind == "ident" else ""
        if word in ("TIMEZONE", "METRIC_FORMAT"):
            value = self.take()
            if value.kind != "str":
                raise self.error_taken(f"a quoted string after WITH {word}")
            return ("timezone" if word == "TIMEZONE" else "metric_format"), value.value
        raise self.error_taken("TIMEZONE or METRIC_FORMAT after WITH")


_DISPATCH: dict[str, Callable[[Parser], tuple[str, Any]]] = {
    "SELECT": Parser._select,
    "FROM": Parser._from,
    "WHERE": Parser._where,
    "FACET": Parser._facet,
    "ORDER": Parser._order,
    "TIMESERIES": Parser._timeseries,
    "SLIDE": Parser._slide,
    "SINCE": Parser._since,
    "UNTIL": Parser._until,
    "COMPARE": Parser._compare,
    "LIMIT": Parser._limit,
    "OFFSET": Parser._offset,
    "EXTRAPOLATE": Parser._extrapolate,
    "WITH": Parser._with,
}


def parse_nrql(text: str) -> ast.Query:
    """Parse one NRQL query into its tree, or raise NrqlSyntaxError naming line:column."""
    return Parser(text).parse()
