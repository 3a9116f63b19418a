"""Composite monitor queries (`123 && !456`, docs monitors/types/composite): their tree, writer and reader.

A composite's operands are other monitors' ids. Before those monitors exist (a translation, a plan) an
operand names the monitor's ddmigrate key instead: `ddmigrate_id:<key>`, the spelling of the ownership tag
(migrate/datadog/ownership.py). `resolve` writes the ids in at apply time; `symbolic` reads them back to keys,
so a plan can compare the composite it wants with the one that is live.

Precedence, as Datadog reads it: `!` binds tightest, then `&&`, then `||`; parentheses group.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from migrate.translate.ddquery.scan import QuerySyntaxError, Scanner

__all__ = [
    "BoolOp",
    "CompositeNode",
    "MonitorOperand",
    "Not",
    "QuerySyntaxError",
    "monitor_ids",
    "operands",
    "parse_composite",
    "referenced_keys",
    "renamed",
    "render_composite",
    "render_named",
    "resolve",
    "symbolic",
]

SYMBOLIC_PREFIX = "ddmigrate_id:"
_OPERAND = re.compile(r"ddmigrate_id:[0-9a-f]{12}|[A-Za-z0-9_\-]+")


@dataclass(frozen=True)
class MonitorOperand:
    """One monitor: `ref` is a ddmigrate key (symbolic) or a Datadog id (resolved)."""

    ref: str
    symbolic: bool = True


@dataclass(frozen=True)
class Not:
    operand: CompositeNode


@dataclass(frozen=True)
class BoolOp:
    op: str  # "&&" | "||"
    left: CompositeNode
    right: CompositeNode


CompositeNode = MonitorOperand | Not | BoolOp
_PRECEDENCE = {"||": 1, "&&": 2}


def render_composite(node: CompositeNode) -> str:
    return _render(node, 0)


def _render(node: CompositeNode, parent: int) -> str:
    if isinstance(node, MonitorOperand):
        return SYMBOLIC_PREFIX + node.ref if node.symbolic else node.ref
    if isinstance(node, Not):
        inner = _render(node.operand, 3)
        return f"!{inner}"
    mine = _PRECEDENCE[node.op]
    # Left-associative: the right operand of the same operator needs parentheses only when it is a
    # different operator; `a && b && c` stays flat.
    text = f"{_render(node.left, mine)} {node.op} {_render(node.right, mine)}"
    return f"({text})" if mine < parent else text


def parse_composite(text: str) -> CompositeNode:
    reader = _Reader(text)
    node = reader.disjunction()
    reader.ws()
    if reader.pos != len(text):
        reader.fail("`&&`, `||` or the end of the query")
    return node


def operands(node: CompositeNode) -> Iterator[MonitorOperand]:
    if isinstance(node, MonitorOperand):
        yield node
    elif isinstance(node, Not):
        yield from operands(node.operand)
    else:
        yield from operands(node.left)
        yield from operands(node.right)


def referenced_keys(text: str) -> list[str]:
    """The ddmigrate keys a composite query names symbolically (none for a resolved or unreadable query)."""
    try:
        return [o.ref for o in operands(parse_composite(text)) if o.symbolic]
    except QuerySyntaxError:
        return []


def monitor_ids(text: str) -> list[str]:
    """The Datadog ids a resolved composite query names."""
    return [o.ref for o in operands(parse_composite(text)) if not o.symbolic]


def _mapped(node: CompositeNode, fn: dict[str, MonitorOperand]) -> CompositeNode:
    if isinstance(node, MonitorOperand):
        return fn.get(node.ref, node)
    if isinstance(node, Not):
        return Not(_mapped(node.operand, fn))
    return BoolOp(node.op, _mapped(node.left, fn), _mapped(node.right, fn))


def renamed(node: CompositeNode, keys: Mapping[str, str]) -> CompositeNode:
    """The tree with each operand named in `keys` replaced by that ddmigrate key (symbolic)."""
    return _mapped(node, {ref: MonitorOperand(key) for ref, key in keys.items()})


def render_named(node: CompositeNode, names: Mapping[str, str]) -> str:
    """The query with each operand in `names` written as that plain name (`a && !b`, for people)."""
    return render_composite(_mapped(node, {ref: MonitorOperand(name, symbolic=False) for ref, name in names.items()}))


def resolve(text: str, ids: Mapping[str, str]) -> str:
    """The query with each symbolic operand whose key is in `ids` written as that Datadog id."""
    node = parse_composite(text)
    keys = {o.ref for o in operands(node) if o.symbolic}
    return render_composite(_mapped(node, {k: MonitorOperand(ids[k], symbolic=False) for k in keys if k in ids}))


def symbolic(text: str, keys: Mapping[str, str]) -> str:
    """The query with each Datadog id whose key is in `keys` (id -> key) written as that ddmigrate key."""
    node = parse_composite(text)
    found = {o.ref for o in operands(node) if not o.symbolic}
    return render_composite(_mapped(node, {i: MonitorOperand(keys[i]) for i in found if i in keys}))


class _Reader(Scanner):
    def disjunction(self) -> CompositeNode:
        node = self.conjunction()
        while self.accept("||"):
            node = BoolOp("||", node, self.conjunction())
        return node

    def conjunction(self) -> CompositeNode:
        node = self.unary()
        while self.accept("&&"):
            node = BoolOp("&&", node, self.unary())
        return node

    def unary(self) -> CompositeNode:
        if self.accept("!"):
            return Not(self.unary())
        if self.accept("("):
            node = self.disjunction()
            self.expect(")")
            return node
        word = self.match(_OPERAND)
        if word is None:
            self.fail("a monitor id")
        if word.startswith(SYMBOLIC_PREFIX):
            return MonitorOperand(word[len(SYMBOLIC_PREFIX) :])
        return MonitorOperand(word, symbolic=False)
