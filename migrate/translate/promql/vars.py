"""Grafana-style variables in PromQL, substituted before parsing (promql-parser rejects `$x`).

Inside a quoted label value a variable whose value is a Datadog template variable (`$host`), or that
has no value at all, becomes a sentinel label value (`__ddvar_host__`) that parses; the translator
turns it back into `$host` in the Datadog scope. Range variables (`$__rate_interval`, ...) become a
sentinel duration (the default plus 1 ms) so the translator can tell a defaulted range from a written
one and note it only where the range length matters (rollups, increase), not for rate().
"""

from __future__ import annotations

import re

from migrate.model import Finding

# One whole placeholder, never two side by side (`$a$b` is `__ddvar_a____ddvar_b__`, which `\w+` would read as
# the one variable `a____ddvar_b`): names are runs of letters and digits joined by single underscores.
SENTINEL = re.compile(r"^__ddvar_([A-Za-z0-9]+(?:_[A-Za-z0-9]+)*)__$")
SENTINEL_INSIDE = re.compile(r"__ddvar_([A-Za-z0-9]+(?:_[A-Za-z0-9]+)*?)__")  # a placeholder within other text
# A variable the target does not define (QueryContext.variables_closed), anywhere in a label value: the
# translator drops the matcher rather than refer to a template variable no dashboard declares.
UNDEFINED = re.compile(r"__ddundef_([A-Za-z0-9]+(?:_[A-Za-z0-9]+)*?)__")
# Grafana built-ins: name -> default when unset (seconds for the durations).
_BUILTIN_DURATIONS = {"__rate_interval": 300, "__interval": 60, "__range": 3600}
_BUILTIN_NUMBERS = {"__interval_ms": "60000", "__range_s": "3600", "__range_ms": "3600000"}
DEFAULTED_RANGES = {seconds + 0.001: seconds for seconds in (*_BUILTIN_DURATIONS.values(), 300)}
# `[$__interval]` as it reaches the walker: a range that is the graph's step, which Datadog's rollup interval is
GRAPH_STEP = _BUILTIN_DURATIONS["__interval"] + 0.001
_TOKENS = re.compile(
    r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'|`[^`]*`"  # string literals
    r"|\$\{([A-Za-z_]\w*)(?::[^}]*)?\}|\$([A-Za-z_]\w*)|\[\[([A-Za-z_]\w*)(?::\w+)?\]\]"  # ${var:fmt} $var [[var]]
)
_IN_STRING_VAR = re.compile(r"\$\{([A-Za-z_]\w*)(?::[^}]*)?\}|\$([A-Za-z_]\w*)|\[\[([A-Za-z_]\w*)(?::\w+)?\]\]")


def _sentinel(name: str) -> str:
    return f"__ddvar_{name}__"


def substitute(expr: str, variables: dict[str, str], closed: bool = False) -> tuple[str, list[Finding]]:
    """`expr` with variables replaced (`closed`: `variables` is every variable defined, the rest are undefined)."""
    findings: list[Finding] = []
    if "$" not in expr and "[[" not in expr:
        return expr, findings

    def in_string(match: re.Match[str]) -> str:
        name = next(g for g in match.groups() if g)
        value = variables.get(name)
        if value is None and closed and not name.startswith("__"):
            return f"__ddundef_{name}__"
        if value is None:
            findings.append(
                Finding("promql.template_variable", f"${name} has no value; kept as Datadog template variable ${name}")
            )
            return _sentinel(name)
        if value.startswith("$"):
            return _sentinel(value[1:])
        return value.replace("\\", "\\\\").replace('"', '\\"')

    def token(match: re.Match[str]) -> str:
        text = match.group(0)
        if text[0] in "\"'`":
            return text[0] + _IN_STRING_VAR.sub(in_string, text[1:-1]) + text[-1]
        name = next(g for g in match.groups() if g)
        if name in variables and not variables[name].startswith("$"):
            return variables[name]
        if name in _BUILTIN_NUMBERS:
            findings.append(Finding("promql.interval_variable", f"${name} has no value; used {_BUILTIN_NUMBERS[name]}"))
            return _BUILTIN_NUMBERS[name]
        # A range variable (built-in or custom, e.g. `[$window]`): the sentinel duration.
        seconds = _BUILTIN_DURATIONS.get(name, 300)
        return f"{seconds}s1ms"

    return _TOKENS.sub(token, expr), findings
