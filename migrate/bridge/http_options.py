"""A scrape job's HTTP client settings (auth, TLS, proxy, redirects, timeout) as OpenMetrics instance options.

Without them the Agent gets 401s or TLS errors and the metrics never arrive, with nothing in Datadog to
say so. Every target name here is one of the HTTP options the OpenMetrics v2 check documents: its spec
includes the `instances/http` template (DataDog/integrations-core datadog_checks_dev/.../templates/
configuration/instances/openmetrics.yaml and http.yaml; `STANDARD_FIELDS` and the `auth_token` readers and
writers in datadog_checks_base/.../utils/http.py).

Secret values are never read here, only whether a secret is configured: each becomes an `ENC[<handle>]`
(the Agent's secrets management resolves the whole value from its secret backend), and the handle is
listed for the operator to provision. Files (certificates, token files) are paths on the Prometheus
host, written as-is with a warning that the Agent host needs them too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from migrate.scrub import is_reference, is_secret_name
from migrate.sources.prometheus_rules import duration_seconds

AGENT_DEFAULT_TIMEOUT = 10.0  # seconds; the check's `timeout` default (and Prometheus' scrape_timeout default)
# Scrape-config keys bridge mode has nothing to carry for: the URL already holds scheme, path and params,
# the interval is `min_collection_interval`, and the rest is about Prometheus' own storage or discovery.
_NOT_HTTP = frozenset(
    {
        "job_name",
        "scheme",
        "metrics_path",
        "params",
        "scrape_interval",
        "static_configs",
        "relabel_configs",
        "metric_relabel_configs",
        "honor_timestamps",
        "track_timestamps_staleness",
        "scrape_protocols",
        "sample_limit",
        "target_limit",
        "label_limit",
        "label_name_length_limit",
        "label_value_length_limit",
        "body_size_limit",
        "keep_dropped_targets",
        "enable_compression",
        "native_histogram_bucket_limit",
        "native_histogram_min_bucket_factor",
        "scrape_classic_histograms",
        "always_scrape_classic_histograms",
        "convert_classic_histograms_to_nhcb",
        "enable_http2",
        "fallback_scrape_protocol",
        "scrape_failure_log_file",
        "metric_name_validation_scheme",
        "metric_name_escaping_scheme",
    }
)
_TLS_FILES = {"ca_file": "tls_ca_cert", "cert_file": "tls_cert", "key_file": "tls_private_key"}
_CREDENTIAL_HEADERS = frozenset({"proxy-authorization", "x-auth-token", "x-access-token", "private-token"})


def _credential_header(name: str) -> bool:
    return name.lower() in _CREDENTIAL_HEADERS or is_secret_name(name)


_TLS_QUIET = frozenset({"min_version", "max_version"})  # the Agent's defaults apply; a scrape still works


@dataclass(frozen=True)
class SecretHandle:
    """One value the operator provisions in the Agent's secret backend."""

    handle: str  # prometheus/<job>/<field>, from the scrub reference of the Prometheus field
    job: str
    option: str  # where the instance uses it, e.g. `password`, `extra_headers.Authorization`
    provide: str  # what value to store under the handle

    @property
    def enc(self) -> str:
        return f"ENC[{self.handle}]"


@dataclass
class HttpOptions:
    options: dict[str, Any] = field(default_factory=dict)
    secrets: list[SecretHandle] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    server: str = ""  # set when the job name exists on several Prometheus servers: handles must not be shared

    def secret(self, job: str, source: str, option: str, provide: str) -> str:
        scope = f"{self.server}/{job}" if self.server else job
        handle = SecretHandle(f"prometheus/{scope}/{source.replace('.', '_')}", job, option, provide)
        self.secrets.append(handle)
        return handle.enc


def _present(value: Any) -> bool:
    return value not in (None, "", False)


def _auth_header(out: HttpOptions, job: str, scheme: str, source: str, *, inline: bool, path: Any) -> None:
    """Bearer-style credentials: inline ones as a whole-header secret (a handle must be the field's whole
    value, so `Bearer ENC[...]` would not resolve); a token file through the `auth_token` file reader."""
    if inline:
        out.options.setdefault("extra_headers", {})["Authorization"] = out.secret(
            job,
            source,
            "extra_headers.Authorization",
            f"the whole Authorization header: `{scheme} ` followed by the token from `{source}`",
        )
    elif _present(path):
        writer = {"type": "header", "name": "Authorization", "value": f"{scheme} <TOKEN>"}
        out.options["auth_token"] = {"reader": {"type": "file", "path": str(path)}, "writer": writer}
        out.warnings.append(
            f"job `{job}`: the token file {path} is a path on the Prometheus host; it must exist "
            "(and be kept fresh) on the Agent host too"
        )


