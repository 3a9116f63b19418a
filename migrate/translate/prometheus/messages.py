"""Prometheus annotation templates → Datadog monitor names and messages.

Only what Datadog can render is converted, and every other change is a finding:
- `{{ $labels.x }}` (also `{{ .Labels.x }}`, `{{ index $labels "x" }}`) → `{{tag.name}}` when the
  label's tag is a group-by tag of the monitor query; a label the rule sets itself is a constant and is
  written literally; anything else becomes "(x: not available)" plus `alert.template_label_unavailable`.
- `{{ $value }}` / `{{ .Value }}` → `{{value}}`; with `| humanize...` or `printf` the formatting is
  dropped (`alert.template_value_format_dropped`, informational: the alert itself is unchanged).
- `{{ $labels }}` → the group-by tags as `tag:{{tag.name}}` (`alert.template_all_labels`, informational).
- any other Go template construct is kept verbatim (`alert.template_unsupported`);
- `@handles` and Datadog template sections or partials (`{{#is_alert}}`, `{{> x}}`) written in an
  annotation, or in a label value it prints, are neutralised (build/mentions.py), with a finding: only the
  routing mappings decide who is notified.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from migrate.model import Finding, Outcome
from migrate.translate.build.mentions import is_block, neutral_text
from migrate.translate.specs.message import Notify, When

_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.DOTALL)
_OPERAND = r"(\$labels\.\w+|\.Labels\.\w+|index\s+\$labels\s+\"\w+\"|\$value|\.Value)"
_PIPED = re.compile(rf"^{_OPERAND}\s*\|.+$", re.DOTALL)
_PRINTF = re.compile(rf"^printf\s+(?:\"[^\"]*\"|`[^`]*`)\s+{_OPERAND}$")
_LABEL = re.compile(r"^(?:\$labels\.|\.Labels\.)(\w+)$|^index\s+\$labels\s+\"(\w+)\"$")


@dataclass
class TemplateScope:
    """What a template may refer to in the Datadog monitor."""

    group_by: Sequence[str]  # Datadog tag keys of the monitor query
    label_tags: Mapping[str, str | None]  # Prometheus label -> tag key (None: no tag)
    static_labels: Mapping[str, str] = field(default_factory=dict)  # the rule's own labels

    def tag_of(self, label: str) -> str | None:
        return self.label_tags.get(label, label)


@dataclass
class Rendered:
    text: str
    findings: list[Finding]


def _label(name: str, scope: TemplateScope, findings: list[Finding]) -> str:
    static = scope.static_labels.get(name)
    if static is not None and "{{" not in static:
        return static
    tag = scope.tag_of(name)
    if tag is not None and tag in scope.group_by:
        return f"{{{{{tag}.name}}}}"
    findings.append(
        Finding(
            "alert.template_label_unavailable",
            f"annotation uses label `{name}`, which is not a group-by tag of the monitor query; "
            "the message says it is not available",
        )
    )
    return f"({name}: not available)"


def _operand(operand: str, scope: TemplateScope, findings: list[Finding]) -> str:
    if operand in ("$value", ".Value"):
        return "{{value}}"
    match = _LABEL.match(operand)
    assert match is not None  # _OPERAND only admits label and value forms
    return _label(match.group(1) or match.group(2), scope, findings)


def _action(body: str, raw: str, scope: TemplateScope, findings: list[Finding]) -> str:
    if body == "$labels":
        findings.append(
            Finding(
                "alert.template_all_labels", "`{{ $labels }}` lists only the monitor's group-by tags", Outcome.EXACT
            )
        )
        return " ".join(f"{t}:{{{{{t}.name}}}}" for t in scope.group_by) or "(labels: not available)"
    if is_block(raw):  # a Datadog template tag, not Go: render() neutralises it, with its finding
        return raw
    if re.fullmatch(_OPERAND, body):
        return _operand(body, scope, findings)
    formatted = _PIPED.match(body) or _PRINTF.match(body)
    if formatted:
        findings.append(
            Finding(
                "alert.template_value_format_dropped",
                f"`{raw}`: the formatting is dropped, Datadog prints the raw value",
                Outcome.EXACT,
            )
        )
        return _operand(formatted.group(1), scope, findings)
    findings.append(
        Finding(
            "alert.template_unsupported",
            f"Go template construct `{raw}` has no Datadog equivalent and is kept verbatim",
        )
    )
    return raw


def render(text: str, scope: TemplateScope) -> Rendered:
    findings: list[Finding] = []
    out = _ACTION.sub(lambda m: _action(m.group(1).strip(), m.group(0), scope, findings), text)
    return Rendered(neutral_text(out, "the annotation", findings), findings)


def notify(critical: Sequence[str], warning: Sequence[str] | None) -> tuple[Notify, ...]:
    """Notification handles; for a merged monitor, handles only one severity routes to go in its block."""
    if warning is None:
        return (Notify(tuple(critical)),)
    return (
        Notify(tuple(h for h in critical if h in warning)),
        Notify(tuple(h for h in critical if h not in warning), When.ALERT),
        Notify(tuple(h for h in warning if h not in critical), When.WARNING),
    )


def dedupe(findings: Sequence[Finding]) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    out = []
    for f in findings:
        if (f.code, f.message) not in seen:
            seen.add((f.code, f.message))
            out.append(f)
    return out
