"""Alert labels → notification handles, from the ordered `routing` rules in the mappings.

Alertmanager-like semantics, evaluated at translation time on the rule's static labels:
- rules are tried in order; the first rule that matches wins and evaluation stops, unless that rule
  says `continue: true`, in which case later rules may add handles too;
- `match` compares label values exactly, `match_re` full-matches a regular expression; a label the
  rule does not set counts as the empty string (as in Alertmanager); `{}` or no matcher matches all;
- handles are returned in rule order, without duplicates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from migrate.errors import ConfigError


@dataclass(frozen=True)
class Route:
    match: tuple[tuple[str, str], ...]
    match_re: tuple[tuple[str, re.Pattern[str]], ...]
    notify: tuple[str, ...]
    cont: bool

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(labels.get(k, "") == v for k, v in self.match) and all(
            rx.fullmatch(labels.get(k, "")) is not None for k, rx in self.match_re
        )


def compile_routes(rules: Sequence[Mapping[str, Any]]) -> list[Route]:
    routes: list[Route] = []
    for i, rule in enumerate(rules):
        patterns: list[tuple[str, re.Pattern[str]]] = []
        for label, pattern in sorted((rule.get("match_re") or {}).items()):
            try:
                patterns.append((label, re.compile(str(pattern))))
            except re.error as exc:
                raise ConfigError(
                    f"routing[{i}].match_re.{label}: invalid regular expression {pattern!r}: {exc}",
                    hint="routing regexes use Python `re` syntax and must match the whole label value",
                ) from None
        routes.append(
            Route(
                match=tuple(sorted((str(k), str(v)) for k, v in (rule.get("match") or {}).items())),
                match_re=tuple(patterns),
                notify=tuple(str(h) for h in rule.get("notify") or ()),
                cont=bool(rule.get("continue", False)),
            )
        )
    return routes


def route(labels: Mapping[str, str], routes: Sequence[Route]) -> list[str]:
    """The notification handles for an alert with these labels."""
    handles: list[str] = []
    for r in routes:
        if not r.matches(labels):
            continue
        handles += [h for h in r.notify if h not in handles]
        if not r.cont:
            break
    return handles
