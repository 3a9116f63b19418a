"""The character-level scanner under ddquery/parse: a cursor over one Datadog query text, its literals
(quoted strings, numbers) and errors that say where the text stopped making sense."""

from __future__ import annotations

import re
from typing import NoReturn

from migrate.errors import DDMigrateError


class QuerySyntaxError(DDMigrateError):
    """Datadog query text the reader cannot turn into a tree."""


_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


class Scanner:
    """A cursor over one query text; every miss raises QuerySyntaxError naming the text and column."""

    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def fail(self, wanted: str) -> NoReturn:
        at = f"at column {self.pos + 1}"
        raise QuerySyntaxError(f"cannot read the Datadog query `{self.text}`: expected {wanted} {at}")

    def ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1

    def peek(self, s: str) -> bool:
        self.ws()
        return self.text.startswith(s, self.pos)

    def accept(self, s: str) -> bool:
        if self.peek(s):
            self.pos += len(s)
            return True
        return False

    def expect(self, s: str) -> None:
        if not self.accept(s):
            self.fail(f"`{s}`")

    def match(self, pattern: re.Pattern[str]) -> str | None:
        self.ws()
        m = pattern.match(self.text, self.pos)
        if m is None:
            return None
        self.pos = m.end()
        return m.group(0)

    def until(self, stop: str) -> str:
        end = self.text.find(stop, self.pos)
        if end < 0:
            self.fail(f"`{stop}`")
        part, self.pos = self.text[self.pos : end], end
        return part

    def end(self) -> None:
        self.ws()
        if self.pos != len(self.text):
            self.fail("the end of the query")

    def string(self) -> str:
        self.ws()
        quote = self.text[self.pos : self.pos + 1]
        if quote not in ("'", '"'):
            self.fail("a quoted string")
        out: list[str] = []
        i = self.pos + 1
        while i < len(self.text) and self.text[i] != quote:
            if self.text[i] == "\\" and i + 1 < len(self.text):
                i += 1
            out.append(self.text[i])
            i += 1
        if i >= len(self.text):
            self.fail(f"the closing {quote}")
        self.pos = i + 1
        return "".join(out)

    def strings(self) -> tuple[str, ...]:
        values: list[str] = []
        while self.peek('"'):
            values.append(self.string())
            if not self.accept(","):
                break
        return tuple(values)

    def number(self) -> float:
        text = self.match(_NUMBER) or self.fail("a number")
        return float(text)
