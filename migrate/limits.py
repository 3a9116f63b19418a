"""Bounds on what one input may cost: bytes on disk, nesting depth, and (in yamlutil) alias expansion.

Every reader of operator-supplied files goes through these, so a hostile or runaway file fails with its
name and the limit instead of exhausting memory or the stack (Python's recursion limit is about 1,000, and
every walk over a payload, from scrubbing to JSON output, recurses once per level).
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from migrate.errors import InputError
from migrate.settings import max_input_bytes

# Real dashboards and rule files nest 10-20 levels; 100 leaves room and stays far from the stack.
MAX_DEPTH = 100
# Levels ddmigrate's own files add around a source payload (an inventory object's `payload`, a translation).
WRAPPING_DEPTH = 10


def check_size(path: Path) -> None:
    """Refuse a file over the input limit, or one that is not a regular file, before reading it: a device
    (a symlink to /dev/zero) or a FIFO reports size 0 and is read forever."""
    try:
        info = path.stat()
    except OSError:
        return  # the read that follows reports it with its reason
    if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):  # a directory: the read says so
        raise InputError("not a regular file (a device, FIFO or socket); refusing to read it", path=str(path))
    size = info.st_size
    limit = max_input_bytes()
    if size > limit:
        raise InputError(
            f"the file is {size / (1 << 20):.1f} MiB, over the {limit >> 20} MiB input limit",
            path=str(path),
            hint="split it, or raise the limit with DDMIGRATE_MAX_INPUT_MB if the file is genuine",
        )


def too_deep(path: str, limit: int = MAX_DEPTH) -> InputError:
    return InputError(
        f"nested more than {limit} levels deep; no dashboard, rule file or API answer nests like that",
        path=path,
        hint="check the file is what you meant to give (a generated or corrupted file?)",
    )


def check_depth(data: Any, path: str, limit: int = MAX_DEPTH) -> None:
    """Refuse data nested deeper than `limit` (iteratively, so the check itself cannot overflow)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            raise too_deep(path, limit)
        if isinstance(item, dict):
            stack += [(v, depth + 1) for v in item.values() if isinstance(v, dict | list)]
        elif isinstance(item, list):
            stack += [(v, depth + 1) for v in item if isinstance(v, dict | list)]
