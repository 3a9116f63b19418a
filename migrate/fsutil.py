"""Writes that never leave a half-written state behind: temp file or directory, then rename."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from migrate.errors import InputError
from migrate.limits import MAX_DEPTH, WRAPPING_DEPTH, check_depth, check_size, too_deep

# DEL and the C1 controls, which `ensure_ascii=False` leaves raw: a terminal may act on them (0x9b is CSI).
_C1 = re.compile("[\x7f-\x9f]")


def dumps(data: Any) -> str:
    """Canonical JSON: stable key order so that re-runs produce byte-identical files. Non-ASCII text stays
    readable, but DEL and C1 controls are written as `\\u` escapes (the same JSON value), so `--json` output
    printed to a terminal carries no control byte (C0 ones json escapes itself)."""
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def printable(value: Any) -> Any:
    """`value` with every string writable as UTF-8. A file name that is not UTF-8 reaches Python as surrogate
    escapes (PEP 383), which no UTF-8 output accepts: its bytes are shown as `\\xNN` instead."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            try:
                return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            except UnicodeEncodeError:  # a lone surrogate from elsewhere (a JSON `\\ud800`)
                return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [printable(v) for v in value]
    return value


def write_json(path: Path, data: Any) -> None:
    write_text(path, dumps(data))


def _read_umask() -> int:
    # Read once at import: os.umask can only be read by setting it, which must not race with apply's threads.
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _usual_mode(path: Path, *, directory: bool) -> None:
    # mkstemp/mkdtemp create 0600/0700 entries; outputs are shared with reviewers and auditors, so give
    # them the mode an ordinary write would (0666/0777 less the umask). Secrets are never in them.
    path.chmod((0o777 if directory else 0o666) & ~_UMASK)


def _unwritable(path: Path, exc: OSError) -> InputError:
    return InputError(
        f"cannot write: {exc.strerror or exc}", path=str(path), hint="choose an output location in a writable directory"
    )


def write_text(path: Path, text: str) -> None:
    if path.is_dir():
        raise InputError("is a directory; expected a file path", path=str(path), hint="name the file to write")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        _usual_mode(Path(tmp), directory=False)
        Path(tmp).replace(path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _unwritable(path, exc) from None
        raise


def read_text(path: Path, expected: str = "text") -> str:
    """A UTF-8 file's text, or an InputError naming the file (`expected` says what it should have held).
    Files over the input size limit are refused unread."""
    check_size(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", path=str(path)) from None
    except UnicodeDecodeError:
        raise InputError(f"not a UTF-8 text file (expected {expected})", path=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=str(path)) from None


def read_json(path: Path) -> Any:
    """A JSON file. Nesting may exceed the input limit by a little: ddmigrate's own files (inventory objects,
    translations) wrap source payloads that were checked against it at collect time."""
    text = read_text(path, "JSON")
    return parse_json(text, str(path), max_depth=MAX_DEPTH + WRAPPING_DEPTH)


def parse_json(text: str, path: str, *, hint: str | None = None, max_depth: int = MAX_DEPTH) -> Any:
    """JSON text named by `path` in errors, refused when nested deeper than the payload walks can take."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno, hint=hint) from None
    except RecursionError:
        raise too_deep(path, max_depth) from None
    check_depth(data, path, max_depth)
    return data


def _check_replaceable(target: Path, marker: str | None) -> None:
    """Only an earlier output of the same kind may be replaced: never a file, never someone's directory."""
    if target.is_symlink():
        raise InputError(
            "is a symbolic link; refusing to replace it", path=str(target), hint="give the real directory for --out"
        )
    if target.exists() and not target.is_dir():
        raise InputError(
            "exists and is not a directory; refusing to replace it",
            path=str(target),
            hint="choose a new directory for --out",
        )
    if marker and target.is_dir() and not (target / marker).is_file() and any(target.iterdir()):
        raise InputError(
            f"is a non-empty directory without {marker}; refusing to replace it",
            path=str(target),
            hint="choose a new or empty directory for --out (it is replaced whole)",
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive, and not ours to clean up after
        return True
    return True


def _remove_abandoned(target: Path) -> None:
    """Staging and old directories of `target` left by a process that was killed (SIGKILL, the OOM killer,
    a power cut): nothing could remove them then, so the next writer does. Their names carry the pid."""
    for prefix in (f".{target.name}.staging-", f".{target.name}.old-"):
        for path in target.parent.glob(f"{glob.escape(prefix)}*"):
            pid = path.name[len(prefix) :].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def atomic_dir(target: Path, *, marker: str | None = None) -> Iterator[Path]:
    """Yield a staging directory; on success it replaces `target` whole, on failure it is removed.

    A reader therefore sees either the previous complete directory or the new complete one. With
    `marker`, an existing non-empty `target` is replaced only when it holds that file (an earlier output).
    A killed writer's leftovers are removed first (see `_remove_abandoned`).
    """
    _check_replaceable(target, marker)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(target)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-{os.getpid()}-", dir=target.parent))
        _usual_mode(staging, directory=True)
    except OSError as exc:
        raise _unwritable(target, exc) from None
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old: Path | None = None
    try:
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
        staging.rename(target)
    except OSError as exc:
        if old is not None and old.exists() and not target.exists():
            old.rename(target)
        shutil.rmtree(staging, ignore_errors=True)
        raise _unwritable(target, exc) from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
