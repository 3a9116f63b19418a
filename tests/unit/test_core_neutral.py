"""The neutral core imports no source: specs and builders name no Prometheus, PromQL, Grafana (or later New
Relic, Pingdom) module, so a new source is a front end only and touches no builder."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "migrate"
NEUTRAL = sorted([*(PACKAGE / "translate" / "specs").glob("*.py"), *(PACKAGE / "translate" / "build").glob("*.py")])
SOURCES = ("migrate.translate.prometheus", "migrate.translate.promql", "migrate.translate.grafana", "migrate.sources")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
    return found


def test_the_core_has_modules() -> None:
    names = {p.stem for p in NEUTRAL}
    assert {"check", "alert", "dashboard", "message", "synthetic", "monitor", "widgets"} <= names


@pytest.mark.parametrize("path", NEUTRAL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_source_is_imported(path: Path) -> None:
    bad = [m for m in _imports(path) if m.startswith(SOURCES)]
    assert bad == [], f"{path.relative_to(PACKAGE.parent)} imports {bad}"
