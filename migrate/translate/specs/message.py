"""The parts of a notification message (monitors and synthetic tests share them).

The builder joins them in one order (body, runbook, conditional blocks, handles, ownership footer), so
every source writes messages the same way and no front end assembles Datadog template syntax itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class When(StrEnum):
    """Datadog message conditions (`{{#is_alert}}...{{/is_alert}}`)."""

    ALERT = "is_alert"
    WARNING = "is_warning"
    RECOVERY = "is_recovery"
    NO_DATA = "is_no_data"
    ALERT_RECOVERY = "is_alert_recovery"
    WARNING_RECOVERY = "is_warning_recovery"


@dataclass(frozen=True)
class Block:
    """Text shown only when a condition holds."""

    when: When
    text: str


@dataclass(frozen=True)
class Notify:
    """Notification handles (`@pagerduty-x`, `@slack-y`); `when` limits them to one condition."""

    handles: tuple[str, ...]
    when: When | None = None


@dataclass(frozen=True)
class MessageSpec:
    body: str = ""
    runbook: str = ""  # a URL, written as "Runbook: <url>"
    blocks: tuple[Block, ...] = ()
    notify: tuple[Notify, ...] = ()
