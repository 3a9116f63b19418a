"""Credentials written as literals into a script (New Relic scripted monitors' JavaScript), taken out before
the script is stored anywhere: the collector redacts what it writes into the inventory, the translator what
it keeps in the ledger. A conservative tokenizer (strings, numbers, names, punctuation, comments), never a
JavaScript interpreter.
"""

from __future__ import annotations

import re

from migrate.scrub import is_credential_value, is_secret_name

TOKEN = re.compile(
    r"\s*(?:(?P<comment>//[^\n]*|/\*[\s\S]*?\*/)|(?P<str>'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\")|(?P<num>-?\d+(?:\.\d+)?)"
    r"|(?P<name>\$?[A-Za-z_][A-Za-z0-9_]*)|(?P<arrow>=>)|(?P<op>[{}()\[\],:;.=+]))"
)
REDACTED = "<redacted>"


def redacted(text: str) -> str | None:
    """The script with every string literal that is a credential replaced by '<redacted>': one under a
    secret-named key or variable (`password: '...'`, `token = '...'`) or shaped like one (`'Bearer ...'`).
    None when the script cannot be tokenised (then it is not kept at all)."""
    out, pos, prev = [], 0, list[str]()
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = TOKEN.match(text, pos)
        if m is None:
            return None
        kind = m.lastgroup or ""
        if kind == "str":
            value = m[kind][1:-1]
            key = prev[-2].strip("'\"") if len(prev) >= 2 and prev[-1] in (":", "=") else ""
            if (key and is_secret_name(key)) or is_credential_value(value):
                out.append(text[pos : m.start(kind)] + f"'{REDACTED}'")
                pos = m.end()
                prev.append(f"'{REDACTED}'")
                continue
        if kind != "comment":
            prev = [*prev[-1:], m[kind]]
        out.append(text[pos : m.end()])
        pos = m.end()
    return "".join(out) + text[pos:]
