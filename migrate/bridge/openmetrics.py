"""The Datadog Agent's `conf.d/openmetrics.d/conf.yaml` for bridge mode.

One instance per scraped endpoint (however many jobs scrape it: endpoints.py), with the `namespace`,
`histogram_buckets_as_distributions` and label renames from mappings/prometheus.yaml (the rules the
translator used, so names and tags agree),
and a `metrics` list covering every metric the translated monitors and dashboards read, with a type
override where Prometheus has no type for it (the Agent drops untyped metrics silently). Targets that
are Kubernetes pods get an Autodiscovery annotation instead, since their address changes.

Option names are checked against `INSTANCE_OPTIONS`, the instance options documented in the
integration's configuration spec (DataDog/integrations-core: openmetrics/assets/configuration/spec.yaml
and the `instances/openmetrics`, `instances/http`, `instances/default` templates it includes). Each job's
authentication, TLS, proxy and timeout settings come from `http_options.py`, secrets as `ENC[]` handles.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from migrate.bridge.endpoints import Members, one_instance_per_endpoint
from migrate.bridge.entries import METRIC_TYPES, metrics_entries
from migrate.bridge.http_options import HttpOptions, SecretHandle, http_options
from migrate.inventory.store import Inventory, InventoryObject
from migrate.mappings import Mappings
from migrate.scrub import is_reference, is_secret_name
from migrate.translate.promql.labels import collisions_of

# Instance options of the OpenMetrics v2 check that we may write (a subset of the documented ones).
INSTANCE_OPTIONS = frozenset(
    {
        "openmetrics_endpoint",
        "namespace",
        "raw_metric_prefix",
        "metrics",
        "extra_metrics",
        "exclude_metrics",
        "exclude_metrics_by_labels",
        "tag_by_endpoint",
        "exclude_labels",
        "include_labels",
        "rename_labels",
        "enable_health_service_check",
        "hostname_label",
        "hostname_format",
        "collect_histogram_buckets",
        "non_cumulative_histogram_buckets",
        "histogram_buckets_as_distributions",
        "collect_counters_with_distributions",
        "use_process_start_time",
        "share_labels",
        "cache_shared_labels",
        "raw_line_filters",
        "cache_metric_wildcards",
        "use_latest_spec",
        "telemetry",
        "ignore_tags",
        "tags",
        "service",
        "min_collection_interval",
        "empty_default_hostname",
        "timeout",
        "tls_verify",
        # The shared HTTP options (templates/configuration/instances/http.yaml, included by instances/openmetrics.yaml;
        # datadog_checks_base utils/http.py STANDARD_FIELDS): what a scrape job's auth, TLS and proxy settings become.
        "auth_type",
        "username",
        "password",
        "auth_token",
        "extra_headers",
        "tls_ca_cert",
        "tls_cert",
        "tls_private_key",
        "tls_ignore_warning",
        "proxy",
        "allow_redirects",
    }
)
# Nested keys of those options (http.yaml: `proxy` properties; `auth_token` readers `file` and `oauth`, writer
# `header`, as AUTH_TOKEN_READERS / AUTH_TOKEN_WRITERS in utils/http.py read them).
NESTED_OPTIONS = {
    "proxy": frozenset({"http", "https", "no_proxy"}),
    "auth_token": frozenset({"reader", "writer"}),
    "auth_token.reader.file": frozenset({"type", "path", "pattern"}),
    "auth_token.reader.oauth": frozenset({"type", "url", "client_id", "client_secret", "basic_auth", "options"}),
    "auth_token.writer.header": frozenset({"type", "name", "value", "placeholder"}),
    # share_labels: {<metric>: {labels: [...], match: [...], values: [...]}} (datadog_checks_base openmetrics v2
    # labels.py LabelAggregator, which reads these three keys)
    "share_labels.metric": frozenset({"labels", "match", "values"}),
}
DEFAULT_CONTEXT_LIMIT = 2000  # the check's default per instance; the excess is dropped without an error
_POD = "__meta_kubernetes_pod_name"
# Tags the check sets on every series itself: `endpoint:<openmetrics_endpoint>` (tag_by_endpoint, on by default;
# integrations-core datadog_checks_base openmetrics/v2/scraper.py) and the Agent's `host`. Bridge mode never
# writes them in `tags:` and never turns tag_by_endpoint off: `instance` maps to `endpoint` by default.
AGENT_TAGS = frozenset({"endpoint", "host"})


@dataclass
class BridgeConfig:
    config: dict[str, Any]  # {"init_config": {}, "instances": [...]}
    autodiscovery: dict[str, dict[str, str]] = field(default_factory=dict)  # pod/container -> annotations
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)  # prometheus name -> {type, override, entry}
    warnings: list[str] = field(default_factory=list)
    untyped_histograms: list[dict[str, Any]] = field(default_factory=list)  # parts the Agent cannot type (entries.py)
    secrets: list[SecretHandle] = field(default_factory=list)  # ENC[] handles the Agent's secret backend must hold
    share_labels: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # written into every instance


def _server_tags(target: InventoryObject, mappings: Mappings) -> list[str]:
    """Labels the Prometheus server added (job, instance, static labels): the Agent cannot see them, so
    they become instance tags under the names the translator used."""
    labels: dict[str, str] = dict(target.normalized.get("labels") or {})
    tags = []
    for label, value in sorted(labels.items()):
        tag = mappings.label_tags.get(label, label) if label in mappings.label_tags else label
        if tag is None or label.startswith("__"):
            continue
        if label == "instance" and tag in AGENT_TAGS:
            # The check tags every series with these itself (`endpoint:<url>`, the Agent's `host`); a second
            # value from `tags:` (`endpoint:10.0.0.5:8080`) would split every series and match no query.
            continue
        tags.append(f"{tag}:{value}")
    return tags


def _mapping_warnings(mappings: Mappings) -> list[str]:
    """What the label → tag rules mean for the Agent's own `host` and `endpoint` tags."""
    warnings = []
    instance_tag = mappings.label_tags.get("instance")
    if instance_tag == "host":
        warnings.append(
            "`instance` is mapped to `host`: the check's host is the Agent's, so the targets one Agent "
            "scrapes (e.g. the pods on a node) share it and a monitor `by {host}` merges them; the "
            "default mapping `instance: endpoint` keeps one group per target"
        )
    renamed = sorted(
        label for label, tag in mappings.label_tags.items() if tag in AGENT_TAGS and label not in mappings.server_labels
    )
    for label in renamed:
        warnings.append(
            f"the target label `{label}` is renamed to `{mappings.label_tags[label]}`, a tag the check "
            "already sets on every series: each series carries both values"
        )
    return warnings


