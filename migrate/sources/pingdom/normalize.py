"""Pingdom objects -> inventory objects: secrets hidden first, then one normalised form per kind.

The normalised uptime check flattens the two shapes of `type` (a string in the list, `{"http": {...}}`
in the detail, flat fields in the create form) into `type` + `settings`. Regions come from
`probe_filters` in either spelling (`region: NA`, `region:NA`). Units stay Pingdom's and say so in the
key (`resolution_minutes`, `response_time_threshold_ms`); translators convert.
"""

from __future__ import annotations

import re
from typing import Any

from migrate.inventory import InventoryObject
from migrate.model import SourceRef
from migrate.sources.pingdom.account import (
    CONTACT,
    MAINTENANCE,
    PROBE,
    TEAM,
    TMS,
    UPTIME,
    Account,
    Entry,
)
from migrate.sources.pingdom.secrets import hide_tms_secrets, hide_uptime_secrets

SOURCE = "pingdom"

# Settings a check type may carry; the create form (and some exports) put them beside the check's fields.
TYPE_SETTINGS = (
    "url",
    "encryption",
    "port",
    "username",
    "password",
    "shouldcontain",
    "shouldnotcontain",
    "postdata",
    "requestheaders",
    "verify_certificate",
    "ssl_down_days_before",
    "stringtosend",
    "stringtoexpect",
    "expectedip",
    "nameserver",
)
_REGION = re.compile(r"^\s*region\s*:\s*(\S+)\s*$", re.IGNORECASE)


def inventory_objects(account: Account) -> list[InventoryObject]:
    out: list[InventoryObject] = []
    for kind, build in _BUILDERS.items():
        for ident, entry in sorted(account.entries[kind].items(), key=lambda item: _order(item[0])):
            payload, normalized = build(ident, entry, account.warnings)
            if entry.problem:
                normalized["problems"] = [entry.problem]
            name = str(payload.get("name") or payload.get("description") or f"{kind} {ident}")
            ref = SourceRef(source=SOURCE, kind=kind, id=ident, name=name, origin=entry.origin)
            out.append(InventoryObject(ref=ref, payload=payload, normalized=normalized))
    return out


def _order(ident: str) -> tuple[int, str]:
    return (int(ident), "") if ident.isdigit() else (0, ident)


Built = tuple[dict[str, Any], dict[str, Any]]


def uptime_check(ident: str, entry: Entry, warnings: list[str]) -> Built:
    payload, names = hide_uptime_secrets(entry.payload, ident)
    kind, settings = check_type(payload, f"{entry.origin}: uptime check {ident}", warnings)
    regions, unparsed = probe_regions(payload.get("probe_filters"))
    if unparsed:
        warnings.append(f"{entry.origin}: uptime check {ident}: probe filters not understood: {', '.join(unparsed)}")
    normalized: dict[str, Any] = {
        "name": str(payload.get("name") or ""),
        "type": kind,
        "settings": settings,
        "hostname": payload.get("hostname"),
        "paused": payload.get("status") == "paused" or payload.get("paused") is True,
        "status": payload.get("status"),
        "resolution_minutes": _int(payload.get("resolution")),
        "send_notification_when_down": _int(payload.get("sendnotificationwhendown")),
        "notify_again_every": _int(payload.get("notifyagainevery")),
        "notify_when_back_up": payload.get("notifywhenbackup"),
        "response_time_threshold_ms": _int(payload.get("responsetime_threshold")),
        "ipv6": payload.get("ipv6"),
        "regions": regions,
        "tags": tag_names(payload.get("tags")),
        "team_ids": _ids(payload.get("teamids"), payload.get("teams")),
        "contact_ids": _ids(payload.get("userids")),
        "integration_ids": _ids(payload.get("integrationids")),
        "custom_message": payload.get("custom_message") or "",
        "severity_level": payload.get("severity_level"),
        "detail_loaded": entry.detailed,
        "references": names.required(),
    }
    return payload, normalized


def check_type(payload: dict[str, Any], where: str, warnings: list[str]) -> tuple[str, dict[str, Any]]:
    """(type name, its settings) from `type` as a string or as `{name: settings}`, plus flat settings."""
    raw = payload.get("type")
    settings: dict[str, Any] = {}
    name = ""
    if isinstance(raw, dict) and raw:
        name = str(next(iter(raw)))
        if len(raw) > 1:
            warnings.append(f"{where}: `type` has several keys ({', '.join(map(str, raw))}); using {name!r}")
        if isinstance(raw[name], dict):
            settings = dict(raw[name])
    elif isinstance(raw, str):
        name = raw
    else:
        warnings.append(f"{where}: no check `type`")
    for key in TYPE_SETTINGS:
        if key in payload and key not in settings:
            settings[key] = payload[key]
    for key, value in payload.items():
        if re.fullmatch(r"requestheader\d+", str(key)) and ":" in str(value):  # the create form's "Name:Value"
            header, _, text = str(value).partition(":")
            settings.setdefault("requestheaders", {})[header.strip()] = text.strip()
    return name, settings


