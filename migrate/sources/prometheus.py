"""Prometheus source: `ddmigrate collect prometheus (--from-files PATH... | --from-api) [--metadata FILE]`.

Object kinds: `alerting_rule`, `recording_rule`, one `metric_metadata` (id `metadata`), `scrape_config`
(one per job) and `target` (one per active target). From files, the last two come from recorded API
answers: `targets.json` and `config.yaml|yml|json` at the top of a directory given (or `--targets FILE`,
`--config FILE`), see `prometheus_recorded`. Invalid PromQL is kept as it is: the translator, not the
collector, decides it needs manual work.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from migrate.errors import InputError, UsageError
from migrate.fsutil import read_json
from migrate.inventory import Inventory, InventoryObject
from migrate.model import SourceRef
from migrate.sources import add_where_arguments
from migrate.sources.http import HttpClient
from migrate.sources.prometheus_api import collect_api_objects
from migrate.sources.prometheus_files import discover, read_rule_files, recorded_files
from migrate.sources.prometheus_recorded import load_config_file, load_targets_file
from migrate.sources.prometheus_rules import SOURCE, rule_objects


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_where_arguments(
        parser,
        files_help="rule files or directories (recursive: *.yml, *.yaml, *.rules); plain rule files, "
        "PrometheusRule resources, ConfigMaps and Lists of them. A directory's top-level "
        "metadata.json is used as --metadata, targets.json as --targets, config.yaml (or "
        ".yml, .json) as --config",
        api_help="a live server at PROMETHEUS_URL: rules, metric metadata, scrape configs, targets. "
        "Auth from the environment: PROMETHEUS_BEARER_TOKEN, or PROMETHEUS_USERNAME + "
        "PROMETHEUS_PASSWORD",
    )
    parser.add_argument(
        "--metadata",
        type=Path,
        metavar="FILE",
        help="recorded /api/v1/metadata JSON (the `data` object or the whole response) giving "
        "metric types; replaces what the server reports",
    )
    parser.add_argument(
        "--targets",
        type=Path,
        metavar="FILE",
        help="with --from-files: recorded /api/v1/targets JSON (envelope or `data`) giving the "
        "active scrape targets bridge mode needs",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="with --from-files: recorded /api/v1/status/config answer or a plain prometheus.yml "
        "(YAML or JSON) giving the scrape configs; secrets in it are replaced by references",
    )


def collect(options: Mapping[str, Any]) -> Inventory:
    from_files = options.get("from_files")
    from_api = bool(options.get("from_api"))
    if bool(from_files) == from_api:
        raise UsageError("give exactly one of --from-files PATH... or --from-api")
    metadata_file = options.get("metadata")
    recorded = {k: Path(options[k]) if options.get(k) else None for k in ("targets", "config")}
    if from_files:
        return collect_files([Path(p) for p in from_files], metadata=metadata_file, **recorded)
    if any(recorded.values()):
        raise UsageError("--targets and --config go with --from-files; --from-api asks the server")
    client = HttpClient.from_env("PROMETHEUS_URL", "PROMETHEUS")
    return collect_api(client, metadata=Path(metadata_file) if metadata_file else None)


def collect_files(
    paths: list[Path], *, metadata: Path | None = None, targets: Path | None = None, config: Path | None = None
) -> Inventory:
    warnings: list[str] = []
    found = discover(paths)
    metadata = _one("metadata.json", metadata, found.metadata, "--metadata FILE")
    recorded = recorded_files(paths)
    targets = _one("targets.json", targets, recorded["targets"], "--targets FILE")
    config = _one("config.yaml / config.yml / config.json", config, recorded["config"], "--config FILE")
    objects = rule_objects(read_rule_files(found, warnings))
    if config is not None:
        objects += load_config_file(config, warnings)
    if targets is not None:
        objects += load_targets_file(targets, warnings)
    if metadata is not None:
        objects.append(metadata_object(load_metadata_file(metadata), str(metadata), warnings))
    else:
        warnings.append("no metric metadata (--metadata FILE): types will come from mappings and name suffixes")
    if not found.files:
        warnings.append("no rule files found in " + ", ".join(map(str, paths)))
    inventory = _inventory(" ".join(map(str, paths)), objects, warnings)
    inventory.unreadable = found.unreadable
    return inventory


def _one(what: str, given: Path | None, found: list[Path], flag: str) -> Path | None:
    """The flag's file, else the only one found in the directories; several found is ambiguous."""
    if given is None and len(found) > 1:
        raise UsageError(f"several {what} files found: " + ", ".join(map(str, found)), hint=f"choose one with {flag}")
    return given or (found[0] if found else None)


def collect_api(client: HttpClient, *, metadata: Path | None = None) -> Inventory:
    warnings: list[str] = []
    rules, api_metadata, others = collect_api_objects(client, warnings)
    objects = rule_objects(rules) + others
    if metadata is not None:
        objects.append(metadata_object(load_metadata_file(metadata), str(metadata), warnings))
    else:
        objects.append(metadata_object(api_metadata, client.display_url, warnings))
    return _inventory(client.display_url, objects, warnings)


def _inventory(origin: str, objects: list[InventoryObject], warnings: list[str]) -> Inventory:
    return Inventory(path=None, source=SOURCE, origin=origin, collected_at="", objects=objects, warnings=warnings)


def load_metadata_file(path: Path) -> dict[str, Any]:
    """A recorded `/api/v1/metadata` answer: the whole envelope or just its `data` object."""
    data = read_json(path)
    if isinstance(data, dict) and data.get("status") == "success" and "data" in data:
        data = data["data"]
    if not isinstance(data, dict):
        raise InputError(
            "metadata must be a JSON object of metric name -> [{type, help, unit}]",
            path=str(path),
            hint="record it with: curl $PROMETHEUS_URL/api/v1/metadata",
        )
    for metric, entries in data.items():
        if not isinstance(entries, list) or not all(isinstance(e, dict) and "type" in e for e in entries):
            raise InputError(f"metadata for {metric!r} must be a list of objects with a `type`", path=str(path))
    return data


def metadata_object(data: dict[str, Any], origin: str, warnings: list[str]) -> InventoryObject:
    types: dict[str, str] = {}
    for metric, entries in sorted(data.items()):
        kinds = list(dict.fromkeys(str(e.get("type", "unknown")).lower() for e in entries))
        if not kinds:
            continue
        types[metric] = kinds[0]
        if len(kinds) > 1:
            warnings.append(f"metadata: {metric} has several types ({', '.join(kinds)}); using {kinds[0]}")
    ref = SourceRef(source=SOURCE, kind="metric_metadata", id="metadata", name="metric metadata", origin=origin)
    return InventoryObject(ref=ref, payload=data, normalized={"types": types})