def _endpoint(url: str, safe: frozenset[str]) -> tuple[str, list[str]]:
    """The scrape URL without userinfo and without every query parameter the mappings do not mark safe
    (`prometheus.bridge_safe_params`): a parameter's value may be a credential whatever its name (`pwd`,
    `jwt`), and it would land in conf.yaml and in the `endpoint` tag of every series; and their names."""
    parts = urlsplit(url)
    kept: list[tuple[str, str]] = []
    dropped: list[tuple[str, str]] = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        # even a safe parameter is dropped when its value carries userinfo (`target=https://u:p@host`)
        secret = name not in safe or is_secret_name(name) or is_reference(value) or "@" in value
        (dropped if secret else kept).append((name, value))
    netloc = parts.netloc.rpartition("@")[2]
    query = urlencode(kept) if dropped else parts.query  # untouched unless something goes: stays byte-identical
    return urlunsplit((parts.scheme, netloc, parts.path, query, "")), sorted({n for n, _ in dropped})


def _untagged_query(instance: dict[str, Any]) -> dict[str, Any]:
    """The check tags every series with its whole openmetrics_endpoint; when that has a query string, the
    check's tag is turned off and the same tag is written without the query, so no parameter value is in a
    tag by accident. The kept (mapping-safe) parameters become tags of their own (`module:http_2xx`,
    `target:...`) unless a tag of that key exists: probes of one exporter still differ."""
    url = str(instance["openmetrics_endpoint"])
    if "?" not in url:
        return instance
    base, query = url.split("?", 1)
    tags = [t for t in instance.get("tags") or [] if not t.startswith("endpoint:")]
    keys = {t.partition(":")[0] for t in tags} | {"endpoint"}
    tags += [f"{k}:{v}" for k, v in parse_qsl(query, keep_blank_values=True) if k not in keys and v]
    return {**instance, "tag_by_endpoint": False, "tags": [*tags, f"endpoint:{base}"]}


