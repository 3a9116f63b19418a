"""`adopt` takes over one unowned resource, explicitly, under a key nothing else holds."""

from __future__ import annotations

from pathlib import Path

from migrate.runner.journal import Journal
from migrate.testing.ddserver import DatadogTestServer
from tests.support.ddorg import assert_org_exactly, desired, run_cli, variant


def test_adopt_refuses_a_taken_key_a_second_adoption_and_a_malformed_key(
    translation: Path, tmp_path: Path, dd: DatadogTestServer
) -> None:
    want = sorted((r for r in desired(translation) if r.type == "monitor"), key=lambda r: r.key)
    target, managed = want[0], want[1]
    v1 = variant(translation, tmp_path / "v1", lambda r: None if r.key == target.key else r)
    wd = ("--workdir", tmp_path)
    code, _, err = run_cli("apply", *wd, "--translation", v1)
    assert code == 0, err
    hand_made = dd.plant(
        "monitor",
        {**{k: target.payload[k] for k in ("type", "query", "name")}, "message": "made by hand", "tags": ["team:ops"]},
    )
    mid = str(hand_made["id"])
    managed_id = Journal(tmp_path).applied()[("monitor", managed.key)].dd_id

    code, _, err = run_cli("adopt", *wd, "monitor", mid, managed.key)
    assert code == 1 and managed_id in err, "the key already names a resource ddmigrate manages"
    code, _, err = run_cli("adopt", *wd, "monitor", mid, "not-a-key")
    assert code == 1 and "not-a-key" in err
    assert not [a for a in Journal(tmp_path).applied().values() if a.adopted], "nothing adopted so far"

    code, _, err = run_cli("adopt", *wd, "monitor", mid, target.key)
    assert code == 0, err
    code, _, err = run_cli("adopt", *wd, "monitor", mid, "abcdefabcdef")
    assert code == 1 and target.key in err, "already adopted under another key"

    code, out, err = run_cli("apply", *wd, "--translation", translation)
    assert code == 0, err
    assert "updated 1" in out and "created" not in out, "the adopted monitor is updated, not duplicated"
    assert_org_exactly(dd, tmp_path, desired(translation))
