"""Synthetic API and browser tests with secrets by reference, end to end against the local Datadog server.

The tests come from the one builder (`build_check` on `CheckSpec`s with `Secret` fields), so they name their
global variables exactly as a front end's tests do. Apply derives a secure variable per name, takes the
value from `DDMIGRATE_SECRET_<NAME>` into the request only, links the tests to the variables' ids; verify
triggers each test and waits for its result; rollback removes everything; the canary values appear in no
file written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migrate.commands.verify import verify_command
from migrate.datadog.client import make_api_client
from migrate.datadog.global_variables import SYNTHETIC_GLOBAL_VARIABLE
from migrate.datadog.resources import ops_for, spec
from migrate.ledger import Ledger
from migrate.model import DesiredResource, SourceRef
from migrate.runner.journal import Journal
from migrate.runner.synthetic_verify import Waiting
from migrate.testing.ddserver import DatadogTestServer
from migrate.translate.build.synthetic import build_check
from migrate.translate.specs.check import (
    Action,
    AssertionSpec,
    AssertKind,
    BrowserStepSpec,
    CheckKind,
    CheckSpec,
    Op,
    RequestSpec,
    Secret,
    Selector,
)
from migrate.translate.store import Translation, write_translation
from tests.support.ddorg import point_env, run_cli

TOKEN, PASSWORD = "canary-token-7f3e9a", "canary-password-41c2d8"
ENV = {"DDMIGRATE_SECRET_SHOP_TOKEN": TOKEN, "DDMIGRATE_SECRET_SHOP_PASSWORD": PASSWORD}


def api_test(url: str = "https://shop.example.com/health") -> DesiredResource:
    spec = CheckSpec(
        refs=(SourceRef("pingdom", "check", "101", "Shop health"),),
        name="Shop health",
        kind=CheckKind.HTTP,
        request=RequestSpec(url=url, headers=(("Authorization", Secret("SHOP_TOKEN")),)),
        assertions=(AssertionSpec(AssertKind.STATUS_CODE, Op.IS, 200),),
        locations=("aws:eu-west-1", "aws:us-east-1"),
        frequency_s=60,
    )
    return build_check(spec).resource


def browser_test() -> DesiredResource:
    spec = CheckSpec(
        refs=(SourceRef("pingdom", "transaction", "7", "Shop login"),),
        name="Shop login",
        kind=CheckKind.BROWSER,
        request=RequestSpec(url="https://shop.example.com/login"),
        browser_steps=(
            BrowserStepSpec(Action.TYPE_TEXT, "password", Selector("#password"), Secret("SHOP_PASSWORD")),
            BrowserStepSpec(Action.CLICK, "log in", Selector("#submit")),
        ),
        locations=("aws:eu-central-1",),
        frequency_s=300,
    )
    return build_check(spec).resource


def translation(out: Path, resources: list[DesiredResource]) -> Path:
    write_translation(out, Translation(resources, Ledger(), {}))
    return out


@pytest.fixture
def dd(monkeypatch: pytest.MonkeyPatch) -> Iterator[DatadogTestServer]:
    with DatadogTestServer() as server:
        point_env(monkeypatch, server)
        yield server


def _files_containing(root: Path, *needles: str) -> list[str]:
    return sorted(str(p) for p in root.rglob("*") if p.is_file() and any(n.encode() in p.read_bytes() for n in needles))


def _check_variables_and_links(dd: DatadogTestServer) -> dict[str, dict[str, Any]]:
    """After apply: one secure owned variable per name, holding what the environment said, created before the
    tests, which name it by id. Returns the live tests by type."""
    variables = dd.store.synth.variables
    assert sorted(v["name"] for v in variables.values()) == ["SHOP_PASSWORD", "SHOP_TOKEN"]
    assert dd.store.synth.secret_value("SHOP_TOKEN") == TOKEN, "the value went to Datadog in the request"
    assert all(v["value"]["secure"] for v in variables.values())
    assert all(SYNTHETIC_GLOBAL_VARIABLE.owned_key(v) for v in variables.values()), "marker in tags + description"
    ids = {v["name"]: v["id"] for v in variables.values()}
    by_type = {t["type"]: t for t in dd.synthetics.values()}
    assert by_type["api"]["config"]["configVariables"] == [
        {"type": "global", "name": "SHOP_TOKEN", "id": ids["SHOP_TOKEN"]}
    ]
    assert by_type["browser"]["config"]["configVariables"][0]["id"] == ids["SHOP_PASSWORD"]
    creates = [r.path for r in dd.requests if r.method == "POST" and r.status == 200]
    last_variable = max(i for i, path in enumerate(creates) if path.endswith("/variables"))
    assert last_variable < min(i for i, path in enumerate(creates) if "/tests/" in path), "variables come first"
    ops = ops_for(SYNTHETIC_GLOBAL_VARIABLE.name, make_api_client(dd.env, host=dd.url))
    read_back = [ops.get(i) for i in ids.values()] + ops.list_owned()
    assert all(v is not None and v["value"] == {"secure": True} for v in read_back), "a secure value is write-only"
    return by_type


def test_api_and_browser_tests_with_secrets_apply_verify_and_roll_back(
    tmp_path: Path, dd: DatadogTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    tr = translation(tmp_path / "translation", [api_test(), browser_test()])
    said: list[str] = []

    def cli(*argv: str | Path) -> tuple[int, str, str]:
        code, out, err = run_cli(*argv)
        said.append(out + err)
        return code, out, err

    wd = ("--workdir", tmp_path / "work")

    code, out, err = cli("plan", "--live", *wd, "--translation", tr, "--out", tmp_path / "plan.json")
    assert code == 0, err
    assert "secret SHOP_TOKEN (create): set DDMIGRATE_SECRET_SHOP_TOKEN; used by 'Shop health'" in out
    assert "secret SHOP_PASSWORD (create): set DDMIGRATE_SECRET_SHOP_PASSWORD; used by 'Shop login'" in out

    code, out, err = cli("apply", *wd, "--translation", tr)
    assert code == 0, err
    assert "created 4" in out, "two tests and the two global variables they name"
    by_type = _check_variables_and_links(dd)
    variables = dd.store.synth.variables

    code, out, err = cli(
        "plan", "--live", *wd, "--translation", tr, "--out", tmp_path / "plan2.json", "--detailed-exitcode"
    )
    assert code == 0, out + err  # no perpetual diff: configVariables ids and the unreadable value are Datadog's
    actions = [c["action"] for c in json.loads((tmp_path / "plan2.json").read_text())["plan"]["changes"]]
    assert actions == ["no-op"] * 4
    assert "secret " not in out, "nothing to write, so no secret to provide"

    result = verify_command(
        workdir=tmp_path / "work", translation_dir=tr, check_metrics=False, waiting=Waiting(first_pause=0.01)
    )
    assert result.ok, result.problems
    runs = {r.public_id: r for r in result.synthetic_runs.values()}
    assert sorted(runs) == sorted(dd.synthetics)
    assert {r.status for r in runs.values()} == {"passed"}
    assert sorted(runs[by_type["api"]["public_id"]].locations) == ["aws:eu-west-1", "aws:us-east-1"]
    journal = Journal(tmp_path / "work")
    summary = json.loads(journal.run(result.run_id)["summary"])
    journal.close()
    assert sorted(r["status"] for r in summary["synthetic_runs"]) == ["passed", "passed"]
    assert all(r["result_ids"] for r in summary["synthetic_runs"])

    offline = tmp_path / "offline-plan.json"
    assert cli("plan", "--translation", tr, "--out", offline)[0] == 0
    planned = json.loads(offline.read_text())["changes"]
    assert sorted(c["payload"]["name"] for c in planned if c["type"] == SYNTHETIC_GLOBAL_VARIABLE.name) == [
        "SHOP_PASSWORD",
        "SHOP_TOKEN",
    ], "the plan lists every global variable to provide"
    code, out, err = cli("report", *wd, "--translation", tr, "--plan", offline, "--out", tmp_path / "report")
    assert code in (0, 3), err
    assert "DDMIGRATE_SECRET_SHOP_TOKEN" in (tmp_path / "report" / "report.md").read_text()

    journal = Journal(tmp_path / "work")
    apply_run = [r["id"] for r in journal.runs(verb="apply") if not r["dry_run"]][-1]
    journal.close()
    code, out, err = cli("rollback", *wd, apply_run)
    assert code == 0, err
    assert dd.synthetics == {} and variables == {}, "tests deleted before the variables they name"
    assert _files_containing(tmp_path, TOKEN, PASSWORD) == [], "a secret value was written down"
    assert not [text for text in said if TOKEN in text or PASSWORD in text], "a secret value was printed"


def test_a_missing_secret_refuses_apply_naming_the_variable(tmp_path: Path, dd: DatadogTestServer) -> None:
    tr = translation(tmp_path / "translation", [api_test()])
    code, _, err = run_cli("apply", "--workdir", tmp_path / "work", "--translation", tr)
    assert code == 1
    assert "DDMIGRATE_SECRET_SHOP_TOKEN (NOT SET)" in err and "'Shop health'" in err
    assert not [r for r in dd.requests if r.method in ("POST", "PUT", "DELETE")], "nothing was sent"


def test_a_failing_synthetic_result_fails_verify_with_location_and_reason(
    tmp_path: Path, dd: DatadogTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DDMIGRATE_SECRET_SHOP_TOKEN", TOKEN)
    tr = translation(tmp_path / "translation", [api_test("https://fail.example/health")])
    code, out, err = run_cli("apply", "--workdir", tmp_path / "work", "--translation", tr)
    assert code == 0, err
    code, out, err = run_cli("verify", "--workdir", tmp_path / "work", "--translation", tr, "--no-metrics")
    assert code == 1
    assert "aws:eu-west-1: Error: getaddrinfo ENOTFOUND fail.example" in out
    assert "aws:us-east-1" in out and "0/1 synthetic tests passed" in out
    journal = Journal(tmp_path / "work")
    run_id = journal.runs(verb="verify")[-1]["id"]
    problems = {key: p for _t, key, p in journal.verify_results(run_id)}
    journal.close()
    assert any("failed" in p for ps in problems.values() for p in ps), "where the gate reads verification"


def test_a_result_that_never_arrives_times_out(
    tmp_path: Path, dd: DatadogTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DDMIGRATE_SECRET_SHOP_TOKEN", TOKEN)
    tr = translation(tmp_path / "translation", [api_test()])
    assert run_cli("apply", "--workdir", tmp_path / "work", "--translation", tr)[0] == 0
    dd.store.synth.pending_polls = 10**6
    result = verify_command(
        workdir=tmp_path / "work",
        translation_dir=tr,
        check_metrics=False,
        waiting=Waiting(timeout=0.3, first_pause=0.05),
    )
    assert not result.ok
    (run,) = result.synthetic_runs.values()
    assert run.status == "timed_out"
    polls = [r for r in dd.requests if "/ci/batch/" in r.path]
    assert 2 <= len(polls) <= 6, "polled with a growing pause, and stopped at the timeout"
    assert any("did not finish within 0.3s" in p for ps in result.problems.values() for p in ps)


def test_an_operators_variable_and_browser_test_are_adopted_then_managed(
    tmp_path: Path, dd: DatadogTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DDMIGRATE_SECRET_SHOP_PASSWORD", PASSWORD)
    theirs = dd.plant(
        SYNTHETIC_GLOBAL_VARIABLE.name,
        {"name": "SHOP_PASSWORD", "description": "by hand", "tags": [], "value": {"secure": True, "value": "old"}},
    )
    desired = browser_test()
    planted = dd.plant("synthetic_browser_test", {**desired.payload, "message": "by hand", "tags": []})
    tr = translation(tmp_path / "translation", [desired])
    wd = ("--workdir", tmp_path / "work")
    code, out, err = run_cli("plan", "--live", *wd, "--translation", tr, "--out", tmp_path / "plan.json")
    assert code == 0, err
    candidates = json.loads((tmp_path / "plan.json").read_text())["plan"]["adopt_candidates"]
    assert sorted((c["type"], c["datadog_id"]) for c in candidates) == [
        ("synthetic_browser_test", planted["public_id"]),
        (SYNTHETIC_GLOBAL_VARIABLE.name, theirs["id"]),
    ]
    for c in candidates:
        assert run_cli("adopt", *wd, c["type"], c["datadog_id"], c["desired_key"])[0] == 0
    code, out, err = run_cli("apply", *wd, "--translation", tr)
    assert code == 0, err
    assert "updated 2" in out and "created" not in out, "the adopted pair is updated in place, nothing duplicated"
    assert dd.store.synth.secret_value("SHOP_PASSWORD") == PASSWORD
    test = dd.synthetics[planted["public_id"]]
    assert test["config"]["configVariables"][0]["id"] == theirs["id"]
    assert spec("synthetic_browser_test").owned_key(test) == desired.key, "it now carries our marker"
    code, out, err = run_cli("apply", *wd, "--translation", tr)
    assert code == 0 and "unchanged 2" in out, out + err


def test_a_location_the_org_does_not_offer_refuses_the_live_plan(tmp_path: Path, dd: DatadogTestServer) -> None:
    """Mappings check locations against a default list; the org's own list (`GET /api/v1/synthetics/locations`)
    decides at plan time, before anything is read or written."""
    spec = CheckSpec(
        refs=(SourceRef("pingdom", "check", "102", "Shop home"),),
        name="Shop home",
        kind=CheckKind.HTTP,
        request=RequestSpec(url="https://shop.example.com/"),
        assertions=(AssertionSpec(AssertKind.STATUS_CODE, Op.IS, 200),),
        locations=("aws:eu-west-1", "pl:shop-private-1"),
        frequency_s=60,
    )
    tr = translation(tmp_path / "translation", [build_check(spec).resource])
    out_file = tmp_path / "plan.json"
    code, out, err = run_cli("plan", "--live", "--translation", tr, "--workdir", tmp_path / "work", "--out", out_file)
    assert code == 1, out + err
    assert "pl:shop-private-1" in err and "aws:eu-west-1" not in err.split("offer:")[1].split("\n")[0], err
    assert "synthetics.locations" in err
    assert [r.path for r in dd.requests] == ["/api/v1/synthetics/locations"], "refused before reading the org"
    assert not out_file.exists()
