"""Pingdom transaction (TMS) check steps → browser test steps, per the table in
../shared/reference/newrelic-pingdom-facts.md §4.4 (kept here as data: `STEPS`).

The first `go_to` is the test's start URL; later ones are `goToUrl` steps. Pingdom names elements by
"label, name or CSS selector": a value that reads as CSS stays CSS, anything else becomes an XPath that
matches the name, id or visible label (`pingdom.selector_guessed`). A step with no Datadog form
(`wpm_click_xy`, `wpm_close_tab`, the API-style `http_request` / `extract` / `assert`, anything unknown)
makes the whole check manual: `Untranslatable` carries every step, for the ledger and the placeholder.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from migrate.model import Finding, Outcome
from migrate.translate.secret_refs import SecretText
from migrate.translate.specs.check import Action, BasicAuth, BrowserStepSpec, Secret, Selector, TextCheck


@dataclass(frozen=True)
class StepRule:
    action: Action
    element: str = ""  # the args key naming the element ("" = none)
    value: str = ""  # the args key holding the value
    check: TextCheck | None = None
    note: str = ""  # set: the mapping is approximate, and this says why


_TOGGLE = "Datadog has no check/uncheck step: a click toggles the box rather than setting it"
_RECORDED = "a recorded (wpm_) step: the recorder's metadata is dropped"
_JS = "asserted with JavaScript in the page"
STEPS: dict[str, StepRule] = {
    "go_to": StepRule(Action.GO_TO_URL, value="url"),
    "click": StepRule(Action.CLICK, element="element"),
    "fill": StepRule(Action.TYPE_TEXT, element="input", value="value"),
    "check": StepRule(Action.CLICK, element="checkbox", note=_TOGGLE),
    "uncheck": StepRule(Action.CLICK, element="checkbox", note=_TOGGLE),
    "sleep": StepRule(Action.WAIT, value="seconds"),
    "select_radio": StepRule(Action.CLICK, element="radio", note="the radio button is clicked by its name"),
    "select": StepRule(Action.SELECT_OPTION, element="select", value="option"),
    "submit": StepRule(Action.CLICK, element="form", note="the form is submitted by clicking its submit control"),
    "wait_for_element": StepRule(Action.ASSERT_ELEMENT_PRESENT, element="element"),
    "wait_for_contains": StepRule(Action.ASSERT_ELEMENT_CONTENT, "element", "value", TextCheck.CONTAINS),
    "url": StepRule(Action.ASSERT_CURRENT_URL, value="url", check=TextCheck.EQUALS),
    "exists": StepRule(Action.ASSERT_ELEMENT_PRESENT, element="element"),
    "not_exists": StepRule(Action.ASSERT_JAVASCRIPT, element="element", note=_JS),
    "contains": StepRule(Action.ASSERT_ELEMENT_CONTENT, "element", "value", TextCheck.CONTAINS),
    "not_contains": StepRule(Action.ASSERT_ELEMENT_CONTENT, "element", "value", TextCheck.NOT_CONTAINS),
    "field_contains": StepRule(
        Action.ASSERT_ELEMENT_ATTRIBUTE, "input", "value", TextCheck.CONTAINS, "the field's value attribute is read"
    ),
    "field_not_contains": StepRule(
        Action.ASSERT_ELEMENT_ATTRIBUTE, "input", "value", TextCheck.NOT_CONTAINS, "the field's value attribute is read"
    ),
    "is_checked": StepRule(Action.ASSERT_JAVASCRIPT, element="checkbox", note=_JS),
    "is_not_checked": StepRule(Action.ASSERT_JAVASCRIPT, element="checkbox", note=_JS),
    "radio_selected": StepRule(Action.ASSERT_JAVASCRIPT, element="radio", note=_JS),
    "dropdown_selected": StepRule(Action.ASSERT_JAVASCRIPT, "select", "option", note=_JS),
    "dropdown_not_selected": StepRule(Action.ASSERT_JAVASCRIPT, "select", "option", note=_JS),
    "wpm_go_to": StepRule(Action.GO_TO_URL, value="url", note=_RECORDED),
    "wpm_click": StepRule(Action.CLICK, element="element", note=_RECORDED),
    "wpm_fill": StepRule(Action.TYPE_TEXT, element="input", value="value", note=_RECORDED),
    "wpm_move_mouse_to_element": StepRule(Action.HOVER, element="element", note=_RECORDED),
    "wpm_select_dropdown": StepRule(Action.SELECT_OPTION, "select", "option", note=_RECORDED),
    "wpm_wait": StepRule(Action.WAIT, value="seconds", note=_RECORDED),
    "wpm_contains_timeout": StepRule(Action.ASSERT_ELEMENT_CONTENT, "element", "value", TextCheck.CONTAINS, _RECORDED),
    "wpm_not_contains_timeout": StepRule(
        Action.ASSERT_ELEMENT_CONTENT, "element", "value", TextCheck.NOT_CONTAINS, _RECORDED
    ),
}
# JavaScript assertions: the condition on `el` (the element) and `v` (the value) that must hold.
_JS_CONDITIONS = {
    "not_exists": "!el",
    "is_checked": "!!el && el.checked",
    "is_not_checked": "!!el && !el.checked",
    "radio_selected": "!!el && el.checked",
    "dropdown_selected": "!!el && el.options[el.selectedIndex] && el.options[el.selectedIndex].text === v",
    "dropdown_not_selected": "!!el && !(el.options[el.selectedIndex] && el.options[el.selectedIndex].text === v)",
}
_CSS = re.compile(r"^[#.\[]|[#.\[\]>:=\s]|^[a-z][a-z0-9-]*$")


class Untranslatable(Exception):
    """A step with no Datadog browser step; the message names it."""


@dataclass
class BrowserDraft:
    start_url: str = ""
    steps: tuple[BrowserStepSpec, ...] = ()
    basic_auth: BasicAuth | None = None


def describe(steps: list[dict[str, Any]]) -> str:
    """Every step as one line, for the ledger and the placeholder's message (references, never values)."""
    return "\n".join(
        f"{i}. {s.get('fn') or '?'} {json.dumps(s.get('args') or {}, sort_keys=True)}" for i, s in enumerate(steps, 1)
    )