def _basic_auth(out: HttpOptions, job: str, auth: dict[str, Any]) -> None:
    out.options["auth_type"] = "basic"
    if _present(auth.get("username")):
        out.options["username"] = str(auth["username"])
    elif _present(auth.get("username_file")):
        out.options["username"] = out.secret(
            job, "basic_auth.username", "username", f"the username Prometheus reads from {auth['username_file']}"
        )
    for key in ("password", "password_file"):
        if _present(auth.get(key)):
            where = "from `basic_auth.password`" if key == "password" else f"read from {auth[key]}"
            out.options["password"] = out.secret(
                job, "basic_auth.password", "password", f"the basic-auth password Prometheus sends ({where})"
            )
            return
    out.warnings.append(f"job `{job}`: basic_auth without a password; the check only authenticates with one")


def _oauth2(out: HttpOptions, job: str, oauth: dict[str, Any]) -> None:
    """Client credentials, as Prometheus does it, through the `auth_token` oauth reader."""
    reader: dict[str, Any] = {
        "type": "oauth",
        "url": str(oauth.get("token_url", "")),
        "client_id": str(oauth.get("client_id", "")),
    }
    if _present(oauth.get("client_secret")) or _present(oauth.get("client_secret_file")):
        where = oauth.get("client_secret_file") or "`oauth2.client_secret`"
        reader["client_secret"] = out.secret(
            job,
            "oauth2.client_secret",
            "auth_token.reader.client_secret",
            f"the OAuth2 client secret (Prometheus: {where})",
        )
    if "?" in reader["url"]:  # a query may carry a tenant key or a secret: the whole URL becomes one handle
        reader["url"] = out.secret(
            job, "oauth2.token_url", "auth_token.reader.url", "the OAuth2 token URL, with its query string"
        )
    options = {str(k): str(v) for k, v in (oauth.get("endpoint_params") or {}).items()}
    if oauth.get("scopes"):
        options["scope"] = " ".join(str(s) for s in oauth["scopes"])
    if options:
        reader["options"] = options
    out.options["auth_token"] = {
        "reader": reader,
        "writer": {"type": "header", "name": "Authorization", "value": "Bearer <TOKEN>"},
    }
    ignored = sorted(
        k
        for k in oauth
        if k not in {"client_id", "client_secret", "client_secret_file", "token_url", "scopes", "endpoint_params"}
        and _present(oauth[k])
    )
    out.warnings.append(
        f"job `{job}` uses oauth2: mapped to the Agent's `auth_token` oauth reader (client credentials, "
        "a recent Agent); check the first scrapes in `agent status`"
        + (f"; not carried: oauth2.{', oauth2.'.join(ignored)} (the reader has no such option)" if ignored else "")
    )


def _tls(out: HttpOptions, job: str, tls: dict[str, Any]) -> None:
    paths = []
    for key, option in _TLS_FILES.items():
        if _present(tls.get(key)):
            out.options[option] = str(tls[key])
            paths.append(str(tls[key]))
    if paths:
        out.warnings.append(
            f"job `{job}`: TLS files {', '.join(paths)} are paths on the Prometheus host; they must "
            "exist at the same paths on the Agent host"
        )
    if tls.get("insecure_skip_verify") is True:
        out.options["tls_verify"] = False
        out.options["tls_ignore_warning"] = True  # Prometheus skips verification without a word
    left = sorted(
        k for k, v in tls.items() if k not in {*_TLS_FILES, "insecure_skip_verify", *_TLS_QUIET} and _present(v)
    )
    if left:
        out.warnings.append(
            f"job `{job}`: tls_config.{', tls_config.'.join(left)} has no Agent equivalent and is "
            "left out: the Agent checks the certificate against the URL's host with the files above "
            "(inline certificates must be written to files and set as tls_ca_cert/tls_cert/"
            "tls_private_key); the scrape may fail TLS"
        )


def _proxy(out: HttpOptions, job: str, job_config: dict[str, Any]) -> None:
    url = job_config.get("proxy_url")
    if _present(url):
        proxy: dict[str, Any] = {"http": str(url), "https": str(url)}
        if _present(job_config.get("no_proxy")):
            proxy["no_proxy"] = [h.strip() for h in str(job_config["no_proxy"]).split(",") if h.strip()]
        out.options["proxy"] = proxy
    if job_config.get("proxy_from_environment") is True:
        out.warnings.append(
            f"job `{job}`: proxy_from_environment: the check uses the Agent's proxy settings "
            "(datadog.yaml `proxy`), not the Prometheus host's environment"
        )
    if _present(job_config.get("proxy_connect_header")):
        out.warnings.append(
            f"job `{job}`: proxy_connect_header has no Agent equivalent and is left out: a proxy "
            "that needs those headers will refuse the scrape"
        )


