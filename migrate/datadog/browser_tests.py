"""Synthetic browser tests: `/api/v1/synthetics/tests/browser/{public_id}`, owned like API tests (tags + footer).

Everything but the paths is the API test's: deleted with `POST /api/v1/synthetics/tests/delete`, listed by
the shared `GET /api/v1/synthetics/tests` (filtered to `type: browser`), triggered and read back alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from migrate.datadog import ownership
from migrate.datadog.base import Paging, ResourceType
from migrate.datadog.payload_rules import as_dict
from migrate.datadog.synthetics import PAGE_SIZE, SERVER_FIELDS, SyntheticTestOps, test_rules


def _url(payload: dict[str, Any]) -> str:
    """The page the test opens, whitespace-free (what an unowned look-alike shares)."""
    return re.sub(r"\s+", "", str(as_dict(as_dict(payload.get("config")).get("request")).get("url") or ""))


def rules(payload: dict[str, Any]) -> Iterator[str]:
    """Datadog's browser test rules beyond the schema: tags, tick_every (60 s at the fastest), locations, a URL."""
    yield from test_rules(payload, 60)
    if not _url(payload):
        yield "$.config.request.url: a browser test needs a start URL"


SYNTHETIC_BROWSER_TEST = ResourceType(
    name="synthetic_browser_test",
    api_path="/api/v1/synthetics/tests/browser",
    id_field="public_id",
    schema_ref="SyntheticsBrowserTest",
    server_fields=SERVER_FIELDS,
    marker=ownership.TAGS_AND_FOOTER,
    paging=Paging("page", PAGE_SIZE, ("page_number", "page_size"), items="tests"),
    rules=rules,
    request_schemas={"delete": "SyntheticsDeleteTestsPayload"},
    snapshot_dir="synthetics",  # the same export as API tests: `shared_list_filter` tells them apart
    required_fields=("name",),
    identity=_url,
    server_defaults={"status": "live"},
    unordered=frozenset({"tags", "locations", "options.device_ids"}),
    shared_list_filter={"type": "browser"},
    triggered=True,
)


class SyntheticBrowserTestOps(SyntheticTestOps):
    rtype = SYNTHETIC_BROWSER_TEST
    create_op, get_op, update_op = "create_synthetics_browser_test", "get_browser_test", "update_browser_test"
    result_op = "get_browser_test_result"
