"""A live Prometheus over HTTP: `/api/v1/rules`, `/api/v1/metadata`, `/api/v1/status/config`, `/api/v1/targets`.

prometheus-api-client has no call for rules, metadata or config, so everything goes through the shared
`HttpClient` (one session, one way of authenticating and of reporting errors).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import yaml

from migrate.errors import RemoteError
from migrate.inventory import InventoryObject
from migrate.model import SourceRef
from migrate.scrub import is_secret_name, secret_reference
from migrate.settings import strip_credentials
from migrate.sources.http import HttpClient
from migrate.sources.prometheus_rules import ALERTING, RECORDING, SOURCE, Rule, duration_seconds, number

# Fields that change on every evaluation or scrape: kept out so re-collecting an unchanged server is a no-op.
VOLATILE = {"alerts", "state", "evaluationTime", "lastEvaluation", "lastScrape", "lastScrapeDuration"}
# Discovered labels worth keeping: where a target runs and how it asked to be scraped.
DISCOVERED = re.compile(
    r"^(__address__|__scheme__|__metrics_path__|job|__meta_kubernetes_(namespace|pod_name|pod_container_name|"
    r"pod_container_port_number|service_name|pod_annotation_.*|service_annotation_.*|pod_label_.*))$"
)


def _data(client: HttpClient, path: str, warnings: list[str], params: dict[str, str] | None = None) -> Any:
    body = client.get_json(path, params)
    shown = f"{client.display_url}{path}"
    if not isinstance(body, dict) or "status" not in body:
        raise RemoteError(
            f"{shown} did not answer with a Prometheus API envelope (status, data)",
            hint="is PROMETHEUS_URL a Prometheus server?",
        )
    if body["status"] != "success":
        raise RemoteError(f"{shown} answered {body.get('errorType', 'error')}: {body.get('error', '')}")
    warnings += [f"{shown}: {w}" for w in body.get("warnings") or []]
    return body.get("data")


def _expect(value: Any, kind: type, what: str, shown: str) -> Any:
    if not isinstance(value, kind):
        raise RemoteError(f"{shown}: unexpected answer, {what} is missing or not a {kind.__name__}")
    return value


def api_rules(client: HttpClient, warnings: list[str]) -> list[Rule]:
    shown = f"{client.display_url}/api/v1/rules"
    data = _expect(_data(client, "/api/v1/rules", warnings), dict, "data", shown)
    rules: list[Rule] = []
    for group in _expect(data.get("groups"), list, "data.groups", shown):
        name, file = str(group.get("name", "")), str(group.get("file", ""))
        items = group.get("rules") or []
        if not items:
            warnings.append(f"{file}: group {name!r}: empty rules list; nothing collected")
        for index, item in enumerate(items):
            alerting = item.get("type") == "alerting"
            if not str(item.get("name") or "").strip():  # a monitor named "" would follow; say so instead
                warnings.append(f"{file}: group {name!r}: rule {index + 1} has no name; not collected")
                continue
            rules.append(
                Rule(
                    kind=ALERTING if alerting else RECORDING,
                    name=str(item.get("name", "")),
                    expr=str(item.get("query", "")),
                    group=name,
                    file=file,
                    index=index,
                    origin=client.display_url,
                    payload={k: v for k, v in item.items() if k not in VOLATILE},
                    labels={str(k): str(v) for k, v in (item.get("labels") or {}).items()},
                    annotations={str(k): str(v) for k, v in (item.get("annotations") or {}).items()},
                    for_seconds=float(item.get("duration") or 0),
                    keep_firing_for_seconds=float(item.get("keepFiringFor") or 0),
                    group_interval_seconds=float(group["interval"]) if group.get("interval") is not None else None,
                )
            )
    return rules


def _secrets_to_references(value: Any, path: str) -> Any:
    """Prometheus shows configured secrets as `<secret>`; name them so apply knows a secret is needed."""
    if isinstance(value, dict):
        return {k: _secrets_to_references(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_secrets_to_references(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if value == "<secret>" or (
        is_secret_name(path.rsplit(".", 1)[-1]) and isinstance(value, str | int) and value != ""
    ):
        return secret_reference(path)  # a plain prometheus.yml (collected from files) holds the real value
    return value


def _secret_params(params: dict[str, Any], path: str, prefix: str = "") -> dict[str, Any]:
    """URL parameters such as `?token=` are credentials too, whether configured (`params`) or discovered
    (`__param_token`); scrub.py matches keys, not parameter names, so they are handled here."""
    return {
        k: secret_reference(f"{path}.{k}") if k.startswith(prefix) and is_secret_name(k.removeprefix(prefix)) else v
        for k, v in params.items()
    }


def _relabel_summary(job: dict[str, Any]) -> dict[str, Any]:
    relabels = job.get("relabel_configs") or []
    filters = [
        {
            "action": r.get("action", "replace"),
            "source_labels": r.get("source_labels") or [],
            "regex": r.get("regex", "(.*)"),
        }
        for r in relabels
        if r.get("action") in ("keep", "drop")
    ]
    return {
        "relabel_configs": len(relabels),
        "metric_relabel_configs": len(job.get("metric_relabel_configs") or []),
        "actions": sorted({str(r.get("action", "replace")) for r in relabels}),
        "filters": filters,
    }


def api_scrape_configs(client: HttpClient, warnings: list[str]) -> list[InventoryObject]:
    shown = f"{client.display_url}/api/v1/status/config"
    data = _expect(_data(client, "/api/v1/status/config", warnings), dict, "data", shown)
    try:
        config = yaml.safe_load(_expect(data.get("yaml"), str, "data.yaml", shown)) or {}
    except yaml.YAMLError as exc:
        raise RemoteError(f"{shown}: data.yaml is not valid YAML ({exc})") from None
    return scrape_config_objects(config, client.display_url)


def scrape_config_objects(config: dict[str, Any], origin: str) -> list[InventoryObject]:
    """One `scrape_config` per job of a loaded Prometheus configuration (from the API or a file), secrets
    replaced by references. The caller has checked the shape (jobs are mappings with a `job_name`)."""
    interval = (config.get("global") or {}).get("scrape_interval", "1m")
    objects = []
    for job in config.get("scrape_configs") or []:
        name = str(job.get("job_name", ""))
        targets = [t for sc in job.get("static_configs") or [] for t in sc.get("targets") or []]
        normalized = {
            "job_name": name,
            "metrics_path": job.get("metrics_path", "/metrics"),
            "scheme": job.get("scheme", "http"),
            "scrape_interval_seconds": number(duration_seconds(job.get("scrape_interval", interval))),
            "static_targets": targets,
            "kubernetes_sd": bool(job.get("kubernetes_sd_configs")),
            "relabel": _relabel_summary(job),
        }
        ref = SourceRef(source=SOURCE, kind="scrape_config", id=name, name=name, origin=origin)
        payload = _secrets_to_references(job, f"prometheus.scrape_configs.{name}")
        if isinstance(payload.get("params"), dict):
            payload["params"] = _secret_params(payload["params"], f"prometheus.scrape_configs.{name}.params")
        objects.append(InventoryObject(ref=ref, payload=payload, normalized=normalized))
    return objects


def api_targets(client: HttpClient, warnings: list[str]) -> list[InventoryObject]:
    shown = f"{client.display_url}/api/v1/targets"
    data = _expect(_data(client, "/api/v1/targets", warnings, {"state": "active"}), dict, "data", shown)
    return target_objects(data, client.display_url, shown, warnings)


def target_objects(data: dict[str, Any], origin: str, shown: str, warnings: list[str]) -> list[InventoryObject]:
    """One `target` per active target of a `/api/v1/targets` answer's `data` (live or recorded), credentials
    stripped from URLs and parameters. `shown` names the answer in warnings."""
    active = data.get("activeTargets") or []
    if not active:
        warnings.append(f"{shown}: no active targets (a server that just started lists them after about 5 s)")
    seen: Counter[str] = Counter()
    objects = []
    for target in active:
        pool = str(target.get("scrapePool", ""))
        url = strip_credentials(str(target.get("scrapeUrl", "")))
        labels = {str(k): str(v) for k, v in (target.get("labels") or {}).items()}
        base = f"{pool}/{url}"
        seen[base] += 1
        target_id = base if seen[base] == 1 else f"{base}#{seen[base]}"
        payload = {k: v for k, v in target.items() if k not in VOLATILE}
        discovered = _secret_params(target.get("discoveredLabels") or {}, f"prometheus.targets.{pool}", "__param_")
        payload.update(
            scrapeUrl=url, globalUrl=strip_credentials(str(target.get("globalUrl", ""))), discoveredLabels=discovered
        )
        normalized = {
            "scrape_pool": pool,
            "scrape_url": url,
            "labels": labels,
            "health": target.get("health", "unknown"),
            "discovered_labels": {k: v for k, v in sorted(discovered.items()) if DISCOVERED.match(k)},
        }
        ref = SourceRef(source=SOURCE, kind="target", id=target_id, name=labels.get("instance", url), origin=origin)
        objects.append(InventoryObject(ref=ref, payload=payload, normalized=normalized))
    return objects


def collect_api_objects(
    client: HttpClient, warnings: list[str]
) -> tuple[list[Rule], dict[str, Any], list[InventoryObject]]:
    """Rules, the raw metadata map (metric -> [{type, help, unit}]), and scrape configs + targets."""
    rules = api_rules(client, warnings)
    metadata = _expect(
        _data(client, "/api/v1/metadata", warnings), dict, "data", f"{client.display_url}/api/v1/metadata"
    )
    others = api_scrape_configs(client, warnings) + api_targets(client, warnings)
    return rules, metadata, others
