"""`translate --json` and `report --json` (and `report --check --json`): one JSON document on stdout and
nothing else there, with the shape README's "Output for scripts" documents, computed from what was written."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.support.ddorg import SAMPLE_RULES, run_cli

TRANSLATE_KEYS = {"out", "written", "objects", "by_outcome", "resources", "findings", "notices", "strict_failed"}
REPORT_KEYS = {"written", "objects", "by_outcome", "resources", "findings", "tools", "plan", "inputs_fingerprint"}


@pytest.fixture
def translated(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    code, _, err = run_cli("collect", "prometheus", "--from-files", SAMPLE_RULES, "--out", tmp_path / "inv")
    assert code == 0, err
    code, out, err = run_cli("translate", "--inventory", tmp_path / "inv", "--out", tmp_path / "tr", "--json")
    assert (code, err) == (0, "")
    return tmp_path / "tr", json.loads(out)


def test_translate_json_counts_what_was_written(translated: tuple[Path, dict[str, Any]]) -> None:
    out_dir, doc = translated
    assert set(doc) >= TRANSLATE_KEYS
    ledger = json.loads((out_dir / "ledger.json").read_text())
    resources = json.loads((out_dir / "desired.json").read_text())["resources"]
    assert doc["by_outcome"] == ledger["summary"]["by_outcome"]
    assert doc["objects"] == len(ledger["entries"])
    assert doc["resources"] == dict(Counter(r["type"] for r in resources))
    codes = Counter(f["code"] for e in ledger["entries"] for f in e["findings"])
    assert doc["findings"]["by_code"] == dict(codes) and doc["findings"]["total"] == sum(codes.values())
    assert all(Path(p).is_file() for p in doc["written"]) and len(doc["written"]) == 3
    assert any("[mappings.no_namespace]" in n for n in doc["notices"]), "the packaged mappings set no namespace"
    assert doc["strict_failed"] is bool(doc["by_outcome"]["approximate"] or doc["by_outcome"]["manual"])


def test_translate_json_with_strict_still_prints_the_document(tmp_path: Path) -> None:
    code, _, _ = run_cli("collect", "prometheus", "--from-files", SAMPLE_RULES, "--out", tmp_path / "inv")
    argv = ("translate", "--inventory", tmp_path / "inv", "--out", tmp_path / "tr", "--json", "--strict")
    code, out, err = run_cli(*argv)
    assert code == 3 and "--strict" in err
    assert json.loads(out)["strict_failed"] is True, "stdout holds only the document"


def test_report_json_and_check_json(translated: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    out_dir, _ = translated
    code, out, err = run_cli("report", "--translation", out_dir, "--out", tmp_path / "rep", "--json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert set(doc) >= REPORT_KEYS
    full = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert doc["by_outcome"] == full["summary"]["by_outcome"] and doc["objects"] == full["summary"]["total"]
    assert doc["findings"]["by_code"] == full["reason_codes"]
    assert doc["plan"] is None and doc["inputs_fingerprint"] == full["integrity"]["fingerprint"]
    assert [t["tool"] for t in doc["tools"]] == [t["tool"] for t in full["tools"]]
    assert all(Path(p).is_file() for p in doc["written"].values())
    code, out, err = run_cli("report", "--check", tmp_path / "rep" / "report.json", "--json")
    assert (code, err) == (0, "")
    check = json.loads(out)
    assert check["matches"] is True and {r["status"] for r in check["inputs"]} == {"ok"}
    (out_dir / "ledger.json").write_text("{}", encoding="utf-8")
    code, out, _ = run_cli("report", "--check", tmp_path / "rep" / "report.json", "--json")
    check = json.loads(out)
    assert code == 1 and check["matches"] is False
    assert [r["path"] for r in check["inputs"] if r["status"] == "changed"] == [str(out_dir / "ledger.json")]
