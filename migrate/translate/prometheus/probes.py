"""Blackbox-exporter probe jobs → synthetic API tests, one per target; the alerts that watch them → linked.

A scrape job is a probe job when its `metrics_path` is `/probe` and `params.module` names a module
(probe_modules.py turns the module into a request and assertions). Targets are the job's static targets,
else the `__address__` of its collected targets (what relabelling copies to `__param_target`). Each
target is its own test (`CheckSpec.part` = the target); the job's ledger entry lists them all. Every
other scrape job is ledgered as skipped (bridge mode ships its metrics).

With mappings `prometheus.blackbox_alerts: tests` (the default), an alerting rule that reads
`probe_success` or `probe_ssl_earliest_cert_expiry` directly, of a probe job (its `job` matcher, or no job
matcher at all), is replaced by those tests: it is ledgered against them with a
`prometheus.replaced_by_synthetic_test` finding naming the test keys, and no monitor is built. A
certificate alert of the form `(probe_ssl_earliest_cert_expiry - time()) / 86400 < N` adds an SSL test per
https target asserting more than N days (the largest N of such alerts: the earliest warning). Any other
shape stays a monitor. `monitors` keeps every rule a monitor, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import promql_parser

from migrate.inventory.store import InventoryObject
from migrate.model import DesiredResource, Finding, Outcome
from migrate.translate import locations
from migrate.translate.base import TranslateEnv
from migrate.translate.build.synthetic import build_check
from migrate.translate.prometheus import probe_modules as modules
from migrate.translate.promql.guard import parse as guarded_parse
from migrate.translate.promql.walk import vector_selectors
from migrate.translate.routing import compile_routes, route
from migrate.translate.specs.check import AssertionSpec, AssertKind, CheckKind, CheckSpec, Op, RequestSpec
from migrate.translate.specs.message import MessageSpec, Notify

PROBE_METRICS = frozenset({"probe_success", "probe_ssl_earliest_cert_expiry"})
CERT = "probe_ssl_earliest_cert_expiry"


@dataclass
class Job:
    obj: InventoryObject
    module: str
    targets: list[str]
    labels: dict[str, str]
    tests: list[DesiredResource] = field(default_factory=list)
    cert_tests: list[DesiredResource] = field(default_factory=list)


def probe_jobs(objects: Sequence[InventoryObject]) -> list[Job]:
    discovered: dict[str, list[str]] = {}
    for o in objects:
        if o.ref.kind == "target":
            pool = str(o.normalized.get("scrape_pool") or "")
            address = str((o.normalized.get("discovered_labels") or {}).get("__address__") or "")
            if address and address not in discovered.setdefault(pool, []):
                discovered[pool].append(address)
    jobs = []
    for o in objects:
        if o.ref.kind != "scrape_config" or o.normalized.get("metrics_path") != "/probe":
            continue
        module = next(iter((o.payload.get("params") or {}).get("module") or []), "")
        if not module:
            continue
        labels: dict[str, str] = {}
        for sc in o.payload.get("static_configs") or []:
            labels.update({str(k): str(v) for k, v in (sc.get("labels") or {}).items()})
        targets = [str(t) for t in o.normalized.get("static_targets") or []] or discovered.get(o.ref.id, [])
        jobs.append(Job(o, str(module), targets, labels))
    return jobs


def _job_of(expr: str) -> tuple[set[str], set[str] | None]:
    """(probe metrics the expression reads, the job names its selectors pin; None: no job matcher)."""
    metrics: set[str] = set()
    jobs: set[str] | None = None

    try:
        selectors = vector_selectors(guarded_parse(expr))
    except ValueError:
        return set(), None
    for node in selectors:
        if node.name in PROBE_METRICS:
            metrics.add(node.name)
            for m in node.matchers.matchers:
                if m.name == "job" and str(m.op).endswith("Equal") and "Not" not in str(m.op):
                    jobs = (jobs or set()) | {m.value}
    return metrics, jobs


def cert_days(expr: str) -> int | None:
    """N of `(probe_ssl_earliest_cert_expiry - time()) / 86400 < N` (or `<=`), else None."""
    try:
        node = guarded_parse(expr)
    except ValueError:
        return None
    node = _unparen(node)
    if not isinstance(node, promql_parser.BinaryExpr) or str(node.op) not in ("<", "<="):
        return None
    if not isinstance(node.rhs, promql_parser.NumberLiteral):
        return None
    if not _days_left(node.lhs):
        return None
    return int(node.rhs.val)


def _unparen(node: Any) -> Any:
    while isinstance(node, promql_parser.ParenExpr):
        node = node.expr
    return node


def _days_left(node: Any) -> bool:
    """`(probe_ssl_earliest_cert_expiry{...} - time()) / 86400`: the days the certificate has left."""
    node = _unparen(node)
    if not isinstance(node, promql_parser.BinaryExpr) or str(node.op) != "/":
        return False
    if not isinstance(node.rhs, promql_parser.NumberLiteral) or node.rhs.val != 86400:
        return False
    diff = _unparen(node.lhs)
    return (
        isinstance(diff, promql_parser.BinaryExpr)
        and str(diff.op) == "-"
        and isinstance(diff.lhs, promql_parser.VectorSelector)
        and diff.lhs.name == CERT
        and isinstance(diff.rhs, promql_parser.Call)
        and diff.rhs.func.name == "time"
    )


def blackbox_probes(objects: Sequence[InventoryObject], env: TranslateEnv) -> tuple[list[DesiredResource], set[str]]:
    """(the tests, the keys of the alerting rules they replace and that are already ledgered)."""
    jobs = probe_jobs(objects)
    _record_other_jobs(objects, {j.obj.ref.key for j in jobs}, env)
    mode = str(env.ctx.mappings.section("prometheus").get("blackbox_alerts") or "tests")
    watching: dict[str, tuple[InventoryObject, set[str], list[Job]]] = {}
    if mode == "tests":
        for o in objects:
            if o.ref.kind != "alerting_rule":
                continue
            metrics, pinned = _job_of(str(o.normalized.get("expr") or ""))
            hit = [j for j in jobs if metrics and (pinned is None or j.obj.ref.id in pinned)]
            if hit and (CERT not in metrics or cert_days(str(o.normalized.get("expr"))) is not None):
                watching[o.ref.key] = (o, metrics, hit)
    days = [d for o, m, _ in watching.values() if CERT in m and (d := cert_days(str(o.normalized["expr"])))]
    resources: list[DesiredResource] = []
    for job in jobs:
        resources += _job_tests(job, env, max(days) if days else None)
    for key, (o, metrics, hit) in list(watching.items()):
        targets = [t for j in hit for t in (j.cert_tests if CERT in metrics else j.tests)]
        if not targets:
            del watching[key]
            continue
        keys = ", ".join(t.key for t in targets)
        finding = Finding(
            "prometheus.replaced_by_synthetic_test",
            f"replaced by the synthetic tests {keys} of {', '.join(j.obj.ref.id for j in hit)} (mappings "
            "prometheus.blackbox_alerts: tests; `monitors` keeps a monitor instead)",
            Outcome.EXACT,
        )
        found = [finding]
        mine = cert_days(str(o.normalized.get("expr"))) if CERT in metrics else None
        if mine is not None and days and mine < max(days):
            found.append(
                Finding(
                    "prometheus.cert_threshold_merged",
                    f"the alert fired under {mine} days left; the tests fail under {max(days)} days, the earliest "
                    "certificate alert of these probes",
                )
            )
        env.ledger.record(o.ref, found, targets=targets, original=str(o.normalized.get("expr")))
    return resources, set(watching)


def _record_other_jobs(objects: Sequence[InventoryObject], probes: set[str], env: TranslateEnv) -> None:
    """Once one scrape job is ledgered, every one is (the report compares whole kinds): the others are
    skipped, their metrics being what bridge mode ships."""
    for o in objects:
        if o.ref.kind == "scrape_config" and o.ref.key not in probes:
            env.ledger.record(
                o.ref,
                [],
                skipped=True,
                reason="a scrape job, not a probe: its metrics reach Datadog through bridge mode (`ddmigrate bridge`)",
            )


def _job_tests(job: Job, env: TranslateEnv, days: int | None) -> list[DesiredResource]:
    o, findings = job.obj, list[Finding]()
    configured = env.ctx.mappings.section("prometheus").get("blackbox_modules") or {}
    try:
        module = modules.module_config(job.module, configured)
        if not job.targets:
            raise modules.NoModule("no targets were collected (service discovery with no live targets)")
        probes = [(t, modules.probe(job.module, module, t)) for t in job.targets]
    except (modules.NoModule, ValueError) as exc:
        reason = f"blackbox job {o.ref.id}: {exc}"
        env.ledger.record(o.ref, [Finding("blackbox.probe_manual", reason, Outcome.MANUAL)], reason=reason)
        return []
    where, found = locations.resolve("blackbox", _sites(job), env.ctx.mappings)
    findings += found
    handles = tuple(route({"severity": "critical", **job.labels}, compile_routes(env.ctx.mappings.routing)))
    tick = int(o.normalized.get("scrape_interval_seconds") or 60)
    tags = (f"job:{o.ref.id}", f"blackbox_module:{job.module}", *(f"{k}:{v}" for k, v in sorted(job.labels.items())))
    for target, p in probes:
        findings += p.findings
        message = MessageSpec(
            body=f"The blackbox probe ({job.module}) of {target} failed (job {o.ref.id}).",
            notify=(Notify(handles),) if handles else (),
        )
        base = CheckSpec(
            refs=(o.ref,), name="", kind=p.kind, locations=where, frequency_s=tick, message=message, tags=tags
        )
        spec = replace(
            base, name=f"{target} ({job.module})", request=p.request, assertions=p.assertions, tls=p.tls, part=target
        )
        built = build_check(spec)
        findings += built.findings
        job.tests.append(built.resource)
        if days is not None and modules.is_https(target):
            host, port = modules.host_port(target)
            cert = replace(
                base,
                name=f"{target} certificate",
                kind=CheckKind.SSL,
                request=RequestSpec(host=host, port=port or 443),
                assertions=(AssertionSpec(AssertKind.CERTIFICATE_DAYS, Op.MORE_THAN, days),),
                part=f"{target}#ssl",
            )
            built = build_check(cert)
            findings += built.findings
            job.cert_tests.append(built.resource)
    resources = job.tests + job.cert_tests
    env.ledger.record(o.ref, findings, targets=resources, original=f"module {job.module}: {', '.join(job.targets)}")
    return resources


def _sites(job: Job) -> list[str]:
    site = job.labels.get("site") or job.labels.get("location") or ""
    return [site] if site else []
