"""Synthetic API tests: `/api/v1/synthetics/tests/api/{public_id}`, owned by tags + the footer in `message`.

There is no DELETE verb: tests are deleted with `POST /api/v1/synthetics/tests/delete {"public_ids": [...]}`.
The list endpoint returns full test definitions, so owned tests need no second read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from datadog_api_client.v1.api.synthetics_api import SyntheticsApi

from migrate.datadog import ownership, payload_rules
from migrate.datadog.base import Paging, ResourceOps, ResourceType
from migrate.datadog.client import NotFound
from migrate.datadog.payload_rules import as_dict

PAGE_SIZE = 100


def _url(payload: dict[str, Any]) -> str:
    """What the test calls: its URL or host, whitespace-free."""
    request = as_dict(as_dict(payload.get("config")).get("request"))
    return re.sub(r"\s+", "", str(request.get("url") or request.get("host") or ""))


def rules(payload: dict[str, Any]) -> Iterator[str]:
    """Datadog's API test rules beyond the schema: tags, tick_every, locations, assertions or steps."""
    yield from payload_rules.tags(payload)
    tick = as_dict(payload.get("options")).get("tick_every")
    if isinstance(tick, int) and not 30 <= tick <= 604800:
        yield f"$.options.tick_every: {tick} is out of range (30 to 604800 seconds)"
    if not payload.get("locations"):
        yield "$.locations: at least one location is required"
    config = as_dict(payload.get("config"))
    if payload.get("subtype") == "multi":
        if not config.get("steps"):
            yield "$.config.steps: a multistep API test needs at least one step"
    elif not config.get("assertions"):
        yield "$.config.assertions: at least one assertion is required"


SYNTHETIC_TEST = ResourceType(
    name="synthetic_test",
    api_path="/api/v1/synthetics/tests/api",
    id_field="public_id",
    schema_ref="SyntheticsAPITest",
    server_fields=frozenset(
        {
            "public_id",
            "monitor_id",
            "created_at",
            "modified_at",
            "creator",
            "status",
            "created_by",
            "modified_by",
            "deleted_at",
            "org_id",
            "stepCount",
        }
    ),
    marker=ownership.TAGS_AND_FOOTER,
    paging=Paging("page", PAGE_SIZE, ("page_number", "page_size"), items="tests"),
    rules=rules,
    request_schemas={"delete": "SyntheticsDeleteTestsPayload", "pause": "SyntheticsUpdateTestPauseStatusPayload"},
    snapshot_dir="synthetics",
    required_fields=("name",),
    identity=_url,
    server_defaults={"status": "live"},
    unordered=frozenset({"tags", "locations"}),
)


class SyntheticTestOps(ResourceOps):
    rtype = SYNTHETIC_TEST
    api_class = SyntheticsApi
    create_op, get_op, update_op = "create_synthetics_api_test", "get_api_test", "update_api_test"
    delete_op, list_op = "delete_tests", "list_tests"
    id_param = "public_id"

    def delete(self, resource_id: str | int) -> bool:
        try:
            data = self._call(self.delete_op, body={"public_ids": [str(resource_id)]}).data or {}
        except NotFound:
            return False
        return any(t.get("public_id") == str(resource_id) for t in data.get("deleted_tests") or [])

    def set_paused(self, public_id: str, paused: bool) -> None:
        body = {"new_status": "paused" if paused else "live"}
        self._call("update_test_pause_status", path={"public_id": public_id}, body=body)

    def list_all(self, **query: Any) -> Iterator[dict[str, Any]]:
        """API tests only (browser and mobile tests are never ours)."""

        return (t for t in super().list_all(**query) if t.get("type") == "api")
