"""Rollback to pre-images, unowned resources that survive every command, stale plans, the writer lock and
mute_until_cutover: end to end through the CLI and the real client against the local Datadog server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from migrate.datadog import ownership
from migrate.runner.diff import normalize
from migrate.runner.journal import Journal
from migrate.runner.phases import load_phases
from migrate.testing.ddserver import DatadogTestServer
from tests.support.ddorg import (
    PHASES_YAML,
    ROOT,
    assert_org_exactly,
    assert_untouched,
    composites_last,
    desired,
    owned_keys,
    plant_lookalikes,
    renamed,
    report_all_metrics,
    run_cli,
    store_of,
    variant,
)


def live_by_key(dd: DatadogTestServer) -> dict[str, dict[str, object]]:
    out = {}
    for rtype in ("monitor", "dashboard", "synthetic_test"):  # the sample's blackbox probes are API tests
        for payload in store_of(dd, rtype).values():
            key = ownership.owned_key(rtype, payload)
            if key:
                out[key] = normalize(rtype, payload)
    return out


def apply_runs(workdir: Path) -> list[str]:
    journal = Journal(workdir)
    try:
        return [r["id"] for r in journal.runs(verb="apply") if not r["dry_run"]]
    finally:
        journal.close()


def test_rollback_restores_pre_images_and_unowned_survive_every_command(
    translation: Path, tmp_path: Path, dd: DatadogTestServer
) -> None:
    want = composites_last(sorted(desired(translation), key=lambda r: r.key))
    planted = plant_lookalikes(dd, want)
    first_keys = {r.key for r in want[:30]}
    v1 = variant(translation, tmp_path / "v1", lambda r: r if r.key in first_keys else None)
    v2 = variant(translation, tmp_path / "v2", lambda r: renamed(r, "[v2] ") if r.key in first_keys else r)
    wd = ("--workdir", tmp_path)

    code, _, err = run_cli("apply", *wd, "--translation", v1)
    assert code == 0, err
    assert_untouched(dd, planted)
    pre_images = live_by_key(dd)
    assert set(pre_images) == first_keys

    report_all_metrics(dd, want)
    code, out, _ = run_cli("verify", *wd, "--translation", v1)
    assert code == 0, out
    assert_untouched(dd, planted)

    code, out, err = run_cli("apply", *wd, "--translation", v2)
    assert code == 0, err
    assert "updated 30" in out and f"created {len(want) - 30}" in out
    assert_org_exactly(dd, tmp_path, desired(v2))
    assert_untouched(dd, planted)
    first_run, second_run = apply_runs(tmp_path)

    code, _, err = run_cli("adopt", *wd, "monitor")  # no explicit id: a usage error, nothing adopted
    assert code == 2 and "required" in err
    assert_untouched(dd, planted)

    code, out, err = run_cli("rollback", *wd, second_run)
    assert code == 0, out + err
    assert "restored 30" in out and f"deleted {len(want) - 30}" in out
    assert live_by_key(dd) == pre_images, "updated resources equal their pre-images again; created ones are gone"
    assert_untouched(dd, planted)
    code, out, _ = run_cli("verify", *wd, "--translation", v1)
    assert code == 0, out

    code, out, err = run_cli("rollback", *wd, first_run)
    assert code == 0, out + err
    assert "deleted 30" in out
    assert owned_keys(dd) == {}, "rolling back the first run deletes everything it created"
    assert_untouched(dd, planted)
    assert len(dd.monitors) + len(dd.dashboards) == len(planted), "and nothing else is left or gone"

    code, _, err = run_cli("rollback", *wd, first_run)
    assert code == 0, err  # idempotent: nothing left to undo, nothing touched
    assert_untouched(dd, planted)


def test_rollback_refuses_a_resource_that_lost_its_marker(
    translation: Path, tmp_path: Path, dd: DatadogTestServer
) -> None:
    code, _, err = run_cli("apply", "--workdir", tmp_path, "--translation", translation)
    assert code == 0, err
    taken = next(m for m in dd.monitors.values() if ownership.owned_key("monitor", m))
    taken["tags"] = ["team:ops"]  # an operator took it over: no marker any more
    before = dict(taken)
    code, _, err = run_cli("rollback", "--workdir", tmp_path, apply_runs(tmp_path)[0])
    assert code == 1
    assert f"monitor {taken['id']}" in err and "marker" in err
    assert dd.monitors[taken["id"]] == before, "refused: left exactly as it was"
    assert owned_keys(dd) == {}, "everything else was rolled back"


def test_stale_plan_is_refused(translation: Path, tmp_path: Path, dd: DatadogTestServer) -> None:
    wd = ("--workdir", tmp_path)
    code, _, err = run_cli("apply", *wd, "--translation", translation)
    assert code == 0, err
    v2 = variant(translation, tmp_path / "v2", lambda r: renamed(r, "[v2] "))
    plan_file = tmp_path / "plan.json"
    assert run_cli("plan", "--live", *wd, "--translation", v2, "--out", plan_file)[0] == 0

    edited = next(m for m in dd.monitors.values() if ownership.owned_key("monitor", m))
    edited["message"] = "tweaked in the UI\n" + edited["message"]
    before = len(dd.requests)
    code, _, err = run_cli("apply", *wd, "--translation", v2, "--plan", plan_file)
    assert code == 1
    assert "stale" in err and "1 owned resource(s) changed in Datadog since the plan" in err
    assert f"monitor/{ownership.owned_key('monitor', edited)}/{edited['id']}" in err
    assert [r for r in dd.requests[before:] if r.method != "GET"] == [], "nothing sent"

    # A plan is only applied to what it was planned from.
    assert run_cli("plan", "--live", *wd, "--translation", v2, "--out", plan_file)[0] == 0
    code, _, err = run_cli("apply", *wd, "--translation", translation, "--plan", plan_file)
    assert code == 1 and "made from other desired resources" in err
    phases = tmp_path / "phases.yaml"
    phases.write_text(PHASES_YAML, encoding="utf-8")
    code, _, err = run_cli(
        "apply", *wd, "--translation", v2, "--plan", plan_file, "--phases", phases, "--phase", "pilot"
    )
    assert code == 1 and "not phase 'pilot'" in err

    # Fresh plan; then the ledger moves (another apply) before it is used.
    assert run_cli("plan", "--live", *wd, "--translation", v2, "--out", plan_file)[0] == 0
    assert run_cli("apply", *wd, "--translation", translation)[0] == 0
    code, _, err = run_cli("apply", *wd, "--translation", v2, "--plan", plan_file)
    assert code == 1 and "the ledger is at revision" in err and "last: apply run" in err


def test_second_concurrent_apply_is_refused_naming_the_holder(
    translation: Path, tmp_path: Path, dd: DatadogTestServer
) -> None:
    holder = subprocess.Popen(  # another ddmigrate process holding the writer lock
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; "
            "from migrate.runner.journal import Journal, WriterLock; "
            "lock = WriterLock(Journal(Path(sys.argv[1])), 'apply --phase pilot').__enter__(); "
            "print('held', flush=True); sys.stdin.read()",
            str(tmp_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        code, _, err = run_cli("apply", "--workdir", tmp_path, "--translation", translation)
        assert code == 1
        assert "holds the ledger lock" in err and f"pid {holder.pid}" in err and "apply --phase pilot" in err
        assert owned_keys(dd) == {} and all(r.method == "GET" for r in dd.requests)
        code, _, err = run_cli("verify", "--workdir", tmp_path, "--translation", translation)
        assert code == 1 and "holds the ledger lock" in err, "verify records results: it waits its turn too"
    finally:
        holder.communicate("", timeout=10)
    code, _, err = run_cli("apply", "--workdir", tmp_path, "--translation", translation)
    assert code == 0, err  # the holder exited: the lock is free again


def test_mute_until_cutover(translation: Path, tmp_path: Path, dd: DatadogTestServer) -> None:
    phases = tmp_path / "phases.yaml"
    phases.write_text(PHASES_YAML, encoding="utf-8")
    assigned = load_phases(phases).assign(desired(translation))
    planted = plant_lookalikes(dd, sorted(desired(translation), key=lambda r: r.key))
    common = ("--workdir", tmp_path, "--translation", translation, "--phases", phases)

    code, _, err = run_cli("apply", *common, "--phase", "pilot")
    assert code == 0, err
    applied = Journal(tmp_path).applied()
    pilot_ids = {int(applied[("monitor", r.key)].dd_id) for r in assigned["pilot"]}
    ours = {d["monitor_id"]: d for d in dd.downtimes.values()}
    assert set(ours) == pilot_ids, "one downtime per created monitor"
    assert all(
        d["scope"] == ["*"] and ownership.key_from_text(d["message"]) and not d["canceled"] for d in ours.values()
    )
    operator_downtime = dd.plant(
        "downtime", {"monitor_id": min(pilot_ids), "scope": ["*"], "message": "DB maintenance window"}
    )
    frozen_downtime = dict(operator_downtime)

    code, _, err = run_cli("cutover", "--workdir", tmp_path, "pilot")
    assert code == 1 and "needs a passing verify" in err
    assert not any(d["canceled"] for d in ours.values()), "refused before verify: still muted"

    report_all_metrics(dd, assigned["pilot"])
    assert run_cli("verify", *common, "--phase", "pilot")[0] == 0
    code, out, err = run_cli("cutover", "--workdir", tmp_path, "pilot")
    assert code == 0, err
    assert f"{len(pilot_ids)} mute downtime(s) cancelled" in out
    assert all(d["canceled"] for d in ours.values()), "every ddmigrate downtime of the phase is cancelled"
    assert dd.downtimes[operator_downtime["id"]] == frozen_downtime, "the operator's own downtime is untouched"
    assert_untouched(dd, planted)

    status = run_cli("status", "--workdir", tmp_path, "--phases", phases)[1]
    assert status.splitlines()[0].split()[:2] == ["pilot", "cut_over"]
    before = set(dd.downtimes)
    code, out, err = run_cli("apply", *common, "--phase", "rest")  # gates of pilot hold now
    assert code == 0, err
    assert set(dd.downtimes) == before, "the `rest` phase is not muted"
    code, _, _ = run_cli("apply", *common, "--phase", "pilot")
    assert code == 0 and set(dd.downtimes) == before, "a cut-over phase is not muted again by a re-apply"
    assert_untouched(dd, planted)
