"""`CheckSpec`: an uptime or transaction check, in the words of no particular source.

Pingdom checks, New Relic synthetic monitors and blackbox-exporter probes all become one of these; the
synthetic-test builder (`migrate.translate.build.synthetic`) is the only code that writes Datadog's test
payload. Secrets never enter a spec: a field that would hold one holds a `Secret`, the NAME of a Datadog
global variable an operator provides, and the builder writes `{{ NAME }}` plus a `configVariables` entry.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from enum import StrEnum

from migrate.model import SourceRef
from migrate.translate.specs.message import MessageSpec

# Datadog global variable names: upper-case letters, digits and underscores, starting with a letter.
_NAME_FIRST = frozenset(string.ascii_uppercase)
_NAME_REST = _NAME_FIRST | frozenset(string.digits + "_")


def variable_name_ok(name: str) -> bool:
    return bool(name) and name[0] in _NAME_FIRST and all(c in _NAME_REST for c in name)


class CheckKind(StrEnum):
    HTTP = "http"
    SSL = "ssl"
    TCP = "tcp"
    DNS = "dns"
    ICMP = "icmp"
    UDP = "udp"
    WEBSOCKET = "websocket"
    GRPC = "grpc"
    MULTI = "multi"  # a multistep API test: `steps` hold the requests
    BROWSER = "browser"  # a browser test: `browser_steps` hold the actions


class AssertKind(StrEnum):
    STATUS_CODE = "status_code"
    BODY = "body"
    HEADER = "header"  # `property` is the header name
    RESPONSE_TIME = "response_time"  # milliseconds
    CERTIFICATE_DAYS = "certificate_days"  # days until the certificate expires
    DNS_RECORD = "dns_record"  # `property` is the record type (A, AAAA, CNAME, MX, ...)
    RECEIVED = "received"  # the payload a TCP/UDP/websocket server answers with
    CONNECTION = "connection"  # TCP: established / refused / timeout
    PACKET_LOSS = "packet_loss"  # ICMP, percent
    LATENCY = "latency"  # ICMP, milliseconds; `property` is avg / min / max / stddev
    MIN_TLS_VERSION = "min_tls_version"


class Op(StrEnum):
    IS = "is"
    IS_NOT = "is_not"
    CONTAINS = "contains"
    NOT_CONTAINS = "not_contains"
    MATCHES = "matches"  # a regular expression
    NOT_MATCHES = "not_matches"
    LESS_THAN = "less_than"
    LESS_EQUAL = "less_equal"
    MORE_THAN = "more_than"
    MORE_EQUAL = "more_equal"


@dataclass(frozen=True)
class Secret:
    """A reference to a Datadog global variable by name; the value lives only in Datadog."""

    name: str

    def __post_init__(self) -> None:
        if not variable_name_ok(self.name):
            raise ValueError(
                f"global variable name {self.name!r} must be upper-case letters, digits and _, starting with a letter"
            )


Text = str | Secret


@dataclass(frozen=True)
class AssertionSpec:
    kind: AssertKind
    op: Op
    target: str | float
    property: str = ""
    every: bool = False  # DNS: every record must match (else: at least one)


@dataclass(frozen=True)
class BasicAuth:
    username: Text
    password: Secret
    scheme: str = "web"  # web | digest | ntlm


@dataclass(frozen=True)
class TlsSpec:
    """How certificate problems are treated; None leaves Datadog's default."""

    # Datadog's UI calls `allow_insecure` (API tests) and `ignoreServerCertificateError` (browser tests)
    # both "Ignore server certificate error" (terraform-provider-datadog PR #1912).
    ignore_server_errors: bool | None = None
    accept_self_signed: bool | None = None  # SSL tests
    check_revocation: bool | None = None  # SSL tests


