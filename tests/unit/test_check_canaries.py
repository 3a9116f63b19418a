"""Canary secrets planted in Pingdom checks, New Relic monitors and a blackbox module's auth appear in no file
that collect → translate → plan → report writes (the sample company's sources, with the canaries in place
of their fake credentials)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from migrate.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "inventories" / "sample" / "sources"
CANARIES = {
    "pingdom_header": "cnry-pd-header-5e1b",
    "pingdom_post": "cnry-pd-post-5e1b",
    "pingdom_tms": "cnry-pd-tms-5e1b",
    "pingdom_basic": "cnry-pd-basic-5e1b",
    "nr_script": "cnry-nr-script-5e1b",
    "nr_step": "cnry-nr-step-5e1b",
    "bb_module": "cnry-bb-module-5e1b",
    "bb_token": "cnry-bb-token-5e1b",
    "prom_scrape": "cnry-prom-scrape-5e1b",
}
C = CANARIES


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{path}: {old!r} not found (the sample changed?)"
    path.write_text(text.replace(old, new), "utf-8")


def plant(src: Path) -> None:
    for name in ("pingdom", "newrelic", "prometheus"):
        shutil.copytree(SAMPLE / name, src / name)
    checks = src / "pingdom" / "checks"
    _replace(checks / "7001004.json", "FAKE-billing-probe-token", C["pingdom_header"])
    _replace(checks / "7001002.json", "FAKE-merchant-token-7001002", C["pingdom_post"])
    _replace(src / "pingdom" / "tms" / "8002001.json", "FAKE-tms-login-pass", C["pingdom_tms"])
    detail = json.loads((checks / "7001003.json").read_text("utf-8"))
    detail["check"]["type"]["http"].update({"username": "probe", "password": C["pingdom_basic"]})
    (checks / "7001003.json").write_text(json.dumps(detail), "utf-8")
    synthetics = src / "newrelic" / "synthetics.json"
    _replace(synthetics, "password: $secure.ACCOUNT_SVC_PASSWORD", f"password: '{C['nr_script']}'")
    _replace(synthetics, '"$secure.ADMIN_PORTAL_PASSWORD"', json.dumps(C["nr_step"]))
    _replace(src / "prometheus" / "config.yaml", "Nd3-scr4pe-7Qw9xLk2", C["prom_scrape"])
    modules = {
        "http_2xx": {
            "prober": "http",
            "http": {"basic_auth": {"username": "probe", "password": C["bb_module"]}, "bearer_token": C["bb_token"]},
        }
    }
    (src / "mappings").mkdir()
    (src / "mappings" / "blackbox.yaml").write_text(json.dumps({"prometheus": {"blackbox_modules": modules}}), "utf-8")


def test_no_canary_in_any_file_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    plant(src)
    for name in ("pingdom", "newrelic", "prometheus"):
        assert main(["collect", name, "--from-files", str(src / name), "--out", str(out / "inv" / name)]) in (0, 1)
    inventories = [
        a for name in ("pingdom", "newrelic", "prometheus") for a in ("--inventory", str(out / "inv" / name))
    ]
    mappings = ["--mappings", str(src / "mappings")]
    assert main(["translate", *inventories, *mappings, "--out", str(out / "translation")]) == 0
    assert main(["plan", "--translation", str(out / "translation"), "--out", str(out / "plan.json")]) in (0, 2)
    assert main(["report", "--translation", str(out / "translation"), "--plan", str(out / "plan.json"),
                 "--out", str(out / "report")]) == 0  # fmt: skip
    # Inventories are the collectors' (tests/unit/test_collect_*_secrets.py); this test covers what translation
    # and everything after it write.
    written = [p for p in out.rglob("*") if p.is_file() and "inv" not in p.relative_to(out).parts]
    assert len(written) >= 7  # desired, ledger, translation, plan, three reports
    printed = capsys.readouterr()
    for name, canary in CANARIES.items():
        leaks = [str(p) for p in written if canary in p.read_text("utf-8", errors="replace")]
        assert leaks == [], f"{name} leaked into {leaks}"
        assert canary not in printed.out + printed.err, name
    # The planted credentials became references the tests read, not silence: the tests use global variables.
    desired = (out / "translation" / "desired.json").read_text("utf-8")
    for variable in ("PINGDOM_7001004_HEADER_AUTHORIZATION", "PINGDOM_7001003_PASSWORD", "BLACKBOX_HTTP_2XX_PASSWORD"):
        assert f"{{{{ {variable} }}}}" in desired, variable
