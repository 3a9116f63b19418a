"""One Agent instance per scraped endpoint, however many jobs (or Prometheus servers) scrape it.

Prometheus stores an endpoint scraped by two jobs twice (one series set per `job`); two Agent instances on
the same `openmetrics_endpoint` would likewise submit every sample twice under the same metric names, so
counts and sums over the endpoint double. The instances of one endpoint are merged: the first job by name
(then by server) gives the settings; tags the others add are kept unless their key already has a value (two
`service:` values would put every series in two groups of a `by {service}` query), which is warned about.
"""

from __future__ import annotations

import json
from typing import Any

_NOT_SETTINGS = frozenset({"tags", "metrics"})
Members = list[tuple[str, dict[str, Any]]]  # (job, the instance it would have) for one endpoint


def one_instance_per_endpoint(
    static: dict[str, Members], pods: dict[tuple[str, str], dict[str, Members]]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, str]], list[str]]:
    """The static instances, the Autodiscovery annotations (one per container, an instance per endpoint on it)
    and a warning per endpoint several jobs scrape."""
    instances, warnings = [], []
    for endpoint, members in static.items():
        merged, notes = merge_instances(endpoint, members)
        instances.append(merged)
        warnings += notes
    annotations = {}
    for (pod, container), by_endpoint in sorted(pods.items()):
        annotated = []
        for endpoint, members in by_endpoint.items():
            merged, notes = merge_instances(f"{pod}/{container} {endpoint}", members)
            annotated.append(merged)
            warnings += notes
        annotations[f"{pod}/{container}"] = {
            f"ad.datadoghq.com/{container}.checks": json.dumps(
                {"openmetrics": {"init_config": {}, "instances": annotated}}, sort_keys=True
            )
        }
    return instances, annotations, warnings


def merge_instances(endpoint: str, members: Members) -> tuple[dict[str, Any], list[str]]:
    """`members`: (job, instance) pairs for one endpoint. The merged instance and what the merge lost."""
    members = sorted(members, key=lambda m: m[0])
    first, merged = members[0][0], dict(members[0][1])
    if len(members) == 1:
        return merged, []
    tags: list[str] = list(merged.get("tags") or [])
    owners: dict[str, tuple[str, str]] = {}  # tag key -> (value, job)
    for tag in tags:
        key, _, value = tag.partition(":")
        owners.setdefault(key, (value, first))
    conflicts: list[str] = []
    differing: set[str] = set()
    for job, instance in members[1:]:
        for tag in instance.get("tags") or []:
            key, _, value = tag.partition(":")
            if tag in tags:
                continue
            if key in owners:
                kept, owner = owners[key]
                conflicts.append(f"`{tag}` (job {job}) dropped for `{key}:{kept}` (job {owner})")
                continue
            tags.append(tag)
            owners[key] = (value, job)
        differing |= {
            k for k in set(instance) | set(merged) if k not in _NOT_SETTINGS and instance.get(k) != merged.get(k)
        }
    if tags:
        merged["tags"] = sorted(tags)
    jobs = ", ".join(job for job, _ in members)
    message = (
        f"{endpoint} is scraped by the jobs {jobs}: the Agent collects it once, as one instance (two would "
        "submit every sample twice; in Prometheus, sums over those jobs counted it "
        f"{len(members)} times)"
    )
    if conflicts:
        message += "; tag conflicts: " + "; ".join(conflicts)
    if differing:
        message += f"; the scrape settings of job {first} are used ({', '.join(sorted(differing))} differ)"
    return merged, [message]
