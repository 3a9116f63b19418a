"""Source text made inert in Datadog notifications: only the routing mappings add `@` handles.

A rule annotation, a New Relic description or a check name is text someone else wrote. Copied verbatim,
`@pagerduty-ceo` pages whoever it names, and `{{#is_recovery}}` left open (or `{{=<% %>=}}`, which changes
the template delimiters) wraps the handles ddmigrate appends, so routing only fires on recovery. So:

- every `@` followed by a character is written `(at)`: readable ("(at)slack-payments"), and no mention
  parser, whatever it accepts as a handle or an email, finds an `@` to start one. A zero-width space after
  the `@` would look better but relies on Datadog's parser not skipping it, which no document states;
- a template tag that opens or closes a section, includes a partial, comments or changes delimiters
  (`{{#...}}`, `{{^...}}`, `{{/...}}`, `{{>...}}`, `{{!...}}`, `{{=...}}`, `{{&...}}`, `{{{`) loses its
  opening `{{`, written `{ {`, which no mustache/handlebars renderer reads as a tag. Plain variables
  (`{{value}}`, `{{host.name}}`) are kept: front ends write them on purpose (prometheus/messages.py).

`neutralise` says what it changed, for the finding the caller records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from migrate.model import Finding, Outcome

HANDLE_CODE = "message.handle_neutralised"
BLOCK_CODE = "message.template_block_neutralised"
_HANDLE = re.compile(r"@(?=\S)")
_HANDLE_TEXT = re.compile(r"@\S+")
# `{{~` is handlebars whitespace control; `{{{x}}}` is an unescaped variable (its third brace would survive)
_BLOCK = re.compile(r"\{\{(?=~?\s*[#^/>!=&{])")
_BLOCK_TEXT = re.compile(r"\{\{~?\s*[#^/>!=&{][^}]*\}*")


@dataclass
class Neutralised:
    text: str
    handles: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)

    def findings(self, where: str) -> list[Finding]:
        """Informational findings (the notification is what the routing mappings decide, as intended)."""
        out = []
        if self.handles:
            out.append(
                Finding(
                    HANDLE_CODE,
                    f"{where} named {', '.join(f'`{h}`' for h in self.handles[:5])}: written `(at)…` so it notifies "
                    "no one; only the routing mappings add handles",
                    Outcome.EXACT,
                )
            )
        if self.blocks:
            out.append(
                Finding(
                    BLOCK_CODE,
                    f"{where} had template tags {', '.join(f'`{b}`' for b in self.blocks[:5])}: written `{{ {{…` so "
                    "they cannot change which notifications are sent",
                    Outcome.EXACT,
                )
            )
        return out


def is_block(tag: str) -> bool:
    """Whether a whole `{{...}}` tag is one `neutralise` rewrites (a section, partial, comment, ...)."""
    return _BLOCK.match(tag) is not None


def neutralise(text: str) -> Neutralised:
    if "@" not in text and "{{" not in text:  # the common case
        return Neutralised(text)
    handles = list(dict.fromkeys(_HANDLE_TEXT.findall(text)))
    blocks = list(dict.fromkeys(_BLOCK_TEXT.findall(text)))
    return Neutralised(_BLOCK.sub("{ {", _HANDLE.sub("(at)", text)), handles, blocks)


def neutral_text(text: str, where: str, findings: list[Finding]) -> str:
    """`text` neutralised; what changed is appended to `findings` (deduplicated by the ledger's reader)."""
    done = neutralise(text)
    findings.extend(f for f in done.findings(where) if f not in findings)
    return done.text
