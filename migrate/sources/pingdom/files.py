"""Pingdom objects from JSON files shaped like API 3.1 answers (recorded responses, exports).

What a file holds is decided by its content, not its name: `{"checks": [...]}` (uptime or transaction
checks, told apart item by item), `{"check": {...}}`, a bare check object, `{"contacts": [...]}`,
`{"contact": {...}}`, `{"teams": ...}`, `{"team": ...}`, `{"maintenance": ...}`, `{"probes": [...]}`, or
a JSON list of any of these objects. Answers that carry no configuration (`{"message": ...}`, error
bodies, reports, results) are noted and skipped. In a directory, files that are not JSON (a README)
are skipped; a file named on the command line must be JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from migrate.errors import InputError
from migrate.fsutil import read_text
from migrate.sources.pingdom.account import CONTACT, MAINTENANCE, PROBE, TEAM, TMS, UPTIME, Account

# Envelope key -> kind (a list of them or one object).
_ENVELOPES = {
    "contacts": CONTACT,
    "contact": CONTACT,
    "teams": TEAM,
    "team": TEAM,
    "maintenance": MAINTENANCE,
    "probes": PROBE,
    "probe": PROBE,
}
# Answers with no configuration in them, by the key that gives them away.
_NOT_CONFIGURATION = {
    "exportDate": "an exporter's run summary",
    "occurrences": "maintenance occurrences (collected as their window's schedule)",
    "occurrence": "a maintenance occurrence (collected as its window's schedule)",
    "report": "a status or performance report",
    "summary": "a summary report",
    "results": "check results",
    "message": "a status message",
}
_UPTIME_TYPES = ("http", "httpcustom", "tcp", "ping", "dns", "udp", "smtp", "pop3", "imap")


def collect_files(paths: list[Path]) -> Account:
    account = Account(origin=" ".join(str(p) for p in paths))
    not_json: list[str] = []
    for path, named in _files(paths):
        data = _load(path, named)
        if data is None:
            not_json.append(str(path))
            continue
        note = read_document(data, str(path), account)
        if note:
            account.warnings.append(f"{path}: {note}; no Pingdom objects in it")
    if not_json:
        account.warnings.append(f"skipped {len(not_json)} file(s) that are not JSON: {', '.join(not_json)}")
    if account.count() == 0:
        raise InputError(
            "no Pingdom checks, contacts, teams, maintenance windows or probes found",
            path=account.origin,
            hint="give JSON answers of the Pingdom API 3.1 (e.g. GET /checks, GET /checks/{id}, GET /tms/check)",
        )
    return account


def _files(paths: list[Path]) -> list[tuple[Path, bool]]:
    """(file, named on the command line) for every file given or found under a directory given."""
    out: list[tuple[Path, bool]] = []
    for path in paths:
        if path.is_dir():
            try:
                found = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            except OSError as exc:
                raise InputError(f"cannot read directory: {exc.strerror}", path=str(path)) from None
            out += [(p, False) for p in found]
        elif path.is_file():
            out.append((path, True))
        else:
            raise InputError("file or directory not found", path=str(path))
    return out


def _load(path: Path, named: bool) -> Any:
    """The parsed JSON; None for a file found in a directory that is not JSON at all."""
    try:
        text = read_text(path, "JSON")
    except InputError:
        if named:
            raise
        return None
    if not text.lstrip("\ufeff \t\r\n").startswith(("{", "[")):
        if named:
            raise InputError("not JSON (expected a Pingdom API answer such as GET /checks)", path=str(path))
        return None
    try:
        return json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=str(path), line=exc.lineno) from None


def read_document(data: Any, origin: str, account: Account) -> str | None:
    """Add the objects of one parsed answer; a note when it holds no configuration at all."""
    if isinstance(data, list):
        for item in data:
            _bare(item, origin, account)
        return None
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not a Pingdom answer"
    error = data.get("error")
    if isinstance(error, dict):
        return (
            f"a Pingdom error answer ({error.get('statuscode')} {error.get('statusdesc')}: {error.get('errormessage')})"
        )
    found = False
    if "checks" in data or "check" in data:
        found = True
        checks = data.get("checks", data.get("check"))
        for item in checks if isinstance(checks, list) else [checks]:
            _check(item, origin, account)
    for key, kind in _ENVELOPES.items():
        if key in data:
            found = True
            value = data[key]
            for item in value if isinstance(value, list) else [value]:
                account.add(kind, item, origin, detailed=True)
    if found:
        return None
    if is_check(data):
        _check(data, origin, account)
        return None
    known = [what for key, what in _NOT_CONFIGURATION.items() if key in data]
    if known:
        return known[0]
    return "not a Pingdom API answer (keys: " + ", ".join(sorted(map(str, data))[:8]) + ")"


def _bare(item: Any, origin: str, account: Account) -> None:
    if isinstance(item, dict) and is_check(item):
        _check(item, origin, account)
    elif isinstance(item, dict) and isinstance(item.get("members"), list):
        account.add(TEAM, item, origin, detailed=True)
    elif isinstance(item, dict) and isinstance(item.get("notification_targets"), dict):
        account.add(CONTACT, item, origin, detailed=True)
    else:
        account.warnings.append(f"{origin}: a list item that is not a Pingdom check, contact or team; skipped")


def is_transaction_check(item: dict[str, Any]) -> bool:
    return (
        "steps" in item
        or item.get("type") in ("script", "recording")
        or ("interval" in item and "resolution" not in item and "hostname" not in item)
    )


def is_check(item: dict[str, Any]) -> bool:
    kind = item.get("type")
    return is_transaction_check(item) or "hostname" in item or isinstance(kind, dict) or kind in _UPTIME_TYPES


def _check(item: Any, origin: str, account: Account) -> None:
    if not isinstance(item, dict):
        account.warnings.append(f"{origin}: a check must be an object, found {type(item).__name__}; skipped")
    elif is_transaction_check(item):
        account.add(TMS, item, origin, detailed="steps" in item)
    elif is_check(item):
        account.add(UPTIME, item, origin, detailed=isinstance(item.get("type"), dict))
    else:
        what = f"check {item.get('id')}" if "id" in item else "a check"
        keys = ", ".join(sorted(map(str, item)))
        account.warnings.append(
            f"{origin}: {what} has only {keys} (a create answer?), neither uptime nor transaction; skipped"
        )