def _base_instance(
    mappings: Mappings, metrics: list[Any], histograms: bool, shared: dict[str, dict[str, list[str]]]
) -> dict[str, Any]:
    instance: dict[str, Any] = {"namespace": mappings.namespace, "metrics": metrics}
    if shared:  # info-metric joins the queries read as tags (metrics.shared_labels)
        instance["share_labels"] = shared
        # By default the check computes the shared labels from its first scrape only: pods, nodes and owners
        # that appear later would never get them.
        instance["cache_shared_labels"] = False
    if mappings.distributions:
        instance["histogram_buckets_as_distributions"] = True
        if histograms:
            instance["collect_counters_with_distributions"] = True  # keep `.sum`/`.count` the queries use
    renames = {
        label: tag
        for label, tag in mappings.label_tags.items()
        if tag and label not in mappings.server_labels and tag != label
    }
    # a label that would share its key with another's tag arrives under the key the queries read (promql/labels.py)
    renames |= {label: c.key for label, c in collisions_of(mappings).items() if label not in mappings.server_labels}
    if renames:
        instance["rename_labels"] = renames
    return instance


def build_config(
    names: set[str],
    inventories: Sequence[Inventory],
    mappings: Mappings,
    translated: dict[str, str] | None = None,
    share_labels: dict[str, dict[str, list[str]]] | None = None,
) -> BridgeConfig:
    """`translated`: the types the translated queries read each metric as (metrics.translated_types); `share_labels`:
    the labels info-metric joins need copied onto the joined series (metrics.shared_labels)."""
    listed = metrics_entries(names, inventories, mappings, translated)
    metrics, histogram_parts = listed.entries, listed.collect_counters
    out = BridgeConfig(
        config={"init_config": {}, "instances": []},
        metrics=listed.detail,
        warnings=[h["warning"] for h in listed.untyped_histograms] + _mapping_warnings(mappings),
        untyped_histograms=listed.untyped_histograms,
        share_labels=dict(share_labels or {}),
    )
    out.warnings += [
        f"share_labels copies {', '.join(e['labels'])} from {metric} onto the series of the endpoint serving it, "
        "in the same scrape only: joined series another exporter serves will not carry them"
        for metric, e in sorted((share_labels or {}).items())
    ]
    # Jobs belong to their server: the same job name on two servers is two configs (and two sets of secrets).
    targets = [(i, o) for i, inv in enumerate(inventories) for o in inv.by_kind("target")]
    if not targets:
        out.warnings.append(
            "no active targets in the inventories: collect Prometheus over HTTP (PROMETHEUS_URL) "
            "so bridge mode knows the scrape endpoints"
        )
    jobs = {
        (i, str(o.normalized.get("job_name"))): o
        for i, inv in enumerate(inventories)
        for o in inv.by_kind("scrape_config")
    }
    servers = _server_names(inventories)
    shared = {name for name, n in Counter(name for _, name in jobs).items() if n > 1}
    # Keyed by endpoint (static) or pod/container and endpoint (Autodiscovery): several jobs, one instance.
    static: dict[str, Members] = {}
    pods: dict[tuple[str, str], dict[str, Members]] = {}
    clients: dict[tuple[int, str], HttpOptions] = {}  # per job: its targets share one client config, warned once
    for index, target in sorted(targets, key=lambda t: (t[1].ref.key, t[0])):
        norm = target.normalized
        endpoint, dropped = _endpoint(str(norm.get("scrape_url")), mappings.safe_params)
        if dropped:
            out.warnings.append(
                f"target {endpoint}: the URL parameter(s) {', '.join(dropped)} are left out of "
                "openmetrics_endpoint (a parameter may hold a credential; list the harmless ones in the "
                "mappings' prometheus.bridge_safe_params); a target that needs them will refuse the scrape"
            )
        instance = {
            "openmetrics_endpoint": endpoint,
            **_base_instance(mappings, metrics, histogram_parts, share_labels or {}),
        }
        tags = _server_tags(target, mappings)
        if tags:
            instance["tags"] = tags
        pool = str(norm.get("scrape_pool"))
        job_name = pool if len(inventories) == 1 else f"{servers[index]}/{pool}"
        job = jobs.get((index, pool))
        interval = job.normalized.get("scrape_interval_seconds") if job else None
        if isinstance(interval, int | float) and interval > 0:
            instance["min_collection_interval"] = interval
        if job is not None:
            if (index, pool) not in clients:
                client = http_options(
                    pool,
                    job.payload,
                    target.payload.get("scrapeTimeout"),
                    server=servers[index] if pool in shared else "",
                    safe_headers=mappings.safe_headers,
                )
                clients[(index, pool)] = client
                out.secrets += client.secrets
                out.warnings += client.warnings
            instance.update(clients[(index, pool)].options)
        if norm.get("health") != "up":
            out.warnings.append(f"target {endpoint} was {norm.get('health')} when collected")
        discovered: dict[str, str] = dict(norm.get("discovered_labels") or {})
        if _POD in discovered:
            pod, ad_endpoint = _pod_endpoint(discovered, endpoint)
            # One annotation per container, listing every endpoint scraped on it (several ports or jobs).
            pods.setdefault(pod, {}).setdefault(ad_endpoint, []).append(
                (job_name, _untagged_query({**instance, "openmetrics_endpoint": ad_endpoint}))
            )
            continue
        static.setdefault(endpoint, []).append((job_name, _untagged_query(instance)))
    instances, out.autodiscovery, merges = one_instance_per_endpoint(static, pods)
    out.config["instances"] += instances
    out.warnings += merges
    # A job whose instances merged into another job's brings no instance that needs its secrets.
    used = json.dumps([out.config, out.autodiscovery])
    out.secrets = [s for s in out.secrets if s.enc in used]
    return out


