"""The token cursor both halves of the parser stand on: look, take, expect, and fail with a location."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from migrate.translate.nrql.errors import NrqlSyntaxError
from migrate.translate.nrql.lexer import EOF, Token, describe, offset, tokenize

T = TypeVar("T")

# Deeper nesting than this (parentheses, calls, subqueries, unary chains) is refused with a syntax
# error before Python's own recursion limit is near: each level costs at most ~6 interpreter frames.
MAX_DEPTH = 64

TIME_UNITS = {
    "millisecond": "millisecond",
    "milliseconds": "millisecond",
    "second": "second",
    "seconds": "second",
    "minute": "minute",
    "minutes": "minute",
    "hour": "hour",
    "hours": "hour",
    "day": "day",
    "days": "day",
    "week": "week",
    "weeks": "week",
    "month": "month",
    "months": "month",
    "quarter": "quarter",
    "quarters": "quarter",
    "year": "year",
    "years": "year",
}


class Cursor:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.tokens.append(EOF)  # so taking the end of the query once more (to report it) stays in range
        self.i = 0
        self.depth = 0

    def ahead(self, n: int = 1) -> Token:
        return self.tokens[min(self.i + n, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def error(self, expected: str, at: int | None = None) -> NrqlSyntaxError:
        """The error to raise about the token at index ``at`` (default: the one at the cursor)."""
        index = min(self.i if at is None else at, len(self.tokens) - 1)
        found = describe(self.tokens[index])
        return NrqlSyntaxError(self.text, offset(self.text, index), expected, found)

    def error_taken(self, expected: str) -> NrqlSyntaxError:
        """The error to raise about the token just taken."""
        return self.error(expected, self.i - 1)

    def at_op(self, op: str) -> bool:
        token = self.tokens[self.i]
        return token.kind == "op" and token.value == op

    def at_kw(self, word: str) -> bool:
        token = self.tokens[self.i]
        return token.kind == "kw" and token.value == word

    def at_word(self, *words: str) -> bool:
        """A contextual word (AUTO, MAX, BY, AGO...), which the lexer leaves an identifier."""
        token = self.tokens[self.i]
        return token.kind == "ident" and token.value.upper() in words

    def expect_op(self, op: str, context: str) -> Token:
        if not self.at_op(op):
            raise self.error(f"'{op}' {context}")
        return self.take()

    def expect_word(self, word: str, context: str) -> Token:
        if not self.at_word(word) and not self.at_kw(word):
            raise self.error(f"{word} {context}")
        return self.take()

    def separated(self, item: Callable[[], T]) -> tuple[T, ...]:
        """One or more items separated by commas."""
        items = [item()]
        while self.at_op(","):
            self.i += 1
            items.append(item())
        return tuple(items)

    def enclosed(self, item: Callable[[], T], context: str) -> tuple[T, ...]:
        """Zero or more comma-separated items up to a ``)``, taken; the ``(`` is already taken."""
        items: list[T] = []
        while not self.at_op(")"):
            items.append(item())
            if not self.at_op(","):
                break
            self.i += 1
        self.expect_op(")", context)
        return tuple(items)

    def unit(self) -> str | None:
        """The time unit at the cursor, taken, or None (not taken) when there is none."""
        token = self.tokens[self.i]
        if token.kind != "ident":
            return None
        unit = TIME_UNITS.get(token.value.lower())
        if unit is not None:
            self.i += 1
        return unit

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"at most {MAX_DEPTH} levels of nesting")

    def leave(self) -> None:
        self.depth -= 1
