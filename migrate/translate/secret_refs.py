"""Collector secret references (`{{secret:NAME}}`) → `Secret(NAME)` or `{{ NAME }}` in free text.

Collectors replace every credential by a reference before anything is written; a check front end turns a
field that IS a reference into a `Secret` (the builder writes `{{ NAME }}` and the `configVariables`
entry) and a reference inside a longer text (`Bearer {{secret:X}}`, a JSON body) into Datadog's
`{{ X }}` with X listed in the spec's `variables`. A reference name that is not a valid Datadog global
variable name (a path such as `prometheus.basic_auth.password`) becomes one: upper-cased, every other
character an underscore.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from migrate.translate.specs.check import Secret, Text, variable_name_ok

_REFERENCE = re.compile(r"\{\{secret:([^{}]+)\}\}")


def variable_name(reference: str) -> str:
    name = re.sub(r"[^A-Z0-9_]", "_", reference.upper())
    return name if variable_name_ok(name) else f"SECRET_{name}"


@dataclass
class SecretText:
    """Converts texts of one check and remembers the global variables written into free text."""

    variables: list[str] = field(default_factory=list)

    def text(self, value: object) -> Text:
        text = "" if value is None else str(value)
        whole = _REFERENCE.fullmatch(text)
        if whole:
            return Secret(variable_name(whole[1]))
        return self.inline(text)

    def inline(self, text: str) -> str:
        def sub(match: re.Match[str]) -> str:
            name = variable_name(match[1])
            if name not in self.variables:
                self.variables.append(name)
            return f"{{{{ {name} }}}}"

        return _REFERENCE.sub(sub, text)


def has_reference(text: str) -> bool:
    return _REFERENCE.search(text) is not None


def masked(text: str) -> str:
    """References shown to a person (a message) as `<secret NAME>`: `{{...}}` is Datadog template syntax."""
    return _REFERENCE.sub(lambda m: f"<secret {variable_name(m[1])}>", text)
