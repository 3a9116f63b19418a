"""Rollback restores every pre-image exactly: after apply + rollback, every field of every monitor, dashboard,
synthetic test and downtime is what it was before, except the server-managed fields the declarations list
(`ResourceType.read_only`). Covers a mute set by hand (`options.silenced`), a field the apply added that
the pre-image did not have (`priority`), a dashboard's `reflow_type`, deletes re-created, and an adopted,
muted monitor going back to unowned and muted."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from migrate.datadog import ownership
from migrate.datadog.resources import spec
from migrate.model import DesiredResource, SourceRef
from migrate.runner.diff import pre_image
from migrate.runner.journal import Journal
from migrate.testing.ddserver import DatadogTestServer
from migrate.translate.store import Translation, read_translation, write_translation
from tests.support.ddorg import ROOT, apply_run_ids, run_cli

SYNTHETIC = ROOT / "tests" / "corpus" / "datadog" / "payloads" / "synthetics_api_http_test_payload.json"
STORES = ("monitor", "dashboard", "synthetic_test", "downtime")


def synthetic_test() -> DesiredResource:
    ref = SourceRef("pingdom", "check", "1234", "Checkout page")
    key = ownership.resource_key("synthetic_test", [ref])
    text = SYNTHETIC.read_text().replace("{{ unique_lower_alnum }}", "abc123").replace("{{ unique }}", "Unique-1")
    payload: dict[str, Any] = json.loads(text)
    payload["tags"] = ownership.ownership_tags(key, [ref])
    payload["message"] = "Site down\n\n" + ownership.footer(key, [ref])
    return DesiredResource("synthetic_test", key, payload, [ref])


def write(out: Path, base: Translation, resources: list[DesiredResource]) -> Path:
    meta = {k: v for k, v in base.meta.items() if k != "ddmigrate_version"}
    write_translation(out, Translation(resources, base.ledger, meta))
    return out


def stores(dd: DatadogTestServer) -> dict[str, dict[Any, dict[str, Any]]]:
    return {
        "monitor": dd.monitors,
        "dashboard": dd.dashboards,
        "synthetic_test": dd.synthetics,
        "downtime": dd.downtimes,
    }


def comparable(rtype: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Every field but the read-only server-managed ones; a top-level null is an unset field (Datadog's
    answer for one nobody set), nested nulls stay (`silenced: {"*": null}` is a mute)."""
    return {k: v for k, v in pre_image(rtype, payload).items() if v is not None}


def snapshot(dd: DatadogTestServer) -> dict[tuple[str, str], dict[str, Any]]:
    """(type, identity) -> comparable payload; identity is the ddmigrate key when owned (a re-created
    resource has a new id), else the id."""
    out = {}
    for rtype, store in stores(dd).items():
        for dd_id, payload in store.items():
            if rtype == "downtime" and payload.get("canceled"):
                continue
            key = spec(rtype).owned_key(payload) if rtype != "downtime" else None
            out[(rtype, key or str(dd_id))] = comparable(rtype, copy.deepcopy(payload))
    return out


def test_apply_then_rollback_restores_every_field_of_every_pre_image(
    translation: Path, tmp_path: Path, dd: DatadogTestServer
) -> None:
    base = read_translation(translation)
    monitors = sorted((r for r in base.resources if r.type == "monitor"), key=lambda r: r.key)
    dashboards = sorted((r for r in base.resources if r.type == "dashboard"), key=lambda r: r.key)
    test = synthetic_test()
    wd = ("--workdir", tmp_path)
    v1 = write(tmp_path / "v1", base, [*monitors[:6], *dashboards[:2], test])
    code, _, err = run_cli("apply", *wd, "--translation", v1)
    assert code == 0, err

    # What operators did since: a mute, a priority removed, a dashboard's reflow_type, an operator's downtime,
    # and an unowned monitor, muted, that is adopted for monitors[6].
    ids = _applied(tmp_path)
    muted, unprioritised = (
        dd.monitors[int(ids[("monitor", monitors[0].key)])],
        dd.monitors[int(ids[("monitor", monitors[1].key)])],
    )
    muted["options"]["silenced"] = {"*": None}
    unprioritised.pop("priority", None)
    dd.dashboards[ids[("dashboard", dashboards[0].key)]]["reflow_type"] = "auto"
    dd.plant("downtime", {"monitor_id": muted["id"], "scope": ["env:prod"], "message": "operator's own"})
    hand_made = dd.plant(
        "monitor",
        {
            "type": "query alert",
            "name": "made by hand",
            "query": monitors[6].payload["query"],
            "message": "by hand @oncall",
            "tags": ["team:ops"],
            "options": {"silenced": {"*": None}, "thresholds": monitors[6].payload["options"]["thresholds"]},
        },
    )
    code, _, err = run_cli("adopt", *wd, "monitor", str(hand_made["id"]), monitors[6].key)
    assert code == 0, err
    before = snapshot(dd)

    # v2 changes every resource (and sets a priority), drops one monitor and one dashboard, adopts one.
    def changed(r: DesiredResource) -> DesiredResource:
        field = spec(r.type).name_field
        payload = {**r.payload, field: "[v2] " + str(r.payload[field])}
        if r.type == "monitor":
            payload["priority"] = 2
        return DesiredResource(r.type, r.key, payload, r.source_refs, r.metadata)

    v2 = write(tmp_path / "v2", base, [changed(r) for r in [*monitors[:5], monitors[6], dashboards[0], test]])
    code, out, err = run_cli("apply", *wd, "--translation", v2, "--yes")
    assert code == 0, err
    assert "to delete" in out and "2 to delete" in out, out
    assert dd.monitors[int(ids[("monitor", monitors[1].key)])]["priority"] == 2
    assert (
        "silenced" not in dd.monitors[hand_made["id"]]["options"]
        or not dd.monitors[hand_made["id"]]["options"]["silenced"]
    )

    code, out, err = run_cli("rollback", *wd, apply_run_ids(tmp_path)[-1])
    assert code == 0, out + err
    after = snapshot(dd)
    assert set(after) == set(before), "the same resources exist (deleted ones re-created under their keys)"
    for ident, pre in before.items():
        assert after[ident] == pre, f"{ident} differs from its pre-image"
    assert spec("monitor").owned_key(dd.monitors[hand_made["id"]]) is None, "the adopted monitor is unowned again"


def _applied(workdir: Path) -> dict[tuple[str, str], str]:
    journal = Journal(workdir, create=False)
    try:
        return {k: a.dd_id for k, a in journal.applied().items()}
    finally:
        journal.close()
