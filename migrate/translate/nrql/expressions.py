"""NRQL expressions by precedence climbing: values, calls, math, comparisons and conditions.

Binding, loosest first: OR, AND, NOT, comparisons and predicates (= != < IN LIKE RLIKE IS),
+ -, * /, unary minus. Predicates are postfix at comparison level, so ``a NOT IN (...)`` and
``x IS NOT NULL`` read like the other comparisons.
"""

from __future__ import annotations

import math

from migrate.translate.nrql import ast
from migrate.translate.nrql.cursor import MAX_DEPTH, Cursor
from migrate.translate.nrql.lexer import Token

OR, AND, NOT, COMPARE, ADD, MUL, UNARY = 1, 2, 3, 4, 5, 6, 7

_BINARY: dict[str, tuple[int, ast.BinaryOperator]] = {
    "OR": (OR, "OR"),
    "AND": (AND, "AND"),
    "=": (COMPARE, "="),
    "!=": (COMPARE, "!="),
    "<>": (COMPARE, "!="),
    "<": (COMPARE, "<"),
    "<=": (COMPARE, "<="),
    ">": (COMPARE, ">"),
    ">=": (COMPARE, ">="),
    "+": (ADD, "+"),
    "-": (ADD, "-"),
    "*": (MUL, "*"),
    "/": (MUL, "/"),
}
_PREDICATES = frozenset({"IN", "LIKE", "RLIKE", "IS", "NOT"})
_CONSTANTS: dict[str, ast.Expr] = {"TRUE": ast.Boolean(True), "FALSE": ast.Boolean(False), "NULL": ast.Null()}
_QUERY_START = frozenset({"SELECT", "FROM"})


def number(cursor: Cursor, token: Token) -> int | float:
    """The value of the number token just taken; NRQL numbers are 64-bit, so longer ones are refused
    (which also keeps int() away from its 4,300-digit ValueError)."""
    text = token.value
    if "." in text or "e" in text or "E" in text:
        value = float(text)
        if not math.isfinite(value):
            raise cursor.error_taken("a number NRQL can hold")
        return value
    if len(text) > 19:
        raise cursor.error_taken("a number NRQL can hold")
    return int(text)


