"""Prometheus rules from files: plain rule files (`groups:`), `PrometheusRule` resources (`spec.groups`),
ConfigMaps whose values are rule files, `ConfigMapList` / `kind: List`, multi-document YAML, and
directories of them. Checks what Prometheus itself rejects, with the file and line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import promql_parser

from migrate.errors import InputError
from migrate.sources.prometheus_rules import ALERTING, METRIC_NAME, RECORDING, Rule, duration_seconds
from migrate.translate.promql.guard import parse as guarded_parse
from migrate.yamlutil import YamlDoc, load_file, load_text

RULE_SUFFIXES = (".yml", ".yaml", ".rules")
EXPECTED = (
    "expected a Prometheus rule file (top-level `groups:`), a PrometheusRule resource (`spec.groups`), "
    "a ConfigMap of rule files, or a List / ConfigMapList of those"
)
DURATION_HINT = "durations look like 30s, 5m, 1h30m (units ms, s, m, h, d, w, y)"
# Recorded API answers picked up at the top of a directory given to --from-files (not rule files).
RECORDED = {"targets": ("targets.json",), "config": ("config.yaml", "config.yml", "config.json")}
_RECORDED_NAMES = frozenset(name for names in RECORDED.values() for name in names)


@dataclass
class Found:
    """What `discover` found: rule files with their labels, `metadata.json` files, and what could not be read."""

    files: list[tuple[Path, str]]
    metadata: list[Path]
    unreadable: list[dict[str, str]]
    explicit: set[Path]  # files named on the command line (not found by walking a directory)


def discover(paths: list[Path]) -> Found:
    """Rule files (sorted, recursive in directories) with their labels, any `metadata.json` found at a
    directory's top, and the sub-directories that could not be listed (recorded, the walk goes on).

    A label is the file's path relative to the directory given (its name, for a file given directly): rule
    ids, and so the Datadog resources' keys, must not change when the operator runs from another working
    directory or checkout, or every monitor would be planned as a delete plus a create.
    """
    files: list[tuple[Path, str]] = []
    metadata: list[Path] = []
    unreadable: list[dict[str, str]] = []

    def unlisted(exc: OSError) -> None:
        unreadable.append({"path": str(exc.filename), "reason": f"cannot read directory: {exc.strerror}"})

    for given in paths:
        if not given.exists():
            raise InputError("path not found", path=str(given), hint="give rule files or directories of them")
        if not given.is_dir():
            files.append((given, given.name))
            continue
        if (given / "metadata.json").is_file():
            metadata.append(given / "metadata.json")
        found = []
        for root, dirs, names in os.walk(given, onerror=unlisted):
            dirs.sort()
            top = Path(root) == given
            found += [Path(root) / n for n in names if n.endswith(RULE_SUFFIXES) and not (top and n in _RECORDED_NAMES)]
        files += [(f, f.relative_to(given).as_posix()) for f in sorted(found)]
    return Found(files, metadata, unreadable, {p for p in paths if not p.is_dir()})


def recorded_files(paths: list[Path]) -> dict[str, list[Path]]:
    """Recorded API answers (`targets.json`, `config.yaml|yml|json`) found at the top of directories given."""
    found: dict[str, list[Path]] = {kind: [] for kind in RECORDED}
    for given in paths:
        if given.is_dir():
            for kind, names in RECORDED.items():
                found[kind] += [given / n for n in names if (given / n).is_file()]
    return found


@dataclass
class _Unit:
    """One rule file as Prometheus would load it (a plain file, a PrometheusRule, a ConfigMap value)."""

    label: str  # the `file` part of rule ids
    path: str  # the real file, for messages and origins
    doc: YamlDoc
    base: list[str | int]  # JSON path of the object holding `groups` inside `doc`
    embedded_at: int | None = None  # for a ConfigMap value: its line in the outer file

    def line(self, *steps: str | int) -> int | None:
        inner = self.doc.line_of([*self.base, *steps])
        if self.embedded_at is None or inner is None:
            return inner
        return self.embedded_at + inner  # a block scalar's content starts on the line after its key

    def error(self, message: str, *steps: str | int, hint: str | None = None) -> InputError:
        return InputError(message, path=self.path, line=self.line(*steps), hint=hint)


def _describe(data: Any) -> str:
    """What a document is, without its content: a file reached through a symlink may hold anything
    (a Secret, /etc/shadow), and messages end up in terminals, CI logs and the manifest."""
    if isinstance(data, dict):
        if isinstance(data.get("kind"), str) and len(data["kind"]) <= 63:
            return f"kind {data['kind']!r}"
        if "scrape_configs" in data:
            return "a Prometheus server config (give it as --config)"
        return "a mapping without `groups`" if data else "an empty mapping"
    return f"a {type(data).__name__}"


def _is_manifest(data: Any) -> bool:
    """A Kubernetes or Kustomize manifest that is not a rule resource (Deployment, Secret, kustomization):
    GitOps folders mix them with rule files, so they are skipped and listed, not an error."""
    return isinstance(data, dict) and ("apiVersion" in data or "kind" in data or "resources" in data)


def _units(
    doc: YamlDoc, path: str, data: Any, base: list[str | int], warnings: list[str], *, explicit: bool = True
) -> Iterator[tuple[str, YamlDoc, list[str | int], int | None]]:
    """(unit name, doc, base path, embedded line) for each rule file inside one YAML document."""
    kind = data.get("kind") if isinstance(data, dict) else None
    meta = data.get("metadata") if isinstance(data, dict) else None
    name = str(meta.get("name", "")) if isinstance(meta, dict) else ""
    if isinstance(data, dict) and "groups" in data and kind is None:
        yield f"doc{doc.index}", doc, base, None
    elif kind == "PrometheusRule":
        if not isinstance(data.get("spec"), dict) or "groups" not in data["spec"]:
            raise InputError(
                f"PrometheusRule {name!r} has no spec.groups", path=path, line=doc.line_of(base), hint=EXPECTED
            )
        yield name or f"doc{doc.index}", doc, [*base, "spec"], None
    elif kind == "ConfigMap":
        values = data.get("data") or {}
        if not isinstance(values, dict):
            raise InputError(
                f"ConfigMap {name!r}: `data` must be a mapping of file name -> rule file, found {_describe(values)}",
                path=path,
                line=doc.line_of([*base, "data"]),
                hint=EXPECTED,
            )
        for key in sorted(values):
            where = [*base, "data", key]
            node_line = doc.line_of(where)
            inner = load_text(str(values[key]), f"{path} (ConfigMap {name}, key {key})")
            rule_docs = [d for d in inner if isinstance(d.data, dict) and "groups" in d.data]
            if not rule_docs:
                warnings.append(f"{path}:{node_line}: ConfigMap {name!r} key {key!r} is not a rule file; skipped")
            for inner_doc in rule_docs:
                inner_doc.path = path
                yield f"{name}/{key}", inner_doc, [], node_line
    elif kind in ("List", "ConfigMapList") or (isinstance(data, dict) and isinstance(data.get("items"), list)):
        for i, item in enumerate(data.get("items") or []):
            yield from _units(doc, path, item, [*base, "items", i], warnings, explicit=explicit)
    elif data == {}:
        warnings.append(f"{path}:{doc.line_of(base)}: empty document ({{}}); no rules collected")
    elif _is_manifest(data) and not explicit:
        warnings.append(f"{path}:{doc.line_of(base)}: skipped {_describe(data)}: not a rule file")
    else:
        raise InputError(f"not a rules file: found {_describe(data)}", path=path, line=doc.line_of(base), hint=EXPECTED)


def read_rule_file(path: Path, label: str, warnings: list[str], *, explicit: bool = True) -> list[Rule]:
    """All rules of one file. `label` names it in rule ids (see `discover`); messages name the real path.
    A manifest that is not a rule resource is an error in a file named on the command line (`explicit`),
    and skipped with a warning in a file found in a directory."""
    docs = load_file(path)
    if not docs:
        warnings.append(f"{path}: empty file; no rules collected")
        return []
    found = [unit for d in docs for unit in _units(d, str(path), d.data, [], warnings, explicit=explicit)]
    names = [name for name, *_ in found]
    rules: list[Rule] = []
    for i, (name, doc, base, at) in enumerate(found):
        unit_label = label if len(found) == 1 else f"{label}#{name if names.count(name) == 1 else f'{name}.{i}'}"
        rules += _read_groups(_Unit(label=unit_label, path=str(path), doc=doc, base=base, embedded_at=at), warnings)
    return rules


def _read_groups(unit: _Unit, warnings: list[str]) -> list[Rule]:
    data = unit.doc.data
    for step in unit.base:
        data = data[step]
    groups = data.get("groups")
    if groups is None:
        warnings.append(f"{unit.path}:{unit.line('groups')}: `groups:` is empty; no rules collected")
        return []
    if not isinstance(groups, list):
        raise unit.error(f"`groups` must be a list, found {_describe(groups)}", "groups", hint=EXPECTED)
    seen: dict[str, int | None] = {}
    rules: list[Rule] = []
    for g, group in enumerate(groups):
        at = ("groups", g)
        if not isinstance(group, dict):
            raise unit.error(f"group {g + 1} must be a mapping with `name` and `rules`", *at)
        name = group.get("name")
        if not isinstance(name, str) or not name.strip():
            raise unit.error(f"group {g + 1} has no name", *at, hint="every rule group needs `name:`")
        if name in seen:
            raise unit.error(
                f"duplicate group name {name!r} (first at line {seen[name]})",
                *at,
                "name",
                hint="Prometheus rejects a file with two groups of the same name; rename one",
            )
        seen[name] = unit.line(*at, "name")
        interval = None
        if group.get("interval") is not None:
            try:
                interval = duration_seconds(group["interval"])
            except ValueError:
                raise unit.error(
                    f"group {name!r}: interval {group['interval']!r} is not a duration",
                    *at,
                    "interval",
                    hint=DURATION_HINT,
                ) from None
        items = group.get("rules")
        if not items:
            warnings.append(f"{unit.path}:{unit.line(*at)}: group {name!r}: empty rules list; nothing collected")
            continue
        if not isinstance(items, list):
            raise unit.error(f"group {name!r}: `rules` must be a list, found {_describe(items)}", *at, "rules")
        for r, item in enumerate(items):
            rules.append(_rule(unit, name, interval, index=r, item=item, at=[*at, "rules", r], warnings=warnings))
    return rules


def _strings(unit: _Unit, value: Any, what: str, at: list[str | int]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise unit.error(f"{what} must be a mapping of names to values, found {_describe(value)}", *at)
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _expr_problem(expr: str, alerting: bool) -> str | None:
    """What Prometheus would make of the expression, said at collect time (the rule is still collected, and
    translate marks it manual): it does not parse, or an alert's expression is a constant."""
    try:
        root = guarded_parse(expr)
    except ValueError as exc:
        return f"the expression does not parse ({exc}): Prometheus rejects the file; translate marks the rule manual"
    if alerting and isinstance(root, promql_parser.NumberLiteral | promql_parser.StringLiteral):
        return (
            f"the expression is the constant {expr}, not a query: Prometheus fires such an alert on every "
            "evaluation (a number) or fails to evaluate it (a string)"
        )
    return None


