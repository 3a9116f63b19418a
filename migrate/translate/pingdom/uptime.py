"""A Pingdom uptime check (normalised by migrate/sources/pingdom/normalize.py) → `CheckSpec`s.

http/https → an HTTP API test; a certificate warning (`ssl_down_days_before`) cannot be asserted by
Datadog's HTTP test (certificate assertions are SSL-test only), so it becomes a companion SSL test on the
same host and port (part "ssl"). tcp → TCP, ping → ICMP, dns → DNS, udp → UDP; smtp/pop3/imap → an SSL
test on their encrypted port or a TCP test on the plain one (neither can read the server's banner, said).
Anything else is `Unsupported` (the caller makes it manual).

`verify_certificate: false` → `allow_insecure: true`. What we relied on: the v1 spec words
`allow_insecure` as "Allows loading insecure content for an HTTP request in an API test", which could
mean mixed content; Datadog's CI test options name the same switch `allowInsecureCertificates` ("Disable
certificate checks in API tests", datadog-api-client SyntheticsCITest) and the UI labels it "Ignore
server certificate error" (terraform-provider-datadog PR #1912, also in specs/check.py `TlsSpec`), so it
is the certificate switch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from migrate.model import Finding, Outcome, SourceRef
from migrate.translate.secret_refs import SecretText
from migrate.translate.specs.check import (
    AssertionSpec,
    AssertKind,
    BasicAuth,
    CheckKind,
    CheckSpec,
    Op,
    RequestSpec,
    Secret,
    TlsSpec,
)

# Mail protocols: (plain port, encrypted port), Pingdom's defaults.
MAIL_PORTS = {"smtp": (25, 465), "pop3": (110, 995), "imap": (143, 993)}
BODY_TYPES = frozenset(
    {"text/plain", "application/json", "text/xml", "text/html", "application/x-www-form-urlencoded", "graphql"}
)
# Pingdom counts a 4xx or 5xx answer as down and follows redirects (its HTTP check docs); a Datadog
# test asserts the final status.
UP_STATUS = "^[123][0-9][0-9]$"


class Unsupported(Exception):
    """A check type or setting with no Datadog API test form; the message is the ledger's reason."""


@dataclass
class Draft:
    """What the check's common fields contribute to every spec made from it."""

    ref: SourceRef
    n: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    secrets: SecretText = field(default_factory=SecretText)

    @property
    def settings(self) -> dict[str, Any]:
        s = self.n.get("settings")
        return s if isinstance(s, dict) else {}

    @property
    def host(self) -> str:
        return str(self.n.get("hostname") or "")

    def response_time(self) -> tuple[AssertionSpec, ...]:
        ms = self.n.get("response_time_threshold_ms")
        return (AssertionSpec(AssertKind.RESPONSE_TIME, Op.LESS_THAN, int(ms)),) if ms else ()


Part = tuple[str, CheckKind, RequestSpec, tuple[AssertionSpec, ...], TlsSpec]  # (part, kind, request, ...)


def parts(d: Draft) -> list[Part]:
    kind = str(d.n.get("type") or "").lower()
    if not d.host:
        raise Unsupported(f"the {kind or 'untyped'} check names no hostname")
    if kind in ("http", "https"):
        return _http(d)
    if kind == "tcp":
        return [_tcp(d, int(d.settings.get("port") or 0))]
    if kind == "ping":
        assertions: tuple[AssertionSpec, ...] = (AssertionSpec(AssertKind.PACKET_LOSS, Op.LESS_THAN, 100),)
        ms = d.n.get("response_time_threshold_ms")
        if ms:
            assertions += (AssertionSpec(AssertKind.LATENCY, Op.LESS_THAN, int(ms), property="avg"),)
        return [("", CheckKind.ICMP, RequestSpec(host=d.host, packets=4), assertions, TlsSpec())]
    if kind == "dns":
        return [_dns(d)]
    if kind == "udp":
        return [_udp(d)]
    if kind in MAIL_PORTS:
        return [_mail(d, kind)]
    raise Unsupported(f"Pingdom {kind or 'untyped'} checks have no Datadog API test form")


def _url(d: Draft) -> str:
    s = d.settings
    path = str(s.get("url") or "/")
    if path.startswith(("http://", "https://")):
        return path
    https = bool(s.get("encryption")) or str(d.n.get("type")) == "https"
    port = s.get("port")
    default = 443 if https else 80
    netloc = d.host if not port or int(port) == default else f"{d.host}:{int(port)}"
    return f"{'https' if https else 'http'}://{netloc}{path if path.startswith('/') else '/' + path}"


