"""Selection for one migration phase: `--service APPNAME` (repeatable), `--entity-guid GUID`, `--tag key:value`.

What belongs to a selection (the README's "Selecting a service" says the same):
- services: the names given, plus the APM applications that carry a selected tag or have a selected guid;
- a widget belongs when one of its NRQL queries names a selected service (`appName`, `service.name` or
  `entity.name` `= 'X'`, `IN (..., 'X')`, or a `LIKE` pattern matching X that is more than wildcards) or a
  selected entity (`entity.guid`/`entityGuid`), or when it links to a selected service's APM entity;
- a dashboard is selected when its guid (or a page's) is selected, it carries a selected tag or a
  `service`/`appName` tag naming a selected service, or one of its widgets belongs; it is taken whole,
  with every widget (a dashboard moves as one);
- an NRQL condition by the same NRQL rule, its entity guid, or its entity tags; a policy when one of its
  conditions is selected; a workflow when its filter names a selected policy (by id or by name), or names
  no policy at all (it routes every policy's incidents), once some policy is selected; the channels of
  selected workflows and their destinations;
- a synthetic monitor by its guid, its tags, or a service name appearing as a word in its name;
  the secure credentials a selected monitor uses; the selected services' APM applications.
An empty selection keeps everything.

NRQL is read with its own lexer (migrate/translate/nrql/lexer.py), never rewritten; the scan looks only
for a service or guid named as a value, nothing else of the query's meaning.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from migrate.errors import UsageError
from migrate.inventory.store import InventoryObject
from migrate.translate.nrql.errors import NrqlSyntaxError
from migrate.translate.nrql.lexer import tokenize

SERVICE_ATTRIBUTES = frozenset({"appname", "service.name", "entity.name"})
GUID_ATTRIBUTES = frozenset({"entity.guid", "entityguid"})
SERVICE_TAGS = {"service", "appname", "app", "application"}


def named_values(nrql: str, attributes: set[str] | frozenset[str]) -> tuple[set[str], list[str]]:
    """(values compared with `=` or `IN`, LIKE patterns) for any of `attributes` in the query, read from
    NRQL's own tokens (a query the lexer cannot read names nothing: it fails at translation, named there)."""
    values, patterns = _named(nrql, frozenset(attributes))
    return set(values), list(patterns)


