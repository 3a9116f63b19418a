"""Pingdom collector from files: the corpus fixtures and exporter examples, content-based detection, both
shapes of `type`, both spellings of region filters, the sample company, and bad input named by file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from migrate.errors import InputError
from migrate.inventory import Inventory
from migrate.sources import pingdom
from migrate.sources.pingdom.account import Account
from migrate.sources.pingdom.files import read_document

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus" / "pingdom"
SAMPLE = ROOT / "inventories" / "sample" / "sources" / "pingdom"


def collect(*paths: Path) -> Inventory:
    return pingdom.collect({"from_files": list(paths)})


def objects(inv: Inventory, kind: str) -> dict[str, Any]:
    return {o.ref.id: o for o in inv.by_kind(kind)}


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_every_corpus_fixture_is_collected_or_accounted_for() -> None:
    files = sorted(p for p in CORPUS.rglob("*.json"))
    assert len(files) == 41
    inv = collect(CORPUS)
    # each file either gave objects or is named in a warning saying why it gave none
    named = {str(f) for f in files if any(w.startswith(f"{f}:") for w in inv.warnings)}
    origins = {o.ref.origin for o in inv.objects}
    unaccounted = [str(f) for f in files if str(f) not in named and str(f) not in origins]
    # list files whose every check also has a detail elsewhere carry the detail's origin
    merged_lists = {
        "russellcardullo__check_test__TestCheckServiceList__L17.json",
        "nordcloud__tms_check_test__TestTMSCheckService_List__L16.json",
    }
    assert {Path(f).name for f in unaccounted} <= merged_lists
    assert inv.counts() == {
        "contact": 3,
        "maintenance_window": 2,
        "probe": 2,
        "team": 3,
        "transaction_check": 6,
        "uptime_check": 7,
    }


def test_one_file_at_a_time_never_crashes() -> None:
    outcomes: dict[str, int] = {}
    for path in sorted(CORPUS.rglob("*.json")):
        try:
            outcomes[path.name] = len(collect(path).objects)
        except InputError as exc:
            assert "no Pingdom checks, contacts, teams" in str(exc), path
            outcomes[path.name] = 0
    # 17 answers carry configuration; the other 24 are messages, errors, reports, results, occurrences,
    # create answers ({id, name} only) and a create request without an id
    assert sum(1 for n in outcomes.values() if n) == 17, outcomes
    assert len(outcomes) == 41


def test_the_two_shapes_of_type_flatten_to_one() -> None:
    listing = CORPUS / "go-pingdom-fixtures" / "russellcardullo__check_test__TestCheckServiceList__L17.json"
    dns = CORPUS / "go-pingdom-fixtures" / "nordcloud__api_responses_test__detailedDNSCheckJSON__L55.json"
    inv = collect(listing, dns)
    checks = objects(inv, "uptime_check")
    ping = checks["161748"].normalized
    assert (ping["type"], ping["settings"], ping["detail_loaded"]) == ("ping", {}, False)
    record = checks["1234567"].normalized
    assert record["type"] == "dns"
    assert record["settings"] == {
        "expectedip": "2606:2800:220:1:248:1893:25c8:1946",
        "nameserver": "a.iana-servers.net",
    }
    assert (record["detail_loaded"], record["ipv6"], record["contact_ids"]) == (True, True, ["12345678"])


def test_both_spellings_of_region_filters_and_flat_settings_of_an_export() -> None:
    inv = collect(CORPUS / "pingdom-exporter-examples" / "uptime-checks-summary-example.json")
    checks = objects(inv, "uptime_check")
    assert checks["23456789"].normalized["regions"] == ["EU", "NA"]
    spaced = write_check_with_filters(["region: APAC", "region:LATAM", "region:  na"])
    assert spaced.normalized["regions"] == ["APAC", "LATAM", "NA"]
    website = checks["12345678"].normalized
    assert website["settings"]["ssl_down_days_before"] == 7
    assert website["team_ids"] == ["123456"] and website["tags"] == ["production", "critical"]
    tcp = checks["34567890"].normalized
    assert (tcp["type"], tcp["settings"]["port"]) == ("tcp", 5432)


def write_check_with_filters(filters: list[str]) -> Any:
    check = {"id": 5, "name": "x", "hostname": "x.example", "type": {"http": {"url": "/"}}, "probe_filters": filters}
    inv = pingdom.to_inventory(_account_of([check]))
    return inv.objects[0]


def _account_of(checks: list[dict[str, Any]]) -> Account:
    account = Account(origin="test")
    read_document({"checks": checks}, "test", account)
    return account


def test_an_unknown_probe_filter_is_a_warning() -> None:
    check = {"id": 6, "name": "y", "hostname": "y.example", "type": "http", "probe_filters": ["country: SE"]}
    inv = pingdom.to_inventory(_account_of([check]))
    assert inv.objects[0].normalized["regions"] == []
    assert any("probe filters not understood: country: SE" in w for w in inv.warnings)


def test_content_decides_not_the_file_name(tmp_path: Path) -> None:
    body = {"checks": [{"id": 11, "name": "login", "type": "script", "interval": 10, "region": "eu"}]}
    tms = write(tmp_path / "export.txt", body)
    bare = write(tmp_path / "one", {"id": 12, "name": "web", "hostname": "w.example", "type": {"http": {"url": "/"}}})
    inv = collect(tms, bare)
    assert list(objects(inv, "transaction_check")) == ["11"]
    assert objects(inv, "transaction_check")["11"].normalized["regions"] == ["eu"]
    assert list(objects(inv, "uptime_check")) == ["12"]


def test_transaction_check_list_and_detail_merge() -> None:
    fixtures = CORPUS / "go-pingdom-fixtures"
    inv = collect(
        fixtures / "nordcloud__tms_check_test__TestTMSCheckService_List__L16.json",
        fixtures / "nordcloud__tms_check_test__TestTMSCheckService_Read__L150.json",
    )
    tms = objects(inv, "transaction_check")
    assert sorted(tms) == ["104757", "106136", "106164"]
    read = tms["104757"].normalized
    assert read["name"] == "NoError", "the detail wins"
    assert [s["fn"] for s in read["steps"]] == ["go_to", "click"]
    assert (read["interval_minutes"], read["contact_ids"], read["detail_loaded"]) == (10, ["12345"], True)
    assert tms["106136"].normalized["detail_loaded"] is False


def test_the_sample_company_account() -> None:
    inv = collect(SAMPLE)
    assert inv.counts() == {
        "contact": 4,
        "maintenance_window": 1,
        "probe": 2,
        "team": 3,
        "transaction_check": 2,
        "uptime_check": 10,
    }
    checks = {o.ref.name: o.normalized for o in inv.by_kind("uptime_check")}
    assert all(c["detail_loaded"] for c in checks.values())
    assert {c["type"] for c in checks.values()} == {"http", "tcp", "ping", "dns"}
    assert [n for n, c in checks.items() if c["paused"]] == ["Legacy billing v1 (paused)"]
    assert {c["resolution_minutes"] for c in checks.values()} == {1, 5, 15, 30, 60}
    assert sum(1 for c in checks.values() if "ssl_down_days_before" in c["settings"]) == 3
    post = checks["Payment authorize dry run (POST)"]
    assert post["settings"]["postdata"].startswith('{"amount":100')
    assert post["references"] == [
        {"name": "PINGDOM_7001002_POSTDATA_MERCHANT_TOKEN", "field": "type.http.postdata.merchant_token"}
    ]
    invoices = checks["Billing invoices API"]["settings"]["requestheaders"]
    assert invoices["Authorization"] == "{{secret:PINGDOM_7001004_HEADER_AUTHORIZATION}}"
    login = {o.ref.name: o.normalized for o in inv.by_kind("transaction_check")}["Billing portal login"]
    assert login["references"] == [{"name": "PINGDOM_TMS_8002001_STEP3_VALUE", "field": "steps[2].args.value"}]
    window = inv.by_kind("maintenance_window")[0].normalized
    assert window["uptime_check_ids"] == ["7001003", "7001004", "7001010"]
    assert inv.warnings == [f"skipped 1 file(s) that are not JSON: {SAMPLE / 'README.md'}"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "not JSON"),
        ('{"checks": [', "invalid JSON"),
        ('{"message": "Deletion of check was successful!"}', "no Pingdom checks, contacts, teams"),
    ],
)
def test_bad_files_name_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "checks.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as exc:
        collect(path)
    assert str(path) in str(exc.value)


def test_a_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file or directory not found"):
        collect(tmp_path / "nope")


def test_duplicate_details_keep_the_first_with_a_warning(tmp_path: Path) -> None:
    first = write(tmp_path / "a.json", {"check": {"id": 1, "name": "a", "hostname": "h", "type": {"ping": {}}}})
    write(tmp_path / "b.json", {"check": {"id": 1, "name": "b", "hostname": "h", "type": {"ping": {}}}})
    inv = collect(tmp_path)
    assert [o.ref.name for o in inv.objects] == ["a"]
    assert inv.warnings == [f"{tmp_path / 'b.json'}: uptime check 1 also in {first} with other values; kept the first"]


def test_wrong_types_inside_objects_are_tolerated_not_a_traceback(tmp_path: Path) -> None:
    check = {"id": 1, "name": ["x"], "hostname": "h", "type": {"http": 5}, "tags": "web", "probe_filters": "region: NA"}
    tms = {"id": 2, "steps": [5, {"fn": "go_to", "args": "u"}], "status": {"name": "up"}, "teams": [None]}
    team = {"id": 3, "name": "ops", "members": True}
    window = {"id": 4, "checks": [1, 2], "from": "soon"}
    path = write(tmp_path / "odd.json", [check, tms])
    inv = collect(path, write(tmp_path / "t.json", {"team": team}), write(tmp_path / "w.json", {"maintenance": window}))
    found = {o.ref.kind: o.normalized for o in inv.objects}
    assert found["uptime_check"]["settings"] == {} and found["uptime_check"]["regions"] == []
    assert found["transaction_check"]["steps"] == [{"fn": "", "args": {}, "raw": 5}, {"fn": "go_to", "args": {}}]
    assert found["team"]["members"] == []
    assert (found["maintenance_window"]["uptime_check_ids"], found["maintenance_window"]["from"]) == ([], None)
    assert any("a step is not an object" in w for w in inv.warnings)
