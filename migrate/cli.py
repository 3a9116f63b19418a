"""argv → command functions, with one error boundary.

The CLI parses arguments and dispatches; all behaviour lives in `migrate.commands.*`, which tests call
directly. Exit codes: 0 ok, 1 error, 2 usage (or changes present with `plan --detailed-exitcode`),
3 findings under `--strict` (and 130 interrupted, 141 when stdout's reader closed the pipe). Tracebacks only with
`--debug`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Protocol, cast

from migrate import __version__
from migrate.errors import EXIT_ERROR, EXIT_USAGE, DDMigrateError
from migrate.textsafe import clean


class CommandModule(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


# verb -> (module, one-line help). Explicit on purpose: adding a verb is one line here plus one module.
VERBS: dict[str, tuple[str, str]] = {
    "collect": ("migrate.commands.collect", "read a source (API or files) into an inventory directory"),
    "translate": ("migrate.commands.translate", "turn inventories + mapping rules into desired Datadog resources"),
    "plan": ("migrate.commands.plan", "diff desired resources against a Datadog state and write a plan"),
    "report": ("migrate.commands.report", "write the auditors' report (HTML + Markdown + JSON); --check its inputs"),
    "translate-query": ("migrate.commands.translate_query", "translate one query expression and explain it"),
    "bridge": ("migrate.commands.bridge", "write the Agent OpenMetrics config for bridge mode (+ cardinality preview)"),
    "apply": ("migrate.commands.apply", "apply a live plan (one phase or all) to Datadog, journalled and crash-safe"),
    "verify": ("migrate.commands.verify", "read back applied resources, validate monitors, check metrics have data"),
    "parity": ("migrate.commands.parity", "compare each translated query's values on Prometheus and Datadog"),
    "cutover": ("migrate.commands.cutover", "end a phase's parallel run: remove its mute downtimes after verify"),
    "rollback": ("migrate.commands.rollback", "undo a phase or an apply run (only ddmigrate-owned resources)"),
    "status": ("migrate.commands.status", "each phase: applied / verified / cut over / rolled back, when, by whom"),
    "history": ("migrate.commands.history", "every run and phase transition recorded in the ledger"),
    "adopt": ("migrate.commands.adopt", "take an existing unowned Datadog resource under ddmigrate's management"),
    "accept": (
        "migrate.commands.accept",
        "record a reviewed exception (who, when, why) for an object; --list, --revoke",
    ),
    "decommission-check": (
        "migrate.commands.decommission_check",
        "exit 0 only if every object of a tool is verified or accepted",
    ),
}


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors already; keep its message to one line plus the usage."""


def build_parser(verb: str | None = None) -> argparse.ArgumentParser:
    """The full parser; only `verb`'s module is imported (start-up stays fast, since some verbs pull in
    the Datadog client or jsonschema). With no verb, every subcommand is listed by its help line alone."""
    parser = _Parser(
        prog="ddmigrate",
        description="Move monitoring from New Relic, Prometheus/Grafana and Pingdom into Datadog. "
        "Secrets are read from the environment only (DD_API_KEY, DD_APP_KEY, NEW_RELIC_API_KEY, ...).",
        epilog="Exit codes: 0 ok, 1 error, 2 usage or changes present (--detailed-exitcode), 3 --strict findings.",
    )
    parser.add_argument("--version", action="version", version=f"ddmigrate {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for name, (module_name, help_text) in VERBS.items():
        verb_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == verb:
            module = cast(CommandModule, importlib.import_module(module_name))
            module.add_arguments(verb_parser)
            verb_parser.set_defaults(_module=module)
    return parser


def _chosen_verb(argv: Sequence[str]) -> str | None:
    # Global options take no values, so the first word that is not an option is the verb.
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_chosen_verb(words))
    args = parser.parse_args(words)
    if not args.verb:
        parser.print_help()
        return EXIT_USAGE
    module = cast(CommandModule, args._module)
    try:
        code = module.run(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the boundary, not at the interpreter's exit
        return code
    except BrokenPipeError:
        # `ddmigrate ... | head`: the reader went away; stop quietly with the shell's SIGPIPE status, as git does
        _stdout_to_devnull()
        return EXIT_PIPE
    except DDMigrateError as exc:
        if args.debug:
            raise
        # a message may quote a source name or a file name: no escape sequence reaches the terminal
        print(f"ddmigrate {args.verb}: error: {clean(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"ddmigrate {args.verb}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        # A file the readers do not guard themselves (a directory that cannot be searched, a path checked
        # with exists()): name it, as any bad input is named. An OSError without a file is not this case.
        if args.debug or not exc.filename:
            if args.debug:
                raise
            return _internal(args.verb, exc)
        print(f"ddmigrate {args.verb}: error: {clean(f'{exc.filename}: {exc.strerror or exc}')}", file=sys.stderr)
        print("  hint: check the path and its permissions", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # the last line of the boundary: never a bare traceback
        if args.debug:
            raise
        return _internal(args.verb, exc)


EXIT_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a writer whose reader closed the pipe


def _stdout_to_devnull() -> None:
    """Point stdout's descriptor at /dev/null, so the interpreter's final flush of what is still buffered does
    not fail again ("Exception ignored ... BrokenPipeError")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # an in-process stream without a descriptor: nothing will flush it
        pass


def _internal(verb: str, exc: Exception) -> int:
    print(
        f"ddmigrate {verb}: internal error: {type(exc).__name__}: {clean(str(exc))}\n"
        "  hint: re-run with --debug for the traceback and report it",
        file=sys.stderr,
    )
    return EXIT_ERROR
