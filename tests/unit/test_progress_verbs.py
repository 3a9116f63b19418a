"""The progress line of collect, translate and parity: drawn on stderr when it is a terminal, counting what
was done; nothing at all when stderr is not a terminal or with --json; stdout keeps only the command's output.
(apply and verify: tests/integration/test_progress_ddserver.py.)"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import responses

from migrate.commands import parity as parity_command
from migrate.parity.run import ParityRun
from tests.support.ddorg import SAMPLE_RULES, run_cli
from tests.support.terminal import drawn, run_on_terminal
from tests.unit.test_collect_prometheus_api import URL, serve

SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(autouse=True)
def plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # the bar's text without colour codes between the digits
    monkeypatch.setenv("TERM", "xterm")


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    code, _, err = run_cli("collect", "prometheus", "--from-files", SAMPLE_RULES, "--out", tmp_path / "inv")
    assert code == 0, err
    return tmp_path / "inv"


def test_translate_counts_every_ledgered_object_on_a_terminal(inventory: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "tr"
    code, out, err = run_on_terminal("translate", "--inventory", inventory, "--out", out_dir)
    assert code == 0, err
    n = len(json.loads((out_dir / "ledger.json").read_text())["entries"])
    assert n > 10
    assert "translate" in drawn(err) and f"{n}/{n} objects" in drawn(err)
    assert not SGR.search(err), "NO_COLOR: the bar is drawn without any colour or style"
    assert "translate" not in out.split("\n")[0] and "objects:" in out, "stdout keeps the summary alone"


def test_translate_draws_nothing_off_a_terminal_or_with_json(inventory: Path, tmp_path: Path) -> None:
    code, out, err = run_cli("translate", "--inventory", inventory, "--out", tmp_path / "a")
    assert (code, err) == (0, "") and "objects:" in out
    code, out, err = run_on_terminal("translate", "--inventory", inventory, "--out", tmp_path / "b", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["objects"] > 10, "stdout is one JSON document"


@responses.activate
def test_collect_counts_requests_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serve(responses.mock)
    monkeypatch.setenv("PROMETHEUS_URL", URL)
    code, out, err = run_on_terminal("collect", "prometheus", "--from-api", "--out", tmp_path / "inv")
    assert code == 0, err
    made = len(responses.calls)
    assert made >= 4
    assert "collect prometheus" in drawn(err) and f"{made}/{made} requests" in drawn(err)
    assert "collected prometheus" in out and f"/{made} requests" not in out
    code, out, err = run_cli("collect", "prometheus", "--from-api", "--out", tmp_path / "again")
    assert (code, err) == (0, ""), "not a terminal: no bar"
    code, out, err = run_on_terminal("collect", "prometheus", "--from-files", SAMPLE_RULES, "--out", tmp_path / "f")
    assert (code, err) == (0, ""), "files: no request to count, no bar"


def fake_parity(calls: int) -> Any:
    def run(**kwargs: Any) -> ParityRun:
        for i in range(calls):
            result = {"verdict": "agrees", "coverage": 1.0, "max_rel_diff": 0.0, "detail": ""}
            kwargs["progress"](f"k{i}", result)
        return ParityRun()

    return run


def test_parity_counts_compared_objects_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parity_command, "run_parity", fake_parity(3))
    monkeypatch.setattr(parity_command, "connect_sides", lambda env, tags: None)
    argv = ("parity", "--translation", tmp_path, "--out", tmp_path / "e.json", "--since", "1h")
    code, out, err = run_on_terminal(*argv)
    assert code == 0, err
    assert "parity" in drawn(err) and "3/3 objects" in drawn(err)
    assert out.count("AGREES") == 3 and "objects" not in out.replace("0 failed", ""), "the lines stay on stdout"
    code, out, err = run_cli(*argv)
    assert (code, err) == (0, "") and out.count("AGREES") == 3
