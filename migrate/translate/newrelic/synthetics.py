"""New Relic synthetic monitors → `CheckSpec`s → Datadog synthetic tests; secure credentials → the names of
the Datadog global variables that replace them.

SIMPLE / PING → HTTP API test (validation text → body contains; redirect-is-failure → redirects not
followed, so a 3xx fails the 2xx assertion; TLS validation → certificate errors fail the test, else they
are ignored as New Relic ignores them); CERT_CHECK → SSL test (`daysUntilExpiration` → certificate
assertion); BROWSER → browser test on the URL; STEP_MONITOR → browser steps (synthetics_steps.py);
SCRIPT_API → multistep API test when the script is a plain sequence of requests and status assertions
(synthetics_script.py), else manual with the script kept; SCRIPT_BROWSER → manual with the script kept.
`period` minutes → `tick_every` (the builder snaps and says so); public locations (`US_EAST_1`, the
collector already dropped `AWS_`) → `synthetics.locations.newrelic`. Notifications: the monitor's
service (its `service` tag, else the first word of its name) and the alert policy named after it become
routing labels `service` and `policy` for the routing mappings. Its `service:` tags are the APM services it
belongs to (services.py, the collector's `--service` rule), else that service.

`synthetic_monitors(objects, env, services)` records one ledger entry per `synthetic_monitor` and
`secure_credential` object; the New Relic translator calls it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from migrate.inventory.store import InventoryObject
from migrate.model import DesiredResource, Finding, Outcome
from migrate.scrub_script import redacted
from migrate.translate import locations
from migrate.translate.base import TranslateEnv
from migrate.translate.build.synthetic import build_check
from migrate.translate.newrelic import synthetics_script as script
from migrate.translate.newrelic import synthetics_steps as steps
from migrate.translate.newrelic.services import Services
from migrate.translate.routing import compile_routes, route
from migrate.translate.specs.check import (
    Action,
    ApiStepSpec,
    AssertionSpec,
    AssertKind,
    BrowserStepSpec,
    CheckKind,
    CheckSpec,
    Op,
    RequestSpec,
    TlsSpec,
    variable_name_ok,
)
from migrate.translate.specs.message import MessageSpec, Notify

KINDS = frozenset({"synthetic_monitor", "secure_credential"})
OK_STATUS = "^2[0-9][0-9]$"


class Manual(Exception):
    """The monitor cannot be translated; the message is the ledger's reason."""


def synthetic_monitors(
    objects: Sequence[InventoryObject], env: TranslateEnv, services: Services | None = None
) -> list[DesiredResource]:
    services = services or Services("service")
    policies = [str(o.normalized.get("name") or "") for o in objects if o.ref.kind == "alert_policy"]
    out: list[DesiredResource] = []
    for obj in objects:
        if obj.ref.kind == "secure_credential":
            name = str(obj.normalized.get("name") or "")
            found, reason = _credential(name, obj.normalized.get("used_by") or [])
            env.ledger.record(obj.ref, found, reason=reason)
        elif obj.ref.kind == "synthetic_monitor":
            out += _monitor(obj, env, policies, services.tags([obj.ref.key]))
    return out


def _credential(name: str, used_by: list[str]) -> tuple[list[Finding], str]:
    if not variable_name_ok(name):
        finding = Finding(
            "newrelic.credential_name",
            f"secure credential {name!r} is not a valid Datadog global variable name; its monitors stay manual",
            Outcome.MANUAL,
        )
        return [finding], finding.message
    return [], (
        f"becomes the secure Datadog global variable {name} (the value is provided at apply, never read from "
        f"New Relic); used by {len(used_by)} monitor(s)"
    )


def _monitor(
    obj: InventoryObject, env: TranslateEnv, policies: list[str], service_tags: tuple[str, ...]
) -> list[DesiredResource]:
    n = obj.normalized
    findings: list[Finding] = []
    kind = str(n.get("type") or "")
    original = _kept_script(str(n.get("script") or ""))
    try:
        spec = _spec(obj, kind, env, policies, findings, service_tags=service_tags)
    except (Manual, script.NotPlain, steps.NotMapped) as exc:
        reason = f"{kind} monitor: {exc}"
        findings.append(Finding("newrelic.monitor_manual", reason, Outcome.MANUAL))
        env.ledger.record(obj.ref, findings, original=original, reason=reason)
        return []
    built = build_check(spec)
    env.ledger.record(obj.ref, [*findings, *built.findings], targets=[built.resource], original=original)
    return [built.resource]


def _kept_script(text: str) -> str | None:
    """The script as the ledger keeps it, credentials written in it redacted (migrate/scrub_script.py; the
    collector already did, this covers inventories written before it did)."""
    if not text:
        return None
    kept = redacted(text)
    return kept if kept is not None else "(the script is not kept: it could not be read to redact credentials)"


