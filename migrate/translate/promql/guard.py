"""The one way ddmigrate calls the PromQL parser: with a size check first.

`promql_parser` is a native extension whose recursive-descent parser overflows the C stack (the
process dies with SIGSEGV, no exception, no message) at a few thousand nested or chained operations:
`x+x+...` with ~4,500 terms, ~10,000 nested parentheses, a long chain of unary minus signs, or less when
they combine. Real rules are far below the limit used here; an expression above it raises `TooComplex`,
which the translator reports as `promql.too_deep` (manual).

The check has to see what the parser's lexer sees, or an input can hide its nesting from it: string
literals and `#` comments are skipped as the lexer skips them (a `"` inside a comment opens no string,
a `#` inside a string starts no comment). Quoted strings end at the line's end, raw (backtick) strings
may span lines, as in `promql_parser`. Where the two could disagree the scan counts more, never less.
"""

from __future__ import annotations

import re
from typing import Any

import promql_parser

# Nesting depth + operator count; the parser crashed at about 6,000 in testing, threads may have less stack.
MAX_COMPLEXITY = 1000
# One alternation scanned left to right: whichever construct starts first wins, as in a lexer. Only the
# named groups are code; strings and comments match without a group and are skipped.
_TOKENS = re.compile(
    r""""(?:[^"\\\n]|\\.)*"?"""  # double-quoted string (unterminated: up to the line's end)
    r"""|'(?:[^'\\\n]|\\.)*'?"""  # single-quoted string
    r"|`[^`]*`?"  # raw string, may span lines
    r"|\#[^\n]*"  # comment to the end of the line
    r"|(?P<open>[(\[{])|(?P<close>[)\]}])"
    r"|(?P<op>[=!]=|[=!]~|[-+*/%^<>]|\b(?:and|or|unless|atan2)\b)"
)


class TooComplex(ValueError):
    """Deeper or longer than the native parser survives. A ValueError, like the parser's syntax errors."""


def complexity(expr: str) -> int:
    """Deepest bracket nesting plus the number of operators, in code only (not strings or comments)."""
    depth = deepest = operators = 0
    for match in _TOKENS.finditer(expr):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
            deepest = max(deepest, depth)
        elif kind == "close":
            depth -= 1
        elif kind == "op":
            operators += 1
    return deepest + operators


def parse(expr: str) -> Any:
    """`promql_parser.parse`, raising ValueError (as it does for a syntax error), or TooComplex for an
    expression too complex to parse without crashing the process."""
    # Each bracket or operator is at least one character, so complexity(expr) <= len(expr): short
    # expressions (nearly all rules) skip the scan.
    if len(expr) <= MAX_COMPLEXITY:
        return promql_parser.parse(expr)
    score = complexity(expr)
    if score > MAX_COMPLEXITY:
        raise TooComplex(
            f"expression too complex to parse safely ({score} nested or chained operations; "
            f"the limit is {MAX_COMPLEXITY}): split it into recording rules"
        )
    return promql_parser.parse(expr)
