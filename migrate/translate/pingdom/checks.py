"""The "pingdom" translator: one ledger entry per Pingdom object, tests built by the one synthetic builder.

- uptime_check → an API test (and an SSL companion for a certificate warning), or manual with no test
  when the type has no Datadog form (migrate/translate/pingdom/uptime.py);
- transaction_check → a browser test (pingdom/tms.py); a step with no Datadog equivalent makes it manual:
  every step is kept in the ledger (`original`) and in the message of a paused HTTP placeholder test on
  the transaction's start page, so the owner sees what to rebuild;
- contact, team → ledgered as routed (the handles their checks notify through the routing mappings);
- maintenance_window, probe → skipped with the reason (downtimes and probe servers are not migrated
  here: a window's checks are named in the reason; probe regions map through `synthetics.locations`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from migrate.inventory.store import InventoryObject
from migrate.model import DesiredResource, Finding, Outcome
from migrate.translate.base import TranslateEnv, Translator
from migrate.translate.build.synthetic import API_TEST, build_check
from migrate.translate.pingdom import notify, tms, uptime
from migrate.translate.pingdom.notify import Account
from migrate.translate.secret_refs import SecretText, masked
from migrate.translate.specs.check import AssertionSpec, AssertKind, CheckKind, CheckSpec, Op, RequestSpec
from migrate.translate.specs.message import MessageSpec

SOURCE = "pingdom"
KINDS = frozenset({"uptime_check", "transaction_check", "contact", "team", "maintenance_window", "probe"})


def translate(objects: Sequence[InventoryObject], env: TranslateEnv) -> list[DesiredResource]:
    account = Account.read(objects, env.ctx.mappings)
    out: list[DesiredResource] = []
    for obj in objects:
        kind = obj.ref.kind
        if kind == "uptime_check":
            out += _uptime(obj, account, env)
        elif kind == "transaction_check":
            out += _transaction(obj, account, env)
        elif kind in ("contact", "team"):
            env.ledger.record(obj.ref, [], reason=_routed(account, kind, obj.ref.id))
        elif kind == "maintenance_window":
            n = obj.normalized
            ids = [*n.get("uptime_check_ids", []), *n.get("transaction_check_ids", [])]
            env.ledger.record(
                obj.ref,
                [],
                skipped=True,
                reason=f"maintenance windows are not migrated yet (checks {', '.join(map(str, ids)) or 'none'}); "
                "schedule a Datadog downtime for their tests",
            )
        elif kind == "probe":
            env.ledger.record(
                obj.ref, [], skipped=True, reason="a Pingdom probe server: regions map through synthetics.locations"
            )
    return out


def _routed(account: Account, kind: str, ident: str) -> str:
    """What a contact or team became: the handles its checks notify, per Pingdom severity."""
    said = []
    for level in notify.SEVERITY:
        n = {"severity_level": level, "team_ids" if kind == "team" else "contact_ids": [ident]}
        said.append(f"{level} checks notify {', '.join(account.handles(n)) or 'no handle'}")
    return f"routed through the routing mappings: {'; '.join(said)}"


def _base(obj: InventoryObject, account: Account, env: TranslateEnv, findings: list[Finding], what: str) -> CheckSpec:
    n = obj.normalized
    minutes = n.get("resolution_minutes") or n.get("interval_minutes") or 5
    tick = int(minutes) * 60
    return CheckSpec(
        refs=(obj.ref,),
        name=str(n.get("name") or obj.ref.name),
        kind=CheckKind.HTTP,
        locations=notify.where(n.get("regions") or [], env.ctx.mappings, findings),
        frequency_s=tick,
        min_failure_duration_s=notify.min_failure_s(n.get("send_notification_when_down"), tick),
        renotify_minutes=notify.renotify_minutes(n.get("notify_again_every"), tick),
        paused=bool(n.get("paused")),
        message=notify.message(n, account, what, findings),
        tags=notify.tags(n, account),
    )


def _uptime(obj: InventoryObject, account: Account, env: TranslateEnv) -> list[DesiredResource]:
    draft = uptime.Draft(obj.ref, obj.normalized)
    base = _base(
        obj, account, env, draft.findings, f"the {obj.normalized.get('type')} check on {obj.normalized.get('hostname')}"
    )
    try:
        specs = uptime.specs(draft, base)
    except uptime.Unsupported as exc:
        env.ledger.record(obj.ref, [*draft.findings, uptime.manual_finding(str(exc))], reason=str(exc))
        return []
    return _record(obj, specs, draft.findings, env)


def _record(
    obj: InventoryObject,
    specs: list[CheckSpec],
    findings: list[Finding],
    env: TranslateEnv,
    original: str | None = None,
) -> list[DesiredResource]:
    resources: list[DesiredResource] = []
    found = list(findings)
    for spec in specs:
        built = build_check(spec)
        found += built.findings
        resources.append(built.resource)
    env.ledger.record(obj.ref, found, targets=resources, original=original)
    return resources


def _transaction(obj: InventoryObject, account: Account, env: TranslateEnv) -> list[DesiredResource]:
    n = obj.normalized
    steps = [s for s in n.get("steps") or [] if isinstance(s, dict)]
    findings: list[Finding] = []
    secrets = SecretText()
    listing = tms.describe(steps)
    base = _base(obj, account, env, findings, "the transaction failed")
    try:
        draft = tms.browser_steps(steps, secrets, findings)
    except tms.Untranslatable as exc:
        return _placeholder(obj, base, Manual(steps, listing, str(exc)), findings, env)
    spec = replace(
        base,
        kind=CheckKind.BROWSER,
        request=RequestSpec(url=secrets.inline(draft.start_url), basic_auth=draft.basic_auth),
        browser_steps=draft.steps,
        variables=tuple(secrets.variables),
    )
    return _record(obj, [spec], findings, env, original=listing)


@dataclass(frozen=True)
class Manual:
    steps: list[dict[str, Any]]
    listing: str  # every step, one per line
    reason: str


def _placeholder(
    obj: InventoryObject, base: CheckSpec, manual: Manual, findings: list[Finding], env: TranslateEnv
) -> list[DesiredResource]:
    """A paused HTTP test on the start page whose message lists every step, for the owner to rebuild."""
    steps, listing, reason = manual.steps, manual.listing, manual.reason
    findings = [*findings, tms.manual_finding(reason)]
    start = next((str((s.get("args") or {}).get("url") or "") for s in steps if s.get("fn") == "go_to"), "")
    if not start.startswith(("http://", "https://")):
        env.ledger.record(obj.ref, findings, original=listing, reason=reason)
        return []
    body = (
        f"MANUAL: the Pingdom transaction check {base.name!r} could not be translated ({reason}). This paused test "
        f"only loads its start page; rebuild the browser test from its steps:\n{masked(listing)}"
    )
    spec = CheckSpec(
        refs=base.refs,
        name=f"[manual] {base.name}",
        kind=CheckKind.HTTP,
        request=RequestSpec(url=SecretText().inline(start)),
        assertions=(AssertionSpec(AssertKind.STATUS_CODE, Op.MATCHES, uptime.UP_STATUS),),
        locations=base.locations,
        frequency_s=base.frequency_s,
        paused=True,
        message=MessageSpec(body=body, notify=base.message.notify),
        tags=(*base.tags, "ddmigrate:manual"),
    )
    built = build_check(spec)
    problems = env.check_payload(API_TEST, built.resource.payload)
    if problems:
        findings.append(Finding("datadog.payload_invalid", "; ".join(problems), Outcome.MANUAL))
        env.ledger.record(obj.ref, findings, original=listing, reason=reason)
        return []
    env.ledger.record(obj.ref, [*findings, *built.findings], targets=[built.resource], original=listing, reason=reason)
    return [built.resource]


TRANSLATOR = Translator(SOURCE, KINDS, translate)
