"""What every Datadog resource module shares: the `ResourceType` declaration and the operations base class.

A resource module (monitors.py, dashboards.py, synthetics.py, downtimes.py) declares one `ResourceType`
(API path, id field, schema component, ownership check, and what a diff must not count as a change: the
fields and defaults the server adds, order-free lists, spellings the server rewrites) and one `ResourceOps`
subclass naming its generated datadog-api-client endpoints. The declarations are data; the one normaliser
that applies them is `migrate.runner.diff.normalize` (plan, apply, verify and rollback all use it).
Operations take and return plain dicts (see client.py for why); `on_response` sees every successful
response, so a caller can follow the X-RateLimit-* headers of calls that did not fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from datadog_api_client.api_client import ApiClient

from migrate.datadog.client import ApiResponse, NotFound, call


@dataclass(frozen=True)
class ResourceType:
    name: str  # monitor | dashboard | synthetic_test | downtime
    api_path: str  # collection path, e.g. /api/v1/monitor
    id_field: str  # id | public_id
    schema_ref: str  # component in the vendored v1 schema, e.g. "Monitor"
    # Fields the server adds or rewrites; a diff ignores them (dotted paths, "*" matches any list item).
    server_fields: frozenset[str] = field(default_factory=frozenset)
    owned_key: Callable[[dict[str, Any]], str | None] = field(default=lambda p: None)
    # Values the server fills in for a field that was not sent (dotted path -> value): a live field the
    # desired payload leaves out is no change when it holds this value.
    server_defaults: Mapping[str, Any] = field(default_factory=dict, hash=False)
    # List fields whose order the server does not keep (dotted paths).
    unordered: frozenset[str] = field(default_factory=frozenset)
    # Top-level values the server stores under another spelling: field -> {sent: read back}.
    aliases: Mapping[str, Mapping[str, str]] = field(default_factory=dict, hash=False)


class ResourceOps:
    """Create / read / update / delete / list-owned over one resource type's generated endpoints."""

    rtype: ClassVar[ResourceType]
    api_class: ClassVar[type[Any]]
    create_op: ClassVar[str]
    get_op: ClassVar[str]
    update_op: ClassVar[str]
    delete_op: ClassVar[str]
    id_param: ClassVar[str]

    def __init__(self, api_client: ApiClient, on_response: Callable[[ApiResponse], None] | None = None) -> None:
        self.api = self.api_class(api_client)
        self.on_response = on_response

    def _call(self, op: str, **kwargs: Any) -> ApiResponse:
        response = call(getattr(self.api, f"_{op}_endpoint"), **kwargs)
        if self.on_response is not None:
            self.on_response(response)
        return response

    def create(self, payload: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = self._call(self.create_op, body=payload).data
        return data

    def get(self, resource_id: str | int) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = self._call(self.get_op, path={self.id_param: resource_id}).data
        except NotFound:
            return None
        return data

    def update(self, resource_id: str | int, payload: dict[str, Any]) -> dict[str, Any]:
        """Full replace; returns the server's copy."""
        data: dict[str, Any] = self._call(self.update_op, path={self.id_param: resource_id}, body=payload).data
        return data

    def delete(self, resource_id: str | int) -> bool:
        """True when deleted, False when it was already gone (so rollback can be re-run)."""
        try:
            self._call(self.delete_op, path={self.id_param: resource_id})
        except NotFound:
            return False
        return True

    def list_all(self) -> Iterator[dict[str, Any]]:
        raise NotImplementedError

    def list_owned(self) -> list[dict[str, Any]]:
        """Every live resource carrying ddmigrate's ownership marker, as full payloads."""
        return [p for p in self.list_all() if self.rtype.owned_key(p) is not None]

    def find_by_key(self, key: str) -> dict[str, Any] | None:
        """The live resource ddmigrate created for `key` (after an ambiguous failure: look before re-creating)."""
        return next((p for p in self.list_owned() if self.rtype.owned_key(p) == key), None)
