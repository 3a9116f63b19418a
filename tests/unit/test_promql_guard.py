"""The guard in front of the native PromQL parser: no expression may crash the process.

The parser overflows the C stack (SIGSEGV, exit 139) on deep nesting or long operator chains. The guard
must count what the parser's lexer sees as code: string literals and `#` comments hide nothing.
Crashing cases run in a subprocess, so a regression fails the test instead of killing pytest.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from migrate.translate.promql.guard import MAX_COMPLEXITY, TooComplex, complexity, parse

DEEP = "(" * 20000 + "x" + ")" * 20000
HOSTILE = {
    # a `"` inside a comment used to open a "string" that swallowed the nesting up to the next `"`
    "quote-in-comment": '# "\n' + DEEP + '\n# "',
    "quote-in-comment-same-line": 'up # "\n+ ' + DEEP + ' # "',
    "unary-chain": "-" * 20000 + "up",
    "plus-up-chain": "+up" * 20000,
    "raw-string-then-deep": "`a\n# `" + DEEP,
}


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("a + b", 1),
        ('x{a="(((("}', 1),  # brackets inside a string are not code
        ("x # (((( + - *\n", 0),  # nor inside a comment
        ('x{a="#"} + ((y))', 3),  # `#` inside a string does not start a comment
        ('x{a="\\"((("} + y', 2),  # an escaped quote does not end the string
        ("'a(' + `b\n(` + c", 2),  # single-quoted and multi-line raw strings
        ('# "\n((x))\n# "', 2),  # a quote inside a comment opens no string
        ('"unterminated\n((x))', 2),  # a quoted string ends at the line, as the parser's lexer has it
        ("- - -x", 3),  # unary chains count
        ("a and b or c unless d", 3),
        ("band + order", 1),  # keywords inside names are not operators
    ],
)
def test_complexity_counts_code_only(expr: str, expected: int) -> None:
    assert complexity(expr) == expected


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_expressions_are_refused_before_the_parser(name: str) -> None:
    expr = HOSTILE[name]
    assert complexity(expr) > MAX_COMPLEXITY
    with pytest.raises(TooComplex, match="too complex to parse safely"):
        parse(expr)


def test_the_guard_does_not_refuse_ordinary_long_rules() -> None:
    long_rule = 'sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) # ' + "comment " * 300 + "\n> 1"
    assert parse(long_rule) is not None


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migrate", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )


def test_no_input_crashes_translate_query(tmp_path: Path) -> None:
    for name, expr in HOSTILE.items():
        proc = _run(["translate-query", "--json", "--", expr], tmp_path)
        assert proc.returncode == 0, f"{name}: exit {proc.returncode}\n{proc.stderr[-400:]}"
        result = json.loads(proc.stdout)
        assert result["fidelity"] == "manual"
        assert result["findings"] == ["promql.too_deep"], name


def test_no_rule_file_crashes_translate_or_bridge(tmp_path: Path) -> None:
    rules = ["groups:", "  - name: g", "    rules:"]
    for i, (name, expr) in enumerate(sorted(HOSTILE.items())):
        block = json.dumps(expr)  # a JSON string is a valid YAML double-quoted scalar
        rules += [f"      - alert: Hostile{i}", f"        expr: {block}", f"        labels: {{case: {name}}}"]
    rules += ["      - record: job:ok:sum", "        expr: sum by (job) (up)"]
    (tmp_path / "hostile.yml").write_text("\n".join(rules) + "\n", encoding="utf-8")
    proc = _run(["collect", "prometheus", "--from-files", "hostile.yml", "--out", "inv"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    proc = _run(["translate", "--inventory", "inv", "--out", "tr"], tmp_path)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stderr[-400:]}"
    entries = json.loads((tmp_path / "tr" / "ledger.json").read_text(encoding="utf-8"))["entries"]
    hostile = [e for e in entries if e["ref"]["name"].startswith("Hostile")]
    assert len(hostile) == len(HOSTILE)
    for entry in hostile:
        assert entry["outcome"] == "manual"
        assert "promql.too_deep" in [f["code"] for f in entry["findings"]], entry
    proc = _run(["bridge", "--inventory", "inv", "--out", "bridge/conf.yaml"], tmp_path)
    assert proc.returncode >= 0, f"bridge killed by signal {-proc.returncode}"
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr[-400:]
