"""A toy third source, "checks": the proof that the translation core is source-neutral.

Each object is an uptime check on a URL with a latency budget. Its front end is the few lines of
`translate`: one `CheckSpec` (an HTTP API test) and one `AlertSpec` (a monitor on the test's response time)
per object, built by the shared builders; nothing here imports a Prometheus, PromQL or Grafana module.
`end_to_end` then runs the neutral pipeline: translate (with only this translator), plan, apply and
rollback, through the command functions, against whatever Datadog the environment points at.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from migrate.commands.apply import apply
from migrate.commands.plan import plan
from migrate.commands.rollback import rollback_command
from migrate.inventory.store import InventoryObject, read_inventory, write_inventory
from migrate.mappings import load_mappings
from migrate.model import DesiredResource, SourceRef
from migrate.translate.base import TranslateEnv, Translator
from migrate.translate.build.monitor import build_alert
from migrate.translate.build.synthetic import build_check
from migrate.translate.ddquery import Filter, MetricQuery, MonitorQuery
from migrate.translate.run import run_translators
from migrate.translate.specs.alert import AlertSpec, NoData
from migrate.translate.specs.check import AssertionSpec, AssertKind, CheckKind, CheckSpec, Op, RequestSpec
from migrate.translate.specs.message import MessageSpec, Notify
from migrate.translate.store import write_translation

SOURCE = "checks"
CHECKS: list[dict[str, Any]] = [
    {"id": "shop-health", "name": "Shop health", "url": "https://shop.example.com/health", "budget_ms": 800},
    {"id": "api-ping", "name": "API ping", "url": "https://api.example.com/ping", "budget_ms": 300, "every_s": 120},
]


def objects() -> list[InventoryObject]:
    return [InventoryObject(SourceRef(SOURCE, "check", c["id"], c["name"], "toy://"), c, dict(c)) for c in CHECKS]


def translate(objs: Sequence[InventoryObject], env: TranslateEnv) -> list[DesiredResource]:
    out: list[DesiredResource] = []
    for obj in objs:
        n, refs = obj.normalized, (obj.ref,)
        notify = (Notify(("@slack-uptime",)),)
        check = CheckSpec(
            refs=refs,
            name=n["name"],
            kind=CheckKind.HTTP,
            request=RequestSpec(url=n["url"]),
            assertions=(AssertionSpec(AssertKind.STATUS_CODE, Op.IS, 200),),
            locations=("aws:eu-west-1",),
            frequency_s=int(n.get("every_s", 60)),
            message=MessageSpec(body=f"{n['url']} is down.", notify=notify),
            tags=("migrated_from:checks",),
        )
        latency = MetricQuery("synthetics.http.response.time", (Filter("check_id", "eq", (obj.ref.id,)),))
        alert = AlertSpec(
            refs=refs,
            name=f"{n['name']} is slow",
            condition=MonitorQuery("avg", "last_10m", latency, ">", float(n["budget_ms"])),
            no_data=NoData(notify=True, timeframe_minutes=20),
            message=MessageSpec(body=f"{n['url']} answers slower than {n['budget_ms']} ms.", notify=notify),
            tags=("migrated_from:checks",),
        )
        built = [build_check(check), build_alert(alert)]
        env.ledger.record(obj.ref, [f for b in built for f in b.findings], targets=[b.resource for b in built])
        out += [b.resource for b in built]
    return out


TOY = Translator(SOURCE, frozenset({"check"}), translate)


def translate_toy(base: Path) -> Path:
    """Collect (an inventory written as a collector would) and translate with the toy translator only."""
    write_inventory(base / "inventory", source=SOURCE, origin="toy://", objects=objects())
    translation = run_translators([read_inventory(base / "inventory")], load_mappings(), translators={SOURCE: TOY})
    write_translation(base / "translation", translation)
    return base / "translation"


def end_to_end(base: Path) -> dict[str, Any]:
    """translate → plan → apply → rollback; what each step produced, for the test to check."""
    translation = translate_toy(base)
    planned = plan(translation_dir=translation)
    _, applied = apply(workdir=base / "work", translation_dir=translation, progress=False)
    rolled = rollback_command(workdir=base / "work", target=applied.run_id)
    return {
        "translation": str(translation),
        "plan": [(c["action"], c["type"]) for c in planned.to_dict()["changes"]],
        "applied": {"failures": applied.failures, "counts": dict(applied.counts)},
        "rolled_back": {"failures": rolled.failures, "refused": rolled.refused, "counts": dict(rolled.counts)},
        "modules": sorted(m for m in sys.modules if m.startswith("migrate.")),
    }


if __name__ == "__main__":  # python -m tests.support.toy_checks BASE (the environment names the Datadog org)
    sys.stdout.write(json.dumps(end_to_end(Path(sys.argv[1]))) + "\n")
