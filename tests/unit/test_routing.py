"""Routing rules → notification handles, table-driven (migrate/translate/routing.py)."""

from __future__ import annotations

from typing import Any

import pytest

from migrate.errors import ConfigError
from migrate.translate.routing import compile_routes, route
from tests.support.sample_mappings import sample_mappings

RULES: list[dict[str, Any]] = [
    {"match": {"team": "payments", "severity": "critical"}, "notify": ["@pagerduty-pay", "@slack-pay-inc"]},
    {"match": {"team": "payments"}, "notify": ["@slack-pay"]},
    {"match_re": {"team": "bill.*"}, "notify": ["@slack-billing"], "continue": True},
    {"match_re": {"severity": "critical|page"}, "notify": ["@pagerduty-platform"]},
    {"match": {"env": ""}, "notify": ["@slack-no-env"]},
    {"match": {}, "notify": ["@slack-ops"]},
]

CASES = [
    # (labels, expected handles, why)
    ({"team": "payments", "severity": "critical"}, ["@pagerduty-pay", "@slack-pay-inc"], "first match wins"),
    ({"team": "payments", "severity": "warning"}, ["@slack-pay"], "exact match on one label"),
    ({"team": "billing", "severity": "critical"}, ["@slack-billing", "@pagerduty-platform"], "continue: true"),
    ({"team": "billing", "env": "prod"}, ["@slack-billing", "@slack-ops"], "continue, then catch-all"),
    ({"team": "xbilling", "severity": "page", "env": "prod"}, ["@pagerduty-platform"], "regex must full-match"),
    ({"severity": "critical-ish", "env": "prod"}, ["@slack-ops"], "alternation full-match, not search"),
    ({"severity": "info"}, ["@slack-no-env"], "missing label counts as empty string"),
    ({"env": "prod"}, ["@slack-ops"], "catch-all"),
]


@pytest.mark.parametrize(("labels", "expected", "why"), CASES, ids=[c[2] for c in CASES])
def test_route(labels: dict[str, str], expected: list[str], why: str) -> None:
    assert route(labels, compile_routes(RULES)) == expected, why


def test_no_rule_matches_gives_no_handles() -> None:
    assert route({"team": "x"}, compile_routes([{"match": {"team": "y"}, "notify": ["@a"]}])) == []


def test_handles_are_not_repeated_across_continued_rules() -> None:
    rules: list[dict[str, Any]] = [
        {"match": {}, "notify": ["@a", "@b"], "continue": True},
        {"match": {}, "notify": ["@b", "@c"]},
    ]
    assert route({}, compile_routes(rules)) == ["@a", "@b", "@c"]


def test_invalid_regex_names_the_rule() -> None:
    with pytest.raises(ConfigError, match=r"routing\[1\]\.match_re\.team"):
        compile_routes([{"match": {}, "notify": ["@a"]}, {"match_re": {"team": "(unclosed"}, "notify": ["@b"]}])


def test_sample_company_mappings_route_payments_critical_to_pagerduty() -> None:
    routes = compile_routes(sample_mappings().routing)
    assert route({"team": "payments", "severity": "critical"}, routes) == [
        "@pagerduty-payments-oncall",
        "@slack-payments-incidents",
    ]
    assert route({"team": "unknown", "severity": "page"}, routes) == ["@pagerduty-platform-oncall"]
