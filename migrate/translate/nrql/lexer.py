"""NRQL tokenizer: one compiled regular expression, read left to right, nothing rewritten.

Words are case-insensitive. Only the words that start a clause or join a condition are reserved
(kind ``kw``, value upper-cased); AUTO, MAX, BY, AGO, the time units and function names stay
identifiers, because NRQL also uses them as names (``max(duration)``) and the parser reads them in
context. Comments (``--``, ``//``, ``/* */``) are skipped as NRQL does since April 2023
(docs.newrelic.com/whats-new/2023/04/whats-new-04-12-nrql-comments).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from migrate.translate.nrql.errors import NrqlSyntaxError

RESERVED = frozenset(
    {
        "SELECT",
        "FROM",
        "WHERE",
        "FACET",
        "SINCE",
        "UNTIL",
        "LIMIT",
        "OFFSET",
        "TIMESERIES",
        "COMPARE",
        "WITH",
        "EXTRAPOLATE",
        "SLIDE",
        "ORDER",
        "AS",
        "AND",
        "OR",
        "NOT",
        "IN",
        "IS",
        "LIKE",
        "RLIKE",
        "NULL",
        "TRUE",
        "FALSE",
    }
)

# Skip blanks and comments (possessively: a comment never gives characters back), then capture one
# token, or the empty string at the end; possessive quantifiers everywhere, as nothing here needs
# backtracking and it halves the time. The last alternatives catch any other non-blank character,
# so a match always starts where the previous one ended and findall never jumps over text; each
# token's kind follows from its first characters.
_TOKEN = re.compile(
    r"""
    (?:\s++|--[^\n]*+|//[^\n]*+|/\*.*?\*/)*+
    (
      [rR]'(?:[^'\\]++|\\.)*+'
      |[A-Za-z_$][A-Za-z0-9_.$]*+
      |/\*
      |[<>!]=|<>|[-+*/=<>(),:\[\]]
      |(?:[0-9]++(?:\.[0-9]*+)?|\.[0-9]++)(?:[eE][+-]?[0-9]++)?
      |'(?:[^'\\]++|\\.)*+'|"(?:[^"\\]++|\\.)*+"
      |`[^`]*+`
      |\{\{\s*+[A-Za-z0-9_.\-]++\s*+\}\}
      |\{\{|\S
      |$
    )
    """,
    re.VERBOSE | re.DOTALL,
)

_END = "the end of the query"
_UNTERMINATED = {  # a token's opening that the rest of the text never closes: (expected, found)
    "/*": ("the end of this comment (*/)", _END),
    "'": ("the closing quote of this string", _END),
    '"': ("the closing quote of this string", _END),
    "`": ("the closing backtick of this name", _END),
    "{{": ("a variable name (letters, digits, _ . -) and }} after {{", "'{{'"),
}
_OPS = frozenset(["<=", ">=", "!=", "<>", *"-+*/=<>(),:[]"])
_IDENT_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


class Token(NamedTuple):
    kind: str  # num str rstr qident var ident kw op eof
    value: str  # decoded: string contents, name without backticks/braces, upper-cased keyword
    text: str  # as written, for error messages


EOF = Token("eof", "", "")

# Tokens carry no offset, so equal texts give equal tokens and most are found here instead of being
# classified again (keywords, operators, common names). Offsets are found again only for an error.
_CACHE: dict[str, Token] = {}
_CACHE_LIMIT = 100_000


def clear_token_cache() -> None:
    """Forget the tokens seen so far (benchmarks measure cold runs)."""
    _CACHE.clear()


def describe(token: Token) -> str:
    """How an error message names a token."""
    if token.kind == "eof":
        return _END
    shown = token.text if len(token.text) <= 30 else token.text[:27] + "..."
    return f"'{shown}'" if token.kind != "str" else shown


def offset(text: str, index: int) -> int:
    """Where the index-th token starts in the text (the end of the text for the end of the query)."""
    starts = [m.start(1) for m in _TOKEN.finditer(text)]
    return starts[min(index, len(starts) - 1)]


def _unescape(body: str) -> str:
    # Backslash escapes the quote and itself; any other backslash is kept (regexes in capture()).
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: m.group(1) if m.group(1) in "'\"\\" else m.group(0), body)


def _classify(raw: str) -> Token | None:
    first = raw[0]
    if first in _IDENT_START:
        if first in {"r", "R"} and raw[1:2] == "'":
            return Token("rstr", raw[2:-1], raw)
        upper = raw.upper()
        return Token("kw", upper, raw) if upper in RESERVED else Token("ident", raw, raw)
    if raw in _OPS:
        return Token("op", raw, raw)
    if "0" <= first <= "9" or (first == "." and len(raw) > 1):
        return Token("num", raw, raw)
    if first in {"'", '"'} and len(raw) > 1:
        return Token("str", _unescape(raw[1:-1]), raw)
    if first == "`" and len(raw) > 1:
        return Token("qident", raw[1:-1], raw)
    if first == "{" and len(raw) > 2:
        return Token("var", raw[2:-2].strip(), raw)
    return None


def tokenize(text: str) -> list[Token]:
    """The tokens of a query, ending with EOF; an unreadable character raises NrqlSyntaxError."""
    raws = _TOKEN.findall(text)
    tokens: list[Token] = []
    append = tokens.append
    cache = _CACHE
    for raw in raws:
        token = cache.get(raw)
        if token is None:
            if not raw:
                break
            token = _classify(raw)
            if token is None:
                where = offset(text, len(tokens))
                expected, found = _UNTERMINATED.get(raw, ("a name, a value or an operator", f"'{raw}'"))
                raise NrqlSyntaxError(text, where, expected, found)
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[raw] = token
        append(token)
    append(EOF)
    return tokens
