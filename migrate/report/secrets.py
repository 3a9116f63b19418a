"""The secrets inventory: names of what must be provisioned, never values.

Agent secrets come from `secrets-needed.txt` (written by `ddmigrate bridge`: handle, job, option, what to
store, tab-separated); synthetic tests' global variables are the `{{ NAME }}` references in their
payloads and their `config.configVariables` (Datadog resolves them from the org's global variables; `ddmigrate
apply` creates each as a secure variable from the environment variable named in `env`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from migrate.datadog.global_variables import env_name, global_names
from migrate.datadog.resources import spec
from migrate.errors import InputError
from migrate.fsutil import read_text
from migrate.model import DesiredResource

_VARIABLE = re.compile(r"\{\{\s*([A-Z][A-Z0-9_]*)\s*\}\}")


def agent_secrets(path: Path) -> list[dict[str, str]]:
    out = []
    for number, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 4:
            raise InputError(
                "expected handle, job, option and what to store, tab-separated",
                path=str(path),
                line=number,
                hint="pass the secrets-needed.txt `ddmigrate bridge` wrote",
            )
        out.append(dict(zip(("handle", "job", "option", "provide"), parts, strict=True)))
    return out


def _strings(node: Any) -> Iterable[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def global_variables(resources: Iterable[DesiredResource]) -> list[dict[str, Any]]:
    """Each global variable a synthetic test (API or browser) names, in `config.configVariables` or as
    `{{ NAME }}` in its config or steps, with the tests (keys) that need it and where apply reads its value."""
    users: dict[str, list[str]] = {}
    for res in resources:
        if not spec(res.type).triggered:  # the synthetic test types
            continue
        texts = _strings([res.payload.get("config"), res.payload.get("steps")])
        for name in sorted({m for s in texts for m in _VARIABLE.findall(s)} | set(global_names(res.payload))):
            users.setdefault(name, []).append(res.key)
    return [{"name": n, "used_by": sorted(users[n]), "env": env_name(n)} for n in sorted(users)]


def section(path: Path | None, resources: Iterable[DesiredResource]) -> dict[str, Any]:
    return {
        "agent_secrets_file": str(path) if path else None,
        "agent_secrets": agent_secrets(path) if path else [],
        "global_variables": global_variables(resources),
    }
