"""Synthetic API tests: `/api/v1/synthetics/tests/api/{public_id}`, owned by tags + the footer in `message`.

There is no DELETE verb: tests are deleted with `POST /api/v1/synthetics/tests/delete {"public_ids": [...]}`.
The list endpoint returns full test definitions, so owned tests need no second read. A test's
`config.configVariables` entry for a global variable carries the variable's `id`, which apply fills in
(runner/secrets.py) and a diff ignores: the desired payload names the variable only. Tests run on demand:
`trigger` / `batch` / `result` are what verify calls (runner/synthetic_verify.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

from datadog_api_client.v1.api.synthetics_api import SyntheticsApi

from migrate.datadog import ownership, payload_rules
from migrate.datadog.base import Paging, ResourceOps, ResourceType
from migrate.datadog.client import NotFound
from migrate.datadog.payload_rules import as_dict

PAGE_SIZE = 100
# What Datadog adds to every synthetic test (API and browser); `configVariables.*.id` is the global variable's
# id, linked at apply time.
SERVER_FIELDS = frozenset(
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
        "config.configVariables.*.id",
    }
)


def _url(payload: dict[str, Any]) -> str:
    """What the test calls: its URL or host, whitespace-free."""
    request = as_dict(as_dict(payload.get("config")).get("request"))
    return re.sub(r"\s+", "", str(request.get("url") or request.get("host") or ""))


def test_rules(payload: dict[str, Any], fastest: int) -> Iterator[str]:
    """What every synthetic test must satisfy: tags, tick_every from `fastest` to a week, a location."""
    yield from payload_rules.tags(payload)
    tick = as_dict(payload.get("options")).get("tick_every")
    if isinstance(tick, int) and not fastest <= tick <= 604800:
        yield f"$.options.tick_every: {tick} is out of range ({fastest} to 604800 seconds)"
    if not payload.get("locations"):
        yield "$.locations: at least one location is required"


def rules(payload: dict[str, Any]) -> Iterator[str]:
    """Datadog's API test rules beyond the schema: tags, tick_every, locations, assertions or steps."""
    yield from test_rules(payload, 30)
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
    server_fields=SERVER_FIELDS,
    marker=ownership.TAGS_AND_FOOTER,
    paging=Paging("page", PAGE_SIZE, ("page_number", "page_size"), items="tests"),
    rules=rules,
    request_schemas={"delete": "SyntheticsDeleteTestsPayload", "pause": "SyntheticsUpdateTestPauseStatusPayload"},
    snapshot_dir="synthetics",
    required_fields=("name",),
    identity=_url,
    server_defaults={"status": "live"},
    unordered=frozenset({"tags", "locations"}),
    shared_list_filter={"type": "api"},  # the list endpoint and its exports hold browser and mobile tests too
    triggered=True,
)


class SyntheticTestOps(ResourceOps):
    rtype = SYNTHETIC_TEST
    api_class = SyntheticsApi
    create_op, get_op, update_op = "create_synthetics_api_test", "get_api_test", "update_api_test"
    delete_op, list_op = "delete_tests", "list_tests"
    id_param = "public_id"
    result_op: ClassVar[str] = "get_api_test_result"  # one run's full result (its failure, its location)

    def location_ids(self) -> set[str]:
        """The locations the org can run tests from: the site's managed ones and its private locations."""
        data = self._call("list_locations").data or {}
        return {str(loc.get("id")) for loc in data.get("locations") or [] if isinstance(loc, dict)}

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
        """Tests of this type only (the list endpoint returns API, browser and mobile tests alike)."""
        return (t for t in super().list_all(**query) if self.rtype.lists(t))

    def trigger(self, public_ids: list[str]) -> dict[str, Any]:
        """Run tests now: `{batch_id, results: [{public_id, result_id, location}], ...}`."""
        body = {"tests": [{"public_id": p} for p in public_ids]}
        data: dict[str, Any] = self._call("trigger_tests", body=body).data or {}
        return data

    def batch(self, batch_id: str) -> dict[str, Any]:
        """A triggered batch: `{data: {status, results: [{test_public_id, result_id, status, location}]}}`."""
        data: dict[str, Any] = self._call("get_synthetics_ci_batch", path={"batch_id": batch_id}).data or {}
        return data

    def result(self, public_id: str, result_id: str) -> dict[str, Any] | None:
        """One run's full result, or None while Datadog has not stored it yet."""
        try:
            data: dict[str, Any] = self._call(
                self.result_op, path={"public_id": public_id, "result_id": result_id}
            ).data
        except NotFound:
            return None
        return data