def _http(d: Draft) -> list[Part]:
    s = d.settings
    headers = tuple((str(k), d.secrets.text(v)) for k, v in (s.get("requestheaders") or {}).items())
    body = d.secrets.text(s["postdata"]) if s.get("postdata") else ""
    content_type = next((str(v).split(";")[0].strip().lower() for k, v in headers if k.lower() == "content-type"), "")
    # Pingdom posts `postdata` as a browser submits a form unless a Content-Type header says otherwise.
    body_type = (content_type if content_type in BODY_TYPES else "") or (
        "application/x-www-form-urlencoded" if body and not content_type else ""
    )
    auth = None
    if s.get("username") or s.get("password"):
        password = d.secrets.text(s.get("password"))
        if not isinstance(password, Secret):
            raise Unsupported("the basic-auth password is not a collector secret reference; refusing to write it")
        auth = BasicAuth(username=d.secrets.text(s.get("username")), password=password)
    request = RequestSpec(
        url=d.secrets.inline(_url(d)),
        method="POST" if body else "GET",
        headers=headers,
        body=body,
        body_type=body_type,
        basic_auth=auth,
        follow_redirects=True,
    )
    assertions = [AssertionSpec(AssertKind.STATUS_CODE, Op.MATCHES, UP_STATUS)]
    if s.get("shouldcontain"):
        assertions.append(AssertionSpec(AssertKind.BODY, Op.CONTAINS, str(s["shouldcontain"])))
    if s.get("shouldnotcontain"):
        assertions.append(AssertionSpec(AssertKind.BODY, Op.NOT_CONTAINS, str(s["shouldnotcontain"])))
    tls = TlsSpec(ignore_server_errors=True) if s.get("verify_certificate") is False else TlsSpec()
    out: list[Part] = [("", CheckKind.HTTP, request, (*assertions, *d.response_time()), tls)]
    days = s.get("ssl_down_days_before")
    if days and (s.get("encryption") or str(d.n.get("type")) == "https"):
        port = int(s.get("port") or 443)
        cert = (AssertionSpec(AssertKind.CERTIFICATE_DAYS, Op.MORE_THAN, int(days)),)
        out.append(("ssl", CheckKind.SSL, RequestSpec(host=d.host, port=port), cert, TlsSpec()))
    return out


def _tcp(d: Draft, port: int) -> Part:
    if not port:
        raise Unsupported("the tcp check names no port")
    s = d.settings
    if s.get("stringtosend") or s.get("stringtoexpect"):
        d.findings.append(
            Finding(
                "pingdom.tcp_payload_dropped",
                "Datadog TCP tests only connect: the string Pingdom sent and the answer it expected are not checked",
            )
        )
    connected = AssertionSpec(AssertKind.CONNECTION, Op.IS, "established")
    return ("", CheckKind.TCP, RequestSpec(host=d.host, port=port), (connected, *d.response_time()), TlsSpec())


def _dns(d: Draft) -> Part:
    s = d.settings
    assertions: list[AssertionSpec] = []
    expected = str(s.get("expectedip") or "")
    if expected:
        record = "AAAA" if ":" in expected else "A"
        assertions.append(AssertionSpec(AssertKind.DNS_RECORD, Op.IS, expected, property=record))
    request = RequestSpec(host=d.host, dns_server=str(s.get("nameserver") or ""))
    return ("", CheckKind.DNS, request, (*assertions, *d.response_time()), TlsSpec())


def _udp(d: Draft) -> Part:
    s = d.settings
    port = int(s.get("port") or 0)
    if not port or not s.get("stringtosend"):
        raise Unsupported("a udp check needs a port and a string to send")
    request = RequestSpec(host=d.host, port=port, message=str(d.secrets.inline(str(s["stringtosend"]))))
    assertions = []
    if s.get("stringtoexpect"):
        assertions.append(AssertionSpec(AssertKind.RECEIVED, Op.CONTAINS, str(s["stringtoexpect"])))
    return ("", CheckKind.UDP, request, (*assertions, *d.response_time()), TlsSpec())


def _mail(d: Draft, kind: str) -> Part:
    s = d.settings
    plain, encrypted = MAIL_PORTS[kind]
    port = int(s.get("port") or (encrypted if s.get("encryption") else plain))
    if s.get("stringtoexpect"):
        d.findings.append(
            Finding(
                "pingdom.banner_unchecked",
                f"Datadog cannot read a {kind} server's banner; the expected {s['stringtoexpect']!r} is not checked",
            )
        )
    if s.get("username") or s.get("password"):
        d.findings.append(
            Finding("pingdom.mail_login_dropped", f"Datadog does not log in to {kind} servers; only the port is tested")
        )
    if s.get("encryption"):
        valid = AssertionSpec(AssertKind.CERTIFICATE_DAYS, Op.MORE_THAN, 0)
        return ("", CheckKind.SSL, RequestSpec(host=d.host, port=port), (valid, *d.response_time()), TlsSpec())
    return _tcp(d, port)


def specs(d: Draft, base: CheckSpec) -> list[CheckSpec]:
    """The check's specs: `base` holds what they share (refs, name, schedule, message, locations, tags)."""
    out: list[CheckSpec] = []
    if d.n.get("ipv6"):
        d.findings.append(
            Finding(
                "pingdom.ipv6_unchecked",
                "the Pingdom check tested over IPv6; Datadog managed locations choose the address family themselves",
            )
        )
    for part, kind, request, assertions, tls in parts(d):
        out.append(
            replace(
                base,
                name=f"{base.name} (certificate)" if part == "ssl" else base.name,
                kind=kind,
                request=request,
                assertions=assertions,
                tls=tls,
                variables=tuple(d.secrets.variables),
                part=part,
            )
        )
    return out


def manual_finding(reason: str) -> Finding:
    return Finding("pingdom.check_unsupported", reason, Outcome.MANUAL)
