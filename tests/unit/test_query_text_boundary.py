"""Datadog query text is written only by ddquery/render and read only by ddquery/parse (STYLE.md §13).

Every other module works on the query tree. What this can enforce from the source:
- the modules that use `re` at all are listed below, each with what it matches (a new one needs a line, so
  a regex over query text cannot slip in unnoticed);
- no regex pattern literal outside ddquery mentions Datadog query syntax (`.as_count()`, `rollup(`, `{`-scopes
  after a space aggregation, `by {`, `count_by_status`, `last_5m` windows), except in the modules named in
  QUERY_TEXT_EXCEPTIONS, each with its reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "migrate"
QUERY_TREE = "translate/ddquery/"

# module (relative to migrate/) -> what its regular expressions match
USES_RE = {
    "bridge/metrics.py": "Prometheus metric family suffixes and the Agent's `check: message` lines",
    "commands/adopt.py": "ddmigrate resource keys (12 hex digits)",
    "datadog/dashboards.py": "template variable references ($name) in widget queries, checked against the variables",
    "datadog/monitor_rules.py": "see QUERY_TEXT_EXCEPTIONS",
    "datadog/payload_rules.py": "Datadog tag syntax",
    "datadog/synthetics.py": "whitespace in a test's URL or host, compared for adoption",
    "datadog/browser_tests.py": "whitespace in a browser test's start URL, compared for adoption",
    "datadog/global_variables.py": "Datadog global variable names (upper-case letters, digits, underscores)",
    "datadog/monitors.py": "Datadog's duplicate-monitor error message",
    "datadog/ownership.py": "the ownership footer in a message or description",
    "inventory/store.py": "safe file names for inventory objects",
    "mappings.py": "durations and user-given routing patterns",
    "commands/report.py": "the integrity block embedded in a written HTML report",
    "report/items.py": "@notification handles in a monitor message (who would be paged)",
    "report/md.py": "Markdown special characters and backtick runs",
    "report/secrets.py": "{{ NAME }} global variable references",
    "textsafe.py": "terminal escape sequences and control characters in source strings",
    "fsutil.py": "DEL and C1 control characters in written JSON",
    "translate/nrql/lexer.py": "NRQL tokens and string escapes (a lexer, not a rewrite of the query text)",
    "translate/newrelic/synthetics_steps.py": "$secure.NAME in a step monitor's typed text",
    "translate/pingdom/tms.py": "whether a Pingdom element name reads as a CSS selector",
    "translate/secret_refs.py": "collector secret references ({{secret:NAME}}) in check fields",
    "runner/state.py": "source references in the ownership footer",
    "scrub_script.py": "a scripted monitor's tokens, to redact literal credentials (not Datadog query text)",
    "scrub.py": "secret names and credentials in URLs",
    "settings.py": "URL schemes",
    "sources/grafana_normalize.py": "Grafana variable references",
    "sources/http/client.py": "whitespace in error bodies",
    "sources/http/limits.py": "Pingdom's free-text Req-Limit-* headers",
    "sources/newrelic/dashboards.py": "camelCase visualization ids",
    "sources/newrelic/replay.py": "the GraphQL operation name of a recorded NerdGraph request",
    "sources/newrelic/selection.py": "NRQL LIKE patterns and a service name as a word in a monitor name",
    "sources/newrelic/synthetics.py": "$secure.NAME credential references in a synthetic monitor's script",
    "sources/pingdom/normalize.py": "Pingdom region filters (`region: NA`) and create-form `requestheaderN` keys",
    "sources/pingdom/secrets.py": "secret reference names (PINGDOM_<ID>_<FIELD>) and `requestheaderN` keys",
    "sources/prometheus_api.py": "Prometheus discovered-label names",
    "sources/prometheus_rules.py": "Prometheus metric names",
    "testing/collection.py": "the local server's URL routes (declared API paths)",
    "testing/ddstore.py": "the local server's URL routes",
    "testing/ddsynthetics.py": "the local server's synthetics URL routes (the `re.Match` of each handler)",
    "translate/grafana/legends.py": "Grafana legendFormat `{{label}}` templates",
    "translate/grafana/panels.py": "Grafana variable references in panel fields",
    "translate/grafana/variables.py": "Grafana label_values() queries and variable names",
    "translate/prometheus/alerts.py": "Go template label references in annotations; tag characters",
    "translate/prometheus/messages.py": "Go template actions in annotations",
    "translate/build/mentions.py": "@-mentions and template section tags in source text (never query text)",
    "translate/promql/guard.py": "PromQL strings and operators (nesting depth guard)",
    "translate/promql/selectors.py": "PromQL label matchers against recording rule labels",
    "translate/promql/tables.py": "Prometheus metric name characters and PromQL regex matchers",
    "translate/promql/vars.py": "Grafana variables inside PromQL",
    "translate/routing.py": "Alertmanager route matchers",
    "yamlutil.py": "Helm template actions in a file that failed to parse",
}

# Modules outside ddquery that still read Datadog query text with regular expressions, and why.
QUERY_TEXT_EXCEPTIONS = {
    "datadog/monitor_rules.py": "the offline validator mirrors the grammar Datadog's API accepts for a monitor query "
    "(change()/pct_change(), percentile() time aggregations, current_ windows: more than the tree renders); checking "
    "our rendered text with our own parser would be circular, so it stays an independent reading",
}

# Datadog query syntax a pattern would only contain to pick query text apart.
_MARKERS = re.compile(
    r"as_count|as_rate|rollup|count_by_status|by \\?\{|last_|(?:avg|sum|min|max)\)?:|\\s\*\\\{|\\\.over|moving_"
)


def _modules() -> dict[str, ast.Module]:
    return {
        str(p.relative_to(PACKAGE)): ast.parse(p.read_text(encoding="utf-8"))
        for p in sorted(PACKAGE.rglob("*.py"))
        if not str(p.relative_to(PACKAGE)).startswith(QUERY_TREE)
    }


def _imports_re(tree: ast.Module) -> bool:
    return any(
        (isinstance(n, ast.Import) and any(a.name == "re" for a in n.names))
        or (isinstance(n, ast.ImportFrom) and n.module == "re")
        for n in ast.walk(tree)
    )


def _patterns(tree: ast.Module) -> list[tuple[int, str]]:
    """String literals passed to `re.<fn>(...)` (f-string parts included)."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.args
        ):
            out += [
                (node.lineno, c.value)
                for c in ast.walk(node.args[0])
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
            ]
    return out


