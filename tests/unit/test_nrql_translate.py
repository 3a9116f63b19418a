"""NRQL translation beyond the case table: `translate-query --lang nrql` (text, JSON, a parse error), the rules a
user layers with `--mappings DIR` (a custom event type, a span name, a schema error with file:line), and the
neutral QueryResult fields the widget and monitor builders read (time frame, interval, shift, limit, labels)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.cli import main
from migrate.commands.translate_query import translate_query
from migrate.errors import ConfigError, TranslationError
from migrate.mappings import load_mappings
from migrate.translate.languages import LANGUAGES
from migrate.translate.nrql.translate import translate_nrql
from migrate.translate.query import QueryContext, TimeFrame


def layer(tmp_path: Path, text: str) -> Path:
    directory = tmp_path / "layer"
    directory.mkdir(exist_ok=True)
    (directory / "mine.yaml").write_text(text, encoding="utf-8")
    return directory


def test_registered_language() -> None:
    assert LANGUAGES["nrql"].translate is translate_nrql
    assert LANGUAGES["nrql"].parse_error_code == "nrql.parse_error"


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    clauses = [
        "SELECT count(*) AS 'Views' FROM PageView FACET appName LIMIT 20",
        "SINCE 1 week ago",
        "COMPARE WITH 1 week ago",
    ]
    query = "\n".join([*clauses, "TIMESERIES 60 minutes"])
    assert main(["translate-query", "--lang", "nrql", "--json", "--", query]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["query"] == 'top(rum("@type:view").rollup("count").by("service"), 25, \'mean\', \'desc\')'
    assert data["queries"] == {"a": 'rum("@type:view").rollup("count").by("service")'}
    assert data["more_formulas"] == ["week_before(top(a, 25, 'mean', 'desc'))"]
    assert data["labels"] == ["Views", "Views (1 week ago)"]
    assert data["fidelity"] == "approximate"
    assert data["findings"] == ["nrql.limit_rounded"]
    assert (data["interval_seconds"], data["over_time"], data["shift_seconds"], data["limit"]) == (
        3600,
        True,
        604800,
        20,
    )
    assert data["time_frame"]["since_seconds"] == 604800


def test_cli_text_shows_every_series(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["translate-query", "--lang", "nrql", "SELECT count(*), uniqueCount(session) FROM PageView"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        'query:    rum("@type:view").rollup("count")',
        'query:    rum("@type:view").rollup("cardinality", "@session.id")',
        "fidelity: exact",
    ]


def test_cli_parse_error_is_one_line_with_line_and_column(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["translate-query", "--lang", "nrql", "SELECT count(* FROM Transaction"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "1:16" in err[0], err
    with pytest.raises(TranslationError, match="1:16"):
        translate_query("SELECT count(* FROM Transaction", lang="nrql")


def test_custom_event_rule_from_a_layer(tmp_path: Path) -> None:
    query = "SELECT count(*) FROM MobileVideo WHERE actionName = 'CONTENT_START' FACET appName"
    assert translate_query(query, lang="nrql").fidelity.value == "manual"
    rules = layer(
        tmp_path,
        'newrelic:\n  events:\n    MobileVideo: {kind: rum, search: "@type:action", tags: {appName: service, '
        'actionName: "@action.target.name"}}\n',
    )
    result = translate_query(query, lang="nrql", mappings_dirs=[rules])
    assert result.expression == 'rum("@type:action @action.target.name:CONTENT_START").rollup("count").by("service")'
    assert result.fidelity.value == "exact"


def test_span_name_from_a_layer_removes_the_assumption(tmp_path: Path) -> None:
    query = "SELECT percentile(duration, 95) FROM Transaction WHERE appName = 'billing'"
    assumed = translate_query(query, lang="nrql")
    assert [f.code for f in assumed.findings] == ["nrql.apm_span_assumed"]
    rules = layer(tmp_path, "newrelic:\n  apm:\n    spans: {billing: servlet.request}\n")
    result = translate_query(query, lang="nrql", mappings_dirs=[rules])
    assert (result.expression, result.findings) == ("p95:trace.servlet.request{service:billing}", [])


def test_schema_error_names_file_line_and_key(tmp_path: Path) -> None:
    rules = layer(tmp_path, "newrelic:\n  events:\n    MobileVideo:\n      kind: widget\n")
    with pytest.raises(ConfigError) as info:
        load_mappings([rules])
    assert "mine.yaml" in str(info.value.path) and info.value.line == 4
    assert "newrelic.events.MobileVideo.kind" in str(info.value)


def test_time_clauses_are_recorded_for_the_builders() -> None:
    ctx = QueryContext(mappings=load_mappings())
    result = translate_nrql(
        "SELECT count(*) FROM Log SINCE 3 hours ago UNTIL 1 hour ago TIMESERIES 5 minutes FACET service", ctx
    )
    assert result.time_frame == TimeFrame(since_seconds=10800, until_seconds=3600)
    assert (result.interval_seconds, result.over_time, result.limit, result.group_by) == (300, True, 10, ["service"])
    fixed = translate_nrql("SELECT count(*) FROM Log SINCE 1700000000000 UNTIL 1700003600000", ctx)
    assert fixed.time_frame == TimeFrame(start_ms=1700000000000, end_ms=1700003600000)
    assert (fixed.over_time, fixed.limit, fixed.interval_seconds) == (False, None, None)
