"""Text from a source (a dashboard title, a rule name, a query) made safe to print or render.

A rule named `\\x1b]8;;http://evil\\x07click\\x1b]8;;\\x07` or `\\x1b[2J` would otherwise rewrite the
operator's terminal (hyperlinks, cleared screens, forged lines) and survive into every report format.
`clean` removes escape sequences whole (CSI, OSC, other ESC sequences) and every other C0/C1 control
character and DEL, keeping newline and tab; `one_line` also folds whitespace runs, for table cells and
terminal listings; `terminal_line` keeps one line's layout (its indentation) but lets nothing in it start
another line. `clean_tree` applies `clean` to every string in a JSON-like structure.
"""

from __future__ import annotations

import re
from typing import Any

# ESC [ params intermediates final | ESC ] ... (BEL | ESC \) | ESC P/X/^/_ ... ST | ESC + one char,
# and their 8-bit C1 forms (CSI = 0x9b, OSC = 0x9d, DCS/SOS/PM/APC = 0x90/0x98/0x9e/0x9f, ST = 0x9c).
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """`text` without terminal escape sequences or control characters (newline and tab are kept)."""
    if text.isprintable():  # the common case: nothing to do, and no regex run over large queries
        return text
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


def one_line(text: object) -> str:
    """`clean`, with every run of whitespace (newlines included) folded to one space."""
    return " ".join(clean(str(text)).split())


# What a terminal (or a reader) takes for the end of a line, besides what `clean` removes.
_BREAK = re.compile(r"[\n\t\u2028\u2029]")


def terminal_line(text: object) -> str:
    """One line for a terminal: `clean`, and a newline, tab or Unicode line separator inside it becomes a
    space, so a name cannot forge a line of its own (`Forged\n- delete monitor ...`)."""
    return _BREAK.sub(" ", clean(str(text)))


def clean_tree(value: Any) -> Any:
    """A copy of a JSON-like value with `clean` applied to every string (keys included)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(k) if isinstance(k, str) else k: clean_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_tree(v) for v in value]
    return value
