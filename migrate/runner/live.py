"""Planning against the live org: a live `State` reader, a last-applied reader, and the three-way plan.

Three-way: desired (translation) / last applied (the ledger DB) / live (read through the resource
modules). A change desired-vs-live is planned as usual (`compute_plan`); where live differs from what we
last applied, the resource was edited in Datadog since (drift) and is reported apart from new changes.

A saved live plan is bound to the ledger revision and to a fingerprint of the owned resources it read
(per key); `check_fresh` refuses it when either moved, and says what moved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datadog_api_client.api_client import ApiClient
from datadog_api_client.v1.api.metrics_api import MetricsApi

from migrate.datadog.base import ResourceOps
from migrate.datadog.client import call, make_api_client
from migrate.datadog.resources import RESOURCE_TYPES, RESOURCES, ops_for
from migrate.errors import DDMigrateError, InputError
from migrate.fsutil import dumps, read_json, write_json
from migrate.model import DesiredResource
from migrate.runner.diff import equivalent, normalize
from migrate.runner.journal import Journal
from migrate.runner.plan import Plan, compute_plan, lookalikes_of_creates
from migrate.runner.ratelimit import RateLimiter, RetryPolicy, call_with_retry
from migrate.runner.scope import Ownership
from migrate.runner.secrets import SecretsSink
from migrate.runner.sinks import DatadogSink
from migrate.runner.state import LiveResource, State
from migrate.settings import strip_credentials

LIVE_PLAN_FORMAT = "ddmigrate-live-plan/1"


@dataclass
class Connection:
    """Everything that talks to Datadog for one command: resource operations, limiter, sink."""

    api_client: ApiClient
    ops: dict[str, ResourceOps]
    limiter: RateLimiter
    sink: DatadogSink
    site: str = ""  # the API base URL (no credentials): which org a plan and a ledger belong to
    concurrency: int = 8  # requests in flight

    @property
    def managed(self) -> dict[str, ResourceOps]:
        return {k: v for k, v in self.ops.items() if k in RESOURCES}

    def validate(self, rtype: str, payload: dict[str, Any]) -> list[str] | None:
        """Datadog's own check of a definition, where the type has a validate endpoint (else None)."""
        ops = self.ops[rtype]
        return call_with_retry(self.limiter, f"{rtype} validate", lambda: ops.validate(payload))

    def query_metrics(self, start: int, end: int, query: str) -> dict[str, Any]:
        endpoint = MetricsApi(self.api_client)._query_metrics_endpoint  # type: ignore[no-untyped-call]
        response = call_with_retry(
            self.limiter, "metrics query", lambda: call(endpoint, query={"_from": start, "to": end, "query": query})
        )
        return dict(response.data or {})


def connect(
    env: Mapping[str, str] | None = None, *, concurrency: int = 8, policy: RetryPolicy | None = None
) -> Connection:
    """Credentials from DD_API_KEY / DD_APP_KEY, endpoint from DD_API_URL or DD_SITE (never from flags)."""
    api_client = make_api_client(env)
    api_client.rest_client.pool_manager.connection_pool_kw["maxsize"] = max(concurrency, 4)
    limiter = RateLimiter()
    ops = {name: ops_for(name, api_client, on_response=limiter.observe) for name in RESOURCE_TYPES}
    site = strip_credentials(str(api_client.configuration.host)).rstrip("/")
    # The secrets-aware sink: global variable values from the environment, tests linked to variable ids.
    sink = SecretsSink(ops, limiter, policy, env)
    return Connection(api_client, ops, limiter, sink, site, max(1, concurrency))


def read_live(conn: Connection, journal: Journal) -> list[LiveResource]:
    """Everything of the managed types in the org; adopted resources count as owned under their key."""
    ops = conn.managed
    adopted = {(a.rtype, a.dd_id): a.key for a in journal.applied().values() if a.adopted}
    found: list[tuple[str, str, dict[str, Any], str | None, bool]] = []
    for rtype, op in ops.items():
        id_field = op.rtype.id_field
        for listed in call_with_retry(conn.limiter, f"{rtype} list", _lister(op)):
            dd_id = str(listed.get(id_field))
            key = op.rtype.owned_key(listed) or adopted.get((rtype, dd_id))
            # A summary (no widgets) of an owned one is read in full: diffing it would plan an update of each.
            found.append((rtype, dd_id, listed, key, key is not None and op.rtype.paging.summaries))

    def full(item: tuple[str, str, dict[str, Any], str | None, bool]) -> dict[str, Any] | None:
        rtype, dd_id, listed, _, summary = item
        return conn.sink.get(rtype, dd_id) if summary else listed

    # The reads of full payloads go out in parallel: one at a time, they were the serial start of every apply.
    with ThreadPoolExecutor(conn.concurrency) as pool:
        payloads = list(pool.map(full, found))
    return [
        LiveResource(rtype, dd_id, payload, key, origin=ops[rtype].rtype.api_path)
        for (rtype, dd_id, _, key, _), payload in zip(found, payloads, strict=True)
        if payload is not None  # None: deleted between list and get
    ]


