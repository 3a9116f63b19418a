"""New Relic STEP monitor steps → browser test steps (the table in
../shared/reference/newrelic-pingdom-facts.md §4.4, "The same table serves NR STEP monitors").

The first NAVIGATE is the start URL. SECURE_TEXT_ENTRY's `$secure.NAME` becomes the global variable
NAME. ASSERT_MODAL / DISMISS_MODAL (and any type not listed) have no Datadog step: `NotMapped`.
A locator starting with `/` or `(` is XPath, anything else CSS.
"""

from __future__ import annotations

import json
import re
from typing import Any

from migrate.model import Finding
from migrate.translate.specs.check import Action, BrowserStepSpec, Secret, Selector, Text, TextCheck

_SECURE = re.compile(r"^\$secure\.([A-Za-z_][A-Za-z0-9_]*)$")
# NR step type -> (action, takes an element, text check, approximate because)
_STEPS: dict[str, tuple[Action, bool, TextCheck | None, str]] = {
    "NAVIGATE": (Action.GO_TO_URL, False, None, ""),
    "CLICK_ELEMENT": (Action.CLICK, True, None, ""),
    "DOUBLE_CLICK_ELEMENT": (Action.CLICK, True, None, "a double click becomes a single click"),
    "TEXT_ENTRY": (Action.TYPE_TEXT, True, None, ""),
    "SECURE_TEXT_ENTRY": (Action.TYPE_TEXT, True, None, ""),
    "SELECT_ELEMENT": (Action.SELECT_OPTION, True, None, ""),
    "HOVER_ELEMENT": (Action.HOVER, True, None, ""),
    "ASSERT_ELEMENT": (Action.ASSERT_ELEMENT_PRESENT, True, None, ""),
    "ASSERT_TEXT": (Action.ASSERT_ELEMENT_CONTENT, True, TextCheck.CONTAINS, ""),
    "ASSERT_TITLE": (Action.ASSERT_JAVASCRIPT, False, None, "the page title is compared in JavaScript"),
}


class NotMapped(Exception):
    pass


def locator(text: str) -> Selector:
    return Selector(text, "xpath" if text.startswith(("/", "(")) else "css")


def secure_or_text(value: str) -> Text:
    match = _SECURE.match(value.strip())
    return Secret(match[1]) if match else value


def browser_steps(steps: list[dict[str, Any]], findings: list[Finding]) -> tuple[str, tuple[BrowserStepSpec, ...]]:
    """(start URL, the remaining steps)."""
    start = ""
    out: list[BrowserStepSpec] = []
    for i, step in enumerate(sorted(steps, key=lambda s: int(s.get("ordinal") or 0)), 1):
        kind = str(step.get("type") or "")
        values = [str(v) for v in step.get("values") or []]
        rule = _STEPS.get(kind)
        if rule is None:
            raise NotMapped(f"step {i} {kind or '(no type)'} has no Datadog browser step")
        action, has_element, check, note = rule
        if note:
            findings.append(Finding("newrelic.step_approximate", f"step {i} {kind}: {note}"))
        if action is Action.GO_TO_URL and not start and not out:
            start = values[0] if values else ""
            continue
        need = 1 + (action in (Action.TYPE_TEXT, Action.SELECT_OPTION, Action.ASSERT_ELEMENT_CONTENT))
        if len(values) < (need if has_element else 1):
            raise NotMapped(f"step {i} {kind} has {len(values)} values, {need} needed")
        name = f"{i}. {kind.lower()}"
        if action is Action.ASSERT_JAVASCRIPT:
            code = f"return document.title.includes({json.dumps(values[0])});"
            out.append(BrowserStepSpec(action, name=name, value=code))
        elif has_element:
            value = secure_or_text(values[1]) if len(values) > 1 else ""
            out.append(BrowserStepSpec(action, name=name, element=locator(values[0]), value=value, check=check))
        else:
            out.append(BrowserStepSpec(action, name=name, value=values[0]))
    if not start:
        raise NotMapped("the monitor has no NAVIGATE step to start from")
    return start, tuple(out)