def _rule(
    unit: _Unit, group: str, interval: float | None, *, index: int, item: Any, at: list[str | int], warnings: list[str]
) -> Rule:
    if not isinstance(item, dict):
        raise unit.error(f"group {group!r}: rule {index + 1} must be a mapping", *at)
    alert, record = item.get("alert"), item.get("record")
    if (alert is None) == (record is None):
        problem = "has both `alert` and `record`" if alert is not None else "has neither `alert` nor `record`"
        raise unit.error(f"group {group!r}: rule {index + 1} {problem}", *at)
    if alert is not None and not str(alert).strip():
        raise unit.error(
            f"group {group!r}: rule {index + 1} has an empty `alert` name",
            *at,
            "alert",
            hint="Prometheus rejects the file (one of 'record' or 'alert' must be set); name the alert",
        )
    name = str(alert if alert is not None else record)
    what = f"group {group!r}: rule {name!r}"
    expr = item.get("expr")
    if expr is None or isinstance(expr, bool | dict | list) or not str(expr).strip():
        raise unit.error(f"{what} has no expr", *at, hint="every rule needs `expr:` with a PromQL expression")
    if record is not None:
        if not METRIC_NAME.match(name):
            raise unit.error(f"{what}: {name!r} is not a valid metric name", *at, "record")
        extra = [k for k in ("for", "keep_firing_for", "annotations") if k in item]
        if extra:
            raise unit.error(f"{what}: recording rules cannot have `{extra[0]}`", *at, extra[0])
    expr_problem = _expr_problem(str(expr).strip(), alert is not None)
    if expr_problem:
        warnings.append(f"{unit.path}:{unit.line(*at, 'expr')}: {what}: {expr_problem}")
    seconds = {}
    for key in ("for", "keep_firing_for"):
        if item.get(key) is None:
            seconds[key] = 0.0
            continue
        try:
            seconds[key] = duration_seconds(item[key])
        except ValueError:
            raise unit.error(f"{what}: `{key}: {item[key]}` is not a duration", *at, key, hint=DURATION_HINT) from None
    return Rule(
        kind=ALERTING if alert is not None else RECORDING,
        name=name,
        expr=str(expr).strip(),
        group=group,
        file=unit.label,
        index=index,
        origin=unit.path,
        payload=json.loads(json.dumps(item, default=str)),  # YAML timestamps and the like become strings
        labels=_strings(unit, item.get("labels"), f"{what}: labels", [*at, "labels"]),
        annotations=_strings(unit, item.get("annotations"), f"{what}: annotations", [*at, "annotations"]),
        for_seconds=seconds["for"],
        keep_firing_for_seconds=seconds["keep_firing_for"],
        group_interval_seconds=interval,
    )


def read_rule_files(found: Found, warnings: list[str]) -> list[Rule]:
    """Every readable file's rules. A file that cannot be read (or that Prometheus would reject) is added
    to `found.unreadable` with the reason and the others are still read; when nothing at all could be
    read, the first file's error is raised as it is (one bad file given alone is simply an error)."""
    rules: list[Rule] = []
    failed: list[InputError] = []
    for path, label in found.files:
        try:
            rules += read_rule_file(path, label, warnings, explicit=path in found.explicit)
        except InputError as exc:
            failed.append(exc)
            found.unreadable.append({"path": exc.path or str(path), "reason": exc.reason})
    if failed and len(failed) == len(found.files):
        raise failed[0]
    return rules
