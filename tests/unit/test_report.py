"""`ddmigrate report`: counts, every approximate/manual/skipped item, Markdown that renders, --strict."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from migrate import cli
from migrate.commands.plan import plan
from migrate.commands.report import report
from migrate.ledger import Ledger
from migrate.model import DesiredResource, Finding, Outcome, SourceRef
from migrate.report.markdown import code, text
from migrate.translate.store import Translation, write_translation
from tests.unit.test_plan import desired_monitor

NASTY_QUERY = 'sum by (job) (rate(http_requests_total{code=~"5..|4.."}[5m])) / on(job) ``` `x` > 0.05'


def ref(kind: str, name: str) -> SourceRef:
    return SourceRef("prometheus", kind, f"rules/payments.yml/payment-gateway/{name}", name, "rules/payments.yml")


@pytest.fixture
def translation_dir(tmp_path: Path) -> Path:
    return make_translation_dir(tmp_path)


def make_translation_dir(tmp_path: Path) -> Path:
    """Two exact, one approximate and one manual monitor, and a skipped recording rule."""
    ledger = Ledger()
    resources: list[DesiredResource] = []
    for name in ("Exact1", "Exact2"):
        res = desired_monitor(name)
        resources.append(res)
        ledger.record(res.source_refs[0], [], targets=[res])
    approx = desired_monitor("ApproxRule")
    resources.append(approx)
    ledger.record(
        ref("alerting_rule", "ApproxRule"),
        [Finding("promql.server_label", "label `instance` | kept as tag *host*")],
        targets=[approx],
        original='up{instance="a|b"} == 0',
    )
    manual = desired_monitor("ManualRule")
    resources.append(manual)
    ledger.record(
        ref("alerting_rule", "ManualRule"),
        [
            Finding("promql.unsupported_function", "holt_winters() has no Datadog twin", Outcome.MANUAL),
            Finding("promql.server_label", "label job dropped"),
        ],
        targets=[manual],
        original=NASTY_QUERY,
    )
    ledger.record(ref("recording_rule", "job:rate5m"), [], skipped=True, reason="recording rule | not referenced")
    out = tmp_path / "translation"
    write_translation(out, Translation(resources, ledger, {"mappings_fingerprint": "sha256:m"}))
    return out


def test_report_counts_and_lists_every_item(translation_dir: Path, tmp_path: Path) -> None:
    result = report(translation_dir=translation_dir, out=tmp_path / "report")
    data = json.loads(result.json_path.read_text())
    assert data == json.loads(json.dumps(result.data))
    assert data["summary"]["by_outcome"] == {"exact": 2, "approximate": 1, "manual": 1, "skipped": 1}
    assert data["summary"]["by_source_kind"]["prometheus/recording_rule"]["skipped"] == 1
    assert data["summary"]["by_source_kind"]["prometheus/alerting_rule"] == {
        "exact": 2,
        "approximate": 1,
        "manual": 1,
        "skipped": 0,
    }
    assert data["resources"] == {"total": 4, "by_type": {"monitor": 4}}
    assert data["reason_codes"] == {"promql.server_label": 2, "promql.unsupported_function": 1}
    assert [i["name"] for i in data["items"]["manual"]] == ["ManualRule"]
    assert data["items"]["manual"][0]["original"] == NASTY_QUERY
    assert data["items"]["skipped"][0]["reason"] == "recording rule | not referenced"
    assert data["plan"] is None
    assert result.findings_count == 2
    # every ledger entry exactly once across the outcome sections, each findable by its key in the Markdown
    ledger = json.loads((translation_dir / "ledger.json").read_text())
    listed = [i["key"] for items in data["items"].values() for i in items]
    assert sorted(listed) == sorted(e["key"] for e in ledger["entries"])
    markdown = result.markdown_path.read_text()
    assert "## Exact items (2)" in markdown
    assert all(f"`{key}`" in markdown for key in listed)


def test_markdown_renders_tables_and_keeps_queries_intact(translation_dir: Path, tmp_path: Path) -> None:
    result = report(translation_dir=translation_dir, out=tmp_path / "report")
    source = result.markdown_path.read_text()
    html = MarkdownIt("commonmark").enable("table").render(source)
    # Every table row has as many cells as its header: no `|` from a source broke a table.
    for tbl in html.split("<table>")[1:]:
        body = tbl.split("</table>")[0]
        header_cells = len(re.findall(r"<th[ >]", body.split("</thead>")[0]))
        assert header_cells >= 2
        for row in body.split("<tbody>")[1].split("<tr>")[1:]:
            assert len(re.findall(r"<td[ >]", row)) == header_cells
    # The nasty query survives verbatim in a code block; the skipped reason and finding text keep their pipes.
    assert NASTY_QUERY.replace("&", "&amp;").replace('"', "&quot;").replace(">", "&gt;") in html
    assert "recording rule | not referenced" in html
    assert "label <code>instance</code> | kept as tag *host*" not in html  # escaped, not interpreted
    assert "label `instance` | kept as tag *host*" in html
    # Items are findable by source key, grouped by source/kind, approximate before manual before skipped
    # (the item sections follow the per-tool gate, which names blocked objects too).
    items = source[source.index("## Approximate items") :]
    order = [
        items.index(s)
        for s in (
            "## Approximate items",
            "ApproxRule",
            "## Manual items",
            "rules/payments.yml/payment-gateway/ManualRule",
            "## Skipped items",
            "job:rate5m",
        )
    ]
    assert order == sorted(order)
    assert "`promql.unsupported_function`" in source


def test_code_span_and_text_escaping() -> None:
    assert code("a|b") == "`a\\|b`"
    assert code("has `tick`") == "`` has `tick` ``"  # padded on both sides, stripped by renderers
    rendered = MarkdownIt("commonmark").renderInline(code("x `y` z"))
    assert rendered == "<code>x `y` z</code>"
    assert MarkdownIt("commonmark").renderInline(code("`edge`")) == "<code>`edge`</code>"
    assert MarkdownIt("commonmark").renderInline(text("*not bold* [link](x) <b>")) == "*not bold* [link](x) &lt;b&gt;"


def test_report_with_plan_and_cli_summary(
    translation_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan(translation_dir=translation_dir, out=tmp_path / "plan.json")
    code_ = cli.main(
        [
            "report",
            "--translation",
            str(translation_dir),
            "--plan",
            str(tmp_path / "plan.json"),
            "--out",
            str(tmp_path / "report"),
        ]
    )
    printed = capsys.readouterr().out
    assert code_ == 0
    assert "Objects: 5 (exact 2, approximate 1, manual 1, skipped 1)" in printed
    assert "Changes planned: 4 to create, 0 to update, 0 to delete, 0 unchanged" in printed
    assert f"Plan:   {tmp_path / 'plan.json'}" in printed
    assert str(translation_dir / "ledger.json") in printed
    assert str(tmp_path / "report" / "report.md") in printed
    data = json.loads((tmp_path / "report" / "report.json").read_text())
    assert data["plan"]["summary"]["create"] == 4
    assert data["plan"]["matches_translation"] is True
    assert "## Planned changes" in (tmp_path / "report" / "report.md").read_text()


def test_report_lists_each_planned_change_with_its_source_objects(translation_dir: Path, tmp_path: Path) -> None:
    planned = plan(translation_dir=translation_dir, out=tmp_path / "plan.json")
    report(translation_dir=translation_dir, plan_path=tmp_path / "plan.json", out=tmp_path / "report")
    data = json.loads((tmp_path / "report" / "report.json").read_text())
    listed = {c["key"]: c for c in data["plan"]["changes"]}
    expected = [c for c in planned.changes if c.action.value != "no-op"]
    assert sorted(listed) == sorted(c.key for c in expected)
    for change in expected:
        assert listed[change.key]["sources"] == [r.key for r in change.source_refs]
    source = (tmp_path / "report" / "report.md").read_text()
    changes_table = source.split("### Changes", 1)[1].split("\n\n", 2)[1]
    assert len(changes_table.splitlines()) == 2 + len(expected), "one row per change"
    for change in expected:
        assert f"`{change.key}`" in changes_table


def test_strict_exits_3_after_writing(
    translation_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    assert cli.main(["report", "--translation", str(translation_dir), "--out", str(out), "--strict"]) == 3
    assert "1 approximate and 1 manual" in capsys.readouterr().err
    assert (out / "report.md").is_file() and (out / "report.json").is_file()


def test_strict_passes_when_everything_is_exact(tmp_path: Path) -> None:
    res = desired_monitor("Exact")
    ledger = Ledger()
    ledger.record(res.source_refs[0], [], targets=[res])
    write_translation(tmp_path / "t", Translation([res], ledger, {}))
    assert cli.main(["report", "--translation", str(tmp_path / "t"), "--out", str(tmp_path / "r"), "--strict"]) == 0


def test_tampered_plan_is_refused(translation_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan(translation_dir=translation_dir, out=tmp_path / "plan.json")
    data = json.loads((tmp_path / "plan.json").read_text())
    data["changes"][0]["payload"]["name"] = "edited"
    (tmp_path / "plan.json").write_text(json.dumps(data))
    code_ = cli.main(
        [
            "report",
            "--translation",
            str(translation_dir),
            "--plan",
            str(tmp_path / "plan.json"),
            "--out",
            str(tmp_path / "r"),
        ]
    )
    assert code_ == 1
    assert "plan_hash does not match" in capsys.readouterr().err
