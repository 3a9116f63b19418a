"""Changes are data that know their inverse (STYLE.md example 6).

A plan is a list of these; apply (runner/apply.py) executes them through a sink and rollback replays the
journal backwards with `reverse()`. Each change therefore carries everything needed both to apply it
and to undo it: a `Create` its payload, an `Update` its pre-image as well as the new payload, a
`Delete` the payload it deletes. Pre-images are stored exactly as read, without only the server-managed
fields no write sets (`runner.diff.pre_image`), so sending one back restores the resource exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from migrate.model import SourceRef

_MISSING = "<missing>"  # how an absent field is written in a FieldChange (JSON has no "undefined")


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    NOOP = "no-op"
    MUTE = "mute"
    UNMUTE = "unmute"


@dataclass(frozen=True)
class FieldChange:
    """One field that differs; `before`/`after` are `absent` when the field is missing on that side."""

    path: str
    before: Any = None
    after: Any = None
    before_absent: bool = False
    after_absent: bool = False

    def reverse(self) -> FieldChange:
        return FieldChange(self.path, self.after, self.before, self.after_absent, self.before_absent)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "before": _MISSING if self.before_absent else self.before,
            "after": _MISSING if self.after_absent else self.after,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FieldChange:
        before, after = data.get("before"), data.get("after")
        return cls(
            path=str(data["path"]),
            before=None if before == _MISSING else before,
            after=None if after == _MISSING else after,
            before_absent=before == _MISSING,
            after_absent=after == _MISSING,
        )


@dataclass(frozen=True)
class Change:
    """What all changes share: which resource (type + ddmigrate key), its name and where it came from."""

    type: str
    key: str
    name: str
    source_refs: tuple[SourceRef, ...] = ()
    datadog_id: str | None = None  # None only for a Create that has not been applied yet
    action: Action = field(default=Action.NOOP, init=False)

    def reverse(self) -> Change:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "type": self.type,
            "key": self.key,
            "name": self.name,
            "datadog_id": self.datadog_id,
            "source_refs": [r.to_dict() for r in self.source_refs],
        }


@dataclass(frozen=True)
class Create(Change):
    payload: dict[str, Any] = field(default_factory=dict)
    action: Action = field(default=Action.CREATE, init=False)

    def reverse(self, created_id: str | None = None) -> Delete:
        """The Delete that undoes this create. Apply knows the new id; pass it as `created_id`."""
        datadog_id = created_id or self.datadog_id
        return Delete(self.type, self.key, self.name, self.source_refs, datadog_id, payload=self.payload)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "payload": self.payload}


@dataclass(frozen=True)
class Update(Change):
    before: dict[str, Any] = field(default_factory=dict)  # the pre-image, restored by reverse()
    after: dict[str, Any] = field(default_factory=dict)  # the payload to send
    fields: tuple[FieldChange, ...] = ()
    action: Action = field(default=Action.UPDATE, init=False)

    def reverse(self) -> Update:
        return replace(self, before=self.after, after=self.before, fields=tuple(f.reverse() for f in self.fields))

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "before": self.before,
            "after": self.after,
            "fields": [f.to_dict() for f in self.fields],
        }


@dataclass(frozen=True)
class Delete(Change):
    payload: dict[str, Any] = field(default_factory=dict)  # what is deleted, so it can be re-created
    reason: str = "owned by ddmigrate and no longer desired"
    action: Action = field(default=Action.DELETE, init=False)

    def reverse(self) -> Create:
        """Re-creating gives the resource a new Datadog id; the ddmigrate key is what stays."""
        return Create(self.type, self.key, self.name, self.source_refs, None, payload=self.payload)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "payload": self.payload, "reason": self.reason}


@dataclass(frozen=True)
class NoOp(Change):
    """Desired and live agree. Kept in the plan so apply and verify know the key → id mapping."""

    def reverse(self) -> NoOp:
        return self


@dataclass(frozen=True)
class Mute(Change):
    """A downtime silencing one resource during a phase's parallel run (`type` is the downtime's, `key` the
    muted resource's ddmigrate key, `datadog_id` the downtime's id once made)."""

    muted_id: str = ""  # the Datadog id of the muted resource
    action: Action = field(default=Action.MUTE, init=False)

    def reverse(self) -> Unmute:
        return Unmute(self.type, self.key, self.name, self.source_refs, self.datadog_id, muted_id=self.muted_id)


@dataclass(frozen=True)
class Unmute(Change):
    """Cancel ddmigrate's downtimes on one resource (none left when the resource is gone)."""

    muted_id: str = ""
    action: Action = field(default=Action.UNMUTE, init=False)

    def reverse(self) -> Mute:
        return Mute(self.type, self.key, self.name, self.source_refs, None, muted_id=self.muted_id)


def payload_of(change: Change) -> dict[str, Any]:
    """The payload a change writes (a Create's, an Update's `after`) or deletes; {} for the others."""
    if isinstance(change, Create | Delete):
        return change.payload
    return change.after if isinstance(change, Update) else {}


def change_from_dict(data: dict[str, Any]) -> Change:
    """Read back a change written by `to_dict` (the plan file)."""
    action = Action(data["action"])
    common: dict[str, Any] = {
        "type": str(data["type"]),
        "key": str(data["key"]),
        "name": str(data.get("name", "")),
        "source_refs": tuple(SourceRef.from_dict(r) for r in data.get("source_refs", [])),
        "datadog_id": None if data.get("datadog_id") is None else str(data["datadog_id"]),
    }
    if action is Action.CREATE:
        return Create(**common, payload=dict(data["payload"]))
    if action is Action.UPDATE:
        return Update(
            **common,
            before=dict(data["before"]),
            after=dict(data["after"]),
            fields=tuple(FieldChange.from_dict(f) for f in data.get("fields", [])),
        )
    if action is Action.DELETE:
        return Delete(**common, payload=dict(data["payload"]), reason=str(data.get("reason", "")))
    return NoOp(**common)
