"""The one synthetic-test builder: `CheckSpec` → a Datadog API test or browser test payload.

What Datadog cannot take as given is changed and said (findings): a frequency outside the allowed set is
snapped down (the test never runs less often than the source check did), retries above Datadog's cap
are capped, a renotify interval is snapped to the nearest allowed value, an assertion a subtype cannot
make is left out. The test carries the ownership marker: the tags and the footer in `message`.
"""

from __future__ import annotations

from typing import Any

from migrate.datadog import ownership
from migrate.model import DesiredResource, Finding, Outcome
from migrate.translate.build import synthetic_tables as t
from migrate.translate.build.common import Built, SpecError, message_text, owned_tags
from migrate.translate.build.mentions import neutral_text
from migrate.translate.build.synthetic_parts import Parts, capped
from migrate.translate.specs.check import CheckKind, CheckSpec

API_TEST = "synthetic_test"
BROWSER_TEST = "synthetic_browser_test"

__all__ = ["API_TEST", "BROWSER_TEST", "SpecError", "build_check"]


def build_check(spec: CheckSpec) -> Built:
    if not spec.refs:
        raise SpecError(f"check {spec.name!r}: a spec needs at least one source reference")
    browser = spec.kind is CheckKind.BROWSER
    rtype = BROWSER_TEST if browser else API_TEST
    key = ownership.resource_key(f"{rtype}#{spec.part}" if spec.part else rtype, spec.refs)
    parts = Parts(where=spec.refs[0].key)
    config = _config(spec, parts)
    options, option_findings = _options(spec, browser)
    text_findings: list[Finding] = []
    payload: dict[str, Any] = {
        "name": neutral_text(spec.name, "the name", text_findings),
        "type": "browser" if browser else "api",
        "config": config,
        "locations": list(dict.fromkeys(spec.locations)),
        "options": options,
        "message": message_text(spec.message, key, spec.refs, text_findings),
        "tags": owned_tags(key, spec.refs, spec.tags, findings=text_findings),
        "status": "paused" if spec.paused else "live",
    }
    if browser:
        payload["steps"] = [parts.browser_step(s, i) for i, s in enumerate(spec.browser_steps)]
    else:
        payload["subtype"] = t.API_SUBTYPES[spec.kind]
    variables = [*parts.variables, *(v for v in spec.variables if v not in parts.variables)]
    if variables:
        # Only names: the operator provides the value as a secure global variable, and apply fills `id`.
        config["configVariables"] = [{"type": "global", "name": name} for name in variables]
    resource = DesiredResource(rtype, key, payload, list(spec.refs))
    return Built(resource, [*option_findings, *parts.findings, *text_findings])


def _config(spec: CheckSpec, parts: Parts) -> dict[str, Any]:
    if spec.kind is CheckKind.MULTI:
        if spec.assertions:
            raise SpecError(f"{parts.where}: a multistep test asserts in its steps, not at the top")
        return {"steps": [parts.api_step(s) for s in spec.steps]}
    if spec.steps:
        raise SpecError(f"{parts.where}: only a multistep ({CheckKind.MULTI.value}) test has API steps")
    subtype = spec.kind.value
    return {"request": parts.request(spec.request, subtype), "assertions": parts.assertions(spec.assertions, subtype)}


def _options(spec: CheckSpec, browser: bool) -> tuple[dict[str, Any], list[Finding]]:
    findings: list[Finding] = []
    allowed = t.TICK_EVERY_BROWSER if browser else t.TICK_EVERY_API
    tick = t.snap_down(spec.frequency_s, allowed)
    if tick != spec.frequency_s:
        how = "the nearest allowed frequency that is not less often" if tick < spec.frequency_s else "its fastest"
        findings.append(
            Finding(
                "synthetics.frequency_snapped",
                f"the check ran every {spec.frequency_s}s; the Datadog test runs every {tick}s, {how} "
                f"(allowed: {', '.join(map(str, allowed))} s)",
            )
        )
    options: dict[str, Any] = {"tick_every": tick}
    if spec.retries:
        count, found = capped(
            spec.retries, t.MAX_RETRIES["browser" if browser else "api"], "synthetics.retries_capped", "retry count"
        )
        findings += found
        retry: dict[str, Any] = {"count": count}
        if spec.retry_interval_ms is not None:
            retry["interval"], found = capped(
                spec.retry_interval_ms, t.MAX_RETRY_INTERVAL_MS, "synthetics.retry_interval_capped", "retry interval"
            )
            findings += found
        options["retry"] = retry
    if spec.min_failure_duration_s is not None:
        options["min_failure_duration"] = spec.min_failure_duration_s
    if spec.min_location_failed is not None:
        options["min_location_failed"] = spec.min_location_failed
    if spec.renotify_minutes is not None:
        renotify = t.snap_nearest(spec.renotify_minutes, t.RENOTIFY_MINUTES)
        if renotify != spec.renotify_minutes:
            findings.append(
                Finding(
                    "synthetics.renotify_snapped",
                    f"renotify every {spec.renotify_minutes} min became {renotify} min, the nearest value Datadog "
                    "allows",
                )
            )
        options["monitor_options"] = {"renotify_interval": renotify}
    if spec.priority is not None:
        options["monitor_priority"] = spec.priority
    options.update(_tls(spec, browser))
    if browser:
        options["device_ids"] = list(spec.devices or t.DEFAULT_DEVICES)
    elif spec.devices:
        findings.append(Finding("synthetics.devices_ignored", "API tests run on no device", Outcome.EXACT))
    if spec.request.follow_redirects is not None and spec.kind in (CheckKind.HTTP, CheckKind.BROWSER):
        options["follow_redirects"] = spec.request.follow_redirects
    return options, findings


def _tls(spec: CheckSpec, browser: bool) -> dict[str, Any]:
    tls, out = spec.tls, dict[str, Any]()
    if tls.ignore_server_errors is not None:
        if browser:
            out["ignoreServerCertificateError"] = tls.ignore_server_errors
        elif spec.kind is CheckKind.SSL:
            out["ignore_certificate_validation"] = tls.ignore_server_errors
        else:
            out["allow_insecure"] = tls.ignore_server_errors
    if tls.accept_self_signed is not None:
        out["accept_self_signed"] = tls.accept_self_signed
    if tls.check_revocation is not None:
        out["checkCertificateRevocation"] = tls.check_revocation
    return out
