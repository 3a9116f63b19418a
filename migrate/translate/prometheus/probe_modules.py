"""Blackbox-exporter modules → what a Datadog API test requests and asserts.

A module's settings come from `prometheus.blackbox_modules` in the mappings (the blackbox.yml `modules:`
map, pasted as is) when given, else from the exporter's example config (`DEFAULTS`, prometheus/
blackbox_exporter example.yml: http_2xx, http_post_2xx, tcp_connect, icmp, dns, ...). The prober
defaults are the exporter's documented ones (CONFIGURATION.md): HTTP `valid_status_codes` 2xx, redirects
followed, TLS verified; DNS `valid_rcodes` NOERROR.

Credentials in a module (`basic_auth.password`, `bearer_token`, `authorization.credentials`) are never
written: the test reads the Datadog global variable BLACKBOX_<MODULE>_<FIELD>, which the operator fills.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from migrate.model import Finding
from migrate.translate.secret_refs import variable_name
from migrate.translate.specs.check import (
    AssertionSpec,
    AssertKind,
    BasicAuth,
    CheckKind,
    Op,
    RequestSpec,
    Secret,
    TlsSpec,
)

DEFAULTS: dict[str, dict[str, Any]] = {
    "http_2xx": {"prober": "http"},
    "http_post_2xx": {"prober": "http", "http": {"method": "POST"}},
    "tcp_connect": {"prober": "tcp"},
    "icmp": {"prober": "icmp"},
    "icmp_ttl5": {"prober": "icmp", "icmp": {"ttl": 5}},
    "dns": {"prober": "dns", "dns": {"query_name": "", "query_type": "A"}},
    "pop3s_banner": {"prober": "tcp", "tcp": {"query_response": [{"expect": "^+OK"}], "tls": True}},
    "ssh_banner": {"prober": "tcp", "tcp": {"query_response": [{"expect": "^SSH-2.0-"}]}},
}


class NoModule(Exception):
    pass


@dataclass
class Probe:
    kind: CheckKind
    request: RequestSpec
    assertions: tuple[AssertionSpec, ...]
    tls: TlsSpec = field(default_factory=TlsSpec)
    findings: list[Finding] = field(default_factory=list)


def module_config(name: str, configured: dict[str, Any]) -> dict[str, Any]:
    module = configured.get(name, DEFAULTS.get(name))
    if not isinstance(module, dict) or not module.get("prober"):
        raise NoModule(
            f"module {name!r} is not one of the exporter's example modules; add its blackbox.yml definition "
            "to mappings prometheus.blackbox_modules"
        )
    return module


def probe(module_name: str, module: dict[str, Any], target: str) -> Probe:
    prober = str(module["prober"])
    settings = mapping(module.get(prober))
    if prober == "http":
        return _http(module_name, settings, target)
    host, port = host_port(target)
    if prober == "tcp":
        return _tcp(settings, host, port)
    if prober == "icmp":
        return Probe(CheckKind.ICMP, RequestSpec(host=host, packets=4), (_reached(),))
    if prober == "dns":
        return _dns(settings, host, port)
    raise NoModule(f"the {prober} prober has no Datadog API test form")


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _reached() -> AssertionSpec:
    return AssertionSpec(AssertKind.PACKET_LOSS, Op.LESS_THAN, 100)


def host_port(target: str) -> tuple[str, int | None]:
    parts = urlsplit(target if "://" in target else f"//{target}")
    return parts.hostname or target, parts.port


def _status(codes: list[Any]) -> AssertionSpec:
    if not codes:
        return AssertionSpec(AssertKind.STATUS_CODE, Op.MATCHES, "^2[0-9][0-9]$")
    if len(codes) == 1:
        return AssertionSpec(AssertKind.STATUS_CODE, Op.IS, int(codes[0]))
    return AssertionSpec(AssertKind.STATUS_CODE, Op.MATCHES, "^(" + "|".join(str(int(c)) for c in codes) + ")$")


def _secret(module: str, field_name: str) -> Secret:
    return Secret(variable_name(f"BLACKBOX_{module}_{field_name}"))


def _http(module: str, s: dict[str, Any], target: str) -> Probe:
    findings: list[Finding] = []
    url = target if "://" in target else f"http://{target}"
    headers: list[tuple[str, str | Secret]] = [(str(k), str(v)) for k, v in (s.get("headers") or {}).items()]
    auth = None
    basic = mapping(s.get("basic_auth"))
    if basic:
        auth = BasicAuth(username=str(basic.get("username") or ""), password=_secret(module, "PASSWORD"))
    if s.get("bearer_token") or mapping(s.get("authorization")).get("credentials"):
        token = _secret(module, "TOKEN")
        headers.append(("Authorization", token))
        findings.append(
            Finding(
                "blackbox.token_variable",
                f"the module's token is read from the global variable {token.name}, whose value must hold the "
                "whole header (`Bearer ...`)",
            )
        )
    assertions = [_status(list(s.get("valid_status_codes") or []))]
    for rx in s.get("fail_if_body_matches_regexp") or []:
        assertions.append(AssertionSpec(AssertKind.BODY, Op.NOT_MATCHES, str(rx)))
    for rx in s.get("fail_if_body_not_matches_regexp") or []:
        assertions.append(AssertionSpec(AssertKind.BODY, Op.MATCHES, str(rx)))
    for rule in s.get("fail_if_header_not_matches") or []:
        assertions.append(AssertionSpec(AssertKind.HEADER, Op.MATCHES, str(rule["regexp"]), property=rule["header"]))
    for rule in s.get("fail_if_header_matches") or []:
        assertions.append(
            AssertionSpec(AssertKind.HEADER, Op.NOT_MATCHES, str(rule["regexp"]), property=rule["header"])
        )
    if s.get("fail_if_not_ssl") and not url.startswith("https://"):
        findings.append(Finding("blackbox.fail_if_not_ssl", "fail_if_not_ssl has no Datadog assertion"))
    if str(s.get("preferred_ip_protocol") or "ip6") == "ip6" and s.get("ip_protocol_fallback") is False:
        findings.append(Finding("blackbox.ipv6_only", "the module probes over IPv6 only; Datadog picks the family"))
    tls_config = mapping(s.get("tls_config"))
    tls = TlsSpec(ignore_server_errors=True) if tls_config.get("insecure_skip_verify") else TlsSpec()
    follow = not s.get("no_follow_redirects", False) and s.get("follow_redirects", True) is not False
    request = RequestSpec(
        url=url,
        method=str(s.get("method") or "GET").upper(),
        headers=tuple(headers),
        body=str(s.get("body") or ""),
        basic_auth=auth,
        follow_redirects=follow,
    )
    return Probe(CheckKind.HTTP, request, tuple(assertions), tls, findings)


def _tcp(s: dict[str, Any], host: str, port: int | None) -> Probe:
    if port is None:
        raise NoModule("a tcp probe target needs host:port")
    findings = []
    if s.get("query_response"):
        findings.append(
            Finding("blackbox.query_response_dropped", "Datadog TCP and SSL tests cannot send or expect a dialogue")
        )
    request = RequestSpec(host=host, port=port)
    if s.get("tls"):
        valid = AssertionSpec(AssertKind.CERTIFICATE_DAYS, Op.MORE_THAN, 0)
        return Probe(CheckKind.SSL, request, (valid,), findings=findings)
    return Probe(
        CheckKind.TCP, request, (AssertionSpec(AssertKind.CONNECTION, Op.IS, "established"),), findings=findings
    )


def _dns(s: dict[str, Any], server: str, port: int | None) -> Probe:
    name = str(s.get("query_name") or "")
    if not name:
        raise NoModule("the dns module names no query_name")
    record = str(s.get("query_type") or "A").upper()
    answers = mapping(s.get("validate_answer_rrs"))
    wanted = [str(r) for r in answers.get("fail_if_none_matches_regexp") or []]
    # The exporter's default only requires an answer with rcode NOERROR: "some record of the type exists".
    assertions = [AssertionSpec(AssertKind.DNS_RECORD, Op.MATCHES, rx, property=record) for rx in wanted] or [
        AssertionSpec(AssertKind.DNS_RECORD, Op.MATCHES, ".+", property=record)
    ]
    request = RequestSpec(host=name, dns_server=server, dns_server_port=port)
    return Probe(CheckKind.DNS, request, tuple(assertions))


def is_https(target: str) -> bool:
    return target.lower().startswith("https://")
