"""Regenerate this Datadog state snapshot from a demo translation (see README.md).

    .venv/bin/python inventories/sample/datadog-state/make_snapshot.py out/demo/translation

Picks desired monitors by the name of the Prometheus rule behind them, turns them into what
`GET /api/v1/monitor/{id}` would return (server fields, floats, default options, reordered tags), edits a
few by hand as an operator would in the Datadog UI, and adds resources ddmigrate does not own.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from migrate.datadog import ownership
from migrate.model import SourceRef

HERE = Path(__file__).resolve().parent
RULES = "inventories/sample/sources/prometheus"
UNCHANGED = ["PaymentGatewayHighErrorRate", "BillingInvoiceQueueBacklog", "NodeHighCPU", "PaymentGatewayLatencyP99High"]
CREATOR = {
    "email": "sre-lead@techcorp.example",
    "handle": "sre-lead@techcorp.example",
    "id": 1445416,
    "name": "SRE Lead",
}


def live(payload: dict[str, Any], monitor_id: int) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    out["tags"] = sorted(out.get("tags", []))
    out["options"] = {
        "include_tags": True,
        "new_host_delay": 300,
        "notify_audit": False,
        "silenced": {},
        "groupby_simple_monitor": False,
        **out.get("options", {}),
    }
    out.update(
        {
            "id": monitor_id,
            "org_id": 731204,
            "created": "2025-03-04T09:12:41.512731+00:00",
            "created_at": 1741079561000,
            "modified": "2025-03-04T09:12:41.512731+00:00",
            "deleted": None,
            "creator": CREATOR,
            "multi": bool(out["query"].count(" by {")),
            "overall_state": "OK",
            "overall_state_modified": "2025-03-04T09:20:02+00:00",
            "restricted_roles": None,
        }
    )
    return out


def rule_name(resource: dict[str, Any]) -> str:
    return str(resource["source_refs"][0]["id"].rsplit("/", 1)[-1]).split("#")[0]


def main(translation: Path) -> None:
    desired = json.loads((translation / "desired.json").read_text())["resources"]
    by_rule: dict[str, dict[str, Any]] = {}
    # The first rule of a name (no `#n` suffix) wins, whatever order the desired resources come in.
    for res in sorted(desired, key=lambda r: "#" in r["source_refs"][0]["id"]):
        by_rule.setdefault(rule_name(res), res)
    monitors: dict[str, dict[str, Any]] = {}
    next_id = iter(range(48213001, 48214000))
    for rule in UNCHANGED:
        monitors[rule] = live(by_rule[rule]["payload"], next(next_id))

    # Edited in the UI after a first apply: threshold raised (query and thresholds agree, as Datadog requires) ...
    pool = live(by_rule["BillingDBConnectionPoolSaturation"]["payload"], next(next_id))
    pool["query"] = pool["query"].replace("> 0.8", "> 0.85")
    pool["options"]["thresholds"]["critical"] = 0.85
    monitors["BillingDBConnectionPoolSaturation"] = pool
    # ... and a priority lowered with an extra tag added by the on-call engineer.
    lag = live(by_rule["NotificationQueueLag"]["payload"], next(next_id))
    lag["priority"] = 4
    lag["tags"] = sorted([*lag["tags"], "oncall:night-shift"])
    monitors["NotificationQueueLag"] = lag

    # Owned by ddmigrate, from a rule that has since been removed from the rule files: planned as a delete.
    ref = SourceRef(
        "prometheus",
        "alerting_rule",
        "payment-gateway.rules.yml/payment-gateway.alerts/PaymentGatewayLegacyCheckoutErrors",
        "PaymentGatewayLegacyCheckoutErrors",
        RULES,
    )
    key = ownership.resource_key("monitor", [ref])
    monitors["retired"] = live(
        {
            "name": "legacy checkout errors above 1%",
            "type": "query alert",
            "query": "min(last_5m):sum:techcorp.payment_gateway_legacy_checkout_errors.count{*}.as_rate() > 0.01",
            "message": "Legacy checkout is failing. @slack-payments-alerts\n\n" + ownership.footer(key, [ref]),
            "tags": [*ownership.ownership_tags(key, [ref]), "service:payment-gateway", "team:payments"],
            "priority": 3,
            "options": {"thresholds": {"critical": 0.01}, "notify_no_data": False},
        },
        next(next_id),
    )

    # Made by hand in the Datadog UI before the migration; not ours. Same name as a desired monitor: adopt candidate.
    monitors["handmade-traffic"] = live(
        {
            "name": "payment-gateway receives almost no traffic",
            "type": "metric alert",
            "query": "avg(last_10m):sum:trace.http.request.hits{service:payment-gateway}.as_rate() < 0.1",
            "message": "Traffic dropped. @pagerduty-payments",
            "tags": ["service:payment-gateway", "team:payments"],
            "priority": 2,
            "options": {"thresholds": {"critical": 0.1}, "notify_no_data": True, "no_data_timeframe": 20},
        },
        39110457,
    )
    monitors["handmade-agent"] = live(
        {
            "name": "Datadog Agent down on {{host.name}}",
            "type": "service check",
            "query": '"datadog.agent.up".over("*").by("host").last(2).count_by_status()',
            "message": "The Agent stopped reporting. @slack-platform",
            "tags": ["team:platform"],
            "options": {"thresholds": {"critical": 1, "ok": 1, "warning": 1}, "notify_no_data": True},
        },
        39110458,
    )

    shutil.rmtree(HERE / "monitors", ignore_errors=True)
    (HERE / "monitors").mkdir()
    for monitor in monitors.values():
        (HERE / "monitors" / f"{monitor['id']}.json").write_text(json.dumps(monitor, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
