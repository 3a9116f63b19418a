import argparse
import importlib
import subprocess
import sys

import pytest

from migrate import cli
from migrate.errors import InputError


def test_help_lists_every_verb(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for verb in cli.VERBS:
        assert verb in out


@pytest.mark.parametrize("verb", list(cli.VERBS))
def test_every_verb_has_help(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main([verb, "--help"])
    assert exc.value.code == 0
    assert "usage: ddmigrate" in capsys.readouterr().out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    with pytest.raises(SystemExit) as exc:
        cli.main(["no-such-verb"])
    assert exc.value.code == 2


class _Boom:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        pass

    def run(self, args: argparse.Namespace) -> int:
        raise self.exc


def test_unexpected_exception_is_an_internal_error_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    verb = "translate-query"
    module = importlib.import_module(cli.VERBS[verb][0])
    monkeypatch.setattr(module, "run", _Boom(ZeroDivisionError("x")).run)
    monkeypatch.setattr(module, "add_arguments", lambda parser: None)
    assert cli.main([verb]) == 1
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError" in err
    assert "Traceback" not in err
    with pytest.raises(ZeroDivisionError):
        cli.main(["--debug", verb])


def test_input_error_message_and_code(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    verb = "translate-query"
    module = importlib.import_module(cli.VERBS[verb][0])
    monkeypatch.setattr(module, "run", _Boom(InputError("broken", path="rules.yml", line=3, hint="fix it")).run)
    monkeypatch.setattr(module, "add_arguments", lambda parser: None)
    assert cli.main([verb]) == 1
    err = capsys.readouterr().err
    assert "ddmigrate translate-query: error: rules.yml:3: broken" in err
    assert "hint: fix it" in err


def test_python_dash_m_works() -> None:
    proc = subprocess.run([sys.executable, "-m", "migrate", "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert proc.stdout.startswith("ddmigrate ")
