"""What the NRQL translator's parts share: the findings they collect and the exception for what Datadog cannot
express. Codes are stable (`nrql.<what>`); tests/cases/nrql.tsv asserts them."""

from __future__ import annotations

from migrate.model import Finding, Outcome


class Manual(Exception):
    """Raised where the query (or one of its parts) has no Datadog equivalent; the result is manual."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Notes:
    """The findings of one translation, in order, each once."""

    def __init__(self) -> None:
        self._findings: dict[Finding, None] = {}

    def approximate(self, code: str, message: str) -> None:
        self._findings[Finding(code, message, Outcome.APPROXIMATE)] = None

    def findings(self) -> list[Finding]:
        return list(self._findings)