def _lister(op: ResourceOps) -> Callable[[], list[dict[str, Any]]]:
    return lambda: list(op.list_all())


def last_applied(journal: Journal) -> State:
    items = [LiveResource(a.rtype, a.dd_id, a.payload, a.key, origin="ledger") for a in journal.applied().values()]
    return State.from_resources(items, f"last applied ({journal.path})")


def _digest(resource: LiveResource) -> str:
    return hashlib.sha256(dumps([resource.datadog_id, normalize(resource.type, resource.payload)]).encode()).hexdigest()


def scoped_state(
    live: Iterable[LiveResource], keys: set[str] | None, description: str, ownership: Ownership | None = None
) -> tuple[State, dict[str, str]]:
    """The State a phase plans against: this migration's owned resources in `keys` (None: all), every
    unowned one, and (apart, never touched) other migrations' ones.

    The fingerprint covers only this migration's owned resources in scope: an operator editing an unrelated
    monitor, or another team applying its own migration, does not make a plan stale.
    """
    live = list(live)
    mine = ownership.mine if ownership is not None else None
    ours = [r for r in live if r.key is not None and (mine is None or mine(r))]
    owned = [r for r in ours if keys is None or r.key in keys]
    foreign = [r for r in live if r.key is not None and mine is not None and not mine(r)]
    state = State.from_resources([*owned, *foreign, *(r for r in live if r.key is None)], description, mine)
    read = {f"{r.type}/{r.key}/{r.datadog_id}": _digest(r) for r in owned}
    state.fingerprint = "sha256:" + hashlib.sha256(dumps(read).encode()).hexdigest()
    return state, read


@dataclass
class LivePlan:
    plan: Plan
    ledger_revision: int
    read: dict[str, str]  # "<type>/<key>/<id>" -> digest of the live payload the plan saw
    phase: str | None = None
    drift: list[dict[str, Any]] = field(default_factory=list)
    site: str = ""  # the org it was read from (Connection.site)
    ledger_id: str = ""  # the ledger it was made with (Journal.ledger_id)

    def to_dict(self) -> dict[str, Any]:
        body = {
            "format": LIVE_PLAN_FORMAT,
            "plan": self.plan.to_dict(),
            "ledger_revision": self.ledger_revision,
            "read": self.read,
            "phase": self.phase,
            "drift": self.drift,
            "site": self.site,
            "ledger_id": self.ledger_id,
        }
        return {**body, "live_plan_hash": "sha256:" + hashlib.sha256(dumps(body).encode()).hexdigest()}

    @property
    def plan_hash(self) -> str:
        return str(self.plan.to_dict()["plan_hash"])


def write_live_plan(path: Path, live_plan: LivePlan) -> None:
    write_json(path, live_plan.to_dict())


