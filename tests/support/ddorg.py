"""Helpers for end-to-end runs against the local Datadog-compatible server (migrate.testing.ddserver).

The desired state is a real translation: the sample Prometheus rules (monitors) plus three Grafana
dashboards from the corpus, collected and translated through the command functions.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from migrate.cli import main
from migrate.commands.collect import collect
from migrate.commands.translate import translate
from migrate.datadog import ownership
from migrate.datadog.resources import spec
from migrate.model import DesiredResource
from migrate.runner.diff import equivalent
from migrate.runner.journal import Journal
from migrate.runner.scope import migration_name
from migrate.runner.verify import metrics_in
from migrate.testing.ddserver import DatadogTestServer
from migrate.translate.store import Translation, read_translation, write_translation

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_RULES = ROOT / "inventories" / "sample" / "sources" / "prometheus"
DASHBOARDS = [
    ROOT / "tests" / "corpus" / "grafana" / "dotdc" / name
    for name in ("k8s-system-api-server.json", "k8s-system-coredns.json", "k8s-views-global.json")
]
KINDS = {"monitor": "monitors", "dashboard": "dashboards", "synthetic_test": "synthetics"}

PHASES_YAML = """\
phases:
  - name: pilot
    select:
      - {source: prometheus, id: "*payment-gateway*"}
    mute_until_cutover: true
    gates: {verified: true, cut_over: true}
  - name: rest
    depends_on: [pilot]
    select:
      - {source: prometheus}
      - {source: grafana}
"""


def build_translation(base: Path) -> Path:
    """Collect + translate the sample company: 36 monitors and 3 dashboards."""
    collect("prometheus", out=base / "inv-prometheus", from_files=[SAMPLE_RULES], from_api=False, metadata=None)
    collect("grafana", out=base / "inv-grafana", from_files=DASHBOARDS)
    out = base / "translation"
    translate(inventories=[base / "inv-prometheus", base / "inv-grafana"], out=out)
    return out


def variant(source: Path, out: Path, change: Callable[[DesiredResource], DesiredResource | None]) -> Path:
    """A copy of a translation with each resource passed through `change` (None drops it)."""
    tr = read_translation(source)
    kept = [r for r in (change(res) for res in tr.resources) if r is not None]
    write_translation(out, Translation(kept, tr.ledger, {k: v for k, v in tr.meta.items() if k != "ddmigrate_version"}))
    return out


def renamed(res: DesiredResource, prefix: str) -> DesiredResource:
    field = spec(res.type).name_field
    payload = {**res.payload, field: prefix + str(res.payload[field])}
    return DesiredResource(res.type, res.key, payload, res.source_refs, res.metadata)


def desired(translation: Path) -> list[DesiredResource]:
    return read_translation(translation).resources


def linked_keys(resources: list[DesiredResource]) -> set[str]:
    """The keys of composite monitors and their parts: a subset must keep them together (a composite cannot be
    applied without its parts, nor a part deleted while a composite uses it)."""
    linked = {k for r in resources for k in (r.metadata.get("parts") or [])}
    return linked | {r.key for r in resources if r.metadata.get("parts")}


def composites_last(resources: list[DesiredResource]) -> list[DesiredResource]:
    """`resources` in the same order, but composite monitors and their parts at the end, so a test that takes the
    first N as a subset keeps each composite with its parts."""
    linked = linked_keys(resources)
    return [r for r in resources if r.key not in linked] + [r for r in resources if r.key in linked]


def point_env(monkeypatch: pytest.MonkeyPatch, dd: DatadogTestServer) -> None:
    """The process environment a real run has: endpoint and (dummy) keys, nothing else."""
    monkeypatch.setenv("DD_API_URL", dd.url)
    monkeypatch.setenv("DD_API_KEY", dd.api_key)
    monkeypatch.setenv("DD_APP_KEY", dd.app_key)
    monkeypatch.delenv("DD_SITE", raising=False)


def run_cli(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse: usage errors
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def store_of(dd: DatadogTestServer, rtype: str) -> dict[Any, dict[str, Any]]:
    stores: dict[str, dict[Any, dict[str, Any]]] = {
        "monitor": dd.monitors,
        "dashboard": dd.dashboards,
        "synthetic_test": dd.synthetics,
    }
    return stores[rtype]


def owned_keys(dd: DatadogTestServer) -> Counter[tuple[str, str]]:
    """(type, ddmigrate key) -> how many live copies carry it."""
    counts: Counter[tuple[str, str]] = Counter()
    for rtype in KINDS:
        for payload in store_of(dd, rtype).values():
            key = ownership.owned_key(rtype, payload)
            if key is not None:
                counts[(rtype, key)] += 1
    return counts


def assert_org_exactly(dd: DatadogTestServer, workdir: Path, want: list[DesiredResource]) -> None:
    """No duplicates, nothing missing, every live payload as desired, the ledger agreeing, no open intent."""
    counts = owned_keys(dd)
    dupes = {k: n for k, n in counts.items() if n > 1}
    assert not dupes, f"duplicates in the org: {dupes}"
    assert set(counts) == {(r.type, r.key) for r in want}, "exactly the desired resources are owned"
    journal = Journal(workdir)
    migration = migration_name(workdir, journal.ledger_id(), journal.bound_site())
    try:
        applied = journal.applied()
        assert set(applied) == set(counts), "the ledger knows exactly what exists"
        for res in want:
            live = store_of(dd, res.type)
            dd_id = applied[(res.type, res.key)].dd_id
            copy = live[int(dd_id)] if res.type == "monitor" else live[dd_id]
            assert ownership.owned_key(res.type, copy) == res.key
            scope = spec(res.type).marker.scope(copy)
            assert scope is not None and scope.migration == migration, f"{res.type} {res.key} names {scope}"
            stamped = spec(res.type).marker.stamped(res.payload, scope)
            # a composite names its parts by key desired and by Datadog id live
            keys = {a.dd_id: k for (t, k), a in applied.items() if t == res.type}
            assert equivalent(res.type, stamped, spec(res.type).symbolic(copy, keys)), f"{res.type} {res.key}"
        assert journal.open_intents() == [], "no intent left open"
    finally:
        journal.close()


def apply_run_ids(workdir: Path) -> list[str]:
    """The ids of the workdir's apply runs (not dry runs), oldest first."""
    journal = Journal(workdir, create=False)
    try:
        return [r["id"] for r in journal.runs(verb="apply") if not r["dry_run"]]
    finally:
        journal.close()


