"""Recorded Prometheus API answers read from files, for `collect prometheus --from-files` without a server.

- targets: the `/api/v1/targets` answer (whole envelope or its `data` object) → `target` objects;
- config: the `/api/v1/status/config` answer (envelope, `data` object `{"yaml": ...}`) or a plain
  `prometheus.yml`, as YAML or JSON → `scrape_config` objects.

The objects are built by the API collector's own functions (`scrape_config_objects`, `target_objects`), so
both paths normalise and scrub alike; this module only checks the shape, naming the file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from migrate.errors import InputError
from migrate.inventory import InventoryObject
from migrate.sources.prometheus_api import scrape_config_objects, target_objects
from migrate.sources.prometheus_rules import duration_seconds
from migrate.yamlutil import YamlDoc, load_file, load_text

TARGETS_HINT = "record it with: curl -s $PROMETHEUS_URL/api/v1/targets?state=active > targets.json"
CONFIG_HINT = (
    "give the /api/v1/status/config answer (curl -s $PROMETHEUS_URL/api/v1/status/config) or a "
    "prometheus.yml with `scrape_configs:`"
)


def _unwrap(data: Any, what: str, doc: YamlDoc, hint: str) -> Any:
    """A Prometheus API envelope's `data`, or `data` itself when the file holds just that."""
    if isinstance(data, dict) and "status" in data and "data" in data:
        if data["status"] != "success":
            raise InputError(
                f"the recorded {what} answer is an error: {data.get('error', data['status'])}",
                path=doc.path,
                line=doc.line_of(["status"]),
                hint=hint,
            )
        return data["data"]
    return data


def _single_doc(path: Path, what: str, hint: str) -> YamlDoc:
    docs = load_file(path)  # JSON is YAML too, and this way every error has a line
    if len(docs) != 1:
        raise InputError(f"expected one {what} document, found {len(docs)}", path=str(path), hint=hint)
    return docs[0]


def load_targets_file(path: Path, warnings: list[str]) -> list[InventoryObject]:
    doc = _single_doc(path, "/api/v1/targets", TARGETS_HINT)
    data = _unwrap(doc.data, "/api/v1/targets", doc, TARGETS_HINT)
    base: list[str | int] = ["data"] if data is not doc.data else []
    if not isinstance(data, dict) or not isinstance(data.get("activeTargets", []), list):
        raise InputError(
            "expected the /api/v1/targets answer: an object with an `activeTargets` list",
            path=str(path),
            line=doc.line_of(base),
            hint=TARGETS_HINT,
        )
    for i, target in enumerate(data.get("activeTargets") or []):
        at = [*base, "activeTargets", i]
        if not isinstance(target, dict):
            raise InputError(f"activeTargets[{i}] must be an object", path=str(path), line=doc.line_of(at))
        for key in ("scrapePool", "scrapeUrl"):
            if not isinstance(target.get(key), str) or not target[key]:
                raise InputError(
                    f"activeTargets[{i}] has no `{key}`",
                    path=str(path),
                    line=doc.line_of(at),
                    hint="each active target needs scrapePool, scrapeUrl and labels",
                )
        for key in ("labels", "discoveredLabels"):
            if not isinstance(target.get(key) or {}, dict):
                raise InputError(
                    f"activeTargets[{i}].{key} must be an object of label names to values",
                    path=str(path),
                    line=doc.line_of([*at, key]),
                )
    return target_objects(data, str(path), str(path), warnings)


def load_config_file(path: Path, warnings: list[str]) -> list[InventoryObject]:
    doc = _single_doc(path, "Prometheus configuration", CONFIG_HINT)
    data = _unwrap(doc.data, "/api/v1/status/config", doc, CONFIG_HINT)
    if isinstance(data, dict) and set(data) == {"yaml"}:
        if not isinstance(data["yaml"], str):
            raise InputError(
                "`yaml` must hold the configuration as a string",
                path=str(path),
                line=doc.line_of(["data", "yaml"] if data is not doc.data else ["yaml"]),
            )
        inner = load_text(data["yaml"], f"{path} (the `yaml` string)")
        if not inner:
            warnings.append(f"{path}: the recorded configuration is empty; no scrape configs collected")
            return []
        doc = inner[0]
        data = doc.data
    _check_config(data, doc)
    if not data.get("scrape_configs"):
        warnings.append(f"{doc.path}: no scrape_configs; no scrape configs collected")
    return scrape_config_objects(data, str(path))


def _check_config(config: Any, doc: YamlDoc) -> None:
    """What `scrape_config_objects` relies on, checked with the line of the first problem."""

    def fail(message: str, at: list[str | int], hint: str | None = None) -> InputError:
        return InputError(message, path=doc.path, line=doc.line_of(at), hint=hint)

    if not isinstance(config, dict) or not ({"scrape_configs", "global"} & set(config)):
        raise fail(
            "not a Prometheus configuration: expected `scrape_configs:` (and optionally `global:`)",
            [],
            hint=CONFIG_HINT,
        )
    if not isinstance(config.get("global") or {}, dict):
        raise fail("`global` must be a mapping", ["global"])
    jobs = config.get("scrape_configs") or []
    if not isinstance(jobs, list):
        raise fail("`scrape_configs` must be a list of jobs", ["scrape_configs"])
    intervals: list[tuple[list[str | int], Any]] = [
        (["global", "scrape_interval"], (config.get("global") or {}).get("scrape_interval"))
    ]
    seen: set[str] = set()
    for i, job in enumerate(jobs):
        at: list[str | int] = ["scrape_configs", i]
        if not isinstance(job, dict) or not isinstance(job.get("job_name"), str) or not job["job_name"]:
            raise fail(f"scrape_configs[{i}] must be a mapping with a `job_name`", at)
        if job["job_name"] in seen:
            raise fail(
                f"duplicate job_name {job['job_name']!r}",
                [*at, "job_name"],
                hint="Prometheus refuses two scrape configs with the same job_name",
            )
        seen.add(job["job_name"])
        statics = job.get("static_configs") or []
        if not isinstance(statics, list) or not all(
            isinstance(sc, dict) and isinstance(sc.get("targets") or [], list) for sc in statics
        ):
            raise fail(
                f"job {job['job_name']!r}: static_configs must be a list of {{targets: [...]}}", [*at, "static_configs"]
            )
        intervals.append(([*at, "scrape_interval"], job.get("scrape_interval")))
    for where, value in intervals:
        if value is None:
            continue
        try:
            duration_seconds(value)
        except ValueError:
            raise fail(
                f"scrape_interval {value!r} is not a duration", where, hint="durations look like 15s, 1m, 1h30m"
            ) from None
