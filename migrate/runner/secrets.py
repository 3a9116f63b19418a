"""Secrets by reference: the global variables synthetic tests name, provisioned from the environment at apply.

A test never holds a secret: its payload says `{{ NAME }}` and lists `{type: global, name: NAME}` in
`config.configVariables` (translate/build/synthetic.py). Here:
- `with_variables` adds one owned `synthetic_global_variable` per NAME to the desired resources: a secure
  variable whose payload has no value (so plan, journal and ledger never see one);
- `check_values` refuses an apply that would create or update a variable whose value is not in the
  environment (`DDMIGRATE_SECRET_<NAME>`), naming the tests that need it and the variable to set;
- `SecretsSink` is the Datadog sink that puts the value into the request body only, and links each test's
  configVariables entry to the variable's id (apply orders variables first: `ResourceType.apply_first`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from migrate.datadog import ownership
from migrate.datadog.base import ResourceOps
from migrate.datadog.global_variables import SYNTHETIC_GLOBAL_VARIABLE, env_name, global_names
from migrate.errors import DDMigrateError
from migrate.model import DesiredResource, SourceRef
from migrate.runner.changes import Change, Create, Update
from migrate.runner.ratelimit import RateLimiter, RetryPolicy
from migrate.runner.sinks import DatadogSink

VARIABLE = SYNTHETIC_GLOBAL_VARIABLE.name


def variable_key(name: str) -> str:
    """One variable per name in an org (Datadog's rule), so its key depends on the name alone."""
    return ownership.resource_key(VARIABLE, [SourceRef("datadog", "global_variable", name, name)])


def _variable(name: str, refs: list[SourceRef]) -> DesiredResource:
    key = variable_key(name)
    payload = {
        "name": name,
        "description": f"Secret for synthetic tests; ddmigrate apply sets its value from {env_name(name)}.\n"
        + ownership.footer(key, refs),
        "tags": ownership.ownership_tags(key, refs),
        "value": {"secure": True},
    }
    return DesiredResource(VARIABLE, key, payload, refs)


def with_variables(
    resources: Iterable[DesiredResource], every: Iterable[DesiredResource] | None = None
) -> list[DesiredResource]:
    """`resources` plus a secure global variable for each NAME a test among them references. Its refs are the
    sources of every test in `every` (the whole translation; default `resources`) that uses it, so two phases
    sharing a variable desire the same payload."""
    resources = list(resources)
    wanted = {n for r in resources for n in global_names(r.payload)}
    declared = {r.payload.get("name") for r in resources if r.type == VARIABLE}
    users: dict[str, dict[str, SourceRef]] = {}
    for res in resources if every is None else every:
        for name in global_names(res.payload):
            users.setdefault(name, {}).update({ref.key: ref for ref in res.source_refs})
    return [
        *resources,
        *(_variable(n, sorted(refs.values())) for n, refs in sorted(users.items()) if n in wanted - declared),
    ]


def _changed_variables(changes: Iterable[Change]) -> dict[str, str]:
    """NAME -> "create" / "update" for the variables a plan writes (each write sends the value)."""
    out = {}
    for change in changes:
        payload = change.payload if isinstance(change, Create) else change.after if isinstance(change, Update) else {}
        if change.type == VARIABLE and payload.get("name"):
            out[str(payload["name"])] = change.action.value
    return out


def _needs(
    changes: Iterable[Change], desired: Iterable[DesiredResource], env: Mapping[str, str]
) -> list[tuple[str, str, bool, list[str]]]:
    """(NAME, create/update, value set, the tests using it) for each variable the plan writes."""
    users: dict[str, list[str]] = {}
    for res in desired:
        for name in global_names(res.payload):
            users.setdefault(name, []).append(str(res.payload.get("name") or res.key))
    return [
        (name, action, bool(env.get(env_name(name))), sorted(users.get(name, [])))
        for name, action in sorted(_changed_variables(changes).items())
    ]


def _line(name: str, action: str, is_set: bool, users: list[str]) -> str:
    state = "" if is_set else " (NOT SET)"
    return f"secret {name} ({action}): set {env_name(name)}{state}; used by {', '.join(map(repr, users)) or 'no test'}"


def needed(changes: Iterable[Change], desired: Iterable[DesiredResource], env: Mapping[str, str]) -> list[str]:
    """One line per variable the plan writes: the tests using it, the environment variable to set, set or not."""
    return [_line(*need) for need in _needs(changes, desired, env)]


def check_values(changes: Iterable[Change], desired: Iterable[DesiredResource], env: Mapping[str, str]) -> None:
    """Refuse, before anything is sent, an apply that would write a variable with no value in the environment."""
    missing = [_line(*need) for need in _needs(changes, desired, env) if not need[2]]
    if missing:
        raise DDMigrateError(
            "refusing to apply: synthetic tests reference global variables that have no value: " + "; ".join(missing),
            hint="export each environment variable named (its value becomes a secure Datadog global variable and "
            "ddmigrate never writes it down), then apply again",
        )


class SecretsSink(DatadogSink):
    """The Datadog sink, plus: a variable's value from the environment in the request body only; tests'
    global configVariables linked to the variables' ids."""

    def __init__(
        self,
        ops: dict[str, ResourceOps],
        limiter: RateLimiter,
        policy: RetryPolicy | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(ops, limiter, policy)
        self.env = os.environ if env is None else env
        self._ids: dict[str, str] = {}
        self._lock = threading.Lock()

    def _with_value(self, payload: dict[str, Any]) -> dict[str, Any]:
        name = str(payload.get("name") or "")
        value = self.env.get(env_name(name))
        if not value:
            raise DDMigrateError(
                f"global variable {name} has no value", hint=f"export {env_name(name)} and run the command again"
            )
        return {**payload, "value": {**(payload.get("value") or {}), "secure": True, "value": value}}

    def _remember(self, variable: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._ids[str(variable.get("name"))] = str(variable.get("id"))
        value = {k: v for k, v in (variable.get("value") or {}).items() if k != "value"}
        return {**variable, "value": value}  # never hand a value on, whatever the server answered

    def _variable_id(self, name: str) -> str:
        with self._lock:
            if name in self._ids:
                return self._ids[name]
        listed = self._retry(f"{VARIABLE} list", lambda: list(self.ops[VARIABLE].list_all()))
        ours = [v for v in listed if SYNTHETIC_GLOBAL_VARIABLE.owned_key(v) == variable_key(name)]
        found = next(iter(ours or [v for v in listed if v.get("name") == name]), None)
        if found is None:
            raise DDMigrateError(
                f"global variable {name} does not exist in Datadog",
                hint="apply the translation (it creates the variable first), or create it in Datadog",
            )
        return str(self._remember(found)["id"])

    def _linked(self, payload: dict[str, Any]) -> dict[str, Any]:
        if not global_names(payload):
            return payload
        entries = [
            {**v, "id": self._variable_id(str(v["name"]))} if isinstance(v, dict) and v.get("type") == "global" else v
            for v in payload["config"]["configVariables"]
        ]
        return {**payload, "config": {**payload["config"], "configVariables": entries}}

    def create(self, rtype: str, key: str, payload: dict[str, Any]) -> dict[str, Any]:
        if rtype == VARIABLE:
            return self._remember(super().create(rtype, key, self._with_value(payload)))
        return super().create(rtype, key, self._linked(payload))

    def update(self, rtype: str, dd_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        if rtype == VARIABLE:
            return self._remember(super().update(rtype, dd_id, self._with_value(payload)))
        return super().update(rtype, dd_id, self._linked(payload))
