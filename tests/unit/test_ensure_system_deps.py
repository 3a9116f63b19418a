"""scripts/ensure-system-deps: what `make test` and .ci/run install on a fresh machine (issue 7, item 8).

Run in --dry-run mode with a PATH we control, so nothing is installed; the real apt-get path runs in CI.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ensure-system-deps"


def _run(path_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # bash by absolute path: the PATH under test may hold nothing at all
    return subprocess.run(
        ["/bin/bash", str(SCRIPT), *args],
        env={"PATH": str(path_dir)},
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


def _fake_binaries(directory: Path, *names: str) -> Path:
    directory.mkdir(exist_ok=True)
    for name in names:
        (directory / name).write_text("#!/bin/sh\nexit 0\n")
        (directory / name).chmod(0o755)
    return directory


def test_empty_path_names_the_apt_get_command_for_every_package(tmp_path: Path) -> None:
    proc = _run(_fake_binaries(tmp_path / "bin"), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "apt-get install -y -qq --no-install-recommends prometheus chromium" in proc.stdout
    assert "apt-get update" in proc.stdout


@pytest.mark.parametrize(
    ("present", "wanted"),
    [
        (["prometheus", "promtool"], "chromium"),
        (["prometheus", "chromium"], "prometheus"),
        (["chromium"], "prometheus"),
    ],
)
def test_only_missing_packages_are_named(tmp_path: Path, present: list[str], wanted: str) -> None:
    proc = _run(_fake_binaries(tmp_path / "bin", *present), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    (line,) = [ln for ln in proc.stdout.splitlines() if ln.startswith("would run:")]
    assert line.endswith(f"--no-install-recommends {wanted}")


def test_nothing_to_do_when_everything_is_there(tmp_path: Path) -> None:
    bin_dir = _fake_binaries(tmp_path / "bin", "prometheus", "promtool", "chromium")
    assert "nothing to install" in _run(bin_dir, "--dry-run").stdout
    real = _run(bin_dir)  # not a dry run: with nothing missing it must not reach apt-get
    assert (real.returncode, real.stdout, real.stderr) == (0, "", "")


def test_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    proc = _run(tmp_path, "--check")
    assert proc.returncode == 2 and "usage:" in proc.stderr


def test_make_test_and_ci_share_the_one_script() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "test: system-deps" in makefile and "\tscripts/ensure-system-deps\n" in makefile
    assert "scripts/ensure-system-deps" in ci and "make test" in ci
    assert "apt-get" not in ci and "apt-get" not in makefile  # no second copy of the install step
