"""Canary secrets planted wherever a Pingdom check carries credentials appear in no file `collect` writes
(nor in its output), from files and from the API; each is replaced by a named reference the object lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses

from migrate.cli import main
from migrate.inventory import read_inventory
from migrate.scrub import is_credential_value, scrub, scrub_form_text
from migrate.sources.pingdom.secrets import SecretNames, field_name, hide_body

CANARIES = {name: f"cnry-{name}-7f3a9c" for name in [f"c{i}" for i in range(1, 16)]}
C = CANARIES


def uptime_checks() -> list[dict[str, Any]]:
    headers = {
        "User-Agent": "Pingdom",
        "Authorization": f"Bearer {C['c2']}",
        "X-Api-Key": C["c3"],
        "X-Upstream": f"Basic {C['c4']}",  # an innocent name, a credential value
        "Cookie": f"session={C['c5']}",
    }
    return [
        {
            "id": 101,
            "name": "api with everything",
            "hostname": "api.example",
            "type": {
                "http": {
                    "url": f"/health?access_token={C['c8']}&format=json",
                    "encryption": True,
                    "username": "probe-user",
                    "password": C["c1"],
                    "requestheaders": headers,
                    "postdata": json.dumps({"user": "x", "token": C["c6"]}),
                }
            },
        },
        {
            "id": 102,
            "name": "form post",
            "hostname": "pay.example",
            "type": {"http": {"url": "/login", "postdata": f"user=ops&password={C['c7']}&next=/"}},
        },
        {
            "id": 103,
            "name": "opaque body",
            "hostname": "pay.example",
            "type": {"http": {"url": "/x", "postdata": f"secret {C['c9']}"}},
        },
        {  # the create form: flat settings, `auth` as user:password, numbered request headers
            "id": 104,
            "name": "create form",
            "hostname": "old.example",
            "type": "http",
            "url": "/",
            "auth": f"ops:{C['c10']}",
            "requestheader1": f"Authorization:Bearer {C['c11']}",
            "requestheader2": "Accept:text/html",
        },
    ]


def transaction_checks() -> list[dict[str, Any]]:
    return [
        {
            "id": 201,
            "name": "login",
            "type": "script",
            "interval": 10,
            "region": "eu",
            "steps": [
                {"fn": "go_to", "args": {"url": "https://app.example/login"}},
                {"fn": "fill", "args": {"input": "input[name=password]", "value": C["c12"]}},
                {"fn": "basic_auth", "args": {"username": "ops", "password": C["c13"]}},
                {"fn": "http_request", "args": {"body": json.dumps({"password": C["c15"]})}},
                {"fn": "fill", "args": {"input": "#username", "value": "monitor@example.com"}},
            ],
            "metadata": {"authentications": {"httpAuthentications": [{"host": "app", "password": C["c14"]}]}},
        }
    ]


EXPECTED = {
    "101": {
        "PINGDOM_101_PASSWORD",
        "PINGDOM_101_HEADER_AUTHORIZATION",
        "PINGDOM_101_HEADER_X_API_KEY",
        "PINGDOM_101_HEADER_X_UPSTREAM",
        "PINGDOM_101_HEADER_COOKIE",
        "PINGDOM_101_POSTDATA_TOKEN",
        "PINGDOM_101_URL_ACCESS_TOKEN",
    },
    "102": {"PINGDOM_102_POSTDATA_PASSWORD"},
    "103": {"PINGDOM_103_POSTDATA"},
    "104": {"PINGDOM_104_PASSWORD", "PINGDOM_104_HEADER_AUTHORIZATION"},
    "201": {
        "PINGDOM_TMS_201_STEP2_VALUE",
        "PINGDOM_TMS_201_STEP3_PASSWORD",
        "PINGDOM_TMS_201_STEP4_BODY_PASSWORD",
        "PINGDOM_TMS_201_METADATA_AUTHENTICATIONS_HTTPAUTHENTICATIONS_0_PASSWORD",
    },
}


def assert_no_canary(out: Path, *texts: str) -> None:
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert len(written) >= 6, "the manifest and every object"
    everything = [p.read_text(encoding="utf-8") for p in written] + list(texts)
    leaked = sorted({key for key, canary in CANARIES.items() for text in everything if canary in text})
    assert leaked == [], f"canaries leaked: {leaked}"


def assert_references(out: Path) -> None:
    inv = read_inventory(out)
    found = {o.ref.id: {r["name"] for r in o.normalized["references"]} for o in inv.objects}
    assert found == EXPECTED
    for obj in inv.objects:
        text = json.dumps(obj.payload) + json.dumps(
            obj.normalized["settings" if "settings" in obj.normalized else "steps"]
        )
        for name in found[obj.ref.id]:
            assert "{{secret:" + name + "}}" in text, (obj.ref.id, name)
    create_form = {o.ref.id: o for o in inv.objects}["104"].normalized["settings"]
    assert create_form["username"] == "ops", "the username of `auth` is no secret"
    assert create_form["requestheaders"] == {
        "Authorization": "{{secret:PINGDOM_104_HEADER_AUTHORIZATION}}",
        "Accept": "text/html",
    }
    login = {o.ref.id: o for o in inv.objects}["201"].normalized["steps"]
    assert login[4]["args"]["value"] == "monitor@example.com", "a field that is not a password stays"


def test_canaries_from_files_are_in_no_written_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "checks.json").write_text(json.dumps({"checks": uptime_checks()}), encoding="utf-8")
    (src / "tms.json").write_text(json.dumps({"checks": transaction_checks()}), encoding="utf-8")
    out = tmp_path / "inv"
    assert main(["collect", "pingdom", "--from-files", str(src), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert_no_canary(out, captured.out, captured.err)
    assert_references(out)


@responses.activate
def test_canaries_from_the_api_are_in_no_written_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "https://pingdom.test/api/3.1"
    monkeypatch.setenv("PINGDOM_API_TOKEN", "pd-token-for-tests")
    monkeypatch.setenv("PINGDOM_API_URL", url)
    checks = uptime_checks()
    listing = [{**c, "type": c["type"] if isinstance(c["type"], str) else next(iter(c["type"]))} for c in checks]
    responses.get(f"{url}/checks", json={"checks": listing, "counts": {"total": len(listing)}})
    for check in checks:
        responses.get(f"{url}/checks/{check['id']}", json={"check": check})
    tms = transaction_checks()
    responses.get(f"{url}/tms/check", json={"checks": [{k: v for k, v in t.items() if k != "steps"} for t in tms]})
    responses.get(f"{url}/tms/check/201", json={"check": tms[0]})
    for path, key in (("alerting/contacts", "contacts"), ("alerting/teams", "teams"), ("maintenance", "maintenance")):
        responses.get(f"{url}/{path}", json={key: []})
    responses.get(f"{url}/probes", json={"probes": []})
    out = tmp_path / "inv"
    assert main(["collect", "pingdom", "--from-api", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert_no_canary(out, captured.out, captured.err)
    assert_references(out)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("type.http.password", "PASSWORD"),
        ("type.http.requestheaders.X-Api-Key", "HEADER_X_API_KEY"),
        ("steps[0].args.value", "STEP1_VALUE"),
        ("postdata.token", "POSTDATA_TOKEN"),
    ],
)
def test_field_names(path: str, name: str) -> None:
    assert field_name(path) == name


def test_bodies_without_secrets_are_kept_byte_for_byte() -> None:
    names = SecretNames("PINGDOM_1")
    body = '{ "amount": 100, "currency": "EUR" }'
    assert hide_body(body, "postdata", names) == body
    assert hide_body("a=1&b=2", "postdata", names) == "a=1&b=2"
    assert names.required() == []
    assert hide_body('{"password": "x"}', "postdata", names) == '{"password":"{{secret:PINGDOM_1_POSTDATA_PASSWORD}}"}'
    assert names.required() == [{"name": "PINGDOM_1_POSTDATA_PASSWORD", "field": "postdata.password"}]


def test_scrub_knows_credential_values_and_form_bodies() -> None:
    assert is_credential_value("Bearer abc.def") and is_credential_value("basic dXNlcjpwYXNz")
    for value in ("Bearer", "no-cache", "Token", "{{secret:X}}", 42):
        assert not is_credential_value(value), value
    assert scrub_form_text("a=1&api_key=k9&b=", "body") == "a=1&api_key={{secret:body.api_key}}&b="
    assert scrub({"password": "p"}, reference=lambda path: f"<{path}>") == {"password": "<password>"}
