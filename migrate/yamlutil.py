"""YAML loading (safe only) that can still say which line a key came from.

PyYAML's safe_load forgets positions, so we also compose the node tree and walk it by the JSON
path of an error (for example a jsonschema error's `absolute_path`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from migrate.errors import InputError
from migrate.fsutil import read_text

try:  # the C loader is several times faster on large rule files and dashboards
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


@dataclass
class YamlDoc:
    """One YAML document: its data and the node tree used to find line numbers."""

    path: str
    data: Any
    node: yaml.Node | None
    index: int = 0  # position in a multi-document file

    def line_of(self, json_path: Iterable[str | int]) -> int | None:
        """1-based line of the deepest node on `json_path` that exists."""
        node = self.node
        line = node.start_mark.line + 1 if node is not None else None
        for step in json_path:
            if isinstance(node, yaml.MappingNode):
                nxt = next((v for k, v in node.value if getattr(k, "value", None) == step), None)
                if nxt is None:
                    key = next((k for k, _ in node.value if getattr(k, "value", None) == step), None)
                    return key.start_mark.line + 1 if key is not None else line
                node = nxt
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
            else:
                return line
            line = node.start_mark.line + 1
        return line


def _problem(exc: yaml.YAMLError, path: str) -> InputError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return InputError(
        f"malformed YAML: {problem}",
        path=path,
        line=mark.line + 1 if mark is not None else None,
        hint="fix the YAML syntax at that line (a linter such as yamllint shows the context)",
    )


def load_text(text: str, path: str) -> list[YamlDoc]:
    """All documents of a YAML text. Empty documents are dropped."""
    try:
        datas = list(yaml.load_all(text, Loader=_Loader))  # _Loader is a SafeLoader
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise _problem(exc, path) from None
    docs = []
    for i, (data, node) in enumerate(zip(datas, nodes, strict=False)):
        if data is None:
            continue
        docs.append(YamlDoc(path=path, data=data, node=node, index=i))
    return docs


def load_file(path: Path) -> list[YamlDoc]:
    return load_text(read_text(path, "YAML"), str(path))


def format_path(json_path: Sequence[str | int]) -> str:
    out = ""
    for step in json_path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "(top level)"