class ExpressionParser(Cursor):
    def query(self) -> ast.Query:  # provided by the clause parser; subqueries need it
        raise NotImplementedError

    def expr(self, min_prec: int = OR) -> ast.Expr:
        # The hottest function of the parser: the depth guard and the prefix operators are inlined.
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"at most {MAX_DEPTH} levels of nesting")
        tokens = self.tokens
        token = tokens[self.i]
        left: ast.Expr
        if token.kind == "kw" and token.value == "NOT":
            self.i += 1
            left = ast.Not(self.expr(NOT))
        elif token.kind == "op" and token.value == "-":
            self.i += 1
            operand = self.expr(UNARY)
            left = ast.Number(-operand.value) if isinstance(operand, ast.Number) else ast.Negate(operand)
        else:
            left = self._primary()
        while True:
            token = tokens[self.i]
            kind = token.kind
            if kind not in {"op", "kw"}:
                break
            binary = _BINARY.get(token.value)
            if binary is not None:
                prec, op = binary
                if prec < min_prec:
                    break
                self.i += 1
                left = ast.Binary(op, left, self.expr(prec + 1))
            elif kind == "kw" and token.value in _PREDICATES and min_prec <= COMPARE:
                predicate = self._predicate(left)
                if predicate is None:
                    break
                left = predicate
            else:
                break
        self.depth -= 1
        return left

    def _primary(self) -> ast.Expr:
        token = self.tokens[self.i]
        self.i += 1
        kind = token.kind
        if kind == "ident":
            following = self.tokens[self.i]
            if following.kind == "op":
                if following.value == "(":
                    if token.value.lower() == "cases":
                        return self._cases()
                    return ast.Call(token.value, self._args())
                if following.value == "[":
                    return self._field(token.value, quoted=False)
            return ast.Identifier(token.value)
        if kind == "num":
            amount = number(self, token)
            unit = self.unit()
            return ast.Number(amount) if unit is None else ast.Duration(amount, unit)
        if kind == "str":
            return ast.String(token.value)
        if kind == "qident":
            if not token.value:
                raise self.error_taken("a name inside the backticks")
            if self.at_op("["):
                return self._field(token.value, quoted=True)
            return ast.Identifier(token.value, quoted=True)
        if kind == "var":
            return ast.Variable(token.value)
        if kind == "rstr":
            return ast.String(token.value, raw=True)
        if kind == "kw" and token.value in _CONSTANTS:
            return _CONSTANTS[token.value]
        if kind == "op":
            if token.value == "(":
                if self.tokens[self.i].kind == "kw" and self.tokens[self.i].value in _QUERY_START:
                    inner: ast.Expr = ast.Subquery(self.query())
                else:
                    inner = self.expr()
                self.expect_op(")", "to close the parenthesis")
                return inner
            if token.value == "*":
                return ast.Star()
        raise self.error_taken("a value, a name or a function call")

    def _field(self, name: str, *, quoted: bool) -> ast.Identifier:
        """``name[field]``: the cursor is on the ``[``."""
        self.i += 1
        field = self.take()
        if field.kind != "ident":
            raise self.error_taken("a metric field name (count, sum, latest, ...) inside [ ]")
        self.expect_op("]", "to close the metric field")
        return ast.Identifier(name, quoted, field.value)

    def _predicate(self, left: ast.Expr) -> ast.Expr | None:
        negated = self.at_kw("NOT")
        if negated:
            following = self.ahead()
            if following.kind != "kw" or following.value not in ("IN", "LIKE", "RLIKE"):
                return None  # a NOT that starts something else; the caller decides
            self.i += 1
        word = self.take().value
        if word == "IN":
            return ast.In(left, self._in_values(), negated)
        if word in {"LIKE", "RLIKE"}:
            return ast.Like(left, self.expr(ADD), negated, regex=word == "RLIKE")
        negated = self.at_kw("NOT")
        if negated:
            self.i += 1
        token = self.take()
        if token.kind != "kw" or token.value not in ("NULL", "TRUE", "FALSE"):
            raise self.error_taken("NULL, TRUE or FALSE after IS")
        return ast.Is(left, token.value, negated)  # type: ignore[arg-type]

    def _in_values(self) -> tuple[ast.Expr, ...] | ast.Query:
        if self.tokens[self.i].kind == "var":  # IN {{values}}: a multi-value variable without parentheses
            return (ast.Variable(self.take().value),)
        self.expect_op("(", "to open the IN list")
        if self.tokens[self.i].kind == "kw" and self.tokens[self.i].value in _QUERY_START:
            sub = self.query()
            self.expect_op(")", "to close the subquery")
            return sub
        return self.enclosed(self.expr, "to close the IN list")

    def _args(self) -> tuple[ast.Arg, ...]:
        self.i += 1  # the '(' the caller saw
        return self.enclosed(self._arg, "to close the function's arguments")

    def _arg(self) -> ast.Arg:
        token = self.tokens[self.i]
        if token.kind == "kw" and token.value == "WHERE":
            self.i += 1
            return ast.WhereArg(self.expr(), self.alias())
        if token.kind == "ident" and self.ahead().kind == "op" and self.ahead().value == ":":
            self.i += 2
            return ast.NamedArg(token.value, self.expr())
        return self.expr()

    def _cases(self) -> ast.Cases:
        self.i += 1
        cases = self.enclosed(self._case, "to close CASES(...)")
        if not cases:
            raise self.error_taken("at least one condition in CASES(...)")
        return ast.Cases(cases)

    def _case(self) -> ast.Case:
        if self.at_kw("WHERE"):
            self.i += 1
        return ast.Case(self.expr(), self.alias())

    def alias(self) -> str | None:
        """``AS 'name'``, ``AS name`` or ``AS `name```, or None when no AS follows."""
        if not self.at_kw("AS"):
            return None
        self.i += 1
        token = self.take()
        if token.kind in ("str", "ident", "qident"):
            return token.value
        raise self.error_taken("a name after AS")
