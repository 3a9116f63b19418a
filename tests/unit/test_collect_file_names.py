"""File names that are not UTF-8 (PEP 383 surrogate escapes in Python) must not stop collect or translate."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.unit.test_bad_input import run

RULES = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n"
DASHBOARD = {"title": "D", "uid": "d1", "panels": [{"id": 1, "type": "timeseries", "title": "p", "targets": []}]}


@pytest.mark.parametrize(
    ("source", "name", "content"),
    [("prometheus", b"r\xff.yml", RULES), ("grafana", b"d\xff.json", json.dumps(DASHBOARD))],
)
def test_a_non_utf8_file_name_is_collected_and_translated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, name: bytes, content: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / os.fsdecode(name)).write_text(content, encoding="utf-8")
    code, _, err = run(["collect", source, "--from-files", "src", "--out", "inv"])
    assert code == 0, err
    manifest = (tmp_path / "inv" / "manifest.json").read_text(encoding="utf-8")
    objects = [p.read_text(encoding="utf-8") for p in (tmp_path / "inv" / "objects").rglob("*.json")]
    assert any("\\xff" in text for text in objects), "the undecodable byte is shown, not dropped"
    assert "warnings" in json.loads(manifest)
    code, _, err = run(["translate", "--inventory", "inv", "--out", "tr"])
    assert code == 0, err
