"""`CompositeSpec` → one Datadog composite monitor (type `composite`, query `a && !b`) plus one monitor per part.

The parts are built by the one monitor builder (build/monitor.py). The parts and the composite have keys derived
from the sources' single-monitor key (`ownership.part_key`: `#a`, `#b`, `#composite`); the composite's query names
the parts by key (`ddmigrate_id:<key>`), which apply replaces with their Datadog ids once they exist
(migrate/datadog/monitors.py `resolve`). The resources come back parts first, the composite last.
"""

from __future__ import annotations

from typing import Any

from migrate.datadog import ownership
from migrate.model import DesiredResource, Finding
from migrate.translate.build.common import SpecError, message_text, owned_tags
from migrate.translate.build.mentions import neutral_text
from migrate.translate.build.monitor import MONITOR, build_alert
from migrate.translate.ddquery.composite import operands, renamed, render_composite
from migrate.translate.specs.alert import CompositeSpec

COMPOSITE = "composite"
PART_TAG_PREFIX = "ddmigrate_part:"

__all__ = ["build_composite"]


def build_composite(spec: CompositeSpec) -> tuple[list[DesiredResource], list[Finding]]:
    """The part monitors, then the composite; with the findings of every build."""
    if not spec.refs:
        raise SpecError(f"composite {spec.name!r}: a spec needs at least one source reference")
    # Its own key, not the single monitor's of the same sources: a rule that was one monitor (or a placeholder)
    # and becomes a composite is a delete and a create, never an update that changes a monitor's type.
    key = ownership.part_key(ownership.resource_key(MONITOR, spec.refs), COMPOSITE)
    findings: list[Finding] = []
    keys: dict[str, str] = {}
    parts: list[DesiredResource] = []
    for part in spec.parts:
        if not part.part or part.refs != spec.refs:
            raise SpecError(f"{spec.refs[0].key}: a composite's parts are named and share its source references")
        built = build_alert(part)
        keys[part.part] = built.resource.key
        parts.append(built.resource)
        findings += built.findings
    named = {o.ref for o in operands(spec.expression)}
    if named != set(keys):
        raise SpecError(f"{spec.refs[0].key}: the composite names parts {sorted(named)}, not {sorted(keys)}")
    payload: dict[str, Any] = {
        "type": COMPOSITE,
        "name": neutral_text(spec.name, "the name", findings),
        "query": render_composite(renamed(spec.expression, keys)),
        "message": message_text(spec.message, key, spec.refs, findings),
        "tags": owned_tags(key, spec.refs, spec.tags),
        # A composite has no query of its own to miss data on; its parts carry the windows.
        "options": {"include_tags": True, "notify_no_data": False},
    }
    if spec.new_group_delay_s is not None:
        payload["options"]["new_group_delay"] = spec.new_group_delay_s
    if spec.priority is not None:
        payload["priority"] = int(spec.priority)
    metadata = {"parts": [p.key for p in parts]}
    return [*parts, DesiredResource(MONITOR, key, payload, list(spec.refs), metadata=metadata)], findings


def part_tag(part: str) -> str:
    return PART_TAG_PREFIX + part
