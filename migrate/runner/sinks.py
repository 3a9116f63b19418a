"""Where apply and rollback send their calls: the Datadog org, or a dry-run recorder. Both behave alike.

The Datadog sink calls the resource modules (rate limited, retried, never re-sending a create blindly);
the dry-run sink records the requests instead and answers with made-up ids, so `--dry-run` runs exactly
the code apply runs. Ids are text here (the ledger's form); each type's declaration converts them.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from migrate.datadog.base import AlreadyExists, ResourceOps
from migrate.datadog.downtimes import DOWNTIME, DowntimeOps
from migrate.datadog.resources import spec
from migrate.errors import RemoteError
from migrate.runner.ratelimit import RateLimiter, RetryPolicy, call_with_retry


class Sink(Protocol):
    migration: str | None  # the migration whose resources `find_by_key` finds (None: any, as before scopes)

    def get(self, rtype: str, dd_id: str) -> dict[str, Any] | None: ...

    def find_by_key(self, rtype: str, key: str) -> dict[str, Any] | None: ...

    def create(self, rtype: str, key: str, payload: dict[str, Any]) -> dict[str, Any]: ...

    def update(self, rtype: str, dd_id: str, payload: dict[str, Any]) -> dict[str, Any]: ...

    def delete(self, rtype: str, dd_id: str) -> bool: ...

    def mute(self, monitor_id: str, key: str) -> dict[str, Any]: ...

    def unmute(self, monitor_id: str) -> int: ...


class DatadogSink:
    """Every call goes through the rate limiter and the retry policy; creates are never re-sent blindly."""

    def __init__(self, ops: dict[str, ResourceOps], limiter: RateLimiter, policy: RetryPolicy | None = None) -> None:
        self.ops = ops
        self.limiter = limiter
        self.policy = policy or RetryPolicy()
        self.migration: str | None = None

    def _retry(self, route: str, fn: Any, on_ambiguous: Any = None) -> Any:
        return call_with_retry(self.limiter, route, fn, policy=self.policy, on_ambiguous=on_ambiguous)

    def get(self, rtype: str, dd_id: str) -> dict[str, Any] | None:
        return self._retry(f"{rtype} get", lambda: self.ops[rtype].get(spec(rtype).native_id(dd_id)))  # type: ignore[no-any-return]

    def find_by_key(self, rtype: str, key: str) -> dict[str, Any] | None:
        return self._retry(f"{rtype} list", lambda: self.ops[rtype].find_by_key(key, self.migration))  # type: ignore[no-any-return]

    def create(self, rtype: str, key: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            created: dict[str, Any] = self._retry(
                f"{rtype} create", lambda: self.ops[rtype].create(payload), lambda: self.find_by_key(rtype, key)
            )
        except AlreadyExists as exc:
            # Datadog says we already made it: adopt only our own copy of this very key.
            existing = self.get(rtype, exc.existing_id)
            if existing is not None and spec(rtype).owned_key(existing) == key:
                return existing
            raise RemoteError(
                f"Datadog refused the create as a duplicate of {rtype} {exc.existing_id}, which ddmigrate does not own",
                hint="`ddmigrate adopt` it, or change the source",
            ) from exc  # the journal reads Datadog's status from the cause
        return created

    def update(self, rtype: str, dd_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        # A full replace is idempotent: re-sending after an ambiguous failure is safe.
        return self._retry(  # type: ignore[no-any-return]
            f"{rtype} update",
            lambda: self.ops[rtype].update(spec(rtype).native_id(dd_id), payload),
        )

    def delete(self, rtype: str, dd_id: str) -> bool:
        return bool(self._retry(f"{rtype} delete", lambda: self.ops[rtype].delete(spec(rtype).native_id(dd_id))))

    def _downtimes(self) -> DowntimeOps:
        ops = self.ops[DOWNTIME.name]
        assert isinstance(ops, DowntimeOps)
        return ops

    def mute(self, monitor_id: str, key: str) -> dict[str, Any]:
        """Idempotent: an existing ddmigrate downtime on the monitor is reused (a crash may have left one)."""
        mid = int(monitor_id)
        existing = self._retry("downtime list", lambda: self._downtimes().mutes_for(mid))
        if existing:
            return dict(existing[0])
        return self._retry(  # type: ignore[no-any-return]
            "downtime create",
            lambda: self._downtimes().mute_monitor(mid, key),
            lambda: next(iter(self._downtimes().mutes_for(mid)), None),
        )

    def unmute(self, monitor_id: str) -> int:
        return int(self._retry("downtime delete", lambda: self._downtimes().unmute_monitor(int(monitor_id))))


class DryRunSink:
    """Reads go to `reader` (the live org, or nothing); writes are recorded and answered with made-up ids."""

    def __init__(self, reader: Sink | None = None) -> None:
        self.reader = reader
        self.requests: list[dict[str, Any]] = []
        self.migration = reader.migration if reader is not None else None
        self._lock = threading.Lock()

    def _record(self, method: str, rtype: str, dd_id: str | None, payload: dict[str, Any] | None) -> str:
        with self._lock:
            self.requests.append({"method": method, "type": rtype, "id": dd_id, "payload": payload})
            return f"dry-run-{len(self.requests)}"

    def get(self, rtype: str, dd_id: str) -> dict[str, Any] | None:
        return None if self.reader is None or dd_id.startswith("dry-run-") else self.reader.get(rtype, dd_id)

    def find_by_key(self, rtype: str, key: str) -> dict[str, Any] | None:
        return None if self.reader is None else self.reader.find_by_key(rtype, key)

    def create(self, rtype: str, key: str, payload: dict[str, Any]) -> dict[str, Any]:
        fake = self._record("POST", rtype, None, payload)
        return {**payload, spec(rtype).id_field: fake}

    def update(self, rtype: str, dd_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        self._record("PUT", rtype, dd_id, payload)
        return dict(payload)

    def delete(self, rtype: str, dd_id: str) -> bool:
        self._record("DELETE", rtype, dd_id, None)
        return True

    def mute(self, monitor_id: str, key: str) -> dict[str, Any]:
        return {"id": self._record("POST", DOWNTIME.name, None, {"monitor_id": monitor_id})}

    def unmute(self, monitor_id: str) -> int:
        self._record("DELETE", DOWNTIME.name, monitor_id, None)
        return 1
