"""Datadog Synthetics vocabulary as data: assertion types and operators, browser step types, allowed values.

Sources (also in /work/shared/reference/newrelic-pingdom-facts.md §4.2):
- assertion types, operators, step types: the vendored v1 schema (`SyntheticsAssertionType`,
  `SyntheticsAssertionOperator`, `SyntheticsStepType`); which subtype takes which assertion: Datadog's
  API-test docs (TCP tests assert response time and connection only, so a TCP "received" payload has no
  Datadog form);
- `tick_every`: the enumeration older datadog-api-client versions declare (60 ... 604800; the current spec
  only bounds it, 30-604800, and names no set); 30 s is kept for API tests, which the current spec allows;
- retry caps (3 API, 2 browser; interval at most 5000 ms) and `renotify_interval` values: the
  terraform-provider-datadog `synthetics_test` docs.
"""

from __future__ import annotations

from migrate.translate.specs.check import Action, AssertKind, CheckKind, Op, TextCheck

TICK_EVERY_API = (30, 60, 300, 900, 1800, 3600, 21600, 43200, 86400, 604800)
TICK_EVERY_BROWSER = TICK_EVERY_API[1:]
RENOTIFY_MINUTES = (0, 10, 20, 30, 40, 50, 60, 90, 120, 180, 240, 300, 360, 720, 1440)
MAX_RETRIES = {"api": 3, "browser": 2}
MAX_RETRY_INTERVAL_MS = 5000
DEFAULT_DEVICES = ("chrome.laptop_large",)

# neutral kind -> (Datadog assertion type, subtypes that accept it)
_HTTPISH = frozenset({"http"})
ASSERTION_TYPES: dict[AssertKind, tuple[str, frozenset[str]]] = {
    AssertKind.STATUS_CODE: ("statusCode", _HTTPISH),
    AssertKind.BODY: ("body", _HTTPISH),
    AssertKind.HEADER: ("header", _HTTPISH),
    AssertKind.RESPONSE_TIME: (
        "responseTime",
        frozenset({"http", "ssl", "tcp", "dns", "udp", "websocket", "grpc", "browser"}),
    ),
    AssertKind.CERTIFICATE_DAYS: ("certificate", frozenset({"ssl"})),
    AssertKind.DNS_RECORD: ("recordSome", frozenset({"dns"})),  # recordEvery when `every`
    AssertKind.RECEIVED: ("receivedMessage", frozenset({"udp", "websocket"})),
    AssertKind.CONNECTION: ("connection", frozenset({"tcp"})),
    AssertKind.PACKET_LOSS: ("packetLossPercentage", frozenset({"icmp"})),
    AssertKind.LATENCY: ("latency", frozenset({"icmp"})),
    AssertKind.MIN_TLS_VERSION: ("minTlsVersion", frozenset({"ssl"})),
}

