"""The bridge-mode cardinality preview (cardinality.json from `ddmigrate bridge`) in the plan and the report.

`plan --cardinality FILE` prints `summary_lines`; `report --cardinality FILE` puts `section` in report.json
and report.md. The file is named explicitly rather than guessed: `bridge` writes it next to the Agent
config (`--out`), which has no fixed place relative to the plan, and a stale preview found by accident
would be worse than none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from migrate.errors import InputError
from migrate.fsutil import read_json

TOP_N = 10
HINT = "write it with `ddmigrate bridge ... --preview` (live) or `--series-counts FILE` (recorded)"
_TARGET_KEYS = {"job": str, "instance": str, "contexts": int, "over_limit": bool}


def _check(data: Any, path: Path) -> dict[str, Any]:
    def fail(what: str) -> InputError:
        return InputError(f"not a bridge cardinality preview: {what}", path=str(path), hint=HINT)

    if not isinstance(data, dict):
        raise fail("expected a JSON object")
    for key, kind in (
        ("total_custom_metrics", int),
        ("context_limit_per_instance", int),
        ("per_target", list),
        ("per_metric", list),
        ("warnings", list),
    ):
        if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
            raise fail(f"`{key}` is missing or not a {kind.__name__}")
    for i, row in enumerate(data["per_target"]):
        if not isinstance(row, dict) or any(not isinstance(row.get(k), t) for k, t in _TARGET_KEYS.items()):
            raise fail(f"per_target[{i}] needs job, instance, contexts and over_limit")
    for i, row in enumerate(data["per_metric"]):
        if (
            not isinstance(row, dict)
            or not isinstance(row.get("metric"), str)
            or not isinstance(row.get("contexts"), int)
        ):
            raise fail(f"per_metric[{i}] needs metric and contexts")
    return data


def load(path: Path) -> dict[str, Any]:
    """The report's `cardinality` section from a cardinality.json."""
    data = _check(read_json(Path(path)), Path(path))
    limit = data["context_limit_per_instance"]
    ranked = sorted(data["per_metric"], key=lambda m: (-m["contexts"], m["metric"]))
    targets = sorted(data["per_target"], key=lambda t: (-t["contexts"], t["job"], t["instance"]))
    return {
        "path": str(path),
        "prometheus": data.get("prometheus"),
        "source": data.get("source", "live"),
        "generated_at": data.get("generated_at"),
        "namespace": data.get("namespace"),
        "total_custom_metrics": data["total_custom_metrics"],
        "context_limit_per_instance": limit,
        "targets": len(targets),
        "over_limit": [t for t in targets if t["over_limit"]],
        "per_target": targets,
        "top": ranked[:TOP_N],
        "no_series": list(data.get("no_series") or []),
        "not_recorded": list(data.get("not_recorded") or []),
        "warnings": [str(w) for w in data["warnings"]],
    }


def summary_lines(section: dict[str, Any], top: int = 5) -> list[str]:
    """A short block: the total, instances over the limit, the highest-cardinality metrics."""
    live = "the live " if section["source"] == "live" else ""
    lines = [
        f"Bridge mode: {section['total_custom_metrics']} custom metrics from {section['targets']} targets "
        f"(cardinality preview from {live}{section.get('prometheus') or 'an unnamed server'})"
    ]
    limit = section["context_limit_per_instance"]
    lines += [
        f"  warning: {t['job']}/{t['instance']}: {t['contexts']} contexts, over the Agent's limit of {limit} "
        "per instance (the excess is dropped silently)"
        for t in section["over_limit"]
    ]
    if section["top"]:
        lines.append("  top metrics: " + ", ".join(f"{m['metric']} {m['contexts']}" for m in section["top"][:top]))
    if section["not_recorded"]:
        lines.append(
            f"  warning: {len(section['not_recorded'])} count queries missing from the recording; re-record it"
        )
    return lines
