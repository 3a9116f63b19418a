"""The local server's synthetics: browser tests, write-only secure variables, locations and test runs, read
through the real datadog-api-client (its models deserialise every answer, so the shapes are Datadog's)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from datadog_api_client.v1.api.synthetics_api import SyntheticsApi
from datadog_api_client.v1.model.synthetics_trigger_body import SyntheticsTriggerBody
from datadog_api_client.v1.model.synthetics_trigger_test import SyntheticsTriggerTest

from migrate.datadog.browser_tests import SyntheticBrowserTestOps
from migrate.datadog.client import DatadogApiError, make_api_client
from migrate.datadog.global_variables import SyntheticGlobalVariableOps
from migrate.datadog.validate import validate_payload
from migrate.testing.ddserver import DatadogTestServer
from migrate.testing.ddsynthetics import LOCATIONS
from tests.unit.test_datadog_validate import corpus_payload
from tests.unit.test_ddserver import api


@pytest.fixture
def dd() -> Iterator[DatadogTestServer]:
    with DatadogTestServer() as server:
        yield server


def _api(dd: DatadogTestServer) -> Any:
    """The generated SyntheticsApi, answering models only (its constructor is untyped: Any)."""
    client = make_api_client(dd.env, host=dd.url)
    client.configuration.return_http_data_only = True
    return api(SyntheticsApi, client)


@pytest.mark.parametrize(
    "name",
    [
        "synthetics_browser_test_payload.json",
        "synthetics_browser_test_payload_with_advanced_scheduling.json",
        "synthetics_browser_test_payload_with_rum_settings.json",
    ],
)
def test_datadogs_browser_payloads_are_valid_browser_tests(name: str) -> None:
    assert validate_payload("synthetic_browser_test", corpus_payload(name), require_owner=False) == []


def test_browser_tests_crud_and_only_browser_tests_listed(dd: DatadogTestServer) -> None:
    ops = SyntheticBrowserTestOps(make_api_client(dd.env, host=dd.url))
    payload = corpus_payload("synthetics_browser_test_payload.json")
    created = ops.create(payload)
    dd.plant("synthetic_test", {"name": "an API test", "type": "api"})
    assert [t["public_id"] for t in ops.list_all()] == [created["public_id"]]
    assert (ops.get(created["public_id"]) or {})["name"] == payload["name"]
    assert ops.update(created["public_id"], {**payload, "name": "renamed"})["name"] == "renamed"
    with pytest.raises(DatadogApiError) as bad:
        ops.create({**payload, "locations": []})
    assert bad.value.status == 400
    assert ops.delete(created["public_id"]) and ops.get(created["public_id"]) is None


def test_a_secure_value_is_write_only_and_kept_when_an_edit_leaves_it_out(dd: DatadogTestServer) -> None:
    ops = SyntheticGlobalVariableOps(make_api_client(dd.env, host=dd.url))
    body = {"name": "TOKEN", "description": "d", "tags": [], "value": {"secure": True, "value": "s3cret"}}
    created = ops.create(body)
    assert created["value"] == {"secure": True}
    assert (ops.get(created["id"]) or {})["value"] == {"secure": True}
    assert all("s3cret" not in str(v) for v in ops.list_all())
    ops.update(created["id"], {"name": "TOKEN", "description": "new", "tags": [], "value": {"secure": True}})
    assert dd.store.synth.secret_value("TOKEN") == "s3cret"
    with pytest.raises(DatadogApiError) as dup:
        ops.create(body)
    assert dup.value.status == 409, "names are unique in an org"
    assert ops.delete(created["id"]) and not ops.delete(created["id"])


def test_trigger_batch_and_results_have_datadogs_shapes(dd: DatadogTestServer) -> None:
    api = _api(dd)
    good = dd.plant(
        "synthetic_test",
        {"type": "api", "locations": ["aws:us-east-1"], "config": {"request": {"url": "https://ok.example/"}}},
    )
    bad = dd.plant(
        "synthetic_test",
        {"type": "api", "locations": ["aws:eu-west-1"], "config": {"request": {"url": "https://fail.example/x"}}},
    )
    dd.store.synth.pending_polls = 1
    body = SyntheticsTriggerBody(tests=[SyntheticsTriggerTest(public_id=t["public_id"]) for t in (good, bad)])
    started = api.trigger_tests(body)
    assert [r.public_id for r in started.results] == [good["public_id"], bad["public_id"]]
    assert api.get_synthetics_ci_batch(started.batch_id).data.status.value == "in_progress"
    batch = api.get_synthetics_ci_batch(started.batch_id).data
    assert [(r.test_public_id, r.location, r.status.value) for r in batch.results] == [
        (good["public_id"], "aws:us-east-1", "passed"),
        (bad["public_id"], "aws:eu-west-1", "failed"),
    ]
    failed = api.get_api_test_result(bad["public_id"], batch.results[1].result_id)
    assert failed.probe_dc == "aws:eu-west-1" and "fail.example" in failed.result.failure.message
    locations = api.list_locations().locations
    assert [loc.id for loc in locations] == [i for i, _ in LOCATIONS]


def test_a_run_fails_when_a_variable_it_names_is_missing_or_a_failure_is_injected(dd: DatadogTestServer) -> None:
    config = {
        "request": {"url": "https://ok.example/"},
        "configVariables": [{"type": "global", "name": "X", "id": "nope"}],
    }
    missing = dd.plant("synthetic_test", {"type": "api", "locations": ["aws:us-east-1"], "config": config})
    injected = dd.plant("synthetic_test", {"type": "api", "locations": ["aws:us-east-1"], "config": {}})
    dd.store.synth.outcomes[injected["public_id"]] = "Assertion failed: status is 503"
    api = _api(dd)
    ids = (missing["public_id"], injected["public_id"])
    started = api.trigger_tests(SyntheticsTriggerBody(tests=[SyntheticsTriggerTest(public_id=p) for p in ids]))
    reasons = [api.get_api_test_result(r.public_id, r.result_id).result.failure.message for r in started.results]
    assert reasons == ["global variable X (nope) not found", "Assertion failed: status is 503"]
    with pytest.raises(Exception, match="400"):
        api.trigger_tests(SyntheticsTriggerBody(tests=[SyntheticsTriggerTest(public_id="unknown")]))
