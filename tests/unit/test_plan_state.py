"""The snapshot directory loader: accepted layouts and clear errors for anything else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.errors import InputError
from migrate.runner.state import load_snapshot
from tests.unit.test_plan import as_live, desired_monitor


def write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


DASHBOARD = {
    "id": "abc-def-ghi",
    "title": "Payments",
    "layout_type": "ordered",
    "widgets": [],
    "description": "hand made",
}
SYNTHETIC = {"public_id": "4c7-n7j-xbv", "name": "checkout up", "type": "api", "config": {}, "message": "", "tags": []}


def test_reads_single_objects_lists_and_per_type_files(tmp_path: Path) -> None:
    owned = as_live(desired_monitor("HighErrorRate"), "1001")
    unowned = {"id": 7, "name": "cpu", "type": "metric alert", "query": "q", "message": "", "tags": []}
    write(tmp_path / "monitors" / "1001.json", owned)
    write(tmp_path / "monitors" / "list.json", [unowned])
    write(tmp_path / "dashboards.json", DASHBOARD)
    write(tmp_path / "synthetics" / "all.json", {"tests": [SYNTHETIC]})
    (tmp_path / "README.md").write_text("how this was made")
    state = load_snapshot(tmp_path)
    assert list(state.owned) == [desired_monitor("HighErrorRate").key]
    assert sorted((r.type, r.datadog_id) for r in state.unowned) == [
        ("dashboard", "abc-def-ghi"),
        ("monitor", "7"),
        ("synthetic_test", "4c7-n7j-xbv"),
    ]
    assert state.fingerprint.startswith("sha256:")
    assert len(state) == 4


def test_a_shared_synthetics_export_gives_each_test_its_own_type(tmp_path: Path) -> None:
    browser = {**SYNTHETIC, "public_id": "b12-c34-d56", "type": "browser"}
    mobile = {**SYNTHETIC, "public_id": "m12-c34-d56", "type": "mobile"}  # a type ddmigrate does not manage
    write(tmp_path / "synthetics" / "all.json", {"tests": [SYNTHETIC, browser, mobile]})
    assert sorted((r.type, r.datadog_id) for r in load_snapshot(tmp_path).unowned) == [
        ("synthetic_browser_test", "b12-c34-d56"),
        ("synthetic_test", "4c7-n7j-xbv"),
    ]


def test_fingerprint_changes_when_anything_read_changes(tmp_path: Path) -> None:
    write(tmp_path / "monitors" / "a.json", {"id": 1, "name": "a", "type": "metric alert", "query": "q"})
    before = load_snapshot(tmp_path).fingerprint
    assert load_snapshot(tmp_path).fingerprint == before
    write(
        tmp_path / "monitors" / "a.json",
        {"id": 1, "name": "a", "type": "metric alert", "query": "q", "modified": "2025-01-01"},
    )
    assert load_snapshot(tmp_path).fingerprint != before


@pytest.mark.parametrize(
    ("relpath", "content", "message"),
    [
        ("monitors/bad.json", {"name": "no id", "type": "metric alert", "query": "q"}, "missing id"),
        ("monitors/list.json", [{"id": 1, "type": "metric alert", "query": "q"}, 3], "[item 1]: expected a monitor"),
        ("dashboards/all.json", {"dashboards": [{"id": "x"}]}, "summaries only"),
        ("synthetics/t.json", {"name": "x"}, "missing public_id"),
    ],
)
def test_bad_files_are_named_in_the_error(tmp_path: Path, relpath: str, content: object, message: str) -> None:
    write(tmp_path / relpath, content)
    with pytest.raises(InputError) as exc:
        load_snapshot(tmp_path)
    assert relpath in str(exc.value)
    assert message in str(exc.value)


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "monitors").mkdir()
    (tmp_path / "monitors" / "x.json").write_text('{\n "id": 1,\n oops\n}')
    with pytest.raises(InputError, match=r"x\.json:3: invalid JSON"):
        load_snapshot(tmp_path)


def test_the_same_resource_exported_twice_is_refused(tmp_path: Path) -> None:
    monitor = {"id": 1, "name": "a", "type": "metric alert", "query": "q"}
    write(tmp_path / "monitors" / "a.json", monitor)
    write(tmp_path / "monitors" / "b.json", monitor)
    with pytest.raises(InputError, match="appears twice"):
        load_snapshot(tmp_path)


def test_missing_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_snapshot(tmp_path / "nope")
