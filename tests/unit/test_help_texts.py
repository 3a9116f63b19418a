"""Help texts speak to operators: no project-internal references such as "(issue 3)"."""

from __future__ import annotations

import re

import pytest

from migrate.cli import VERBS, main


@pytest.mark.parametrize("verb", [None, *VERBS])
def test_help_names_no_issue_numbers(verb: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"] if verb is None else [verb, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "usage: ddmigrate" in text
    assert not re.search(r"\bissue\s*#?\d", text, re.IGNORECASE), text
