"""Composite monitors end to end against the local server: parts created first and the composite with their real
ids, nothing sent again, rollback and deletion in reverse (the server refuses to delete a monitor a composite
uses, as Datadog does), and a run killed between the parts and the composite resumed without duplicates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.commands.apply import apply, plan_live_command
from migrate.commands.collect import collect
from migrate.commands.rollback import rollback_command
from migrate.commands.translate import translate
from migrate.datadog import ownership
from migrate.datadog.client import DatadogApiError
from migrate.errors import DDMigrateError
from migrate.model import DesiredResource
from migrate.runner.journal import Journal
from migrate.runner.live import connect
from migrate.runner.sinks import DatadogSink
from migrate.testing.ddserver import DatadogTestServer
from migrate.translate.ddquery.composite import monitor_ids
from migrate.translate.store import read_translation
from tests.support.ddorg import variant

RULES = {
    "groups": [
        {
            "name": "node",
            "rules": [
                {
                    "alert": "ClockNotSynchronising",
                    "expr": "min_over_time(node_timex_sync_status[5m]) == 0 and node_timex_maxerror_seconds >= 16",
                    "for": "10m",
                    "labels": {"severity": "warning"},
                },
                {"alert": "Hot", "expr": "node_hwmon_temp_celsius > 90", "labels": {"severity": "critical"}},
            ],
        }
    ]
}


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, nothing catches it."""


class DiesBeforeComposite(DatadogSink):
    def create(self, rtype: str, key: str, payload: dict[str, Any]) -> dict[str, Any]:
        if payload.get("type") == "composite":
            raise Killed
        return super().create(rtype, key, payload)


@pytest.fixture
def translation(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "node.yml").write_text(yaml.safe_dump(RULES))
    collect("prometheus", out=tmp_path / "inv", from_files=[rules], from_api=False, metadata=None)
    translate(inventories=[tmp_path / "inv"], out=tmp_path / "translation")
    return tmp_path / "translation"


def composite_of(resources: list[DesiredResource]) -> DesiredResource:
    (found,) = [r for r in resources if r.payload["type"] == "composite"]
    return found


def live_by_key(dd: DatadogTestServer) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for monitor in dd.monitors.values():
        key = ownership.owned_key("monitor", monitor)
        assert key is not None and key not in out, "one live copy per key"
        out[key] = monitor
    return out


def assert_composite_live(dd: DatadogTestServer, want: DesiredResource) -> None:
    live = live_by_key(dd)
    parts = want.metadata["parts"]
    assert set(live) >= {want.key, *parts}
    ids = monitor_ids(live[want.key]["query"])
    assert ids == [str(live[k]["id"]) for k in parts], "the composite names its parts by their Datadog ids"


def test_apply_reapply_rollback(translation: Path, tmp_path: Path, dd: DatadogTestServer) -> None:
    env = {**dd.env, "DD_API_URL": dd.url}
    resources = read_translation(translation).resources
    composite = composite_of(resources)
    assert len(resources) == 4  # two parts, the composite, the plain rule's monitor

    _, result = apply(workdir=tmp_path / "wd", translation_dir=translation, conn=connect(env), progress=False)
    assert result.ok, result.failures
    assert_composite_live(dd, composite)
    journal = Journal(tmp_path / "wd")
    (run,) = [r["id"] for r in journal.runs(verb="apply")]
    creates = [op for op in journal.ops(run) if op.action == "create"]
    order = [op.key for op in creates]
    assert order.index(composite.key) > max(order.index(k) for k in composite.metadata["parts"])
    recorded = next(op for op in creates if op.key == composite.key)
    assert recorded.payload is not None and "ddmigrate_id:" not in recorded.payload["query"], "the journal has ids"

    again = plan_live_command(workdir=tmp_path / "wd", translation_dir=translation, conn=connect(env))
    assert not again.plan.has_changes, [c.to_dict() for c in again.plan.changes if c.action.value != "no-op"]
    assert again.drift == [], "the composite was recorded as sent, ids and all"
    _, rerun = apply(workdir=tmp_path / "wd", translation_dir=translation, conn=connect(env), progress=False)
    assert rerun.ok and set(rerun.counts) == {"unchanged"}

    undone = rollback_command(workdir=tmp_path / "wd", target=run, conn=connect(env))
    assert undone.ok, (undone.failures, undone.refused)
    assert dd.monitors == {}
    (rb,) = [r["id"] for r in journal.runs(verb="rollback")]
    deletes = [op.key for op in journal.ops(rb) if op.action == "undo-create"]
    assert deletes.index(composite.key) < min(deletes.index(k) for k in composite.metadata["parts"])


