"""What every Datadog resource module shares: the `ResourceType` declaration and the operations base class.

A resource module (monitors.py, dashboards.py, synthetics.py, downtimes.py) declares one `ResourceType`
(API path, id field, schema component and extra rules, ownership marker, paging, and what a diff must not
count as a change: the fields and defaults the server adds, order-free lists, spellings the server
rewrites) and one `ResourceOps` subclass naming its generated datadog-api-client endpoints; the registry
(resources.py) lists them. The declarations are the code path: the runner, the validator (validate.py)
and the local test server (migrate/testing) read them and never branch on a type's name, so a new type is
one declaration, its ops class and one registry entry. The one normaliser that applies the diff facts is
`migrate.runner.diff.normalize` (plan, apply, verify and rollback all use it).
Operations take and return plain dicts (see client.py for why); `on_response` sees every successful
response, so a caller can follow the X-RateLimit-* headers of calls that did not fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from datadog_api_client.api_client import ApiClient

from migrate import paging
from migrate.datadog.client import ApiResponse, DatadogApiError, NotFound, call
from migrate.datadog.ownership import Marker


class AlreadyExists(DatadogApiError):
    """Datadog refused a create as the duplicate of resource `existing_id` (ours from a lost reply, or not)."""

    def __init__(self, base: DatadogApiError, existing_id: str) -> None:
        super().__init__(base.status, base.errors, base.headers, method=base.method, path=base.path)
        self.existing_id = existing_id


Rule = Callable[[dict[str, Any]], Iterator[str]]  # Datadog's checks beyond the schema: "$.path: message" lines


def _no_rules(payload: dict[str, Any]) -> Iterator[str]:
    return iter(())


def _checkable(payload: dict[str, Any]) -> str | None:
    return None


@dataclass(frozen=True)
class Paging:
    """How the list endpoint pages (read by the list helper and the local test server).

    `style`: "page" (page number from 0, `size` per page), "offset" (start index, `size` per page) or "none";
    `params`: the query parameters for (page number or start index, page size); `items`: the key the list
    answer wraps its items in (None: a bare JSON list); `summaries`: the list gives summaries, so an owned
    one is read again in full before it is compared.
    """

    style: str = "none"
    size: int = 0
    params: tuple[str, str] = ("", "")
    items: str | None = None
    summaries: bool = False


@dataclass(frozen=True)
class ResourceType:
    """Everything ddmigrate's runner, validator and local test server know about one Datadog resource type."""

    name: str  # monitor | dashboard | synthetic_test | downtime
    api_path: str  # collection path, e.g. /api/v1/monitor; one resource is {api_path}/{id}
    id_field: str  # id | public_id
    schema_ref: str  # component in the vendored v1 schema, e.g. "Monitor"
    marker: Marker  # where the ownership marker lives
    int_ids: bool = False  # the API's ids are integers (monitors, downtimes), not strings
    name_field: str = "name"  # what an operator calls it (dashboards: title)
    paging: Paging = field(default_factory=Paging)
    # Datadog's rules beyond the schema (thresholds, windows, layouts, ...), checked before planning.
    rules: Rule = _no_rules
    # Other request bodies its endpoints take, by request name -> schema component (e.g. update, delete).
    request_schemas: Mapping[str, str] = field(default_factory=dict, hash=False)
    # Fields the server adds or rewrites; a diff ignores them (dotted paths, "*" matches any list item).
    server_fields: frozenset[str] = field(default_factory=frozenset)
    # Of `server_fields`, those a write sets (the server fills or rewrites them, so a diff ignores them, but
    # they are the operator's): a pre-image keeps them and rollback sends them back.
    restorable: frozenset[str] = field(default_factory=frozenset)
    # The update (PUT) keeps top-level fields it is not sent, and clears one sent as null (monitors);
    # False: the update replaces the whole resource (dashboards, synthetic tests).
    update_merges: bool = False
    # Values the server fills in for a field that was not sent (dotted path -> value): a live field the
    # desired payload leaves out is no change when it holds this value.
    server_defaults: Mapping[str, Any] = field(default_factory=dict, hash=False)
    # List fields whose order the server does not keep (dotted paths).
    unordered: frozenset[str] = field(default_factory=frozenset)
    # Top-level values the server stores under another spelling: field -> {sent: read back}.
    aliases: Mapping[str, Mapping[str, str]] = field(default_factory=dict, hash=False)
    # Snapshot exports (`plan --state DIR`): the folder of DIR that holds this type, and the fields an export has.
    snapshot_dir: str | None = None
    required_fields: tuple[str, ...] = ()
    # What the resource watches (a query, a URL), whitespace-free: an unowned look-alike is listed for adoption.
    identity: Callable[[dict[str, Any]], str] = field(default=lambda payload: "")
    # The Datadog query texts it reads; verify checks each metric in them reports data.
    query_texts: Callable[[dict[str, Any]], list[str]] = field(default=lambda payload: [])
    # Its queries read metrics, so verify says so when it finds none to check.
    reads_metrics: bool = False
    # Why verify's recent-data check cannot cover a payload of this type (None: it can).
    unverifiable: Callable[[dict[str, Any]], str | None] = _checkable
    # A phase with mute_until_cutover silences it with a downtime during the parallel run.
    muted_in_parallel_run: bool = False
    # Other resources name it by id (a global variable in a test's configVariables): apply creates and updates
    # it before every other change, and deletes it after them.
    apply_first: bool = False
    # Fields that tell its items from other types' in a list endpoint or export they share (synthetic tests: `type`).
    shared_list_filter: Mapping[str, str] = field(default_factory=dict, hash=False)
    # It runs on demand (`POST /api/v1/synthetics/tests/trigger`): verify triggers it and waits for a passing result.
    triggered: bool = False
    # Other resources of this type it names by id (a composite monitor's operands), by ddmigrate key while the
    # payload is symbolic: plan compares and apply creates them first, substituting the ids (`resolve`), and
    # deletes it before them. `symbolic` reads a live payload's ids back to keys (id -> key) for the diff.
    references: Callable[[dict[str, Any]], list[str]] = field(default=lambda payload: [])
    # The payload names other resources of this type at all (by key or by id): ordered after them.
    refers: Callable[[dict[str, Any]], bool] = field(default=lambda payload: False)
    resolve: Callable[[dict[str, Any], Mapping[str, str]], dict[str, Any]] = field(default=lambda payload, ids: payload)
    symbolic: Callable[[dict[str, Any], Mapping[str, str]], dict[str, Any]] = field(
        default=lambda payload, keys: payload
    )

    @property
    def read_only(self) -> frozenset[str]:
        """The server-managed fields no write sets (ids, timestamps, states): all a pre-image leaves out."""
        return self.server_fields - self.restorable

    def owned_key(self, payload: dict[str, Any]) -> str | None:
        return self.marker.key(payload)

    def lists(self, item: dict[str, Any]) -> bool:
        """`item`, from a list or export shared with other types, is one of this type."""
        return all(item.get(k) == v for k, v in self.shared_list_filter.items())

    def owned_by(self, payload: dict[str, Any], key: str, migration: str | None) -> bool:
        """`payload` is ddmigrate's resource for `key` in `migration` (None: any migration); a marker from
        before scopes names no migration and matches any."""
        if self.marker.key(payload) != key:
            return False
        scope = self.marker.scope(payload)
        return migration is None or scope is None or scope.migration == migration

    def id_of(self, payload: dict[str, Any]) -> str:
        """The Datadog id of a payload the API returned."""
        return str(payload[self.id_field])

    def native_id(self, dd_id: str) -> str | int:
        """An id as the ledger keeps it (text) -> as the API takes it."""
        return int(dd_id) if self.int_ids and dd_id.isdigit() else dd_id

    def display_name(self, payload: dict[str, Any]) -> str:
        return str(payload.get(self.name_field) or "")


