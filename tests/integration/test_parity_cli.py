"""`ddmigrate parity` end to end: rules collected and translated by the CLI, one monitor edited to inject a
mismatch, then parity through the CLI against a real Prometheus (generated history, plus an ALERTS record)
and the local Datadog server holding the same samples."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migrate.cli import main
from migrate.testing import generated
from tests.support.parity import ParallelRun, parallel_run, translate_rules

pytestmark = pytest.mark.prometheus

RULES = """groups:
  - name: app
    rules:
      - alert: HighErrorRatio
        expr: sum(rate(http_requests_total{code=~"5.*"}[5m])) / sum(rate(http_requests_total[5m])) > 0.05
        for: 5m
      - alert: LoadHigh
        expr: max by (pod) (node_load1) > 120
        for: 2m
      - alert: ErrorsSeen
        expr: sum(rate(errors_total[5m])) > 0.5
        for: 1m
      - alert: ErrorBurst
        expr: sum(increase(errors_total[15m])) > 100
"""
ALERTS_FROM = generated.START + 2 * 3600  # Prometheus' record: ErrorsSeen fired from two hours in


def _alerts_history() -> list[str]:
    labels = 'alertname="ErrorsSeen",alertstate="firing",instance="",job="rules"'
    return [f"ALERTS{{{labels}}} 1.0 {t}" for t in range(ALERTS_FROM, generated.END, 15)]


@pytest.fixture(scope="module")
def run() -> Iterator[ParallelRun]:
    with parallel_run(_alerts_history()) as parallel:
        yield parallel


def _translate(tmp_path: Path) -> Path:
    translation = translate_rules(tmp_path, RULES)
    desired = json.loads((translation / "desired.json").read_text(encoding="utf-8"))
    for resource in desired["resources"]:  # the injected mismatch: the `by {pod}` dropped
        resource["payload"]["query"] = resource["payload"]["query"].replace("{*} by {pod}", "{*}")
    (translation / "desired.json").write_text(json.dumps(desired), encoding="utf-8")
    return translation


def _key(evidence: dict[str, Any], alert: str) -> dict[str, Any]:
    (found,) = [v for k, v in evidence.items() if k.endswith(f"/{alert}")]
    assert isinstance(found, dict)
    return found


def test_parity_through_the_cli_finds_the_injected_mismatch(
    run: ParallelRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    translation = _translate(tmp_path)
    monkeypatch.setenv("PROMETHEUS_URL", run.prometheus.url)
    monkeypatch.setenv("DD_API_URL", run.datadog.url)
    for name, value in run.datadog.env.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "parity.json"
    window = ["--from", str(run.window[0]), "--until", str(run.window[1]), "--step", "60s"]
    argv = ["parity", "--translation", str(translation), *window, "--mappings", str(tmp_path / "maps")]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    evidence = json.loads(out.read_text(encoding="utf-8"))

    ratio, load, errors = (_key(evidence, a) for a in ("HighErrorRatio", "LoadHigh", "ErrorsSeen"))
    assert ratio["verdict"] == "agrees" and ratio["coverage"] == 1.0 and ratio["firing"]["agrees"]
    # increase(x[15m]) kept as the monitor's sum(last_15m) over .as_count(): compared as the monitor evaluates it
    burst = _key(evidence, "ErrorBurst")
    assert burst["verdict"] == "agrees" and burst["datadog"].startswith(
        "moving_rollup(sum:app.errors.count{*}.as_count(), 900"
    )
    assert load["verdict"] == "differs" and load["coverage"] < 1  # Prometheus per pod, Datadog one series
    assert "DIFFERS" in printed and "LoadHigh" in printed
    for result in evidence.values():
        assert {"verdict", "coverage", "max_abs_diff", "max_rel_diff", "step_seconds", "window", "series"} <= set(
            result
        )
        assert result["step_seconds"] == 60 and result["window"] == {"from": run.window[0], "to": run.window[1]}

    # When they fire: the monitor fires all along (0.9 errors/s > 0.5), Prometheus' ALERTS from two hours in.
    alerts = errors["alerts"]
    assert alerts["minutes_only_datadog"] == (ALERTS_FROM - run.window[0]) / 60
    assert alerts["minutes_both_firing"] == (run.window[1] - ALERTS_FROM) / 60
    assert alerts["minutes_only_prometheus"] == 0 and alerts["first_disagreement"] == run.window[0]
    assert alerts["datadog_firing"] == "the monitor's condition evaluated on the Datadog series"  # not applied

    # The verdicts are ledger evidence, so the report shows the injected mismatch with both sides' series.
    ledger = json.loads((translation / "ledger.json").read_text(encoding="utf-8"))
    recorded = {e["key"]: e["evidence"]["parity"] for e in ledger["entries"] if "evidence" in e}
    assert {k.rsplit("/", 1)[1]: v["verdict"] for k, v in recorded.items()} == {
        "HighErrorRatio": "agrees",
        "LoadHigh": "differs",
        "ErrorsSeen": "agrees",
        "ErrorBurst": "agrees",
    }
    load_sketch = next(v for k, v in recorded.items() if k.endswith("/LoadHigh"))["series"]
    assert load_sketch["source"] and load_sketch["datadog"]
    report = tmp_path / "report"
    assert main(["report", "--workdir", str(tmp_path), "--translation", str(translation), "--out", str(report)]) == 0
    markdown = (report / "report.md").read_text(encoding="utf-8")
    assert "parity measured a difference from the source (1)" in markdown and "parity_differs" in markdown
    assert 'aria-label="source and Datadog series"' in (report / "report.html").read_text(encoding="utf-8")
    capsys.readouterr()

    # Resumable: a second run checks nothing again; --force and --only re-check one object.
    requests_before = len(run.datadog.requests)
    assert main([*argv, "--out", str(out)]) == 0
    assert "4 already in" in capsys.readouterr().out and len(run.datadog.requests) == requests_before
    only = next(k for k in evidence if k.endswith("/LoadHigh"))
    assert main([*argv, "--out", str(out), "--only", only, "--force"]) == 0
    assert "1 differ" in capsys.readouterr().out


def test_bad_window_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["parity", "--translation", str(tmp_path), "--out", str(tmp_path / "p.json"), "--since", "1h"]
    assert main([*argv, "--from", "0"]) != 0
    assert "either --since or --from" in capsys.readouterr().err
