"""A resource type served from its declaration alone: what the local server does for a registered type that
has no hand-written handlers in ddstore.py (the proof that a new Datadog type needs no server code).

Create `POST {api_path}`, list `GET {api_path}` (paged as `paging` declares, wrapped in `paging.items`
when it says so), read / full replace / delete `{api_path}/{id}`. Ids follow the declaration (integers,
or Datadog's "abc-def-ghi" form) under `id_field`; bodies are checked with `validate_payload`, so the
type's `schema_ref` and `rules` decide what is a 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from migrate.datadog.base import ResourceType
from migrate.datadog.validate import validate_payload

Result = tuple[int, Any]
Handler = Callable[[re.Match[str], dict[str, str], Any], Result]
Route = tuple[str, str, str, Handler]  # method, path pattern, rate-limit name, handler


def crud_routes(
    path: str, one: str, limit: str, handlers: tuple[Handler, Handler, Handler, Handler, Handler]
) -> list[Route]:
    """Create and list on the collection; get, update and delete on one item (`one`: the id pattern)."""
    item = rf"{path}/(?P<id>{one})"
    places = (("POST", path), ("GET", path), ("GET", item), ("PUT", item), ("DELETE", item))
    return [(method, where, limit, fn) for (method, where), fn in zip(places, handlers, strict=True)]


class Collection:
    def __init__(self, rtype: ResourceType, int_id: Callable[[], int], str_id: Callable[[], str]) -> None:
        self.rtype = rtype
        self.items: dict[Any, dict[str, Any]] = {}
        self._new_id: Callable[[], Any] = int_id if rtype.int_ids else str_id

    def _id(self, m: re.Match[str]) -> Any:
        return self.rtype.native_id(m["id"])

    def _missing(self, m: re.Match[str]) -> Result:
        return 404, {"errors": [f"{self.rtype.name} {m['id']} not found"]}

    def new(self, body: dict[str, Any]) -> dict[str, Any]:
        item = {**body, self.rtype.id_field: self._new_id()}
        self.items[item[self.rtype.id_field]] = item
        return item

    def create(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        if errors := validate_payload(self.rtype.name, body, require_owner=False):
            return 400, {"errors": errors}
        return 200, self.new(body)

    def list_all(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        found = list(self.items.values())
        paging = self.rtype.paging
        where, size_param = paging.params
        if paging.style != "none" and size_param in q:
            size = int(q[size_param])
            start = int(q.get(where, 0)) * (size if paging.style == "page" else 1)
            found = found[start : start + size]
        return 200, ({paging.items: found} if paging.items else found)

    def get(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        item = self.items.get(self._id(m))
        return (200, item) if item is not None else self._missing(m)

    def update(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        key = self._id(m)
        if key not in self.items:
            return self._missing(m)
        if errors := validate_payload(self.rtype.name, body, require_owner=False):
            return 400, {"errors": errors}
        self.items[key] = {**body, self.rtype.id_field: key}
        return 200, self.items[key]

    def delete(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        if self.items.pop(self._id(m), None) is None:
            return self._missing(m)
        return 200, {"deleted": m["id"]}

    def routes(self) -> list[Route]:
        handlers = (self.create, self.list_all, self.get, self.update, self.delete)
        return crud_routes(self.rtype.api_path, r"[\w-]+", self.rtype.name, handlers)
