"""Synthetic monitors, secure credentials (metadata only) and APM applications → inventory objects.

A monitor's outline from entity search carries type, period (minutes), URL and tags; NerdGraph's docs say
"the tags contain additional configuration details", so status, locations and the validation text are
read from the tags (`monitorStatus`, `publicLocation`, `privateLocation`, `responseValidationText`, ...).
Scripted monitors add their script text, step monitors their steps (separate queries).

Secure credentials: NerdGraph returns metadata only ("not the actual credential values"); the objects
hold the name, description and which monitors use them (`$secure.NAME` in a script or a step), never
a value. APM applications are collected so a service selection can follow linked entity guids.
"""

from __future__ import annotations

import re
from typing import Any

from migrate.inventory.store import InventoryObject
from migrate.model import SourceRef
from migrate.scrub_script import redacted
from migrate.sources.newrelic.dashboards import SOURCE, as_list, snake, tag_map

_SECURE = re.compile(r"\$secure\.([A-Za-z_][A-Za-z0-9_]*)")
# Tags that are monitor settings rather than labels (read into fields of their own).
_SETTING_TAGS = {
    "monitorStatus": "status",
    "responseValidationText": "validation_text",
    "useTlsValidation": "use_tls_validation",
    "redirectIsFailure": "redirect_is_failure",
    "bypassHEADRequest": "bypass_head_request",
    "verifySSL": "verify_ssl",
    "runtimeType": "runtime_type",
    "runtimeTypeVersion": "runtime_type_version",
    "scriptLanguage": "script_language",
    "apdexTarget": "apdex_target",
}
_LOCATION_TAGS = ("publicLocation", "privateLocation")


def location(name: str) -> str:
    """`AWS_US_EAST_1` (client-go) and `US_EAST_1` (the docs) name the same public location."""
    return name.upper().removeprefix("AWS_")


def secure_names(*texts: str) -> list[str]:
    return sorted({m for text in texts for m in _SECURE.findall(text)})


def normalize_monitor(
    outline: dict[str, Any], *, origin: str, script: str | None = None, steps: list[Any] | None = None
) -> InventoryObject:
    if script is not None:  # a credential written into the script never reaches the inventory
        script = redacted(script) or "(the script is not kept: it could not be read to redact credentials)"
    tags = tag_map(outline.get("tags"))
    settings = {field: next(iter(tags.get(tag, [])), None) for tag, field in _SETTING_TAGS.items()}
    step_list = [snake(s) for s in as_list(steps) if isinstance(s, dict)]
    step_text = " ".join(str(v) for s in step_list for v in as_list(s.get("values")))
    fields: dict[str, Any] = {
        "guid": str(outline.get("guid")),
        "monitor_id": outline.get("monitorId"),
        "name": str(outline.get("name") or outline.get("guid")),
        "type": str(outline.get("monitorType") or "UNKNOWN"),
        "period_minutes": outline.get("period"),
        "uri": outline.get("monitoredUrl"),
        **settings,
        "locations": {
            "public": sorted(location(v) for v in tags.get("publicLocation", [])),
            "private": sorted(tags.get("privateLocation", [])),
        },
        "tags": {k: v for k, v in tags.items() if k not in _SETTING_TAGS and k not in _LOCATION_TAGS},
        "script": script,
        "steps": step_list,
        "secure_names": secure_names(script or "", step_text),  # `credential` would be scrubbed as a secret key
    }
    payload = {**outline, "script": script, "steps": steps}
    ref = SourceRef(SOURCE, "synthetic_monitor", str(outline.get("guid")), str(fields["name"]), origin)
    return InventoryObject(ref, payload, fields)


def normalize_secure_credential(entity: dict[str, Any], *, origin: str, used_by: list[str]) -> InventoryObject:
    # Only the fields below are kept: whatever else an answer carried never reaches the inventory.
    payload = {k: entity.get(k) for k in ("guid", "name", "accountId", "description", "updatedAt", "tags")}
    fields = {
        "guid": str(entity.get("guid") or entity.get("name")),
        "name": str(entity.get("name") or ""),
        "description": str(entity.get("description") or ""),
        "updated_at": entity.get("updatedAt"),
        "tags": tag_map(entity.get("tags")),
        "used_by": used_by,
    }
    ref = SourceRef(SOURCE, "secure_credential", str(fields["guid"]), str(fields["name"]), origin)
    return InventoryObject(ref, payload, fields)


def normalize_apm_application(entity: dict[str, Any], *, origin: str) -> InventoryObject:
    fields = {
        "guid": str(entity.get("guid")),
        "name": str(entity.get("name") or ""),
        "language": entity.get("language"),
        "application_id": entity.get("applicationId"),
        "tags": tag_map(entity.get("tags")),
    }
    ref = SourceRef(SOURCE, "apm_application", str(fields["guid"]), str(fields["name"]), origin)
    return InventoryObject(ref, entity, fields)
