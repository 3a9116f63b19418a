"""NRQL alert conditions → Datadog monitors (`AlertSpec`), one ledger entry per condition.

The NRQL query goes through `LANGUAGES["nrql"]`; the critical term sets the comparator, threshold, window
and time aggregation (signal.py), the warning term `options.thresholds.warning`. Around it:
- `aggregationDelay` (EVENT_FLOW / CADENCE), or the legacy `evaluationOffset` (minutes), → `evaluation_delay`
  (capped at Datadog's 86400 s); `evaluationDelay` (wait before evaluating new signals) → `new_group_delay`;
  EVENT_TIMER (evaluate N s after the last event) has no Datadog field and is named;
- loss of signal: `expiration.openViolationOnExpiration` → `notify_no_data` with `no_data_timeframe` the
  expiration in minutes; `closeViolationsOnExpiration` → `timeout_h` (auto-resolve once data stops);
  `ignoreOnExpectedTermination` and `violationTimeLimitSeconds` have no Datadog field and are named;
- the policy → `nr_policy:<name>` tag; the APM service(s) the condition belongs to (services.py) → `service:`
  tags; the policy's incident preference against the query's FACET: per condition and target is Datadog's
  multi alert (one notification per group); per condition with a FACET evaluates per group and notifies
  once, as a simple alert (`notify_by: ["*"]`); per policy the same, but NR's one incident for all the
  policy's conditions is one notification per monitor in Datadog (approximate);
- runbook URL → the message's runbook line, description → its body, routing → the handles (routing.py), and
  who gets paged (handles, critical only or not, via which workflow and channel) → the ledger and
  `metadata.paged`, which the plan prints under the monitor.
A condition whose query cannot be translated becomes a muted placeholder (`Manual`) with the NRQL verbatim.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from migrate.inventory.store import InventoryObject
from migrate.model import DesiredResource, Finding, Outcome
from migrate.translate.base import TranslateEnv
from migrate.translate.build.monitor import build_alert
from migrate.translate.ddquery.values import tag_value
from migrate.translate.languages import LANGUAGES
from migrate.translate.newrelic.routing import Routed
from migrate.translate.newrelic.signal import Term, shape
from migrate.translate.prometheus.monitor_query import WARNING_BEFORE_CRITICAL
from migrate.translate.query import QueryContext
from migrate.translate.specs.alert import AlertSpec, AnomalyWindows, Manual, NoData, Original, Thresholds
from migrate.translate.specs.message import MessageSpec

WHAT = "New Relic NRQL condition"
QUERY_CODE = "newrelic.condition_query"
MAX_EVALUATION_DELAY_S = 86400
PAGED_PREFIX = "who gets paged: "


@dataclass(frozen=True)
class Policy:
    name: str
    incident_preference: str


def policy_tag(name: str) -> str:
    """`nr_policy:<name>` as Datadog stores it, runs of replaced characters as one underscore."""
    value = "_".join(part for part in tag_value(name).split("_") if part)
    return f"nr_policy:{value[:190] or 'unnamed'}"


def _terms(raw: list[Any]) -> tuple[Term | None, Term | None, list[Finding]]:
    critical = warning = None
    findings: list[Finding] = []
    for t in raw:
        if not isinstance(t, dict):
            continue
        term = Term.read(t)
        if str(t.get("priority") or "CRITICAL") == "WARNING":
            warning = warning or term
        else:
            critical = critical or term
    if critical is None and warning is not None:
        critical, warning = warning, None
        findings.append(
            Finding("newrelic.warning_only", "the condition has only a warning term; it became the critical threshold")
        )
    return critical, warning, findings


def _warning(critical: Term, warning: Term | None) -> tuple[float | None, list[Finding]]:
    if warning is None:
        return None, []
    findings = []
    order = WARNING_BEFORE_CRITICAL.get(critical.comparator)
    if warning.comparator != critical.comparator or order is None or not order(warning.threshold, critical.threshold):
        return None, [
            Finding(
                "newrelic.warning_dropped",
                f"the warning term ({warning.comparator} {warning.threshold:g}) is not crossed before the critical "
                f"one ({critical.comparator} {critical.threshold:g}); Datadog cannot keep both",
            )
        ]
    if (warning.duration_s, warning.all_windows) != (critical.duration_s, critical.all_windows):
        findings.append(
            Finding(
                "newrelic.warning_window",
                "the warning term's duration or occurrences differ from the critical term's; a Datadog monitor has "
                "one window, the critical term's",
            )
        )
    return warning.threshold, findings


def _delays(signal: dict[str, Any], condition: dict[str, Any]) -> tuple[int | None, int | None, list[Finding]]:
    findings: list[Finding] = []
    method = str(signal.get("aggregation_method") or "")
    delay = signal.get("aggregation_delay")
    offset = condition.get("evaluation_offset")
    seconds: float | None = None
    if isinstance(delay, int | float) and delay > 0:
        seconds = float(delay)
    elif isinstance(offset, int | float) and offset > 0:
        seconds = float(offset) * 60
    if method == "EVENT_TIMER":
        timer = signal.get("aggregation_timer")
        findings.append(
            Finding(
                "newrelic.aggregation_method",
                f"EVENT_TIMER (evaluate {timer} s after the last event) has no Datadog field; the monitor evaluates "
                "on Datadog's schedule",
            )
        )
    elif method:
        findings.append(
            Finding(
                "newrelic.aggregation_method",
                f"{method} has no Datadog field; its aggregation delay became evaluation_delay",
                Outcome.EXACT,
            )
        )
    if seconds is not None and seconds > MAX_EVALUATION_DELAY_S:
        findings.append(Finding("newrelic.evaluation_delay", f"delay {seconds:g} s capped at Datadog's 86400 s"))
        seconds = MAX_EVALUATION_DELAY_S
    new_group = signal.get("evaluation_delay")
    group_delay = int(new_group) if isinstance(new_group, int | float) and new_group > 0 else None
    return (int(seconds) if seconds is not None else None), group_delay, findings


def _expiration(condition: dict[str, Any]) -> tuple[NoData, int | None, list[Finding]]:
    findings: list[Finding] = []
    exp = condition.get("expiration") or {}
    duration = exp.get("expiration_duration")
    no_data, timeout = NoData(), None
    if isinstance(duration, int | float) and duration > 0:
        if exp.get("open_violation_on_expiration"):
            no_data = NoData(True, max(2, math.ceil(duration / 60)))
        if exp.get("close_violations_on_expiration"):
            timeout = max(1, math.ceil(duration / 3600))
            if timeout * 3600 != duration:
                findings.append(
                    Finding(
                        "newrelic.timeout_rounded",
                        f"NR closed violations after {duration:g} s without data; Datadog auto-resolves after whole "
                        f"hours ({timeout} h)",
                    )
                )
    if exp.get("ignore_on_expected_termination"):
        findings.append(
            Finding(
                "newrelic.expected_termination",
                "NR ignored loss of signal from entities terminated on purpose; Datadog has no such field",
            )
        )
    limit = condition.get("violation_time_limit_seconds")
    if isinstance(limit, int | float) and limit > 0:
        findings.append(
            Finding(
                "newrelic.violation_time_limit",
                f"NR force-closed open violations after {limit:g} s; Datadog has no equivalent (it resolves when the "
                "condition stops holding)",
            )
        )
    return no_data, timeout, findings


def _grouping(policy: Policy | None, group_by: list[str]) -> tuple[tuple[str, ...], list[Finding]]:
    """(`notify_by`, findings): a FACET query makes a Datadog multi alert, which notifies per group as NR's
    per condition and target preference does; under the other two NR opens one incident for the condition (or
    the policy), so the monitor notifies once as a simple alert would (`notify_by: ["*"]`)."""
    if policy is None or not group_by or policy.incident_preference == "PER_CONDITION_AND_TARGET":
        return (), []
    if policy.incident_preference == "PER_CONDITION":
        note = (
            f"policy {policy.name!r} opens one incident per condition; the FACET query (by {', '.join(group_by)}) "
            "notifies once for the monitor, as a simple alert does (notify_by [*])"
        )
        return ("*",), [Finding("newrelic.incident_preference", note, Outcome.EXACT)]
    note = (
        f"policy {policy.name!r} opens one incident {policy.incident_preference.lower().replace('_', ' ')}, for all "
        f"its conditions; the FACET query (by {', '.join(group_by)}) notifies once for this monitor (notify_by "
        "[*]), and each of the policy's other monitors notifies on its own"
    )
    return ("*",), [Finding("newrelic.incident_preference", note)]


def condition_spec(
    obj: InventoryObject, policy: Policy | None, routed: Routed, ctx: QueryContext, service_tags: tuple[str, ...] = ()
) -> tuple[AlertSpec, list[Finding]]:
    """The monitor spec and everything the ledger says about the condition (`service_tags`: services.py)."""
    c = obj.normalized
    text = str(c.get("query") or "")
    name = str(c.get("name") or obj.ref.name)
    tags = ((policy_tag(policy.name),) if policy else ()) + service_tags
    message = MessageSpec(
        body=str(c.get("description") or ""), runbook=str(c.get("runbook_url") or ""), notify=routed.notify
    )
    result = LANGUAGES["nrql"].translate(text, replace(ctx, monitor=True))
    fidelity = result.fidelity if result.formula is not None else Outcome.MANUAL
    findings = [Finding(QUERY_CODE, f"{fidelity.value}: {result.expression or text}", fidelity), *result.findings]
    critical, warning, term_findings = _terms(list(c.get("terms") or []))
    findings += term_findings + routed.findings + _notes(c) + [_paged(routed, policy)]
    if result.formula is None or critical is None:
        reason = "; ".join(f.message for f in result.findings if f.outcome is Outcome.MANUAL) or "no critical term"
        if critical is None:
            findings.append(Finding("newrelic.no_terms", "the condition has no term to alert on", Outcome.MANUAL))
        manual = Manual(reason, WHAT, (Original("NRQL", obj.ref.key, text, tuple(routed.lines)),))
        return AlertSpec((obj.ref,), name, None, message=message, tags=tags, manual=manual), findings
    signal = c.get("signal") or {}
    kind = str(c.get("type") or "STATIC")
    shaped = shape(result.formula, critical, signal, kind=kind, condition=c)
    warning_value, warning_findings = _warning(critical, warning) if kind == "STATIC" else (None, [])
    if kind != "STATIC" and warning is not None:
        warning_findings = [Finding("newrelic.warning_dropped", f"a {kind.lower()} monitor keeps the critical term")]
    delay, group_delay, delay_findings = _delays(signal, c)
    no_data, timeout, expiry_findings = _expiration(c)
    findings += shaped.findings + warning_findings + delay_findings + expiry_findings
    notify_by, grouping = _grouping(policy, result.group_by)
    findings += grouping
    spec = AlertSpec(
        (obj.ref,),
        name,
        shaped.condition,
        thresholds=Thresholds(warning=warning_value),
        window_note="; ".join(f.message for f in shaped.window.findings),
        no_data=no_data,
        evaluation_delay_s=delay,
        new_group_delay_s=group_delay,
        timeout_h=timeout,
        notify_by=notify_by,
        anomaly=AnomalyWindows(shaped.window.text, shaped.window.text) if kind == "BASELINE" else None,
        message=message,
        tags=tags,
    )
    return spec, findings


def _paged(routed: Routed, policy: Policy | None) -> Finding:
    """Who gets paged, one line per channel (the report shows the handles from the message; this says why)."""
    if routed.lines:
        return Finding("newrelic.paged", PAGED_PREFIX + "; ".join(routed.lines), Outcome.EXACT)
    where = f"policy {policy.name!r}" if policy else "its policy"
    return Finding(
        "newrelic.paged", f"{PAGED_PREFIX}nobody (no enabled workflow sends {where}'s incidents)", Outcome.EXACT
    )


def _notes(c: dict[str, Any]) -> list[Finding]:
    """What the condition carries that no monitor option holds."""
    out = []
    if c.get("enabled") is False:
        out.append(Finding("newrelic.disabled", "the condition was disabled in New Relic; the monitor is active"))
    if c.get("title_template"):
        out.append(
            Finding(
                "newrelic.title_template",
                f"incident title template {str(c['title_template'])[:200]!r} was not migrated; the monitor's name "
                "titles its alerts",
            )
        )
    return out


def translate_condition(
    obj: InventoryObject, policy: Policy | None, routed: Routed, env: TranslateEnv, service_tags: tuple[str, ...] = ()
) -> DesiredResource:
    c = obj.normalized
    spec, findings = condition_spec(obj, policy, routed, env.ctx, service_tags)
    built = build_alert(spec)
    findings += built.findings
    reason = spec.manual.reason if spec.manual is not None else None
    paged = next(f.message for f in findings if f.code == "newrelic.paged").removeprefix(PAGED_PREFIX)
    # the plan prints it under the monitor (report/diff_text.py); a placeholder's handles are written without @
    built.resource.metadata["paged"] = (
        paged if reason is None else f"nobody: a muted placeholder (New Relic paged {paged})"
    )
    env.ledger.record(
        obj.ref, findings, targets=[built.resource], original=str(c.get("query") or "") or None, reason=reason
    )
    return built.resource