def report_all_metrics(dd: DatadogTestServer, want: list[DesiredResource]) -> set[str]:
    names = {m for r in want for m in metrics_in(r.type, r.payload)}
    for name in names:
        dd.report_metric(name)
    return names


def frozen(dd: DatadogTestServer, rtype: str, dd_id: Any) -> str:
    """A resource exactly as the server stores it, for byte-for-byte comparison."""
    return json.dumps(store_of(dd, rtype)[dd_id], sort_keys=True)


def plant_lookalikes(dd: DatadogTestServer, want: list[DesiredResource]) -> dict[tuple[str, Any], str]:
    """Unowned resources an operator made by hand that look like ours: same names, no marker; one with our
    tags copied but no footer. Returns {(type, id): frozen payload} to compare at the end."""
    monitors = [r for r in want if r.type == "monitor"]
    dashboards = [r for r in want if r.type == "dashboard"]
    planted = []
    for res in monitors[:3]:
        planted.append(
            (
                "monitor",
                dd.plant(
                    "monitor",
                    {
                        "type": res.payload["type"],
                        "name": res.payload["name"],
                        "query": res.payload["query"],
                        "message": "Hand-made copy. @oncall",
                        "tags": ["team:ops"],
                        "options": res.payload.get("options", {}),
                    },
                ),
            )
        )
    clone = monitors[3]
    planted.append(
        (
            "monitor",
            dd.plant(
                "monitor",
                {
                    "type": clone.payload["type"],
                    "name": clone.payload["name"],
                    "query": clone.payload["query"],
                    "message": "Cloned in the UI, footer removed.",
                    "tags": list(clone.payload["tags"]),
                    "options": clone.payload.get("options", {}),
                },
            ),
        )
    )
    planted.append(
        (
            "dashboard",
            dd.plant(
                "dashboard",
                {
                    "title": dashboards[0].payload["title"],
                    "description": "the Grafana import someone did by hand",
                    "layout_type": "ordered",
                    "widgets": [],
                },
            ),
        )
    )
    ids = {"monitor": "id", "dashboard": "id"}
    return {(rtype, p[ids[rtype]]): frozen(dd, rtype, p[ids[rtype]]) for rtype, p in planted}


def assert_untouched(dd: DatadogTestServer, planted: dict[tuple[str, Any], str]) -> None:
    for (rtype, dd_id), before in planted.items():
        assert dd_id in store_of(dd, rtype), f"unowned {rtype} {dd_id} was deleted"
        assert frozen(dd, rtype, dd_id) == before, f"unowned {rtype} {dd_id} was changed"


@contextlib.contextmanager
def server(**kwargs: Any) -> Iterator[DatadogTestServer]:
    with DatadogTestServer(**kwargs) as dd:
        yield dd