@dataclass(frozen=True)
class RequestSpec:
    url: str = ""  # http, websocket, browser start page
    method: str = ""  # http (default GET), grpc method name
    host: str = ""  # ssl, tcp, dns, icmp, udp, grpc
    port: int | None = None
    headers: tuple[tuple[str, Text], ...] = ()
    body: Text = ""
    body_type: str = ""  # a MIME type Datadog knows (application/json, text/plain, ...)
    timeout_s: float | None = None
    basic_auth: BasicAuth | None = None
    follow_redirects: bool | None = None
    dns_server: str = ""
    dns_server_port: int | None = None
    message: str = ""  # what udp / websocket / grpc send
    packets: int | None = None  # icmp, 0-10
    track_hops: bool | None = None  # icmp, tcp traceroute
    service: str = ""  # grpc service


@dataclass(frozen=True)
class ApiStepSpec:
    """One request of a multistep API test; `kind` is a single-request kind (not MULTI or BROWSER)."""

    name: str
    kind: CheckKind
    request: RequestSpec = field(default_factory=RequestSpec)
    assertions: tuple[AssertionSpec, ...] = ()
    allow_failure: bool = False
    critical: bool = True


@dataclass(frozen=True)
class WaitStep:
    """A pause between the requests of a multistep API test (Datadog allows 0-180 s)."""

    name: str
    seconds: int


class Action(StrEnum):
    """Browser-test actions (the union of what Pingdom TMS and New Relic STEP monitors can say)."""

    GO_TO_URL = "go_to_url"
    CLICK = "click"
    TYPE_TEXT = "type_text"
    SELECT_OPTION = "select_option"
    HOVER = "hover"
    PRESS_KEY = "press_key"
    REFRESH = "refresh"
    WAIT = "wait"  # value: seconds
    ASSERT_ELEMENT_PRESENT = "assert_element_present"
    ASSERT_ELEMENT_CONTENT = "assert_element_content"
    ASSERT_ELEMENT_ATTRIBUTE = "assert_element_attribute"
    ASSERT_PAGE_CONTAINS = "assert_page_contains"
    ASSERT_PAGE_LACKS = "assert_page_lacks"
    ASSERT_CURRENT_URL = "assert_current_url"
    ASSERT_JAVASCRIPT = "assert_javascript"  # value: a JavaScript function body returning true


class TextCheck(StrEnum):
    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    CONTAINS = "contains"
    NOT_CONTAINS = "not_contains"
    STARTS_WITH = "starts_with"
    MATCHES = "matches"


@dataclass(frozen=True)
class Selector:
    value: str
    kind: str = "css"  # css | xpath


@dataclass(frozen=True)
class BrowserStepSpec:
    action: Action
    name: str = ""
    element: Selector | None = None
    value: Text = ""
    check: TextCheck | None = None
    attribute: str = ""
    timeout_s: int | None = None
    allow_failure: bool = False
    critical: bool = True


@dataclass(frozen=True)
class CheckSpec:
    refs: tuple[SourceRef, ...]
    name: str
    kind: CheckKind
    request: RequestSpec = field(default_factory=RequestSpec)
    assertions: tuple[AssertionSpec, ...] = ()
    steps: tuple[ApiStepSpec | WaitStep, ...] = ()  # MULTI
    browser_steps: tuple[BrowserStepSpec, ...] = ()  # BROWSER
    locations: tuple[str, ...] = ()  # Datadog location ids (aws:eu-west-1, pl:<id>): front ends map regions
    frequency_s: int = 300
    retries: int = 0
    retry_interval_ms: int | None = None
    min_failure_duration_s: int | None = None
    min_location_failed: int | None = None
    renotify_minutes: int | None = None
    priority: int | None = None  # 1 (high) to 5
    paused: bool = False
    message: MessageSpec = field(default_factory=MessageSpec)
    tags: tuple[str, ...] = ()
    tls: TlsSpec = field(default_factory=TlsSpec)
    devices: tuple[str, ...] = ()  # browser device ids; empty: the builder's default
    # Global variables the test reads through `{{ NAME }}` written into free text (a URL, a script)
    # rather than through a `Secret` field.
    variables: tuple[str, ...] = ()
    # Which of several tests made from the same source objects this is (a Pingdom check's SSL companion,
    # one blackbox target of a scrape job): part of the resource key, so each test keeps its own identity.
    part: str = ""

    def __post_init__(self) -> None:
        for name in self.variables:
            Secret(name)  # the same name rule
