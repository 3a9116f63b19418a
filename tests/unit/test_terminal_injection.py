"""Source strings reach the operator's terminal without escape sequences or control characters.

A crafted rule name erased a `- delete` line from a reviewer's screen (`ESC [1A ESC [2K`: cursor up, erase
line) while the summary still counted it. Every change line must show, and nothing from a source may move
the cursor, clear the screen, set a hyperlink (OSC 8) or start a line of its own.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from migrate import cli
from migrate.commands.collect import CollectResult
from migrate.commands.status import call_line
from migrate.fsutil import dumps
from migrate.inventory.store import Inventory
from migrate.report.diff_text import plan_lines, print_lines
from migrate.runner.journal import Op
from migrate.runner.plan import read_plan
from tests.unit.test_plan import as_live, desired_monitor
from tests.unit.test_plan_command import make_translation

ERASE = "\x1b[1A\x1b[2K"  # cursor up one line, erase it
LINK = "\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07"
CRAFTED = [
    f"Harmless{ERASE}",
    f"Linked {LINK}",
    'Forged\n- delete monitor "payments" (id 9)',  # a line of its own
    "C1 \x9b2J and \x9d0;title\x9c bell\x07 nul\x00 cr\rdone",
]
# what a terminal acts on: C0 (but newline), DEL, C1 (the 8-bit CSI/OSC/ST forms included)
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def planned(tmp_path: Path) -> tuple[str, dict[str, str]]:
    keep = desired_monitor("Kept")
    desired = [desired_monitor(name) for name in CRAFTED[:2]] + [keep]
    translation = make_translation(tmp_path / "translation", desired)
    state = tmp_path / "state" / "monitors"
    state.mkdir(parents=True)
    (state / "1.json").write_text(json.dumps(as_live(keep, "1", priority=4)))  # an update
    for i, name in enumerate(CRAFTED[2:], start=2):  # owned, no longer desired: deletes
        (state / f"{i}.json").write_text(json.dumps(as_live(desired_monitor(name), str(i))))
    return str(translation), {"state": str(tmp_path / "state"), "out": str(tmp_path / "plan.json")}


def test_plan_output_has_no_control_bytes_and_every_change_line(
    planned: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    translation, paths = planned
    argv = ["plan", "--translation", translation, "--state", paths["state"], "--out", paths["out"]]
    assert cli.main(argv) == 0
    text = capsys.readouterr().out
    assert CONTROL.findall(text) == []
    summary = read_plan(Path(paths["out"])).summary
    assert summary["create"] == 2 and summary["update"] == 1 and summary["delete"] == 2
    lines = text.splitlines()
    for sign, action in (("+", "create"), ("~", "update"), ("-", "delete")):
        shown = [line for line in lines if line.startswith(f"{sign} {action} ")]
        assert len(shown) == summary[action], (action, shown)
    assert any(line.startswith('- delete monitor "Forged - delete monitor') for line in lines)
    assert "Harmless" in text and "Linked click" in text  # readable, minus the sequences


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_styled_terminal_output_has_only_ddmigrates_own_styling(planned: tuple[str, dict[str, str]]) -> None:
    translation, paths = planned
    assert cli.main(["plan", "--translation", translation, "--state", paths["state"], "--out", paths["out"]]) == 0
    stream = _Tty()
    print_lines(plan_lines(read_plan(Path(paths["out"]))), stream)
    styled = stream.getvalue()
    unstyled = re.sub(r"\x1b\[[0-9;]*m", "", styled)  # rich's own SGR colours: they move nothing
    assert CONTROL.findall(unstyled) == []
    assert len([line for line in unstyled.splitlines() if line.startswith("- delete ")]) == 2


def test_status_and_collect_lines_are_clean() -> None:
    op = Op(1, "r1", None, "delete", "monitor", f"key{ERASE}", "7", None, None, "failed", f"name {LINK} rejected", 400)
    assert CONTROL.findall(call_line(op)) == [] and "rejected" in call_line(op)
    inv = Inventory(None, "prometheus", f"rules{ERASE}/", "", [])
    inv.warnings.append(f"rule {CRAFTED[2]} skipped")
    summary = CollectResult(inv).summary()
    assert CONTROL.findall(summary) == []
    assert len(summary.splitlines()) == 5  # collected, (no objects), warnings header, one warning, wrote


def test_json_output_escapes_c1_controls_losslessly() -> None:
    value = {"name": CRAFTED[3], "ok": "naïve ✓"}
    text = dumps(value)
    assert CONTROL.findall(text.replace("\n", "")) == [] and "naïve ✓" in text
    assert json.loads(text) == value
