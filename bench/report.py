"""Benchmark: the auditors' report over the whole test corpus, rendered in real headless Chromium.

Collects and translates everything under tests/corpus that translates today (Prometheus rule files,
Grafana dashboards; New Relic and Pingdom join when their translators land), records a journal in which
most resources were applied and verified (some verify failures, parity results on some objects, manual
objects accepted), writes report.html/.md/.json, opens the HTML in Chromium and measures the time to
the load event and to a search over every row. Targets: load < 5 s, report.html < 20 MB.

    .venv/bin/python bench/report.py [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the browser driver lives in the test support

from migrate import cli  # noqa: E402
from migrate.commands.accept import accept  # noqa: E402
from migrate.commands.report import report  # noqa: E402
from migrate.translate.store import read_translation  # noqa: E402
from tests.support import auditdata  # noqa: E402
from tests.support.browser import Chromium  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"
LOAD_LIMIT_S = 5.0
SIZE_LIMIT_MB = 20.0


def translate(out: Path) -> Path:
    inventories = []
    for source in ("prometheus", "grafana"):
        inv = out / "inventory" / source
        if cli.main(["collect", source, "--from-files", str(CORPUS / source), "--out", str(inv)]) != 0:
            raise SystemExit(f"collect {source} failed")
        inventories += ["--inventory", str(inv)]
    if cli.main(["translate", *inventories, "--out", str(out / "translation")]) != 0:
        raise SystemExit("translate failed")
    return out / "translation"


def record_evidence(translation: Path, workdir: Path) -> None:
    """Two thirds applied, of those nine in ten verified clean; parity on every fifth object; manual accepted."""
    t = read_translation(translation)
    resources = sorted(t.resources, key=lambda r: r.key)
    applied = resources[: len(resources) * 2 // 3]
    auditdata.apply(workdir, applied)
    auditdata.verify(workdir, [r for i, r in enumerate(applied) if i % 10])
    auditdata.verify(workdir, applied[::10], problems=["metric has reported no data recently"])
    series = {
        "source": [[i * 60, float(i % 7)] for i in range(60)],
        "datadog": [[i * 60, i % 7 * 1.1] for i in range(60)],
    }
    parity = {
        e.ref.key: {"verdict": ("agrees", "differs", "no_data")[i % 3], "detail": "bench", "series": series}
        for i, e in enumerate(t.ledger)
        if i % 5 == 0 and e.targets
    }
    auditdata.add_parity(translation, parity)
    manual = [e.ref.key for e in t.ledger if e.outcome.value == "manual"]
    accept(translation_dir=translation, refs=manual[::2], reason="bench: reviewed", by="bench", workdir=workdir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="keep the outputs here (default: a temporary directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ddmigrate-bench-report-") as tmp:
        out = args.out or Path(tmp)
        workdir = out / "work"
        workdir.mkdir(parents=True, exist_ok=True)
        translation = translate(out)
        record_evidence(translation, workdir)
        start = time.perf_counter()
        result = report(translation_dir=translation, out=out / "report", workdir=workdir)
        build_s = time.perf_counter() - start
        size_mb = result.html_path.stat().st_size / 1e6
        with Chromium() as browser:
            page = browser.open(result.html_path)
            rows = page.evaluate("document.querySelectorAll('#items > tbody > tr').length")
            search_ms = page.evaluate(
                "(function () { var s = document.getElementById('f-search'), t = performance.now();"
                " s.value = 'rate('; s.dispatchEvent(new Event('input'));"
                " return performance.now() - t; }())"
            )
            shown = page.evaluate("document.getElementById('f-shown').textContent")
            page.settle()
            problems = page.console + page.exceptions
        data = result.data
        by = ", ".join(f"{k} {v}" for k, v in data["summary"]["by_outcome"].items())
        print(f"objects: {data['summary']['total']} ({by})")
        for tool in data["tools"]:
            print(
                f"  {tool['tool']}: {tool['total']} objects, {tool['applied']} applied, {tool['verified']} verified, "
                f"{tool['parity_checked']} parity-checked, {tool['accepted']} accepted"
            )
        print(f"report built and written in {build_s:.2f} s")
        json_mb = result.json_path.stat().st_size / 1e6
        print(f"report.html {size_mb:.2f} MB (limit {SIZE_LIMIT_MB:.0f}), report.json {json_mb:.2f} MB")
        print(f"chromium: {rows} rows, load event after {page.load_seconds:.2f} s (limit {LOAD_LIMIT_S:.0f} s)")
        print(f"search over every row: {search_ms:.0f} ms ({shown} rows match 'rate(')")
        failed = [
            what
            for what, bad in (
                (f"load {page.load_seconds:.2f} s >= {LOAD_LIMIT_S} s", page.load_seconds >= LOAD_LIMIT_S),
                (f"size {size_mb:.2f} MB >= {SIZE_LIMIT_MB} MB", size_mb >= SIZE_LIMIT_MB),
                (f"rows {rows} != objects {data['summary']['total']}", rows != data["summary"]["total"]),
                (f"console output: {problems[:3]}", bool(problems)),
            )
            if bad
        ]
        if failed:
            raise SystemExit("FAILED: " + "; ".join(failed))


if __name__ == "__main__":
    main()
