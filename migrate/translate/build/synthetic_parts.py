"""The parts of a synthetic test payload: requests, assertions, multistep API steps and browser steps.

Every `Secret` met on the way is written as `{{ NAME }}` and remembered in `Parts.variables`, so the test
declares exactly the global variables it reads (`config.configVariables`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from migrate.model import Finding, Outcome
from migrate.translate.build import synthetic_tables as t
from migrate.translate.build.common import SpecError
from migrate.translate.specs.check import (
    Action,
    ApiStepSpec,
    AssertionSpec,
    AssertKind,
    BrowserStepSpec,
    RequestSpec,
    Secret,
    Text,
    WaitStep,
)


@dataclass
class Parts:
    where: str  # the spec's source key, for error messages
    variables: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def text(self, value: Text) -> str:
        if isinstance(value, Secret):
            if value.name not in self.variables:
                self.variables.append(value.name)
            return f"{{{{ {value.name} }}}}"
        return value

    def request(self, spec: RequestSpec, subtype: str, *, step: bool = False) -> dict[str, Any]:
        """A test's request; in a multistep step, redirects are the request's own (else a test option)."""
        out: dict[str, Any] = {}
        if subtype in ("http", "browser"):
            out["method"] = spec.method or "GET"
        elif subtype == "grpc" and spec.method:
            out["method"] = spec.method
        scalars = {
            "url": spec.url,
            "host": spec.host,
            "port": spec.port,
            "timeout": spec.timeout_s,
            "follow_redirects": spec.follow_redirects if step else None,
            "dnsServer": spec.dns_server,
            "dnsServerPort": spec.dns_server_port,
            "message": spec.message,
            "numberOfPackets": spec.packets,
            "shouldTrackHops": spec.track_hops,
            "service": spec.service,
            "bodyType": spec.body_type,
        }
        out.update({k: v for k, v in scalars.items() if v not in (None, "")})
        if spec.headers:
            out["headers"] = {name: self.text(value) for name, value in spec.headers}
        if spec.body:
            out["body"] = self.text(spec.body)
        if spec.basic_auth is not None:
            auth = spec.basic_auth
            out["basicAuth"] = {
                "type": auth.scheme,
                "username": self.text(auth.username),
                "password": self.text(auth.password),
            }
        return out

    def assertions(self, specs: tuple[AssertionSpec, ...], subtype: str) -> list[dict[str, Any]]:
        return [a for spec in specs if (a := self.assertion(spec, subtype)) is not None]

    def assertion(self, spec: AssertionSpec, subtype: str) -> dict[str, Any] | None:
        dd_type, subtypes = t.ASSERTION_TYPES[spec.kind]
        if subtype not in subtypes:
            self.findings.append(
                Finding(
                    "synthetics.assertion_unsupported",
                    f"a {spec.kind.value} assertion ({spec.op.value} {spec.target!r}) has no form in a Datadog "
                    f"{subtype} test and was left out",
                )
            )
            return None
        operators = t.CERTIFICATE_OPERATORS if spec.kind is AssertKind.CERTIFICATE_DAYS else t.OPERATORS
        if spec.op not in t.ALLOWED_OPS[spec.kind]:
            raise SpecError(f"{self.where}: a {spec.kind.value} assertion cannot use {spec.op.value}")
        if spec.kind is AssertKind.DNS_RECORD and spec.every:
            dd_type = "recordEvery"
        out: dict[str, Any] = {"type": dd_type, "operator": operators[spec.op], "target": spec.target}
        if spec.property:
            out["property"] = spec.property
        elif spec.kind in (AssertKind.HEADER, AssertKind.DNS_RECORD):
            raise SpecError(f"{self.where}: a {spec.kind.value} assertion needs `property`")
        return out

    def api_step(self, spec: ApiStepSpec | WaitStep) -> dict[str, Any]:
        if isinstance(spec, WaitStep):
            if not 0 <= spec.seconds <= 180:
                raise SpecError(f"{self.where}: wait step {spec.name!r}: {spec.seconds}s is outside 0-180 s")
            return {"name": spec.name, "subtype": "wait", "value": spec.seconds}
        subtype = t.STEP_SUBTYPES.get(spec.kind)
        if subtype is None:
            raise SpecError(f"{self.where}: step {spec.name!r}: a {spec.kind.value} test cannot be a step")
        return {
            "name": spec.name,
            "subtype": subtype,
            "request": self.request(spec.request, subtype, step=True),
            "assertions": self.assertions(spec.assertions, subtype),
            "allowFailure": spec.allow_failure,
            "isCritical": spec.critical,
        }

    def browser_step(self, spec: BrowserStepSpec, index: int) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if spec.element is not None:
            locator = {"type": spec.element.kind, "value": spec.element.value}
            params["element"] = {"userLocator": {"failTestOnCannotLocate": True, "values": [locator]}}
        elif spec.action in t.NEEDS_ELEMENT:
            raise SpecError(f"{self.where}: browser step {index + 1} ({spec.action.value}) needs an element")
        if spec.value != "":
            value = self.text(spec.value)
            if spec.action is Action.ASSERT_JAVASCRIPT:
                params["code"] = value
            elif spec.action is Action.WAIT:
                params["value"] = int(value)
            else:
                params["value"] = value
        if spec.check is not None:
            params["check"] = t.TEXT_CHECKS[spec.check]
        if spec.attribute:
            params["attribute"] = spec.attribute
        step: dict[str, Any] = {
            "name": spec.name or f"{spec.action.value.replace('_', ' ')} ({index + 1})",
            "type": t.BROWSER_STEPS[spec.action],
            "params": params,
            "allowFailure": spec.allow_failure,
            "isCritical": spec.critical,
        }
        if spec.timeout_s is not None:
            step["timeout"] = spec.timeout_s
        return step


def capped(value: int, cap: int, code: str, what: str) -> tuple[int, list[Finding]]:
    if value <= cap:
        return value, []
    return cap, [Finding(code, f"{what} {value} is above Datadog's maximum {cap}; {cap} is used", Outcome.APPROXIMATE)]
