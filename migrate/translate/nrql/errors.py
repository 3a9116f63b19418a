"""The one exception the NRQL parser raises: where (line:column) and what was expected."""

from __future__ import annotations

from migrate.errors import TranslationError


def location(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset (columns count characters, not bytes)."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


class NrqlSyntaxError(TranslationError):
    """``1:27: expected an event type after FROM, found ','``.

    ``found`` is None when the problem is something missing from the whole query (no FROM clause).
    """

    def __init__(self, text: str, offset: int, expected: str, found: str | None) -> None:
        self.line, self.column = location(text, offset)
        self.offset = offset
        self.expected = expected
        self.found = found
        tail = f", found {found}" if found is not None else ""
        super().__init__(f"{self.line}:{self.column}: expected {expected}{tail}")
