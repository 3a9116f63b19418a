"""Synthetic API tests: `/api/v1/synthetics/tests/api/{public_id}`, owned by tags + the footer in `message`.

There is no DELETE verb: tests are deleted with `POST /api/v1/synthetics/tests/delete {"public_ids": [...]}`.
The list endpoint returns full test definitions, so owned tests need no second read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from datadog_api_client.v1.api.synthetics_api import SyntheticsApi

from migrate import paging
from migrate.datadog import ownership
from migrate.datadog.base import ResourceOps, ResourceType
from migrate.datadog.client import NotFound

PAGE_SIZE = 100

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
    owned_key=lambda payload: ownership.owned_key("synthetic_test", payload),
    server_defaults={"status": "live"},
    unordered=frozenset({"tags", "locations"}),
)


class SyntheticTestOps(ResourceOps):
    rtype = SYNTHETIC_TEST
    api_class = SyntheticsApi
    create_op, get_op, update_op = "create_synthetics_api_test", "get_api_test", "update_api_test"
    delete_op = "delete_tests"
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

    def list_all(self) -> Iterator[dict[str, Any]]:
        """API tests only (browser and mobile tests are never ours)."""

        def page(number: int) -> list[dict[str, Any]]:
            data = self._call("list_tests", query={"page_size": PAGE_SIZE, "page_number": number}).data or {}
            batch: list[dict[str, Any]] = data.get("tests") or []
            return batch

        tests = paging.by_page_number(page, page_size=PAGE_SIZE, what="Datadog synthetic tests")
        return (t for t in tests if t.get("type") == "api")
