"""Run one row of tests/cases/checks.yaml: a source object (normalised form) through its front end.

Rows give only what they are about; `defaults` fills the rest of the normalised form the collector would
have written. Pingdom rows see a fixed account (teams Payments 501, Billing 502, DevOps 503; contact
6001 in Payments). Blackbox rows give the scrape job's `payload` (its config) and may add alerting `rules`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from migrate.datadog import ownership
from migrate.datadog.validate import schema_errors, validate_payload
from migrate.inventory.store import InventoryObject
from migrate.ledger import Ledger
from migrate.mappings import Mappings
from migrate.model import DesiredResource, SourceRef
from migrate.translate.base import TranslateEnv
from migrate.translate.build.synthetic import BROWSER_TEST
from migrate.translate.newrelic.synthetics import synthetic_monitors
from migrate.translate.pingdom.checks import translate as pingdom_translate
from migrate.translate.prometheus.probes import blackbox_probes
from migrate.translate.query import QueryContext
from tests.support.sample_mappings import sample_mappings

# What every Pingdom check carries, uptime or transaction.
_PINGDOM: dict[str, Any] = {
    "regions": [],
    "tags": [],
    "team_ids": [],
    "contact_ids": [],
    "integration_ids": [],
    "paused": False,
    "custom_message": "",
    "references": [],
}
PINGDOM_UPTIME = {
    **_PINGDOM,
    "hostname": "shop.example.com",
    "type": "http",
    "settings": {},
    "resolution_minutes": 5,
    "severity_level": "LOW",
    "ipv6": False,
}
PINGDOM_TMS = {**_PINGDOM, "interval_minutes": 5, "severity_level": "HIGH", "steps": []}
NR_MONITOR: dict[str, Any] = {
    "type": "SIMPLE",
    "period_minutes": 5,
    "status": "ENABLED",
    "uri": "https://shop.example.com/health",
    "locations": {"public": ["US_EAST_1"], "private": []},
    "tags": {},
    "script": None,
    "steps": [],
    "secure_names": [],
}
DEFAULTS = {"uptime_check": PINGDOM_UPTIME, "transaction_check": PINGDOM_TMS, "synthetic_monitor": NR_MONITOR}
ACCOUNT: list[tuple[str, str, dict[str, Any]]] = [
    ("team", "501", {"name": "Payments"}),
    ("team", "502", {"name": "Billing"}),
    ("team", "503", {"name": "DevOps"}),
    ("contact", "6001", {"name": "Payments on-call", "team_ids": ["501"]}),
]


@dataclass
class Result:
    ref: SourceRef
    ledger: Ledger
    resources: list[DesiredResource]

    @property
    def entry(self) -> Any:
        entry = self.ledger.get(self.ref.key)
        assert entry is not None, f"no ledger entry for {self.ref.key}"
        return entry


def _obj(ref: tuple[str, str, str, str], normalized: dict[str, Any], payload: Any = None) -> Any:
    """ref: (source, kind, id, name)."""
    return InventoryObject(SourceRef(*ref, "case://"), payload if payload is not None else dict(normalized), normalized)


def run_case(case: dict[str, Any], mappings: Mappings | None = None) -> Result:
    mappings = mappings or sample_mappings()  # the rows' handles are TechCorp's routing
    layer = {k: case[k] for k in ("blackbox_modules", "blackbox_alerts") if k in case}
    if layer:
        mappings = Mappings(data={**mappings.data, "prometheus": {**mappings.section("prometheus"), **layer}})
    env = TranslateEnv(ctx=QueryContext(mappings=mappings), ledger=Ledger(), check_payload=problems_of)
    source, kind = case["source"], case["kind"]
    normalized = {**copy.deepcopy(DEFAULTS.get(kind, {})), "name": case["name"], **copy.deepcopy(case["object"])}
    run: Callable[[list[Any], TranslateEnv], Any]
    if source == "blackbox":
        config = case["object"]
        normalized = {
            "job_name": "probe",
            "metrics_path": "/probe",
            "scrape_interval_seconds": config.get("interval", 60),
            "static_targets": config.get("targets", []),
        }
        payload = {
            "job_name": "probe",
            "params": {"module": [config["module"]]},
            "static_configs": [{"targets": config.get("targets", []), "labels": config.get("labels", {})}],
        }
        main = _obj(("prometheus", "scrape_config", "probe", "probe"), normalized, payload)
        rules = [
            _obj(("prometheus", "alerting_rule", f"r/{i}", r["name"]), {"name": r["name"], "expr": r["expr"]})
            for i, r in enumerate(case.get("rules", []))
        ]
        objects = [main, *rules]
        run = lambda objs, e: blackbox_probes(objs, e)[0]  # noqa: E731
    else:
        main = _obj((source, kind, "1", case["name"]), normalized)
        objects = [main]
        if source == "pingdom":
            objects += [_obj(("pingdom", k, i, n["name"]), n) for k, i, n in ACCOUNT]
            run = pingdom_translate
        else:
            run = synthetic_monitors
    resources = list(run(objects, env))
    return Result(main.ref, env.ledger, resources)


def problems_of(resource_type: str, payload: dict[str, Any]) -> list[str]:
    """validate_payload; browser tests (no resource type declares them yet): their schema and the marker."""
    if resource_type != BROWSER_TEST:
        return validate_payload(resource_type, payload)
    found = schema_errors("SyntheticsBrowserTest", payload)
    if ownership.TAGS_AND_FOOTER.key(payload) is None:
        found.append("$.tags / $.message: the ownership marker is missing or inconsistent")
    return found