def test_every_module_using_re_says_what_it_matches() -> None:
    using = {name for name, tree in _modules().items() if _imports_re(tree)}
    assert using - USES_RE.keys() == set(), "add the module to USES_RE with what its patterns match"
    assert USES_RE.keys() - using == set(), "stale USES_RE entries"


def test_no_regex_over_datadog_query_text_outside_ddquery() -> None:
    found = [
        f"migrate/{name}:{line}: {pattern!r}"
        for name, tree in _modules().items()
        if name not in QUERY_TEXT_EXCEPTIONS
        for line, pattern in _patterns(tree)
        if _MARKERS.search(pattern)
    ]
    assert found == [], "read Datadog query text with migrate.translate.ddquery.parse, not a regex"


def test_the_marker_scan_sees_the_patterns_it_guards_against() -> None:
    """The scan must catch the shapes that used to be here (monitor_query's count suffix, verify's metric names)."""
    old = (
        'import re\nX = re.compile(r"\\.as_count\\(\\)\\.rollup\\(sum, (?P<range>[\\d.]+)\\)$")\n'
        'Y = re.compile(r"\\b(?:avg|sum|min|max|count|p\\d{1,2}(?:\\.\\d+)?):([A-Za-z][A-Za-z0-9_.]*)\\s*\\{")\n'
        'Z = re.compile(r"[A-Za-z_][\\w.]*(?=\\s*\\{)")\n'
    )
    patterns = _patterns(ast.parse(old))
    assert len(patterns) == 3 and all(_MARKERS.search(p) for _, p in patterns)
    exceptions = _modules()
    assert all(_patterns(exceptions[name]) for name in QUERY_TEXT_EXCEPTIONS), "exceptions still needed"
