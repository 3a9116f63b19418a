"""The auditors' report beyond coverage: its JSON Schema, escaping in every format, control characters,
Datadog links, routing, history, secrets, and `report --check` against changed inputs."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from markdown_it import MarkdownIt

from migrate import cli
from migrate.commands.accept import accept
from migrate.commands.plan import plan
from migrate.commands.report import report
from migrate.errors import InputError
from migrate.model import DesiredResource, LedgerEntry, Outcome, SourceRef
from migrate.report import items, secrets
from migrate.report.evidence import link
from migrate.textsafe import clean, clean_tree, one_line
from tests.support import auditdata

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
NAMES = {"E": auditdata.HOSTILE["title"], "A": auditdata.HOSTILE["alert"], "M": auditdata.HOSTILE["link"]}


def schema() -> dict[str, Any]:
    return dict(json.loads(resources.files("migrate.report").joinpath("report.schema.json").read_text()))


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, dict[str, Any]]:
    """A translation named with hostile strings, applied and verified, one parity difference, one acceptance."""
    monkeypatch.setenv("DD_SITE", "datadoghq.eu")
    monkeypatch.delenv("DD_API_URL", raising=False)
    t, w = tmp_path / "translation", tmp_path / "work"
    w.mkdir()
    names = {**NAMES, "S": auditdata.HOSTILE["terminal"]}
    objs = auditdata.build(t, names=names, query=auditdata.HOSTILE["query"])["prometheus"]
    auditdata.apply(w, [objs[x][1] for x in "EAM"])
    auditdata.verify(w, [objs[x][1] for x in "EAM"])
    auditdata.add_parity(t, {objs["A"][0].key: {"verdict": "differs", "detail": "12% \x1b[31mhigher"}})
    accept(translation_dir=t, refs=[objs["S"][0].key], reason="ok\x1b]0;pwned\x07", by="aud|itor", workdir=w)
    plan(translation_dir=t, out=tmp_path / "plan.json")
    return t, w, objs


def test_report_json_follows_its_published_schema(hostile: tuple[Path, Path, Any], tmp_path: Path) -> None:
    t, w, _ = hostile
    result = report(translation_dir=t, out=tmp_path / "r", workdir=w, plan_path=tmp_path / "plan.json")
    data = json.loads(result.json_path.read_text())
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.validate(data, schema(), cls=jsonschema.Draft202012Validator)
    item = next(i for group in data["items"].values() for i in group if i["parity"])
    assert item["parity"]["verdict"] == "differs" and item["gate"] == "blocked"
    broken = json.loads(json.dumps(data))
    broken["items"]["exact"][0]["gate"] = "probably fine"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema(), cls=jsonschema.Draft202012Validator)


def test_hostile_strings_are_escaped_in_html_and_markdown(hostile: tuple[Path, Path, Any], tmp_path: Path) -> None:
    t, w, _ = hostile
    result = report(translation_dir=t, out=tmp_path / "r", workdir=w, plan_path=tmp_path / "plan.json")
    page = result.html_path.read_text()
    assert page.count("<script") == 2, "only the integrity data block and the page's own script"
    assert "<img" not in page and "javascript:alert" not in page.replace("(javascript:alert(4))", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert not re.search(r'href="(?!https://app\.datadoghq\.eu/|#)', page), "links only to the Datadog app or in-page"
    md = result.markdown_path.read_text()
    rendered = MarkdownIt("commonmark").enable("table").render(md)
    assert "<script" not in rendered and "<img" not in rendered and 'href="javascript:' not in rendered
    for tbl in rendered.split("<table>")[1:]:  # `|` and newlines from names never split or end a row
        body = tbl.split("</table>")[0]
        header = len(re.findall(r"<th[ >]", body.split("</thead>")[0]))
        for row in body.split("<tbody>")[-1].split("<tr>")[1:]:
            assert len(re.findall(r"<td[ >]", row)) == header
    assert "Rulelink \\| pipe newline" in md  # the terminal-hostile name: controls gone, `|` escaped, one line
    for text in (page, md, result.json_path.read_text()):
        assert not CONTROL.search(text.replace("\n", "").replace("\t", ""))
    assert "\\u001b" not in result.json_path.read_text()


def test_terminal_output_has_no_control_characters(
    hostile: tuple[Path, Path, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t, w, objs = hostile
    w_args = ["--workdir", str(w)]
    cli.main(["report", "--translation", str(t), "--out", str(tmp_path / "r"), *w_args])
    cli.main(["decommission-check", "prometheus", "--translation", str(t), *w_args])
    cli.main(["accept", "--list", "--translation", str(t), *w_args])
    cli.main(["accept", objs["M"][0].key, "--translation", str(t), *w_args, "--reason", "x\x1b[2Jy"])
    out = capsys.readouterr()
    assert "\x1b" not in out.out + out.err and "\x07" not in out.out and "\x9b" not in out.out
    assert "Rulelink | pipe newline" in out.out  # the name is still recognisable


def test_targets_link_to_the_configured_datadog_site(hostile: tuple[Path, Path, Any], tmp_path: Path) -> None:
    t, w, objs = hostile
    data = report(translation_dir=t, out=tmp_path / "r", workdir=w).data
    row = next(i for i in data["items"]["exact"] if i["key"] == objs["E"][0].key)
    assert row["datadog"][0]["url"] == f"https://app.datadoghq.eu/monitors/{row['datadog'][0]['datadog_id']}"
    assert row["routing"] == ["@slack-pay"]
    assert row["verification"] == "verified" and row["gate"] == "verified"
    assert link("https://app.datadoghq.com", "dashboard", "abc-def") == "https://app.datadoghq.com/dashboard/abc-def"
    assert link("https://app.x", "synthetic_test", "a/b") == "https://app.x/synthetics/details/a%2Fb"
    runs = data["history"]["runs"]
    assert [r["verb"] for r in runs] == ["apply", "verify"] and all("@" in r["who"] for r in runs)


def test_report_check_says_which_inputs_changed(
    hostile: tuple[Path, Path, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t, w, _ = hostile
    out = tmp_path / "r"
    report(translation_dir=t, out=out, workdir=w, plan_path=tmp_path / "plan.json")
    for name in ("report.html", "report.json"):
        assert cli.main(["report", "--check", str(out / name)]) == 0
        assert "5 of 5 inputs match" in capsys.readouterr().out
    ledger = t / "ledger.json"
    ledger.write_text(ledger.read_text().replace("holt_winters", "holt_winter5"))
    (tmp_path / "plan.json").unlink()
    assert cli.main(["report", "--check", str(out / "report.html")]) == 1
    printed = capsys.readouterr().out
    assert f"CHANGED  translation: {ledger}" in printed
    assert f"MISSING  plan: {tmp_path / 'plan.json'}" in printed
    assert "3 of 5 inputs match" in printed
    (tmp_path / "junk.html").write_text("<html>no report</html>")
    assert cli.main(["report", "--check", str(tmp_path / "junk.html")]) == 1
    assert "no integrity section found" in capsys.readouterr().err


def test_panel_queries_and_secrets_inventory(tmp_path: Path) -> None:
    ref = SourceRef("grafana", "panel", "d/7", "Error ratio")
    widget = {
        "definition": {
            "title": "Error ratio",
            "requests": [
                {"queries": [{"name": "q1", "query": "sum:errors{*}"}], "formulas": [{"formula": "q1 * 100"}]}
            ],
        }
    }
    group = {"definition": {"type": "group", "widgets": [widget]}}
    dash = DesiredResource("dashboard", "d1", {"title": "D", "widgets": [group]}, [ref])
    entry = LedgerEntry(ref, Outcome.EXACT, targets=["d1"])
    assert items.new_queries(entry, {"d1": dash}) == ["q1: sum:errors{*}", "= q1 * 100"]
    needed = tmp_path / "secrets-needed.txt"
    needed.write_text("# header\nprometheus/node/pw\tnode\tpassword\tthe basic-auth password\n")
    synth = DesiredResource(
        "synthetic_test",
        "s1",
        {"name": "t", "config": {"request": {"headers": {"Authorization": "{{ PINGDOM_TOKEN }}"}}}},
    )
    browser = DesiredResource(
        "synthetic_browser_test",
        "b1",
        {
            "name": "login",
            "config": {"configVariables": [{"type": "global", "name": "SHOP_PASSWORD"}]},
            "steps": [{"type": "typeText", "params": {"value": "{{ SHOP_PASSWORD }}"}}],
        },
    )
    section = secrets.section(needed, [synth, dash, browser])
    assert section["agent_secrets"] == [
        {"handle": "prometheus/node/pw", "job": "node", "option": "password", "provide": "the basic-auth password"}
    ]
    assert section["global_variables"] == [
        {"name": "PINGDOM_TOKEN", "used_by": ["s1"], "env": "DDMIGRATE_SECRET_PINGDOM_TOKEN"},
        {"name": "SHOP_PASSWORD", "used_by": ["b1"], "env": "DDMIGRATE_SECRET_SHOP_PASSWORD"},
    ]
    needed.write_text("only one field\n")
    with pytest.raises(InputError, match="tab-separated"):
        secrets.agent_secrets(needed)


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("plain", "plain"),
        ("a\x1b[31mred\x1b[0m", "ared"),
        ("x\x1b]8;;http://e\x07click\x1b]8;;\x1b\\y", "xclicky"),
        ("keep\ttab\nnewline", "keep\ttab\nnewline"),
        ("c1 csi\x9b2J.", "c1 csi."),
        ("bell\x07 del\x7f nul\x00", "bell del nul"),
        ("reset\x1bc!", "reset!"),
        ("ünïcödé 日本 €", "ünïcödé 日本 €"),
    ],
)
def test_clean(raw: str, cleaned: str) -> None:
    assert clean(raw) == cleaned


def test_one_line_and_tree() -> None:
    assert one_line("a |\n\x1b[1mb\t c") == "a | b c"
    assert clean_tree({"k\x07": ["v\x1b[0m", 1, None]}) == {"k": ["v", 1, None]}
