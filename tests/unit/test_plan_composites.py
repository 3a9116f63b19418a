"""A composite monitor in the plan: compared with its parts' live ids written in, kept symbolic in the plan, applied
after its parts and deleted before them (apply's waves), and said so in the plan text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from migrate.datadog.monitors import MONITOR
from migrate.model import DesiredResource
from migrate.report.diff_text import plan_lines
from migrate.runner.apply import waves
from migrate.runner.changes import Action, Create, Delete
from migrate.runner.plan import compute_plan
from migrate.runner.state import LiveResource, State
from migrate.translate.ddquery.composite import monitor_ids, referenced_keys
from tests.unit.test_composites import CASES, translate_rule


def resources(tmp_path: Path) -> tuple[DesiredResource, list[DesiredResource], list[DesiredResource]]:
    """(the composite, its parts, a plain monitor)."""
    _, targets = translate_rule(tmp_path / "c", CASES[0]["expr"], "10m")
    (tmp_path / "p").mkdir()
    _, (plain,) = translate_rule(tmp_path / "p", "node_load1 > 4", name="Load")
    composite, *parts = targets
    return composite, parts, [plain]


def live_copy(res: DesiredResource, dd_id: int, ids: dict[str, str]) -> LiveResource:
    payload: dict[str, Any] = {**MONITOR.resolve(res.payload, ids), "id": dd_id, "overall_state": "OK"}
    return LiveResource("monitor", str(dd_id), payload, MONITOR.owned_key(payload))


def test_creates_keep_keys_and_run_parts_first(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    composite, parts, plain = resources(tmp_path)
    plan = compute_plan([composite, *parts, *plain], State.empty())
    create = next(c for c in plan.changes if c.key == composite.key)
    assert isinstance(create, Create)
    assert sorted(referenced_keys(create.payload["query"])) == sorted(p.key for p in parts), "symbolic in the plan"
    order = waves(plan.changes)
    assert [c.key for c in order[-1]] == [composite.key]
    assert {c.key for c in order[0]} == {p.key for p in [*parts, *plain]}
    text = "\n".join(t for _, t in plan_lines(plan))
    assert f'combines "{parts[0].payload["name"]}" ({parts[0].key})' in text


def test_live_composite_with_the_parts_ids_is_unchanged_and_a_new_id_updates(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    composite, parts, _ = resources(tmp_path)
    ids = {p.key: str(100 + i) for i, p in enumerate(parts)}
    live = [live_copy(p, 100 + i, {}) for i, p in enumerate(parts)] + [live_copy(composite, 200, ids)]
    plan = compute_plan([composite, *parts], State.from_resources(live, "test"))
    assert not plan.has_changes, [c.to_dict() for c in plan.changes if c.action is not Action.NOOP]

    stale = {**ids, parts[0].key: "999"}  # the composite still names a part's old id
    live[-1] = live_copy(composite, 200, stale)
    plan = compute_plan([composite, *parts], State.from_resources(live, "test"))
    (update,) = [c for c in plan.changes if c.action is Action.UPDATE]
    assert update.key == composite.key
    assert [f.path for f in update.fields] == ["query"]  # type: ignore[attr-defined]
    assert monitor_ids(update.fields[0].before) == ["999", ids[parts[1].key]]  # type: ignore[attr-defined]


def test_deletes_run_the_composite_first(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    composite, parts, plain = resources(tmp_path)
    ids = {p.key: str(100 + i) for i, p in enumerate(parts)}
    live = [live_copy(p, 100 + i, {}) for i, p in enumerate(parts)] + [live_copy(composite, 200, ids)]
    plan = compute_plan(plain, State.from_resources(live, "test"))
    assert {c.key for c in plan.changes if isinstance(c, Delete)} == {composite.key, *ids}
    order = waves(plan.changes)
    deletes = [[c.key for c in wave if isinstance(c, Delete)] for wave in order]
    assert [composite.key] in deletes
    assert deletes.index([composite.key]) < next(i for i, w in enumerate(deletes) if set(w) == set(ids))
    assert "combines other monitors: deleted before them" in "\n".join(t for _, t in plan_lines(plan))