def _headers(out: HttpOptions, job: str, headers: dict[str, Any], safe: frozenset[str]) -> None:
    """`http_headers` (newer Prometheus): every value is a secret handle unless the mappings mark the header
    safe (`prometheus.bridge_safe_headers`), as a header named `Bearer` or `X-Key` is a credential whatever
    Prometheus calls its value; files are warned about."""
    for name, given in sorted(headers.items()):
        spec: dict[str, Any] = given if isinstance(given, dict) else {}
        values = [str(v) for v in spec.get("values") or []]
        plain = name.lower() in safe and not _credential_header(name) and not any(map(is_reference, values))
        if spec.get("secrets") or (values and not plain):
            out.options.setdefault("extra_headers", {})[name] = out.secret(
                job, f"http_headers.{name}", f"extra_headers.{name}", f"the `{name}` header value Prometheus sends"
            )
        elif values:
            out.options.setdefault("extra_headers", {})[name] = ", ".join(values)
        if spec.get("files") or len(values) + len(spec.get("secrets") or []) > 1:
            out.warnings.append(
                f"job `{job}`: header `{name}` has several values or comes from files: the Agent "
                "sends one value per header; check it"
            )


def _secret_params(out: HttpOptions, job: str, params: Any) -> None:
    secret = sorted(str(k) for k in (params if isinstance(params, dict) else {}) if is_secret_name(str(k)))
    if secret:
        out.warnings.append(
            f"job `{job}`: the URL parameter(s) {', '.join(secret)} hold a credential, which is not "
            "written into openmetrics_endpoint (a secret handle must be a whole value, and the URL "
            "becomes the `endpoint` tag): the exporter will refuse the scrape until it accepts a "
            "header or basic auth instead"
        )


def http_options(
    job: str,
    config: dict[str, Any],
    target_timeout: Any = None,
    *,
    server: str = "",
    safe_headers: frozenset[str] = frozenset(),
) -> HttpOptions:
    """The instance options, secret handles and warnings for one scrape job's (scrubbed) config payload.
    `target_timeout` is a target's `scrapeTimeout`, used when the job does not say (global default); `server`
    qualifies the handles (`prometheus/<server>/<job>/...`) when another server has a job of that name."""
    out = HttpOptions(server=server)
    if isinstance(config.get("basic_auth"), dict):
        _basic_auth(out, job, config["basic_auth"])
    authorization = config.get("authorization")
    if isinstance(authorization, dict):
        scheme = str(authorization.get("type") or "Bearer")
        _auth_header(
            out,
            job,
            scheme,
            "authorization.credentials",
            inline=_present(authorization.get("credentials")),
            path=authorization.get("credentials_file"),
        )
    if _present(config.get("bearer_token")) or _present(config.get("bearer_token_file")):
        _auth_header(
            out,
            job,
            "Bearer",
            "bearer_token",
            inline=_present(config.get("bearer_token")),
            path=config.get("bearer_token_file"),
        )
    if isinstance(config.get("oauth2"), dict):
        _oauth2(out, job, config["oauth2"])
    if isinstance(config.get("tls_config"), dict):
        _tls(out, job, config["tls_config"])
    _proxy(out, job, config)
    if isinstance(config.get("http_headers"), dict):
        _headers(out, job, config["http_headers"], safe_headers)
    _secret_params(out, job, config.get("params"))
    if config.get("follow_redirects") is False:
        out.options["allow_redirects"] = False
    timeout = config.get("scrape_timeout", target_timeout)
    try:
        seconds = duration_seconds(timeout) if timeout is not None else AGENT_DEFAULT_TIMEOUT
    except ValueError:
        seconds = AGENT_DEFAULT_TIMEOUT
        out.warnings.append(f"job `{job}`: scrape_timeout {timeout!r} is not a duration; the Agent's 10 s applies")
    if seconds != AGENT_DEFAULT_TIMEOUT and seconds > 0:
        out.options["timeout"] = int(seconds) if seconds.is_integer() else seconds
    if config.get("honor_labels") is True:
        out.warnings.append(
            f"job `{job}`: honor_labels: in Prometheus the exposed `job`/`instance` labels win over "
            "the target's; the Agent keeps both (the scraped labels as their own tags next to the "
            "instance `tags`), so a query by those tags may split or double count"
        )
    handled = {
        "basic_auth",
        "authorization",
        "bearer_token",
        "bearer_token_file",
        "oauth2",
        "tls_config",
        "proxy_url",
        "no_proxy",
        "proxy_from_environment",
        "proxy_connect_header",
        "http_headers",
        "follow_redirects",
        "scrape_timeout",
        "honor_labels",
    }
    unknown = sorted(
        k for k, v in config.items() if k not in handled | _NOT_HTTP and not k.endswith("_sd_configs") and _present(v)
    )
    if unknown:
        out.warnings.append(
            f"job `{job}`: {', '.join(unknown)} has no Agent equivalent and is left out; if the "
            "target needs it to answer, the instance will fail to scrape"
        )
    return out
