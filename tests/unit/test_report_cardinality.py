"""The bridge cardinality preview in `plan` (text block) and `report` (JSON and Markdown sections)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from migrate import cli
from migrate.commands.report import report
from migrate.errors import InputError
from migrate.report import summary_lines
from migrate.report.cardinality import load
from tests.unit.test_report import make_translation_dir


@pytest.fixture
def translation_dir(tmp_path: Path) -> Path:
    return make_translation_dir(tmp_path)


def preview(metrics: int = 12) -> dict[str, Any]:
    """A cardinality.json as `ddmigrate bridge` writes it; one instance over the limit."""
    per_metric = [{"metric": f"m{i:02d}_total", "contexts": 100 * (metrics - i)} for i in range(metrics)]
    per_target = [
        {"job": "ksm", "instance": "ksm:8080", "contexts": 2400, "over_limit": True},
        {"job": "api|x", "instance": "10.0.0.1:80", "contexts": 7, "over_limit": False},
    ]
    return {
        "prometheus": "http://prom:9090",
        "source": "live",
        "generated_at": "2026-11-20T09:00:00Z",
        "namespace": "techcorp",
        "histogram_buckets_as_distributions": True,
        "context_limit_per_instance": 2000,
        "total_custom_metrics": sum(m["contexts"] for m in per_metric),
        "per_metric": per_metric,
        "per_target": per_target,
        "top": per_metric[:10],
        "no_series": ["idle_gauge"],
        "not_recorded": [],
        "warnings": ["ksm/ksm:8080: 2400 contexts exceed the Agent's default limit of 2000 per instance"],
        "tsdb": {},
    }


def write(tmp_path: Path, data: Any, name: str = "cardinality.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_report_sections_show_total_targets_limit_and_top_ten(translation_dir: Path, tmp_path: Path) -> None:
    data = preview()
    result = report(translation_dir=translation_dir, out=tmp_path / "r", cardinality_path=write(tmp_path, data))
    section = json.loads(result.json_path.read_text(encoding="utf-8"))["cardinality"]
    assert section["total_custom_metrics"] == data["total_custom_metrics"] == 7800
    assert [m["metric"] for m in section["top"]] == [f"m{i:02d}_total" for i in range(10)]  # 10 of 12
    assert [t["instance"] for t in section["over_limit"]] == ["ksm:8080"]
    assert section["per_target"] == data["per_target"]
    assert result.data["paths"]["cardinality"] == str(tmp_path / "cardinality.json")

    md = result.markdown_path.read_text(encoding="utf-8")
    tokens = MarkdownIt().enable("table").parse(md)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert "Bridge mode: custom metrics (cardinality preview)" in headings
    assert "Top 10 metrics" in headings and "Per target" in headings
    cells = [t.content for t in tokens if t.type == "inline"]
    assert (
        "**Warning:** 1 instance exceeds the Agent's default limit of 2000 contexts per instance; the excess "
        "is dropped silently:" in cells
    )
    assert "`api\\|x`" in md  # a `|` in a job name cannot break the table
    rows = [t for t in tokens if t.type == "tr_open"]
    assert len(rows) >= 1 + 10 + 1 + 2  # header + top 10, header + 2 targets (other tables come too)
    assert "m10_total" not in md  # beyond the top 10
    printed = "\n".join(summary_lines(result.data))
    assert (
        "Bridge mode: 7800 custom metrics from 2 targets (cardinality preview from the live http://prom:9090)"
        in printed
    )
    assert "warning: ksm/ksm:8080: 2400 contexts, over the Agent's limit of 2000" in printed


def test_report_without_preview_has_no_section(translation_dir: Path, tmp_path: Path) -> None:
    result = report(translation_dir=translation_dir, out=tmp_path / "r")
    assert result.data["cardinality"] is None and result.data["paths"]["cardinality"] is None
    assert "Bridge mode" not in result.markdown_path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda d: d.pop("total_custom_metrics"), "`total_custom_metrics` is missing"),
        (
            lambda d: d.update(per_target=[{"job": "a", "instance": "b", "contexts": "many", "over_limit": False}]),
            "per_target[0] needs",
        ),
        (lambda d: d.update(per_metric=[{"metric": 3}]), "per_metric[0] needs"),
        (lambda d: d.update(total_custom_metrics=True), "not a int"),
    ],
)
def test_bad_preview_files_are_refused_before_anything_is_written(
    translation_dir: Path, tmp_path: Path, mutate: Any, words: str
) -> None:
    data = preview()
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(InputError) as err:
        report(translation_dir=translation_dir, out=tmp_path / "r", cardinality_path=path)
    assert str(path) in str(err.value) and words in str(err.value)
    assert "ddmigrate bridge" in (err.value.hint or "")
    assert not (tmp_path / "r").exists()
    with pytest.raises(InputError, match="expected a JSON object"):
        load(write(tmp_path, [1], "list.json"))


def test_plan_prints_the_block_and_leaves_the_plan_file_alone(
    translation_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["plan", "--translation", str(translation_dir)]
    assert cli.main([*base, "--out", str(tmp_path / "plain.json")]) == 0
    assert "Bridge mode" not in capsys.readouterr().out
    path = write(tmp_path, preview())
    assert cli.main([*base, "--out", str(tmp_path / "with.json"), "--cardinality", str(path)]) == 0
    out = capsys.readouterr().out
    block = out[out.index("Bridge mode:") : out.index("Plan written to")]
    assert "7800 custom metrics from 2 targets" in block
    assert "warning: ksm/ksm:8080: 2400 contexts" in block
    assert "top metrics: m00_total 1200, m01_total 1100, m02_total 1000, m03_total 900, m04_total 800\n" in block
    plain, with_preview = (json.loads((tmp_path / n).read_text()) for n in ("plain.json", "with.json"))
    assert plain["plan_hash"] == with_preview["plan_hash"]

    bad = write(tmp_path, {"per_target": []}, "bad.json")
    assert cli.main([*base, "--out", str(tmp_path / "bad-plan.json"), "--cardinality", str(bad)]) == 1
    assert f"{bad}: not a bridge cardinality preview" in capsys.readouterr().err
    assert not (tmp_path / "bad-plan.json").exists()