def selector(text: str, findings: list[Finding], fn: str) -> Selector:
    if _CSS.search(text):
        return Selector(text)
    findings.append(
        Finding(
            "pingdom.selector_guessed",
            f"{fn}: {text!r} is a label or name, not CSS; matched by name, id or visible text with an XPath",
        )
    )
    quoted = json.dumps(text).replace('"', "'") if "'" not in text else json.dumps(text)
    return Selector(f"//*[@name={quoted} or @id={quoted} or normalize-space()={quoted}]", "xpath")


def browser_steps(steps: list[dict[str, Any]], secrets: SecretText, findings: list[Finding]) -> BrowserDraft:
    draft = BrowserDraft()
    out: list[BrowserStepSpec] = []
    for i, step in enumerate(steps, 1):
        raw_args = step.get("args")
        fn, args = str(step.get("fn") or ""), raw_args if isinstance(raw_args, dict) else {}
        if fn == "basic_auth":
            password = secrets.text(args.get("password"))
            if not isinstance(password, Secret):
                raise Untranslatable(f"step {i} basic_auth: the password is not a collector secret reference")
            draft.basic_auth = BasicAuth(username=secrets.text(args.get("username")), password=password)
            continue
        rule = STEPS.get(fn)
        if rule is None:
            raise Untranslatable(f"step {i} {fn or '(no fn)'} has no Datadog browser step")
        if fn == "go_to" and not draft.start_url and not out:
            draft.start_url = start_url(str(args.get("url") or ""), findings)
            continue
        out.append(_step(f"{i}. {fn}", rule, args, secrets, findings))
    if not steps:
        raise Untranslatable("the transaction has no steps (its detail was not collected); collect it again")
    if not draft.start_url:
        raise Untranslatable("the transaction has no go_to step to start from")
    draft.steps = tuple(out)
    return draft


def _step(
    label: str, rule: StepRule, args: dict[str, Any], secrets: SecretText, findings: list[Finding]
) -> BrowserStepSpec:
    fn = label.split(" ", 1)[1]
    if rule.note:
        findings.append(Finding("pingdom.step_approximate", f"step {label}: {rule.note}"))
    raw_element = str(args.get(rule.element) or "") if rule.element else ""
    if rule.element and not raw_element:
        raise Untranslatable(f"step {label} names no {rule.element}")
    value: Any = secrets.text(args.get(rule.value)) if rule.value else ""
    if fn == "select_radio":
        raw_element = f"input[type=radio][name={json.dumps(raw_element)}]"
    elif fn == "submit":
        raw_element = f"{raw_element} [type=submit]"
    if rule.action is Action.ASSERT_JAVASCRIPT:
        el = json.dumps(raw_element)
        v = json.dumps(str(value))
        code = f"const el = document.querySelector({el}); const v = {v}; return {_JS_CONDITIONS[fn]};"
        return BrowserStepSpec(rule.action, name=label, value=code)
    element = selector(raw_element, findings, f"step {label}") if raw_element else None
    if rule.action is Action.WAIT:
        value = str(max(0, min(300, int(float(str(value or 1))))))  # Datadog waits at most 300 s
    timeout = args.get("timeout")  # milliseconds (Pingdom), seconds (Datadog)
    return BrowserStepSpec(
        rule.action,
        name=label,
        timeout_s=-(-int(timeout) // 1000) if isinstance(timeout, int) and timeout > 0 else None,
        element=element,
        value=value,
        check=rule.check,
        attribute="value" if rule.action is Action.ASSERT_ELEMENT_ATTRIBUTE else "",
    )


def start_url(url: str, findings: list[Finding]) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    findings.append(Finding("pingdom.url_scheme_assumed", f"go_to {url!r} names no scheme; https:// is assumed"))
    return f"https://{url}"


def manual_finding(reason: str) -> Finding:
    return Finding("pingdom.step_unsupported", reason, Outcome.MANUAL)