def read_live_plan(path: Path) -> LivePlan:
    data = read_json(path)
    if isinstance(data, dict) and data.get("format") != LIVE_PLAN_FORMAT and "changes" in data:
        raise InputError(
            "this plan was computed against a snapshot, not the live org; it cannot be applied",
            path=str(path),
            hint="make a live plan: `ddmigrate plan --live --translation DIR --out FILE`",
        )
    if not isinstance(data, dict) or data.get("format") != LIVE_PLAN_FORMAT:
        raise InputError(f"not a ddmigrate live plan (expected format {LIVE_PLAN_FORMAT})", path=str(path))
    body = {k: v for k, v in data.items() if k != "live_plan_hash"}
    if data.get("live_plan_hash") != "sha256:" + hashlib.sha256(dumps(body).encode()).hexdigest():
        raise InputError("plan file was modified after it was written", path=str(path), hint="re-run `ddmigrate plan`")
    try:
        return LivePlan(
            plan=Plan.from_dict(data["plan"]),
            ledger_revision=int(data["ledger_revision"]),
            read=dict(data["read"]),
            phase=data.get("phase"),
            drift=list(data.get("drift", [])),
            site=str(data.get("site") or ""),
            ledger_id=str(data.get("ledger_id") or ""),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(
            f"malformed live plan: {type(exc).__name__}: {exc}", path=str(path), hint="re-run `ddmigrate plan --live`"
        ) from None


def plan_live(
    desired: list[DesiredResource],
    live: list[LiveResource],
    journal: Journal,
    *,
    phase: str | None = None,
    scope: Iterable[str] | None = None,
    translation: dict[str, Any] | None = None,
    site: str = "",
    ownership: Ownership | None = None,
) -> LivePlan:
    """Three-way plan of `desired` (already restricted to the phase, when there is one, and stamped with
    `ownership`'s scope, when there is one)."""
    applied = last_applied(journal)
    keys: set[str] | None = None
    if phase is not None:
        keys = {r.key for r in desired} | {a.key for a in journal.applied().values() if a.phase == phase}
    state, read = scoped_state(live, keys, "live org" + (f", phase {phase}" if phase else ""), ownership)
    revision = journal.revision()
    migration = ownership.scope if ownership is not None else None
    plan = compute_plan(desired, state, scope=scope, translation=translation, migration=migration)
    drift = []
    for key, res in sorted(state.owned.items()):
        before = applied.owned.get(key)
        if before is not None and _drifted(res.type, before.payload, res.payload):
            drift.append({"type": res.type, "key": key, "datadog_id": res.datadog_id, "name": res.name})
    return LivePlan(
        plan=plan,
        ledger_revision=revision,
        read=read,
        phase=phase,
        drift=drift,
        site=site,
        ledger_id=journal.ledger_id(),
    )


def _drifted(rtype: str, applied: dict[str, Any], live: dict[str, Any]) -> bool:
    """Live differs from what we last applied, ignoring what the server adds (fields, defaults)."""
    return not equivalent(rtype, applied, live)


def check_bound(saved: LivePlan, site: str, journal: Journal, where: Path) -> None:
    """Refuse a plan made against another org, or with another ledger, than this apply's."""
    if saved.site != site:
        raise DDMigrateError(
            f"the plan {where} was read from the Datadog org at {saved.site or 'an unknown site'}, "
            f"but DD_SITE / DD_API_URL point at {site}",
            hint="apply it against the org it was planned from, or make a new plan against this one",
        )
    if saved.ledger_id != journal.ledger_id():
        raise DDMigrateError(
            f"the plan {where} was made with another ledger than {journal.path}",
            hint="pass the --workdir it was planned in, or make a new plan here",
        )


def check_fresh(
    saved: LivePlan, live: list[LiveResource], journal: Journal, ownership: Ownership | None = None
) -> None:
    """Refuse a plan made before the ledger or the org moved, naming what moved."""
    problems = []
    revision = journal.revision()
    if revision != saved.ledger_revision:
        runs = [r for r in journal.runs() if r["verb"] in ("apply", "rollback", "cutover", "adopt")]
        last = runs[-1] if runs else None
        what = f" (last: {last['verb']} run {last['id']} by {last['who']}, {last['status']})" if last else ""
        problems.append(f"the ledger is at revision {revision}, the plan was made at {saved.ledger_revision}{what}")
    keys = None if saved.phase is None else {k.split("/")[1] for k in saved.read} | {c.key for c in saved.plan.changes}
    _, read = scoped_state(live, keys, "", ownership)
    changed = sorted(set(read) ^ set(saved.read) | {k for k in read if saved.read.get(k, read[k]) != read[k]})
    if changed:
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        problems.append(f"{len(changed)} owned resource(s) changed in Datadog since the plan: {shown}")
    # Unowned resources are outside the fingerprint, but one that looks like a planned create is a decision
    # the reviewer never saw (adopt it, or create ours beside it).
    known = {(a.type, a.datadog_id, a.desired_key) for a in saved.plan.adopt_candidates}
    new = [
        a
        for a in lookalikes_of_creates(saved.plan.changes, [r for r in live if r.key is None])
        if (a.type, a.datadog_id, a.desired_key) not in known
    ]
    if new:
        shown = ", ".join(f"{a.type} {a.datadog_id} {a.name!r} (like {a.desired_key})" for a in new[:5])
        problems.append(f"{len(new)} unowned look-alike(s) of resources the plan creates appeared since: {shown}")
    if problems:
        raise DDMigrateError(
            "the saved plan is stale: " + "; ".join(problems),
            hint="make a new plan (`ddmigrate plan --live ...`), review it, and apply that",
        )
