"""One error tree for the whole tool; the CLI maps each class to an exit code.

Messages are written for the operator: what went wrong, where (file, line, object), and what to do.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2  # also "changes present" for `plan --detailed-exitcode`
EXIT_STRICT = 3


class DDMigrateError(Exception):
    """Base class: anything the operator can act on. Never shown with a traceback unless --debug."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class UsageError(DDMigrateError):
    """The command line itself is wrong (missing flag, conflicting options)."""

    exit_code = EXIT_USAGE


class InputError(DDMigrateError):
    """A file or payload we were given is malformed. Names the file and, where known, the line."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        where = ""
        if path:
            where = f"{path}:{line}: " if line else f"{path}: "
        super().__init__(f"{where}{message}", hint=hint)
        self.path = path
        self.line = line
        self.reason = message  # without the location: for records that carry the path themselves


class ConfigError(InputError):
    """Mapping rules, phases or settings are invalid."""


class InventoryError(InputError):
    """An inventory on disk is corrupted, hand-edited wrongly, or from an incompatible version."""


class RemoteError(DDMigrateError):
    """A source or Datadog API answered with an error we cannot recover from."""


class CredentialsError(DDMigrateError):
    """A required secret is missing from the environment."""


class StrictFindings(DDMigrateError):
    """--strict was given and approximate or manual findings exist."""

    exit_code = EXIT_STRICT


class TranslationError(DDMigrateError):
    """A query cannot be parsed or translated (used by translate-query; pipelines record a finding instead)."""
