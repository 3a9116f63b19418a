"""A new Datadog resource type is one declaration, its ops class and one registry entry.

The type below exists only in this test: a "maintenance window" at a path no shipped type uses, with its
own id field (`window_id`), integer ids, a vendored schema component (`Downtime`), a rule of its own, the
ownership footer in `message` without tags, a name field and page-number paging. Registered in
`resources.MANAGED`, it goes through validate, plan, apply (create, update, delete), a dry run and
rollback against the local Datadog server, which serves it from the declaration alone: no runner,
validator or server code knows its name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from datadog_api_client.api_client import ApiClient, Endpoint

from migrate.datadog import ownership, resources
from migrate.datadog.base import Paging, ResourceOps, ResourceType
from migrate.datadog.validate import validate_payload
from migrate.ledger import Ledger
from migrate.model import DesiredResource, SourceRef
from migrate.runner.journal import Journal
from migrate.testing.ddserver import DatadogTestServer
from migrate.translate.store import Translation, write_translation
from tests.support.ddorg import point_env, run_cli

PATH = "/api/v1/ddmigrate-test/maintenance-windows"


def _rules(payload: dict[str, Any]) -> Iterator[str]:
    start, end = payload.get("start"), payload.get("end")
    if isinstance(start, int) and isinstance(end, int) and end <= start:
        yield f"$.end: {end} is not after $.start {start}"


WINDOW = ResourceType(
    name="maintenance_window",
    api_path=PATH,
    id_field="window_id",
    schema_ref="Downtime",
    marker=ownership.Marker("message", tags=False),
    int_ids=True,
    paging=Paging("page", 2, ("page", "per_page")),
    rules=_rules,
    server_fields=frozenset({"window_id"}),
    identity=lambda payload: ",".join(sorted(str(s) for s in payload.get("scope") or [])),
)


def _endpoint(client: ApiClient, op: str, method: str, path: str, params: tuple[str, ...] = ()) -> Endpoint:
    """What datadog-api-client generates for an operation (here by hand: the API is made up)."""
    where = {p: "path" if "{" + p + "}" in path else "query" for p in params}
    return Endpoint(
        settings={
            "response_type": None,
            "auth": ["apiKeyAuth", "appKeyAuth"],
            "endpoint_path": path,
            "operation_id": op,
            "http_method": method,
            "version": "v1",
        },
        params_map={
            p: {"required": loc == "path", "openapi_types": (int,), "attribute": p, "location": loc}
            for p, loc in where.items()
        },
        headers_map={"accept": ["application/json"], "content_type": ["application/json"]},
        api_client=client,
    )


class WindowsApi:
    def __init__(self, client: ApiClient) -> None:
        one = PATH + "/{window_id}"
        self._create_window_endpoint = _endpoint(client, "create_window", "POST", PATH)
        self._list_windows_endpoint = _endpoint(client, "list_windows", "GET", PATH, ("page", "per_page"))
        self._get_window_endpoint = _endpoint(client, "get_window", "GET", one, ("window_id",))
        self._update_window_endpoint = _endpoint(client, "update_window", "PUT", one, ("window_id",))
        self._delete_window_endpoint = _endpoint(client, "delete_window", "DELETE", one, ("window_id",))


class WindowOps(ResourceOps):
    rtype = WINDOW
    api_class = WindowsApi
    create_op, get_op, update_op, delete_op = "create_window", "get_window", "update_window", "delete_window"
    id_param = "window_id"
    list_op = "list_windows"  # paged as WINDOW.paging declares: no list code of its own


def window(i: int, scope: str, start: int = 1_900_000_000) -> DesiredResource:
    ref = SourceRef("pingdom", "maintenance", f"mw-{i}", f"Window {i}")
    key = ownership.resource_key(WINDOW.name, [ref])
    payload = {
        "name": f"Window {i}",
        "scope": [scope],
        "start": start,
        "end": start + 3600,
        "message": f"Planned work.\n{ownership.footer(key, [ref])}",
    }
    return DesiredResource(WINDOW.name, key, payload, [ref])


def translation(out: Path, resources_: list[DesiredResource]) -> Path:
    write_translation(out, Translation(resources_, Ledger(), {}))
    return out


@pytest.fixture
def dd(monkeypatch: pytest.MonkeyPatch) -> Iterator[DatadogTestServer]:
    monkeypatch.setitem(resources.MANAGED, WINDOW.name, WindowOps)  # the one registry entry
    with DatadogTestServer() as server:  # built after the registration: it serves every registered type
        point_env(monkeypatch, server)
        yield server


def test_the_validator_reads_the_declaration(dd: DatadogTestServer) -> None:
    good = window(1, "env:prod").payload
    assert validate_payload(WINDOW.name, good) == []
    messages = validate_payload(WINDOW.name, {**good, "scope": "env:prod", "end": good["start"]})
    assert any(m.startswith("$.scope: ") and "is not of type 'array'" in m for m in messages), "schema_ref"
    assert any(m.startswith("$.end: ") for m in messages), "the declared rule"
    unowned = validate_payload(WINDOW.name, {**good, "message": "hand made"})
    assert unowned == [
        "$.message: the ddmigrate ownership marker is missing or inconsistent (tags and footer must agree)"
    ]


def test_a_declared_type_goes_through_plan_apply_dry_run_and_rollback(tmp_path: Path, dd: DatadogTestServer) -> None:
    windows = [window(i, f"env:site{i}") for i in range(3)]
    store = dd.store.collections[WINDOW.name].items
    wd = ("--workdir", tmp_path)
    planted = dd.plant(WINDOW.name, {"name": "by hand", "scope": ["env:site0"], "message": "operator's own"})

    v1 = translation(tmp_path / "v1", windows)
    code, out, err = run_cli("plan", "--live", *wd, "--translation", v1, "--out", tmp_path / "plan.json")
    assert code == 0, err
    assert "adopt" in out and "by hand" in out, "an unowned look-alike (same declared identity) is listed"
    code, out, err = run_cli("apply", *wd, "--translation", tmp_path / "v1")
    assert code == 0, err
    assert "created 3" in out
    ours = {k: v for k, v in store.items() if k != planted["window_id"]}
    assert sorted(w["name"] for w in ours.values()) == ["Window 0", "Window 1", "Window 2"]
    assert all(isinstance(k, int) for k in store), "integer ids, as declared"

    code, out, err = run_cli("apply", *wd, "--translation", tmp_path / "v1")
    assert code == 0 and "unchanged 3" in out, "listed (over two pages), matched by marker, equal after normalising"

    moved = {**windows[0].payload, "scope": ["env:moved"]}
    v2 = [DesiredResource(WINDOW.name, windows[0].key, moved, windows[0].source_refs), windows[1]]
    translation(tmp_path / "v2", v2)
    code, out, err = run_cli("apply", *wd, "--translation", tmp_path / "v2", "--dry-run")
    assert code == 0 and "requests 2" in out, err
    code, out, err = run_cli("apply", *wd, "--translation", tmp_path / "v2", "--yes")
    assert code == 0, err
    assert "updated 1" in out and "deleted 1" in out and "unchanged 1" in out
    assert sorted(w["scope"][0] for w in store.values()) == ["env:moved", "env:site0", "env:site1"]

    journal = Journal(tmp_path)
    second = [r["id"] for r in journal.runs(verb="apply") if not r["dry_run"]][-1]
    journal.close()
    code, out, err = run_cli("rollback", *wd, second)
    assert code == 0, err
    assert "recreated 1" in out and "restored 1" in out
    assert sorted(w["scope"][0] for w in store.values()) == ["env:site0", "env:site0", "env:site1", "env:site2"]

    code, out, err = run_cli("apply", *wd, "--translation", translation(tmp_path / "v3", [windows[1]]), "--yes")
    assert code == 0 and "deleted 2" in out and "unchanged 1" in out, err
    assert sorted(w["name"] for w in store.values()) == ["Window 1", "by hand"], "the unowned window is untouched"
    assert store[planted["window_id"]] == planted
