"""SHA-256 of every input a report was made from, so a reviewed report is tied to exactly those files.

Recorded: each inventory directory (every file in it, by relative path), each mappings file, the
translation's desired.json / ledger.json / translation.json, the plan, and the acceptances file.
`check` recomputes them from the recorded paths (relative paths from the current directory, as given
to `report`; a packaged mappings file, recorded as `package:<name>`, from this install) and says, per input,
whether it still matches.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from migrate.mappings import recorded_file
from migrate.translate.store import TRANSLATION_FILES


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def dir_digest(path: Path) -> str:
    """One digest over every file under `path`: its relative name and its content's digest, sorted."""
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(f"{f.relative_to(path).as_posix()}\0{file_digest(f)}\n".encode())
    return "sha256:" + h.hexdigest()


def digest_of(path: Path, kind: str) -> str | None:
    """The digest of a file or directory input, or None when it is not there."""
    if kind == "dir":
        return dir_digest(path) if path.is_dir() else None
    return file_digest(path) if path.is_file() else None


def inputs(
    translation_dir: Path, meta: dict[str, Any], plan_path: Path | None, acceptances_path: Path | None
) -> list[dict[str, Any]]:
    """Every input of the report: role, path, kind (file/dir) and sha256 (None when missing)."""
    rows: list[tuple[str, str, str]] = []
    for inv in meta.get("inventories") or []:
        if isinstance(inv, dict) and inv.get("path"):
            rows.append((f"inventory ({inv.get('source', '?')})", str(inv["path"]), "dir"))
    files = (meta.get("mappings") or {}).get("files") if isinstance(meta.get("mappings"), dict) else None
    rows += [("mappings", str(f), "file") for f in files or []]
    rows += [("translation", str(translation_dir / name), "file") for name in TRANSLATION_FILES]
    if plan_path is not None:
        rows.append(("plan", str(plan_path), "file"))
    if acceptances_path is not None:
        rows.append(("acceptances", str(acceptances_path), "file"))
    # a path is kept as recorded (`package:` names a packaged mappings file) and read where it is today
    return [{"role": r, "path": p, "kind": k, "sha256": digest_of(recorded_file(p), k)} for r, p, k in rows]


def fingerprint(rows: list[dict[str, Any]]) -> str:
    """One digest over all inputs, for the report's title line."""
    h = hashlib.sha256()
    for row in rows:
        h.update(f"{row['role']}\0{row['path']}\0{row['sha256']}\n".encode())
    return "sha256:" + h.hexdigest()


def check(recorded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each recorded input with `now` (its digest today) and `status`: ok, changed, missing, appeared."""
    out = []
    for row in recorded:
        now = digest_of(recorded_file(str(row["path"])), row["kind"])
        if now == row["sha256"]:
            status = "ok"
        elif now is None:
            status = "missing"
        elif row["sha256"] is None:
            status = "appeared"
        else:
            status = "changed"
        out.append({**row, "now": now, "status": status})
    return out
