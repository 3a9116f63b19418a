"""YAML loading (safe only) that can still say which line a key came from.

PyYAML's safe_load forgets positions, so we also compose the node tree and walk it by the JSON
path of an error (for example a jsonschema error's `absolute_path`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from migrate.errors import InputError
from migrate.fsutil import read_text
from migrate.limits import MAX_DEPTH, too_deep

try:  # the C loader is several times faster on large rule files and dashboards
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

# Nodes that aliases may add when expanded, per document. Anchors in real files (shared label sets,
# a repeated rule group) add hundreds; a billion-laughs file adds billions from a few hundred bytes, and
# every later step (checksums, JSON output) would hold the expansion in memory.
MAX_ALIAS_NODES = 100_000


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


_HELM = re.compile(r"\{\{-?\s*(?:[.$]|if\b|range\b|with\b|include\b|define\b|template\b|toYaml\b|end\b|/\*)")
HELM_HINT = (
    "this looks like a Helm chart template (`{{ ... }}`), which is not YAML or JSON until rendered: run "
    "`helm template RELEASE CHART > rendered.yaml` and collect the rendered file"
)


def helm_hint(text: str) -> str | None:
    """The hint for a file that failed to parse and holds Helm template actions, else None."""
    return HELM_HINT if _HELM.search(text) else None


def _problem(exc: yaml.YAMLError, path: str, text: str) -> InputError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    helm = helm_hint(text)
    return InputError(
        f"malformed YAML: {problem}" + ("; the file is a Helm template" if helm else ""),
        path=path,
        line=mark.line + 1 if mark is not None else None,
        hint=helm or "fix the YAML syntax at that line (a linter such as yamllint shows the context)",
    )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_expansion(root: yaml.Node, path: str) -> None:
    """Refuse a document whose aliases expand beyond MAX_ALIAS_NODES, refer to themselves, or nest deeper
    than MAX_DEPTH. An alias is the same node object reached twice, so sizes are counted per node once
    (iteratively: the walk itself must not overflow on a deep document) without building the expansion."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key, kids = id(node), _children(node)
        if finished:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if depth[key] > MAX_DEPTH:
                raise too_deep(path)
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise InputError(
                "a YAML alias refers to the node that contains it", path=path, line=node.start_mark.line + 1
            )
        open_nodes.add(key)
        stack.append((node, True))
        stack += [(k, False) for k in kids if id(k) not in size]
    added = size[id(root)] - len(size)
    if added > MAX_ALIAS_NODES:
        raise InputError(
            f"YAML aliases expand the document by {added:,} nodes (the limit is {MAX_ALIAS_NODES:,}): "
            "refusing a possible alias bomb",
            path=path,
            hint="write the repeated parts out, or give the file produced by the tool that uses the anchors",
        )


def load_text(text: str, path: str) -> list[YamlDoc]:
    """All documents of a YAML text. Empty documents are dropped; a document whose aliases expand past the
    budget is refused before it is built."""
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
        for node in nodes:
            if node is not None:
                check_expansion(node, path)
        datas = list(yaml.load_all(text, Loader=_Loader))  # _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        raise _problem(exc, path, text) from None
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