def test_deleting_the_rule_deletes_the_composite_first(
    translation: Path, tmp_path: Path, dd: DatadogTestServer
) -> None:
    env = {**dd.env, "DD_API_URL": dd.url}
    composite = composite_of(read_translation(translation).resources)
    dropped = {composite.key, *composite.metadata["parts"]}
    assert apply(workdir=tmp_path / "wd", translation_dir=translation, conn=connect(env), progress=False)[1].ok
    v2 = variant(translation, tmp_path / "v2", lambda r: None if r.key in dropped else r)
    _, result = apply(workdir=tmp_path / "wd", translation_dir=v2, conn=connect(env), progress=False, yes=True)
    assert result.ok, result.failures
    assert result.counts["deleted"] == 3
    assert not dropped & set(live_by_key(dd))

    # Undoing the deletes re-creates the parts first (new ids), then the composite naming those new ids.
    journal = Journal(tmp_path / "wd")
    last = [r["id"] for r in journal.runs(verb="apply")][-1]
    undone = rollback_command(workdir=tmp_path / "wd", target=last, conn=connect(env))
    assert undone.ok, (undone.failures, undone.refused)
    assert_composite_live(dd, composite)


def test_killed_between_parts_and_composite(translation: Path, tmp_path: Path, dd: DatadogTestServer) -> None:
    env = {**dd.env, "DD_API_URL": dd.url}
    composite = composite_of(read_translation(translation).resources)
    dying = connect(env)
    dying.sink = DiesBeforeComposite(dying.ops, dying.limiter)
    with pytest.raises(Killed):
        apply(workdir=tmp_path / "wd", translation_dir=translation, conn=dying, progress=False)
    assert composite.key not in live_by_key(dd)
    assert set(composite.metadata["parts"]) <= set(live_by_key(dd)), "the parts were made before the kill"

    _, resumed = apply(workdir=tmp_path / "wd", translation_dir=translation, conn=connect(env), progress=False)
    assert resumed.ok, resumed.failures
    assert resumed.counts["created"] == 1, resumed.counts  # only the composite: the parts are found, not re-made
    assert_composite_live(dd, composite)
    assert len(dd.monitors) == 4


def test_server_refuses_what_datadog_refuses(translation: Path, tmp_path: Path, dd: DatadogTestServer) -> None:
    env = {**dd.env, "DD_API_URL": dd.url}
    composite = composite_of(read_translation(translation).resources)
    assert apply(workdir=tmp_path / "wd", translation_dir=translation, conn=connect(env), progress=False)[1].ok
    live = live_by_key(dd)
    part = live[composite.metadata["parts"][0]]
    ops = connect(env).ops["monitor"]
    with pytest.raises(DatadogApiError) as refused:
        ops.delete(part["id"])
    assert refused.value.status == 400
    assert "is referenced in composite monitors" in " ".join(refused.value.errors)
    bogus = {**live[composite.key], "query": "987654 && 987655"}
    bogus = {k: v for k, v in bogus.items() if k in ("type", "name", "query", "message", "tags", "options")}
    with pytest.raises(DatadogApiError) as invalid:
        ops.create(bogus)
    assert invalid.value.errors == ["Some monitor IDs are invalid"]


def test_a_composite_without_its_parts_is_refused_before_anything_is_sent(
    translation: Path, tmp_path: Path, dd: DatadogTestServer
) -> None:
    env = {**dd.env, "DD_API_URL": dd.url}
    composite = composite_of(read_translation(translation).resources)
    part = composite.metadata["parts"][0]
    alone = variant(translation, tmp_path / "alone", lambda r: None if r.key == part else r)
    with pytest.raises(DDMigrateError, match=f"names monitor {part}, which this plan neither writes nor keeps"):
        apply(workdir=tmp_path / "wd", translation_dir=alone, conn=connect(env), progress=False)
    assert dd.monitors == {}, "nothing was sent"
