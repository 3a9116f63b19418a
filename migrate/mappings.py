"""Mapping rules: the defaults shipped in the package, optionally layered with the operator's own directories.

The defaults are package data (`migrate/data/mappings/`, read through `importlib.resources`), so a plain
`pip install` finds them as an editable checkout does. Every file is checked against `mappings_schema.json`
on its own (so an error names the file, line and key), then the layers are merged: later directories win
per key, dictionaries merge, lists replace.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from fnmatch import fnmatch
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, cast

import jsonschema

from migrate.errors import ConfigError
from migrate.model import stable_id
from migrate.yamlutil import YamlDoc, format_path, load_file, load_text

_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def parse_duration(text: str) -> float:
    """Prometheus duration (`1h30m`, `5m`, `0s`) in seconds."""
    text = text.strip()
    if not text or _DURATION.sub("", text):
        raise ValueError(f"not a duration: {text!r}")
    return float(sum(int(n) * _UNIT_SECONDS[u] for n, u in _DURATION.findall(text)))


def default_mappings_dir() -> Traversable:
    """`DDMIGRATE_MAPPINGS` if set, else the rules shipped in the package (`migrate/data/mappings/`)."""
    env = os.environ.get("DDMIGRATE_MAPPINGS")
    if env:
        return Path(env)
    return _shipped_dir()


def _shipped_dir() -> Traversable:
    return resources.files("migrate").joinpath("data", "mappings")


PACKAGED = "package:"  # how translation.json names a packaged default file


def recorded_path(file: str, base: Path | None = None) -> str:
    """How translation.json names a mappings file: a packaged default as `package:<name>` (its install path
    differs per machine and virtualenv), an operator's file relative to `base` (default: the directory
    translate runs in, the working directory `report --check` resolves relative paths from)."""
    shipped = Path(str(_shipped_dir()))
    path = Path(file)
    if path.is_absolute() and path.is_relative_to(shipped):
        return PACKAGED + path.relative_to(shipped).as_posix()
    return Path(os.path.relpath(path, base or Path.cwd())).as_posix()


def recorded_file(text: str) -> Path:
    """The file a recorded path names on this machine: `package:` in this install's defaults, anything else as
    written (relative from the current directory; an older translation's absolute paths stay absolute)."""
    if text.startswith(PACKAGED):
        return Path(str(_shipped_dir().joinpath(*text[len(PACKAGED) :].split("/"))))
    return Path(text)


def _rule_files(directory: Traversable) -> list[Traversable]:
    """The layer's `*.yaml` / `*.yml` files in name order (a Traversable has no glob)."""
    if not directory.is_dir():
        raise ConfigError("mappings directory not found", path=str(directory))
    return sorted((p for p in directory.iterdir() if p.is_file() and fnmatch(p.name, "*.y*ml")), key=lambda p: p.name)


def _load_rule_file(path: Traversable) -> list[YamlDoc]:
    # an operator's file goes through load_file for its readable-file errors; package data is always text
    if isinstance(path, Path):
        return load_file(path)
    return load_text(path.read_text(encoding="utf-8"), str(path))


def _schema() -> dict[str, Any]:
    text = resources.files("migrate").joinpath("mappings_schema.json").read_text(encoding="utf-8")
    return cast(dict[str, Any], json.loads(text))


def _merge(base: Any, layer: Any) -> Any:
    if isinstance(base, dict) and isinstance(layer, dict):
        out = dict(base)
        for key, value in layer.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    return layer


@dataclass
class Mappings:
    data: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def section(self, name: str) -> dict[str, Any]:
        return cast(dict[str, Any], self.data.get(name) or {})

    # --- prometheus ---------------------------------------------------------------------------
    @property
    def namespace(self) -> str:
        return str(self.section("prometheus").get("namespace", ""))

    @property
    def namespace_set(self) -> bool:
        """Whether a layer chose a namespace (`''` included): the packaged defaults leave it to the operator."""
        return "namespace" in self.section("prometheus")

    @property
    def distributions(self) -> bool:
        return bool(self.section("prometheus").get("histogram_buckets_as_distributions", False))

    @property
    def metric_types(self) -> dict[str, str]:
        return dict(self.section("prometheus").get("metric_types") or {})

    @property
    def label_tags(self) -> dict[str, str | None]:
        return dict(self.section("prometheus").get("label_tags") or {})

    @property
    def safe_params(self) -> frozenset[str]:
        """Scrape `params` whose values may be written (every other value is taken for a secret)."""
        return frozenset(str(p) for p in self.section("prometheus").get("bridge_safe_params") or [])

    @property
    def safe_headers(self) -> frozenset[str]:
        """`http_headers` whose values may be written plainly (lowercase; every other value is a secret)."""
        return frozenset(str(h).lower() for h in self.section("prometheus").get("bridge_safe_headers") or [])

    @property
    def server_labels(self) -> list[str]:
        return list(self.section("prometheus").get("server_labels") or ["job", "instance"])

    # --- alerts -------------------------------------------------------------------------------
    @property
    def default_window_seconds(self) -> float:
        return parse_duration(str(self.section("alerts").get("default_window", "5m")))

    @property
    def routing(self) -> list[dict[str, Any]]:
        return list(self.data.get("routing") or [])

    def fingerprint(self) -> str:
        return stable_id(json.dumps(self.data, sort_keys=True), 16)


def _check_regexes(doc: YamlDoc) -> None:
    """Here, not only when routes compile, so that the error names this file and line."""
    for i, rule in enumerate(doc.data.get("routing") or []):
        for label, pattern in (rule.get("match_re") or {}).items():
            try:
                re.compile(pattern)
            except re.error as exc:
                where: list[str | int] = ["routing", i, "match_re", label]
                raise ConfigError(
                    f"{format_path(where)}: invalid regular expression {pattern!r}: {exc}",
                    path=doc.path,
                    line=doc.line_of(where),
                    hint="routing regexes use Python `re` syntax and must match the whole label value",
                ) from None


def _check_window(doc: YamlDoc) -> None:
    """A Datadog monitor window is 1 minute to 1 week; say so here, with the line, not at translate time."""
    text = (doc.data.get("alerts") or {}).get("default_window")
    if text is None:
        return
    seconds = parse_duration(str(text))
    if not 60 <= seconds <= 7 * 86400:
        where: list[str | int] = ["alerts", "default_window"]
        raise ConfigError(
            f"{format_path(where)}: {text} is outside Datadog's monitor windows (1m to 1w)",
            path=doc.path,
            line=doc.line_of(where),
            hint="for example 5m",
        )


def load_mappings(extra_dirs: list[Path] | None = None, *, include_defaults: bool = True) -> Mappings:
    dirs: list[Traversable] = ([default_mappings_dir()] if include_defaults else []) + list(extra_dirs or [])
    schema = _schema()
    validator = jsonschema.Draft7Validator(schema)
    merged: dict[str, Any] = {}
    files: list[str] = []
    for directory in dirs:
        for path in _rule_files(directory):
            for doc in _load_rule_file(path):
                if not isinstance(doc.data, dict):
                    raise ConfigError("a mappings file must be a YAML mapping", path=str(path), line=doc.line_of([]))
                errors = sorted(validator.iter_errors(doc.data), key=lambda e: list(e.absolute_path))
                if errors:
                    err = errors[0]
                    where = list(err.absolute_path)
                    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
                        # point at the unexpected key itself, not at its parent mapping
                        known = set(err.schema.get("properties", {}))
                        extra = sorted(k for k in err.instance if k not in known)
                        where += extra[:1]
                    raise ConfigError(
                        f"{format_path(where)}: {err.message}",
                        path=str(path),
                        line=doc.line_of(where),
                        hint=f"see {_shipped_dir().joinpath('README.md')} for the keys each section accepts",
                    )
                _check_regexes(doc)
                _check_window(doc)
                merged = _merge(merged, doc.data)
            files.append(str(path))
    return Mappings(data=merged, files=files)
