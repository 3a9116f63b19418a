"""translation.json names its mappings files without the machine's paths: the packaged defaults as
`package:<name>`, an operator's layer relative to the directory translate ran in; `report --check` reads both,
and an older translation that recorded absolute paths still reports and checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.mappings import recorded_file
from tests.support.ddorg import SAMPLE_RULES, run_cli

SHIPPED = sorted(p.name for p in (Path(__file__).parents[2] / "migrate" / "data" / "mappings").glob("*.yaml"))


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "prometheus.yaml").write_text("prometheus:\n  namespace: shop\n", encoding="utf-8")
    code, _, err = run_cli("collect", "prometheus", "--from-files", SAMPLE_RULES, "--out", "inv")
    assert code == 0, err
    code, _, err = run_cli("translate", "--inventory", "inv", "--mappings", tmp_path / "mine", "--out", "tr")
    assert code == 0, err
    return tmp_path


def files_of(translation: Path) -> list[str]:
    return list(json.loads((translation / "translation.json").read_text())["mappings"]["files"])


def test_mappings_paths_are_relative_or_packaged(workdir: Path) -> None:
    files = files_of(workdir / "tr")
    assert files == [f"package:{name}" for name in SHIPPED] + ["mine/prometheus.yaml"]
    assert not any(str(workdir) in f or f.startswith("/") for f in files), "no path of this machine"
    assert all(recorded_file(f).is_file() for f in files)
    code, _, err = run_cli("report", "--translation", "tr", "--out", "rep")
    assert code == 0, err
    code, out, err = run_cli("report", "--check", "rep/report.json", "--json")
    assert code == 0, out + err
    rows = {r["path"]: r["status"] for r in json.loads(out)["inputs"] if r["role"] == "mappings"}
    assert rows == dict.fromkeys(files, "ok")


def test_an_older_translation_with_absolute_paths_still_reports(workdir: Path) -> None:
    meta_path = workdir / "tr" / "translation.json"
    meta = json.loads(meta_path.read_text())
    absolute = [str(recorded_file(f).resolve()) for f in meta["mappings"]["files"]]
    meta["mappings"]["files"] = absolute
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    code, _, err = run_cli("report", "--translation", "tr", "--out", "rep")
    assert code == 0, err
    code, out, _ = run_cli("report", "--check", "rep/report.json", "--json")
    rows = {r["path"]: r["status"] for r in json.loads(out)["inputs"] if r["role"] == "mappings"}
    assert code == 0 and rows == dict.fromkeys(absolute, "ok")
    (workdir / "mine" / "prometheus.yaml").write_text("prometheus:\n  namespace: other\n", encoding="utf-8")
    code, out, _ = run_cli("report", "--check", "rep/report.json", "--json")
    changed = [r["path"] for r in json.loads(out)["inputs"] if r["status"] == "changed"]
    assert code == 1 and changed == [str((workdir / "mine" / "prometheus.yaml").resolve())]
