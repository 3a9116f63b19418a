"""Every concrete `ddmigrate ...` command quoted in README.md and PLAYBOOK.md parses with the real CLI.

Operators copy these lines; a renamed or removed flag must fail here, not during a migration. Synopsis lines
(with `[...]`, `(a | b)` or `...`) and bare verbs are documentation of shape, not commands, and are skipped.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from migrate import cli

ROOT = Path(__file__).resolve().parents[2]
QUOTED = re.compile(r"`(ddmigrate [^`]+)`")


def documented_commands() -> list[tuple[str, str]]:
    found = []
    for name in ("README.md", "PLAYBOOK.md"):
        for command in QUOTED.findall((ROOT / name).read_text(encoding="utf-8")):
            if re.search(r"[\[\]()|]|\.\.\.", command):
                continue
            words = shlex.split(command)[1:]
            if len(words) < 2 or words[0] not in cli.VERBS:
                continue
            found.append((name, command))
    return sorted(set(found))


def test_the_docs_quote_commands() -> None:
    assert len(documented_commands()) >= 10, documented_commands()


@pytest.mark.parametrize(("doc", "command"), documented_commands())
def test_documented_command_parses(doc: str, command: str) -> None:
    words = shlex.split(command)[1:]
    parser = cli.build_parser(words[0])
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:  # argparse reports the problem on stderr and exits 2
        pytest.fail(f"{doc}: `{command}` does not parse (exit {exc.code})")
    assert args.verb == words[0]