def _spec(
    obj: InventoryObject,
    kind: str,
    env: TranslateEnv,
    policies: list[str],
    findings: list[Finding],
    *,
    service_tags: tuple[str, ...],
) -> CheckSpec:
    n = obj.normalized
    uri = str(n.get("uri") or "")
    shape: dict[str, Any]
    if kind in ("SIMPLE", "PING"):
        shape = _http(n, uri, findings)
    elif kind == "CERT_CHECK":
        days = int(next(iter((n.get("tags") or {}).get("daysUntilExpiration") or []), 0) or 0)
        host = uri.split("://", 1)[-1].split("/", 1)[0]
        shape = {
            "kind": CheckKind.SSL,
            "request": RequestSpec(host=host.split(":")[0], port=int(host.split(":")[1]) if ":" in host else 443),
            "assertions": (AssertionSpec(AssertKind.CERTIFICATE_DAYS, Op.MORE_THAN, days),),
        }
    elif kind == "BROWSER":
        if not uri:
            raise Manual("no URL to load")
        text = str(n.get("validation_text") or "")
        first = (BrowserStepSpec(Action.ASSERT_PAGE_CONTAINS, value=text),) if text else ()
        shape = {"kind": CheckKind.BROWSER, "request": RequestSpec(url=uri), "browser_steps": first}
    elif kind == "STEP_MONITOR":
        start, browser = steps.browser_steps(list(n.get("steps") or []), findings)
        shape = {"kind": CheckKind.BROWSER, "request": RequestSpec(url=start), "browser_steps": browser}
    elif kind == "SCRIPT_API":
        shape = _multistep(str(n.get("script") or ""))
    elif kind == "SCRIPT_BROWSER":
        raise Manual("scripted browser monitors are rebuilt by hand; the script is kept in the ledger")
    else:
        raise Manual("no Datadog test type for this monitor type")
    return CheckSpec(
        refs=(obj.ref,),
        name=str(n.get("name") or obj.ref.name),
        locations=_locations(n, env, findings),
        frequency_s=int(n.get("period_minutes") or 5) * 60,
        paused=str(n.get("status") or "ENABLED").upper() != "ENABLED",
        message=_message(n, env, policies),
        tags=_tags(n, service_tags),
        **shape,
    )


def _http(n: dict[str, Any], uri: str, findings: list[Finding]) -> dict[str, Any]:
    if not uri:
        raise Manual("no URL to request")
    redirect_fails = str(n.get("redirect_is_failure")).lower() == "true"
    assertions = [AssertionSpec(AssertKind.STATUS_CODE, Op.MATCHES, OK_STATUS)]
    if n.get("validation_text"):
        assertions.append(AssertionSpec(AssertKind.BODY, Op.CONTAINS, str(n["validation_text"])))
    headers = tuple((str(h.get("name")), str(h.get("value"))) for h in n.get("custom_headers") or [])
    validated = "true" in (str(n.get("use_tls_validation")).lower(), str(n.get("verify_ssl")).lower())
    tls = TlsSpec(ignore_server_errors=not validated) if uri.startswith("https://") else TlsSpec()
    if str(n.get("bypass_head_request")).lower() == "false" and not n.get("validation_text"):
        findings.append(
            Finding("newrelic.head_request", "New Relic sent HEAD first; the Datadog test sends GET", Outcome.EXACT)
        )
    request = RequestSpec(url=uri, headers=headers, follow_redirects=not redirect_fails)
    return {"kind": CheckKind.HTTP, "request": request, "assertions": tuple(assertions), "tls": tls}


def _multistep(text: str) -> dict[str, Any]:
    calls, secure = script.read_script(text)
    bad = [s for s in secure if not variable_name_ok(s)]
    if bad:
        raise Manual(f"secure credential {bad[0]!r} is not a valid Datadog global variable name")
    out = []
    for i, call in enumerate(calls, 1):
        request = RequestSpec(
            url=call.url,
            method=call.method,
            headers=tuple(call.headers.items()),
            body=call.body,
            body_type="application/json" if call.json_body else ("text/plain" if call.body else ""),
        )
        assertions = tuple(AssertionSpec(AssertKind.STATUS_CODE, Op.IS, code) for code in call.status)
        out.append(ApiStepSpec(f"{i}. {call.method} {call.url}"[:100], CheckKind.HTTP, request, assertions))
    return {"kind": CheckKind.MULTI, "steps": tuple(out), "variables": tuple(secure)}


def _locations(n: dict[str, Any], env: TranslateEnv, findings: list[Finding]) -> tuple[str, ...]:
    where = n.get("locations") or {}
    ids, found = locations.resolve("newrelic", [*where.get("public", []), *where.get("private", [])], env.ctx.mappings)
    findings += found
    return ids


def service(n: dict[str, Any]) -> str:
    tagged = (n.get("tags") or {}).get("service") or []
    return str(tagged[0]) if tagged else str(n.get("name") or "").split(" ")[0]


def _message(n: dict[str, Any], env: TranslateEnv, policies: list[str]) -> MessageSpec:
    svc = service(n)
    policy = next((p for p in policies if p.split(" ")[0] == svc), "")
    labels = {"service": svc, **({"policy": policy} if policy else {})}
    handles = tuple(route(labels, compile_routes(env.ctx.mappings.routing)))
    body = f"New Relic synthetic monitor {n.get('name')!r} is failing" + (f" ({n['uri']})." if n.get("uri") else ".")
    return MessageSpec(body=body, notify=(Notify(handles),) if handles else ())


def _tags(n: dict[str, Any], service_tags: tuple[str, ...]) -> tuple[str, ...]:
    out = list(service_tags) or [f"service:{service(n)}"]
    for key, values in sorted((n.get("tags") or {}).items()):
        if key != "daysUntilExpiration":
            out += [f"{key.lower()}:{v}" for v in values]
    return tuple(dict.fromkeys(out))
