"""Prometheus rules, whichever way they were read (files or `/api/v1/rules`), as inventory objects.

Ids are `<file>/<group>/<name>`; Prometheus allows several rules with one name in a group (warning and
critical variants), so the second and later get `#2`, `#3`, ... in the order they appear.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from migrate.inventory import InventoryObject
from migrate.mappings import parse_duration
from migrate.model import SourceRef

SOURCE = "prometheus"
ALERTING = "alerting_rule"
RECORDING = "recording_rule"


@dataclass
class Rule:
    kind: str  # ALERTING | RECORDING
    name: str  # `alert` or `record`
    expr: str
    group: str
    file: str  # the rule file (as given, or as the server names it) + `#unit` for multi-unit files
    index: int  # position in its group
    origin: str  # path or base URL the rule was read from, no credentials
    payload: Any
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    for_seconds: float = 0
    keep_firing_for_seconds: float = 0
    group_interval_seconds: float | None = None

    def normalized(self) -> dict[str, Any]:
        if self.kind == RECORDING:
            return {
                "record": self.name,
                "expr": self.expr,
                "labels": self.labels,
                "group": self.group,
                "file": self.file,
                "index": self.index,
            }
        return {
            "name": self.name,
            "expr": self.expr,
            "for_seconds": number(self.for_seconds),
            "keep_firing_for_seconds": number(self.keep_firing_for_seconds),
            "labels": self.labels,
            "annotations": self.annotations,
            "group": self.group,
            "group_interval_seconds": None
            if self.group_interval_seconds is None
            else number(self.group_interval_seconds),
            "file": self.file,
            "index": self.index,
        }


def number(value: float) -> int | float:
    """Whole seconds as int so inventories read `300`, not `300.0`."""
    return int(value) if float(value).is_integer() else value


def duration_seconds(value: Any) -> float:
    """A Prometheus duration (`5m`, `1h30m`, `0`) in seconds; ValueError if it is not one."""
    if isinstance(value, bool) or value is None:
        raise ValueError(value)
    text = str(value).strip()
    if text == "0":  # Prometheus accepts a bare 0 and nothing else without a unit
        return 0.0
    return parse_duration(text)


METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


def rule_objects(rules: list[Rule]) -> list[InventoryObject]:
    seen: Counter[str] = Counter()
    objects = []
    for rule in rules:
        # A server reports absolute rule-file paths; without the leading `/` a key reads `.../alerting_rule/etc/...`
        base = f"{rule.file.lstrip('/')}/{rule.group}/{rule.name}"
        seen[base] += 1
        rule_id = base if seen[base] == 1 else f"{base}#{seen[base]}"
        ref = SourceRef(source=SOURCE, kind=rule.kind, id=rule_id, name=rule.name, origin=rule.origin)
        objects.append(InventoryObject(ref=ref, payload=rule.payload, normalized=rule.normalized()))
    return objects
