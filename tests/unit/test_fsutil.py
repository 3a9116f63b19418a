import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from migrate import fsutil
from migrate.errors import InputError
from migrate.fsutil import atomic_dir, read_json, write_json


def test_atomic_dir_replaces_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with atomic_dir(target) as stage:
        (stage / "a.json").write_text("1")
    assert (target / "a.json").read_text() == "1"

    with pytest.raises(RuntimeError), atomic_dir(target) as stage:
        (stage / "b.json").write_text("2")
        raise RuntimeError("crash half way")
    assert sorted(p.name for p in target.iterdir()) == ["a.json"], "the previous complete output survives"
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "no staging directory left behind"


def test_read_json_errors_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{\n  "a": 1,\n  oops\n}')
    with pytest.raises(InputError, match=r"x\.json:3: invalid JSON"):
        read_json(path)
    with pytest.raises(InputError, match="file not found"):
        read_json(tmp_path / "missing.json")
    write_json(path, {"b": 2, "a": 1})
    assert path.read_text() == '{\n  "a": 1,\n  "b": 2\n}\n'


def test_outputs_get_the_usual_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fsutil, "_UMASK", 0o022)
    write_json(tmp_path / "plan.json", {})
    with atomic_dir(tmp_path / "report") as stage:
        write_json(stage / "report.json", {})
    assert stat.S_IMODE((tmp_path / "plan.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "report").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "report" / "report.json").stat().st_mode) == 0o644


def test_a_killed_writers_staging_directory_is_removed_by_the_next_write(tmp_path: Path) -> None:
    """SIGKILL (the OOM killer on a runaway input) leaves the staging directory; nothing else can remove it."""
    code = (
        "import os, sys\nfrom pathlib import Path\nfrom migrate.fsutil import atomic_dir\n"
        "with atomic_dir(Path(sys.argv[1])) as stage:\n    (stage / 'half.json').write_text('{')\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "out")], check=False)
    assert proc.returncode == -9
    [left] = list(tmp_path.iterdir())
    assert left.name.startswith(".out.staging-")
    (tmp_path / ".other.staging-1-x").mkdir()  # another target's: not touched
    with atomic_dir(tmp_path / "out") as stage:
        (stage / "a.json").write_text("1")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.staging-1-x", "out"]


def test_a_device_or_fifo_is_refused_unread(tmp_path: Path) -> None:
    """A symlink to /dev/zero named rules.yml reported size 0 and was read until memory ran out."""
    (tmp_path / "rules.yml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.json")
    for name in ("rules.yml", "pipe.json"):
        with pytest.raises(InputError, match=rf"{name}: not a regular file"):
            fsutil.read_text(tmp_path / name)
