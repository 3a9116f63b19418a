"""The one way ddmigrate calls the PromQL parser: with a size check first.

`promql_parser` is a native extension whose recursive-descent parser overflows the C stack (the
process dies with SIGSEGV, no exception, no message) at a few thousand nested or chained operations:
`x+x+...` with ~4,500 terms, ~10,000 nested parentheses, or less when both combine. Real rules are far
below the limit used here; an expression above it is reported like any other parse error.
"""

from __future__ import annotations

import re
from typing import Any

import promql_parser

# Nesting depth + operator count; the parser crashed at about 6,000 in testing, threads may have less stack.
MAX_COMPLEXITY = 1000
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_OPERATORS = re.compile(r"[-+*/%^<>]|[=!]=|[=!]~|\b(?:and|or|unless|atan2)\b")


def complexity(expr: str) -> int:
    code = _STRINGS.sub('""', expr)
    depth = deepest = 0
    for char in code:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest + len(_OPERATORS.findall(code))


def parse(expr: str) -> Any:
    """`promql_parser.parse`, raising ValueError (as it does for a syntax error) for an expression too
    complex to parse without crashing the process."""
    # Each bracket or operator is at least one character and a string literal shrinks to `""`, so
    # complexity(expr) <= len(expr): short expressions (nearly all rules) skip the character scan.
    if len(expr) <= MAX_COMPLEXITY:
        return promql_parser.parse(expr)
    score = complexity(expr)
    if score > MAX_COMPLEXITY:
        raise ValueError(
            f"expression too complex to parse safely ({score} nested or chained operations; "
            f"the limit is {MAX_COMPLEXITY}): split it into recording rules"
        )
    return promql_parser.parse(expr)