OPERATORS: dict[Op, str] = {
    Op.IS: "is",
    Op.IS_NOT: "isNot",
    Op.CONTAINS: "contains",
    Op.NOT_CONTAINS: "doesNotContain",
    Op.MATCHES: "matches",
    Op.NOT_MATCHES: "doesNotMatch",
    Op.LESS_THAN: "lessThan",
    Op.LESS_EQUAL: "lessThanOrEqual",
    Op.MORE_THAN: "moreThan",
    Op.MORE_EQUAL: "moreThanOrEqual",
}
_TEXT_OPS = frozenset({Op.IS, Op.IS_NOT, Op.CONTAINS, Op.NOT_CONTAINS, Op.MATCHES, Op.NOT_MATCHES})
_NUMBER_OPS = frozenset({Op.IS, Op.IS_NOT, Op.LESS_THAN, Op.LESS_EQUAL, Op.MORE_THAN, Op.MORE_EQUAL})
_BOUND_OPS = frozenset({Op.LESS_THAN, Op.LESS_EQUAL, Op.MORE_THAN, Op.MORE_EQUAL})
# Which comparisons each assertion takes (a body is text, a response time a number, ...).
ALLOWED_OPS: dict[AssertKind, frozenset[Op]] = {
    AssertKind.STATUS_CODE: frozenset({Op.IS, Op.IS_NOT, Op.MATCHES, Op.NOT_MATCHES}),
    AssertKind.BODY: _TEXT_OPS,
    AssertKind.HEADER: _TEXT_OPS,
    AssertKind.RESPONSE_TIME: frozenset({Op.LESS_THAN}),
    AssertKind.CERTIFICATE_DAYS: _BOUND_OPS,
    AssertKind.DNS_RECORD: _TEXT_OPS,
    AssertKind.RECEIVED: _TEXT_OPS,
    AssertKind.CONNECTION: frozenset({Op.IS, Op.IS_NOT}),
    AssertKind.PACKET_LOSS: _NUMBER_OPS,
    AssertKind.LATENCY: _NUMBER_OPS,
    AssertKind.MIN_TLS_VERSION: _BOUND_OPS,
}
# "expires in more than N days" is its own operator pair in Datadog.
CERTIFICATE_OPERATORS: dict[Op, str] = {
    Op.MORE_THAN: "isInMoreThan",
    Op.MORE_EQUAL: "isInMoreThan",
    Op.LESS_THAN: "isInLessThan",
    Op.LESS_EQUAL: "isInLessThan",
}

API_SUBTYPES: dict[CheckKind, str] = {k: k.value for k in CheckKind if k is not CheckKind.BROWSER}
# What a multistep test's step may be: any single-request API test.
STEP_SUBTYPES: dict[CheckKind, str] = {k: v for k, v in API_SUBTYPES.items() if k is not CheckKind.MULTI}

BROWSER_STEPS: dict[Action, str] = {
    Action.GO_TO_URL: "goToUrl",
    Action.CLICK: "click",
    Action.TYPE_TEXT: "typeText",
    Action.SELECT_OPTION: "selectOption",
    Action.HOVER: "hover",
    Action.PRESS_KEY: "pressKey",
    Action.REFRESH: "refresh",
    Action.WAIT: "wait",
    Action.ASSERT_ELEMENT_PRESENT: "assertElementPresent",
    Action.ASSERT_ELEMENT_CONTENT: "assertElementContent",
    Action.ASSERT_ELEMENT_ATTRIBUTE: "assertElementAttribute",
    Action.ASSERT_PAGE_CONTAINS: "assertPageContains",
    Action.ASSERT_PAGE_LACKS: "assertPageLacks",
    Action.ASSERT_CURRENT_URL: "assertCurrentUrl",
    Action.ASSERT_JAVASCRIPT: "assertFromJavascript",
}
# Actions that act on an element, so the spec must name one.
NEEDS_ELEMENT = frozenset(
    {
        Action.CLICK,
        Action.TYPE_TEXT,
        Action.SELECT_OPTION,
        Action.HOVER,
        Action.ASSERT_ELEMENT_PRESENT,
        Action.ASSERT_ELEMENT_CONTENT,
        Action.ASSERT_ELEMENT_ATTRIBUTE,
    }
)
TEXT_CHECKS: dict[TextCheck, str] = {
    TextCheck.EQUALS: "equals",
    TextCheck.NOT_EQUALS: "notEquals",
    TextCheck.CONTAINS: "contains",
    TextCheck.NOT_CONTAINS: "notContains",
    TextCheck.STARTS_WITH: "startsWith",
    TextCheck.MATCHES: "matchRegex",
}


def snap_down(value: int, allowed: tuple[int, ...]) -> int:
    """The largest allowed value not above `value` (the smallest when all are above): a check never runs
    less often than its source did."""
    below = [a for a in allowed if a <= value]
    return max(below) if below else min(allowed)


def snap_nearest(value: int, allowed: tuple[int, ...]) -> int:
    """The nearest allowed value, the smaller on a tie; a positive value never snaps to 0 ("never")."""
    pool = [a for a in allowed if a > 0] if value > 0 else list(allowed)
    return min(pool, key=lambda a: (abs(a - value), a))