@functools.lru_cache(maxsize=16384)
def _named(nrql: str, attributes: frozenset[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Cached: the translator asks once per APM service of the inventory (translate/newrelic/services.py),
    and tokenizing every widget's query again for each would make that quadratic."""
    try:
        toks = tokenize(nrql)
    except NrqlSyntaxError:
        return frozenset(), ()
    values: set[str] = set()
    patterns: list[str] = []
    for i, tok in enumerate(toks[:-2]):
        if tok.kind not in ("ident", "qident") or tok.value.lower() not in attributes:
            continue
        op, operand = toks[i + 1], toks[i + 2]
        if op.value == "=" and operand.kind == "str":
            values.add(operand.value)
        elif op.value == "LIKE" and operand.kind == "str":
            patterns.append(operand.value)
        elif op.value == "IN" and operand.value == "(":
            for inner in toks[i + 3 :]:
                if inner.value == ")" and inner.kind == "op":
                    break
                if inner.kind == "str":
                    values.add(inner.value)
    return frozenset(values), tuple(patterns)


def like(pattern: str, value: str) -> bool:
    """NRQL LIKE (`%` any run of characters, case-insensitive); a pattern of wildcards only names nothing."""
    if not pattern.strip("%"):
        return False
    regex = ".*".join(re.escape(part) for part in pattern.split("%"))
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL) is not None


@dataclass(frozen=True)
class Selection:
    services: tuple[str, ...] = ()
    guids: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Selection:
        tags = []
        for text in options.get("tag") or []:
            key, sep, value = str(text).partition(":")
            if not sep or not key.strip() or not value.strip():
                raise UsageError(f"--tag {text!r}: expected key:value", hint="for example --tag team:checkout")
            tags.append((key.strip(), value.strip()))
        return cls(
            services=tuple(str(s) for s in options.get("service") or []),
            guids=tuple(str(g) for g in options.get("entity_guid") or []),
            tags=tuple(tags),
        )

    def __bool__(self) -> bool:
        return bool(self.services or self.guids or self.tags)

    def to_dict(self) -> dict[str, list[str]]:
        return {
            "services": list(self.services),
            "entity_guids": list(self.guids),
            "tags": [f"{k}:{v}" for k, v in self.tags],
        }

    def describe(self) -> str:
        parts = [f"service {s}" for s in self.services] + [f"entity {g}" for g in self.guids]
        return ", ".join(parts + [f"tag {k}:{v}" for k, v in self.tags]) or "everything"


@dataclass
class _Scope:
    services: set[str]
    guids: set[str]
    tags: set[tuple[str, str]]

    def tagged(self, tags: Mapping[str, list[str]]) -> bool:
        lowered = {str(k).lower(): v for k, v in tags.items()}
        if any(v in lowered.get(k.lower(), []) for k, v in self.tags):
            return True
        return any(v in self.services for k in SERVICE_TAGS for v in lowered.get(k, []))

    def names(self, queries: Iterable[str]) -> bool:
        for nrql in queries:
            values, patterns = _named(nrql, SERVICE_ATTRIBUTES)
            if values & self.services or any(like(p, s) for p in patterns for s in self.services):
                return True
            if _named(nrql, GUID_ATTRIBUTES)[0] & self.guids:
                return True
        return False

    def in_name(self, name: str) -> bool:
        return any(re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", name, re.IGNORECASE) for s in self.services)


def _scope(selection: Selection, objects: list[InventoryObject]) -> _Scope:
    scope = _Scope(set(selection.services), set(selection.guids), set(selection.tags))
    apps = [o for o in objects if o.ref.kind == "apm_application"]
    by_tag = _Scope(set(), set(), scope.tags)  # the tags alone, before services are added
    for app in apps:
        if app.ref.id in scope.guids or (scope.tags and by_tag.tagged(app.normalized["tags"])):
            scope.services.add(app.ref.name)
    scope.guids |= {a.ref.id for a in apps if a.ref.name in scope.services}
    return scope


_NAME_MATCH: dict[str, Callable[[str, str], bool]] = {
    "EXACTLY_MATCHES": lambda value, name: name == value,
    "EQUAL": lambda value, name: name == value,
    "CONTAINS": lambda value, name: value in name,
    "STARTS_WITH": lambda value, name: name.startswith(value),
    "ENDS_WITH": lambda value, name: name.endswith(value),
}


def routes(workflow: Mapping[str, Any], policy_ids: set[str], policy_names: set[str]) -> bool:
    """Whether a workflow routes issues of one of these policies. A filter naming no policy routes every
    policy's; an operator on names that cannot be decided here (DOES_NOT_CONTAIN, ...) counts as routing,
    so a selection never loses who is paged."""
    by_id, by_name = workflow["policy_ids"], workflow["policy_names"]
    if not by_id and not by_name:
        return True
    if any(set(p["values"]) & policy_ids for p in by_id):
        return True
    for predicate in by_name:
        match = _NAME_MATCH.get(predicate["operator"])
        if match is None or any(match(v, n) for v in predicate["values"] for n in policy_names):
            return True
    return False


def _widget_belongs(widget: InventoryObject, scope: _Scope) -> bool:
    fields = widget.normalized
    if scope.names(q["query"] for q in fields["queries"]):
        return True
    return any(e["guid"] in scope.guids or e["name"] in scope.services for e in fields["linked_entities"])


def select(objects: list[InventoryObject], selection: Selection) -> list[InventoryObject]:
    """The objects of `selection`, in their original order (all of them for an empty selection)."""
    if not selection:
        return objects
    scope = _scope(selection, objects)
    by_kind: dict[str, list[InventoryObject]] = {}
    for obj in objects:
        by_kind.setdefault(obj.ref.kind, []).append(obj)
    keep: set[str] = set()
    widgets_of: dict[str, list[InventoryObject]] = {}
    for widget in by_kind.get("widget", []):
        widgets_of.setdefault(widget.normalized["dashboard_id"], []).append(widget)
    for dash in by_kind.get("dashboard", []):
        fields, widgets = dash.normalized, widgets_of.get(dash.ref.id, [])
        page_guids = {p.get("guid") for p in fields["pages"]}
        if (
            dash.ref.id in scope.guids
            or page_guids & scope.guids
            or scope.tagged(fields["tags"])
            or any(_widget_belongs(w, scope) for w in widgets)
        ):
            keep |= {dash.ref.key, *(w.ref.key for w in widgets)}
    policies: set[str] = set()
    for cond in by_kind.get("nrql_condition", []):
        fields = cond.normalized
        if fields.get("entity_guid") in scope.guids or scope.tagged(fields["tags"]) or scope.names([fields["query"]]):
            keep.add(cond.ref.key)
            policies.add(str(fields.get("policy_id")))
    keep |= {p.ref.key for p in by_kind.get("alert_policy", []) if p.ref.id in policies}
    names = {p.ref.name for p in by_kind.get("alert_policy", []) if p.ref.id in policies}
    channels: set[str] = set()
    for flow in by_kind.get("workflow", []):
        if policies and routes(flow.normalized, policies, names):
            keep.add(flow.ref.key)
            channels |= {str(c.get("channel_id")) for c in flow.normalized["channels"]}
    destinations: set[str] = set()
    for channel in by_kind.get("notification_channel", []):
        if channel.ref.id in channels:
            keep.add(channel.ref.key)
            destinations.add(str(channel.normalized["destination_id"]))
    keep |= {d.ref.key for d in by_kind.get("notification_destination", []) if d.ref.id in destinations}
    monitors: set[str] = set()
    for mon in by_kind.get("synthetic_monitor", []):
        if mon.ref.id in scope.guids or scope.tagged(mon.normalized["tags"]) or scope.in_name(mon.ref.name):
            keep.add(mon.ref.key)
            monitors.add(mon.ref.id)
    for cred in by_kind.get("secure_credential", []):
        if set(cred.normalized["used_by"]) & monitors:
            keep.add(cred.ref.key)
    keep |= {a.ref.key for a in by_kind.get("apm_application", []) if a.ref.name in scope.services}
    return [o for o in objects if o.ref.key in keep]