def _pod_endpoint(discovered: dict[str, str], endpoint: str) -> tuple[tuple[str, str], str]:
    """((namespace/pod, container), the endpoint with Autodiscovery's `%%host%%`): a pod's address changes."""
    container = discovered.get("__meta_kubernetes_pod_container_name") or "app"
    pod = f"{discovered.get('__meta_kubernetes_namespace', 'default')}/{discovered[_POD]}"
    url = urlsplit(endpoint)
    scheme = url.scheme or "http"
    port = discovered.get("__meta_kubernetes_pod_container_port_number") or str(
        url.port or (443 if scheme == "https" else 80)
    )
    path = (url.path or "/metrics") + (f"?{url.query}" if url.query else "")
    return (pod, container), f"{scheme}://%%host%%:{port}{path}"


def _server_names(inventories: Sequence[Inventory]) -> list[str]:
    """A short, stable name per inventory for secret handles: the server's host:port, numbered if repeated."""
    names = [urlsplit(inv.origin).netloc or inv.origin or "prometheus" for inv in inventories]
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if names.count(name) == 1 else f"{name}-{seen[name]}")
    return out


def undocumented_options(config: dict[str, Any]) -> list[str]:
    """Instance keys not in the integration's documented options (a test and the command check this)."""
    bad = []
    for instance in config.get("instances") or []:
        bad += [k for k in instance if k not in INSTANCE_OPTIONS]
        for entry in instance.get("metrics") or []:
            if isinstance(entry, dict):
                for spec in entry.values():
                    if isinstance(spec, dict) and not set(spec) <= {"name", "type"}:
                        bad.append(f"metrics override keys {sorted(spec)}")
                    if isinstance(spec, dict) and spec.get("type") not in METRIC_TYPES | {None}:
                        bad.append(f"metrics type {spec.get('type')!r}")
        bad += _undocumented_nested(instance)
    return sorted(set(bad))


def _undocumented_nested(instance: dict[str, Any]) -> list[str]:
    bad = [f"proxy.{k}" for k in instance.get("proxy") or {} if k not in NESTED_OPTIONS["proxy"]]
    for metric, entry in (instance.get("share_labels") or {}).items():
        bad += [f"share_labels.{metric}.{k}" for k in entry if k not in NESTED_OPTIONS["share_labels.metric"]]
    token = instance.get("auth_token")
    if isinstance(token, dict):
        bad += [f"auth_token.{k}" for k in token if k not in NESTED_OPTIONS["auth_token"]]
        for part in ("reader", "writer"):
            given = token.get(part)
            spec: dict[str, Any] = given if isinstance(given, dict) else {}
            allowed = NESTED_OPTIONS.get(f"auth_token.{part}.{spec.get('type')}")
            if allowed is None:
                bad.append(f"auth_token.{part} type {spec.get('type')!r}")
            else:
                bad += [f"auth_token.{part}.{k}" for k in spec if k not in allowed]
    return bad
