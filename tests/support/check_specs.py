"""Read a `CheckSpec` from plain data (the case table tests/cases/synthetics_build.yaml, the toy source).

Field names are the dataclasses' own; enums by value; a secret is `{secret: NAME}`; headers a mapping.
"""

from __future__ import annotations

from typing import Any

from migrate.model import SourceRef
from migrate.translate.specs.check import (
    Action,
    ApiStepSpec,
    AssertionSpec,
    AssertKind,
    BasicAuth,
    BrowserStepSpec,
    CheckKind,
    CheckSpec,
    Op,
    RequestSpec,
    Secret,
    Selector,
    Text,
    TextCheck,
    TlsSpec,
    WaitStep,
)
from migrate.translate.specs.message import Block, MessageSpec, Notify, When


def text(value: Any) -> Text:
    if isinstance(value, dict):
        return Secret(str(value["secret"]))
    return str(value)


def request(data: dict[str, Any]) -> RequestSpec:
    data = dict(data)
    headers = tuple((str(k), text(v)) for k, v in (data.pop("headers", None) or {}).items())
    auth = data.pop("basic_auth", None)
    body = text(data.pop("body", ""))
    basic = None if auth is None else BasicAuth(text(auth["username"]), Secret(auth["password"]["secret"]))
    if basic is not None and "scheme" in auth:
        basic = BasicAuth(basic.username, basic.password, str(auth["scheme"]))
    return RequestSpec(headers=headers, basic_auth=basic, body=body, **data)


def assertion(data: dict[str, Any]) -> AssertionSpec:
    return AssertionSpec(
        AssertKind(data["kind"]), Op(data["op"]), data["target"], str(data.get("property", "")), bool(data.get("every"))
    )


def api_step(data: dict[str, Any]) -> ApiStepSpec | WaitStep:
    if data["kind"] == "wait":
        return WaitStep(str(data["name"]), int(data["wait_s"]))
    return ApiStepSpec(
        name=str(data["name"]),
        kind=CheckKind(data["kind"]),
        request=request(data.get("request") or {}),
        assertions=tuple(assertion(a) for a in data.get("assertions") or []),
        allow_failure=bool(data.get("allow_failure", False)),
        critical=bool(data.get("critical", True)),
    )


def browser_step(data: dict[str, Any]) -> BrowserStepSpec:
    element = data.get("element")
    return BrowserStepSpec(
        action=Action(data["action"]),
        name=str(data.get("name", "")),
        element=None if element is None else Selector(str(element["value"]), str(element.get("kind", "css"))),
        value=text(data.get("value", "")),
        check=None if data.get("check") is None else TextCheck(data["check"]),
        attribute=str(data.get("attribute", "")),
        timeout_s=data.get("timeout_s"),
    )


def message(data: dict[str, Any]) -> MessageSpec:
    return MessageSpec(
        body=str(data.get("body", "")),
        runbook=str(data.get("runbook", "")),
        blocks=tuple(Block(When(b["when"]), str(b["text"])) for b in data.get("blocks") or []),
        notify=tuple(
            Notify(tuple(n["handles"]), None if n.get("when") is None else When(n["when"]))
            for n in data.get("notify") or []
        ),
    )


def check_spec(data: dict[str, Any], ref: SourceRef) -> CheckSpec:
    data = dict(data)
    return CheckSpec(
        refs=(ref,),
        name=str(data.pop("name")),
        kind=CheckKind(data.pop("kind")),
        request=request(data.pop("request", None) or {}),
        assertions=tuple(assertion(a) for a in data.pop("assertions", None) or []),
        steps=tuple(api_step(s) for s in data.pop("steps", None) or []),
        browser_steps=tuple(browser_step(s) for s in data.pop("browser_steps", None) or []),
        locations=tuple(data.pop("locations", ("aws:eu-west-1",))),
        message=message(data.pop("message", None) or {}),
        tags=tuple(data.pop("tags", ())),
        tls=TlsSpec(**(data.pop("tls", None) or {})),
        devices=tuple(data.pop("devices", ())),
        variables=tuple(data.pop("variables", ())),
        **data,  # scalars: frequency_s, retries, retry_interval_ms, renotify_minutes, paused, ...
    )
