"""What every builder shares: the result type, ownership tags and the message layout."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from migrate.datadog import ownership
from migrate.datadog.payload_rules import TAG_MAX
from migrate.model import DesiredResource, Finding, SourceRef
from migrate.translate.build.mentions import neutral_text
from migrate.translate.specs.message import MessageSpec


class SpecError(ValueError):
    """A spec no Datadog object can express as written: a front-end bug, named with the spec's source."""


@dataclass
class Built:
    """A payload ready to plan, and what the builder had to change to make it valid."""

    resource: DesiredResource
    findings: list[Finding] = field(default_factory=list)


def owned_tags(
    key: str, refs: Sequence[SourceRef], *extra: Iterable[str], findings: list[Finding] | None = None
) -> list[str]:
    """The ownership marker first, then where it came from (`migrated_from:<source>`, for people filtering
    the monitor list: the marker's `ddmigrate_source:` is ddmigrate's own), then the spec's tags, without
    duplicates (order kept). A tag longer than Datadog accepts is cut to fit, the full tag in a finding."""
    tags: list[str] = []
    origins = sorted({f"migrated_from:{r.source}" for r in refs})
    for tag in [*ownership.ownership_tags(key, refs), *origins, *(t for group in extra for t in group)]:
        fitted = _fitted_tag(tag, findings)
        if fitted not in tags:
            tags.append(fitted)
    return tags


def _fitted_tag(tag: str, findings: list[Finding] | None) -> str:
    # "Tags can be up to 200 characters long" (docs.datadoghq.com/getting_started/tagging); validate.py
    # refuses a longer one, which would make the whole resource invalid. A tag cannot end with a colon.
    if len(tag) <= TAG_MAX:
        return tag
    cut = tag[:TAG_MAX].rstrip(":")
    if findings is not None:
        findings.append(
            Finding(
                "tag.truncated",
                f"tag `{tag}` ({len(tag)} characters) is longer than the {TAG_MAX} Datadog accepts: written as "
                f"`{cut}`, so a filter on the full value does not match it",
            )
        )
    return cut


def _block(when: str | None, text: str) -> str:
    return f"{{{{#{when}}}}}\n{text}\n{{{{/{when}}}}}" if when else text


def conditional(parts: Iterable[tuple[str | None, str]]) -> str:
    """Join message parts; a part with a condition goes inside its `{{#cond}}...{{/cond}}` block."""
    return "\n".join(_block(when, text) for when, text in parts if text)


def message_text(spec: MessageSpec, key: str, refs: Sequence[SourceRef], findings: list[Finding] | None = None) -> str:
    """Body, runbook, conditional blocks, handles, then the ownership footer, separated by blank lines.

    Everything but the handles is source text (the footer names the source objects): neutralised
    (build/mentions.py), so only `spec.notify`, which the routing mappings fill, can notify anyone."""
    found = findings if findings is not None else []
    body = [spec.body] if spec.body else []
    if spec.runbook:
        body.append(f"Runbook: {spec.runbook}")
    text = neutral_text("\n\n".join(body), "the message", found)
    blocks = conditional((b.when.value, neutral_text(b.text, "the message", found)) for b in spec.blocks)
    handles = conditional((n.when.value if n.when else None, " ".join(n.handles)) for n in spec.notify)
    parts = [text, blocks, handles, neutral_text(ownership.footer(key, refs), "a source name", found)]
    return "\n\n".join(p for p in parts if p)