class ResourceOps:
    """Create / read / update / delete / list-owned over one resource type's generated endpoints."""

    rtype: ClassVar[ResourceType]
    api_class: ClassVar[type[Any]]
    create_op: ClassVar[str]
    get_op: ClassVar[str]
    update_op: ClassVar[str]
    delete_op: ClassVar[str]
    id_param: ClassVar[str]
    list_op: ClassVar[str] = ""  # the list endpoint, paged as `rtype.paging` declares

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

    def list_all(self, **query: Any) -> Iterator[dict[str, Any]]:
        """Every resource of the type, paged as the declaration says (migrate/paging.py: complete, never capped);
        `query` adds the endpoint's own filters (monitors' `monitor_tags`, downtimes' `current_only`)."""
        declared = self.rtype.paging
        what = f"Datadog {self.rtype.name} list"

        def items(data: Any) -> list[dict[str, Any]]:
            found = (data or {}).get(declared.items) if declared.items else data
            return list(found or [])

        if declared.style == "none":
            return iter(items(self._call(self.list_op, query=query).data))
        position, size = declared.params

        def fetch(at: int) -> list[dict[str, Any]]:
            return items(self._call(self.list_op, query={**query, position: at, size: declared.size}).data)

        if declared.style == "page":
            return paging.by_page_number(fetch, page_size=declared.size, what=what)
        return paging.by_offset(fetch, limit=declared.size, what=what)

    def validate(self, payload: dict[str, Any]) -> list[str] | None:
        """Datadog's own check of a definition: [] when valid, its messages, or None (no such endpoint)."""
        return None

    def list_owned(self) -> list[dict[str, Any]]:
        """Every live resource carrying ddmigrate's ownership marker, as full payloads."""
        return [p for p in self.list_all() if self.rtype.owned_key(p) is not None]

    def find_by_key(self, key: str, migration: str | None = None) -> dict[str, Any] | None:
        """The live resource ddmigrate created for `key` in `migration` (after an ambiguous failure: look
        before re-creating); another migration's copy of the same key is not it."""
        return next((p for p in self.list_owned() if self.rtype.owned_by(p, key, migration)), None)
