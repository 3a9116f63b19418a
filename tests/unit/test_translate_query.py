"""`ddmigrate translate-query`, driven in-process through migrate.cli.main."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.cli import main
from migrate.commands.translate_query import translate_query
from migrate.errors import TranslationError


def write_mappings(tmp_path: Path) -> Path:
    layer = tmp_path / "layer"
    layer.mkdir()
    (layer / "prometheus.yaml").write_text(
        "prometheus:\n  namespace: acme\n  histogram_buckets_as_distributions: false\n"
        "  label_tags: {instance: host, job: null}\n",
        encoding="utf-8",
    )
    return layer


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(["translate-query", "--json", *argv]) == 0
    out = capsys.readouterr().out
    return dict(json.loads(out))


def test_text_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    layer = write_mappings(tmp_path)
    code = main(
        [
            "translate-query",
            "--lang",
            "promql",
            "--mappings",
            str(layer),
            'sum by (code) (rate(http_requests_total{code=~"5.*"}[5m])) > 0.05',
        ]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out == ["query:    sum:acme.http_requests.count{code:5*} by {code}.as_rate() > 0.05", "fidelity: exact"]


def test_json_output_fields(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    layer = write_mappings(tmp_path)
    expr = 'sum(rate(a_total{job="x"}[5m])) / sum(rate(b_total[5m])) > 1'
    data = run_json(capsys, "--mappings", str(layer), "--", expr)
    assert data["query"] == "sum:acme.a.count{*}.as_rate() / sum:acme.b.count{*}.as_rate()"
    assert data["queries"] == {"a": "sum:acme.a.count{*}.as_rate()", "b": "sum:acme.b.count{*}.as_rate()"}
    assert data["formula"] == "a / b"
    assert data["comparison"] == {"op": ">", "threshold": 1.0}
    assert data["fidelity"] == "approximate"
    assert data["findings"] == ["promql.server_label"]
    assert isinstance(data["notes"], list) and "job" in str(data["notes"][0])


def test_type_and_namespace_override(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    layer = write_mappings(tmp_path)
    as_gauge = run_json(capsys, "--mappings", str(layer), "--namespace", "", "sum(requests)")
    as_counter = run_json(
        capsys, "--mappings", str(layer), "--namespace", "", "--type", "counter", "sum(rate(requests[5m]))"
    )
    assert as_gauge["query"] == "sum:requests{*}"
    assert as_counter["query"] == "sum:requests.count{*}.as_rate()"
    assert as_counter["fidelity"] == "exact"  # --type is the operator's word: nothing guessed


def test_manual_result_is_not_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "x * on(a) group_left(b) y")
    assert data["fidelity"] == "manual"
    assert data["query"] == ""
    assert data["findings"] == ["promql.group_modifier"]


def test_invalid_input_exits_1_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["translate-query", "sum(rate(x[5m])"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "unclosed left parenthesis" in lines[0]


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["translate-query", "--type", "bogus", "x"])
    assert exc.value.code == 2
    assert main(["translate-query", "  "]) == 2
    assert "empty" in capsys.readouterr().err


def test_command_function_raises_on_parse_error() -> None:
    with pytest.raises(TranslationError):
        translate_query("sum(")
    assert translate_query("sum(x)", namespace="n").expression == "sum:n.x{*}"
