"""Markdown escaping for the report: text, code spans, fenced blocks and tables that no source string can break.

Source strings lose control characters (`migrate.textsafe`); `|`, backticks and Markdown punctuation are
escaped, newlines folded, so a table row keeps its cells and a name never becomes a link or markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from migrate.textsafe import clean, one_line

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def text(value: object) -> str:
    """Plain text safe in a paragraph or a table cell (one line)."""
    return _SPECIAL.sub(r"\\\1", one_line(value))


def code(value: object) -> str:
    """An inline code span safe in a table cell: enough backticks to enclose any run inside, `|` escaped."""
    content = one_line(value)
    longest = max((len(m) for m in re.findall(r"`+", content)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if content.startswith("`") or content.endswith("`") else ""
    return f"{ticks}{pad}{content}{pad}{ticks}".replace("|", "\\|")


def block(value: str, lang: str = "") -> list[str]:
    """A fenced code block long enough not to be closed by a fence inside the text."""
    value = clean(value)
    longest = max((len(m) for m in re.findall(r"`{3,}", value)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{lang}", *value.splitlines(), fence]


def table(header: Iterable[str], rows: Iterable[Iterable[object]], numeric_from: int = 1) -> list[str]:
    head = list(header)
    align = ["---" if i < numeric_from else "---:" for i in range(len(head))]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return [*lines, ""]