def probe_regions(filters: Any) -> tuple[list[str], list[str]]:
    """(regions, filters not understood) from `probe_filters` such as ["region: NA", "region:EU"]."""
    regions: list[str] = []
    unparsed: list[str] = []
    for item in filters if isinstance(filters, list) else []:
        match = _REGION.match(str(item))
        if match and match[1].upper() not in regions:
            regions.append(match[1].upper())
        elif not match:
            unparsed.append(str(item))
    return regions, unparsed


def transaction_check(ident: str, entry: Entry, warnings: list[str]) -> Built:
    payload, names = hide_tms_secrets(entry.payload, ident)
    status = payload.get("status")
    steps = payload.get("steps")
    normalized: dict[str, Any] = {
        "name": str(payload.get("name") or ""),
        "kind": payload.get("type") or "script",
        "paused": payload.get("active") is False,
        "status": status.get("name") if isinstance(status, dict) else status,
        "interval_minutes": _int(payload.get("interval")),
        "regions": [str(payload["region"])] if payload.get("region") else [],
        "steps": [_step(s) for s in steps] if isinstance(steps, list) else [],
        "send_notification_when_down": _int(payload.get("send_notification_when_down")),
        "severity_level": payload.get("severity_level"),
        "tags": tag_names(payload.get("tags")),
        "team_ids": _ids(payload.get("team_ids"), payload.get("teams")),
        "contact_ids": _ids(payload.get("contact_ids")),
        "integration_ids": _ids(payload.get("integration_ids"), payload.get("integrationids")),
        "custom_message": payload.get("custom_message") or "",
        "metadata": payload.get("metadata") if isinstance(payload.get("metadata"), dict) else {},
        "detail_loaded": entry.detailed,
        "references": names.required(),
    }
    if isinstance(steps, list) and any(not isinstance(s, dict) for s in steps):
        warnings.append(f"{entry.origin}: transaction check {ident}: a step is not an object (kept as unknown)")
    return payload, normalized


def _step(step: Any) -> dict[str, Any]:
    if not isinstance(step, dict):
        return {"fn": "", "args": {}, "raw": step}
    args = step.get("args")
    return {"fn": str(step.get("fn") or ""), "args": args if isinstance(args, dict) else {}}


def contact(ident: str, entry: Entry, warnings: list[str]) -> Built:
    payload = entry.payload
    targets = payload.get("notification_targets")
    normalized = {
        "name": str(payload.get("name") or ""),
        "type": payload.get("type"),
        "paused": payload.get("paused") is True,
        "owner": payload.get("owner") is True,
        "notification_targets": targets if isinstance(targets, dict) else {},
        "team_ids": _ids(None, payload.get("teams")),
    }
    return payload, normalized


def team(ident: str, entry: Entry, warnings: list[str]) -> Built:
    payload = entry.payload
    listed = payload.get("members")
    members = [m for m in listed if isinstance(m, dict)] if isinstance(listed, list) else []
    normalized = {
        "name": str(payload.get("name") or ""),
        "members": [{"id": str(m.get("id", "")), "name": m.get("name"), "type": m.get("type")} for m in members],
    }
    return payload, normalized


def maintenance_window(ident: str, entry: Entry, warnings: list[str]) -> Built:
    payload = entry.payload
    listed = payload.get("checks")
    checks: dict[str, Any] = listed if isinstance(listed, dict) else {}
    normalized = {
        "description": str(payload.get("description") or ""),
        "from": _int(payload.get("from")),
        "to": _int(payload.get("to")),
        "recurrence": payload.get("recurrencetype") or "none",
        "repeat_every": _int(payload.get("repeatevery")),
        "effective_to": _int(payload.get("effectiveto")),
        "uptime_check_ids": _ids(checks.get("uptime")),
        "transaction_check_ids": _ids(checks.get("tms")),
    }
    return payload, normalized


def probe(ident: str, entry: Entry, warnings: list[str]) -> Built:
    payload = entry.payload
    keys = ("name", "country", "countryiso", "city", "region", "hostname", "ip", "ipv6", "active")
    return payload, {key: payload.get(key) for key in keys}


def tag_names(tags: Any) -> list[str]:
    """Tags as names: objects `{name, type, count}` (uptime) or plain strings (TMS)."""
    names: list[str] = []
    for tag in tags if isinstance(tags, list) else []:
        name = tag.get("name") if isinstance(tag, dict) else tag
        if isinstance(name, str | int) and str(name) and str(name) not in names:
            names.append(str(name))
    return names


def _ids(values: Any, objects: Any = None) -> list[str]:
    """Ids as strings, from a list of ids and/or a list of `{id, name}` objects."""
    out: list[str] = []
    for value in (values if isinstance(values, list) else []) + (objects if isinstance(objects, list) else []):
        ident = value.get("id") if isinstance(value, dict) else value
        if isinstance(ident, int | str) and not isinstance(ident, bool) and str(ident) not in out:
            out.append(str(ident))
    return out


def _int(value: Any) -> int | None:
    """Pingdom numbers, some sent as strings (tag counts, thresholds in older exports)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


_BUILDERS = {
    UPTIME: uptime_check,
    TMS: transaction_check,
    CONTACT: contact,
    TEAM: team,
    MAINTENANCE: maintenance_window,
    PROBE: probe,
}
