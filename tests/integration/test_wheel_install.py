"""A wheel install works on its own: what the editable checkout hides (issue 7, item 6).

Builds the wheel from a copy of the sources, installs it into a fresh venv outside the checkout, and
runs `translate-query` and the demo pipeline (`make demo`) from a directory that is not the checkout.
Offline: the build uses this venv's setuptools (`--no-build-isolation`), and the fresh venv sees the
already-installed dependencies through a `.pth` line (a plain path: the editable install's own `.pth`
finder in that directory is not run, so `migrate` can only come from the wheel).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from migrate.commands.translate import translate
from migrate.commands.translate_query import to_json, translate_query
from migrate.mappings import load_mappings

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "inventories" / "sample"
QUERIES = ["up", "sum by (job) (rate(http_requests_total{code=~'5..'}[5m]))"]

pytestmark = pytest.mark.wheel


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, f"{argv[:3]} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def _build_wheel(tmp: Path, env: dict[str, str]) -> tuple[Path, str]:
    src = tmp / "src"
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "migrate", src / "migrate", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    proc = _run(
        [*pip, "wheel", "-v", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp / "dist"), str(src)],
        tmp,
        env,
    )
    (wheel,) = (tmp / "dist").glob("ddmigrate-*.whl")
    return wheel, proc.stdout + proc.stderr


def _fresh_venv(tmp: Path) -> Path:
    target = tmp / "venv"
    venv.create(target, with_pip=False)
    py = target / "bin" / "python"
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return target


def test_wheel_installs_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "DDMIGRATE_MAPPINGS", "PYTHONHOME"}}
    wheel, build_log = _build_wheel(tmp_path, env)
    assert "deprecat" not in build_log.lower(), build_log  # e.g. setuptools' `project.license` table warning

    # every data file the package opens at run time is in the wheel (schemas, mappings, py.typed, NOTICE)
    shipped = set(zipfile.ZipFile(wheel).namelist())
    data = sorted(
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "migrate").rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    )
    assert data and not [p for p in data if p not in shipped]

    target = _fresh_venv(tmp_path)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", str(target / "bin" / "python")]
    _run([*pip, "install", "--no-deps", "--no-index", str(wheel)], tmp_path, env)
    work = tmp_path / "work"  # neither the checkout nor anything under it
    work.mkdir()
    cli = str(target / "bin" / "ddmigrate")

    where = _run([str(target / "bin" / "python"), "-c", "import migrate; print(migrate.__file__)"], work, env)
    assert Path(where.stdout.strip()).is_relative_to(target), where.stdout

    for query in QUERIES:
        out = _run([cli, "translate-query", "--lang", "promql", "--json", "--", query], work, env)
        assert json.loads(out.stdout) == to_json(translate_query(query)), query

    demo = work / "demo"  # the steps of `make demo`, bridge included
    prom, graf, tr = str(demo / "inventory/prometheus"), str(demo / "inventory/grafana"), str(demo / "translation")
    plan, card, sources = str(demo / "plan.json"), str(demo / "bridge/cardinality.json"), SAMPLE / "sources"
    counts = str(sources / "prometheus/series-counts.json")
    steps = [
        ["collect", "prometheus", "--from-files", str(sources / "prometheus"), "--out", prom],
        ["collect", "grafana", "--from-files", str(sources / "grafana"), "--out", graf],
        ["translate", "--inventory", prom, "--inventory", graf, "--out", tr],
        [
            "bridge",
            "--inventory",
            prom,
            "--translation",
            tr,
            "--out",
            str(demo / "bridge/conf.yaml"),
            "--series-counts",
            counts,
        ],
        ["plan", "--translation", tr, "--state", str(SAMPLE / "datadog-state"), "--out", plan, "--cardinality", card],
        ["report", "--translation", tr, "--plan", plan, "--cardinality", card, "--out", str(demo / "report")],
    ]
    for step in steps:
        _run([cli, *step], work, env)

    meta = json.loads((demo / "translation/translation.json").read_text(encoding="utf-8"))
    # the rules came from the installed package (recorded by name, not by this machine's path), and they are
    # the checkout's rules
    files = meta["mappings"]["files"]
    assert files and all(f.startswith("package:") for f in files), files
    show = "import sys; from migrate.mappings import recorded_file; print(*map(recorded_file, sys.argv[1:]))"
    resolved = _run([str(target / "bin" / "python"), "-c", show, *files], work, env).stdout.split()
    assert len(resolved) == len(files) and all(Path(p).is_relative_to(target) for p in resolved), resolved
    assert meta["mappings"]["fingerprint"] == load_mappings().fingerprint()
    # and the installed code translates the collected inventories exactly as the checkout does
    here = translate(inventories=[Path(prom), Path(graf)], out=tmp_path / "checkout-translation")
    assert here.translation.resources, "the sample translates to something"
    installed = json.loads((demo / "translation/desired.json").read_text(encoding="utf-8"))
    assert installed == json.loads((tmp_path / "checkout-translation/desired.json").read_text(encoding="utf-8"))
    assert json.loads(Path(plan).read_text(encoding="utf-8"))["changes"]
    assert (demo / "report/report.md").read_text(encoding="utf-8").strip()
