"""Source regions → Datadog locations through mappings `synthetics` (migrate/translate/locations.py), and
credential literals redacted from a kept New Relic script."""

from __future__ import annotations

from migrate.mappings import Mappings, load_mappings
from migrate.scrub_script import redacted
from migrate.translate.locations import resolve


def _mappings(table: dict[str, list[str]], managed: list[str]) -> Mappings:
    section = {"locations": {"blackbox": table}, "managed_locations": managed, "default_locations": ["aws:eu-west-1"]}
    return Mappings(data={"synthetics": section})


def test_shipped_tables_name_only_managed_locations() -> None:
    section = load_mappings().section("synthetics")
    managed = set(section["managed_locations"])
    for table in section["locations"].values():
        for ids in table.values():
            assert set(ids) <= managed
    assert set(section["default_locations"]) <= managed


def test_a_mapped_id_datadog_does_not_list_is_left_out() -> None:
    ids, findings = resolve(
        "blackbox",
        ["dc1", "dc2"],
        _mappings({"dc1": ["aws:xx-nowhere-1"], "dc2": ["aws:us-east-1"]}, ["aws:us-east-1"]),
    )
    assert ids == ("aws:us-east-1",)
    assert [f.code for f in findings] == ["synthetics.location_unknown"]


def test_private_locations_pass_and_nothing_left_falls_back() -> None:
    ids, findings = resolve("blackbox", ["dc1"], _mappings({"dc1": ["pl:berlin-abc123"]}, ["aws:us-east-1"]))
    assert (ids, findings) == (("pl:berlin-abc123",), [])
    ids, findings = resolve("blackbox", ["dc9"], _mappings({}, ["aws:us-east-1"]))
    assert ids == ("aws:eu-west-1",)
    assert [f.code for f in findings] == ["synthetics.location_unmapped", "synthetics.location_default"]


def test_kept_scripts_lose_their_credential_literals() -> None:
    text = (
        "const password = 'hunter2';\n"
        "$http.get({url: 'https://a/', headers: {'X-Api-Key': 'k-123'}, x: 'Bearer abcdef'});"
    )
    kept = redacted(text)
    assert kept is not None
    assert "hunter2" not in kept and "k-123" not in kept and "abcdef" not in kept
    assert "'https://a/'" in kept and kept.count("'<redacted>'") == 3
    assert redacted("a ` template") is None
