"""Remove credentials from source payloads before anything is written to disk.

A credential found in a source config (basic auth, bearer tokens, auth headers, passwords) is
replaced by a reference the operator resolves at apply time, e.g. `{{secret:prometheus.basic_auth.password}}`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# A key or URL parameter whose value is a credential. Names of places (`token_url`, `bearer_token_file`,
# `credentials_file`, `key_file`) and of kinds or ids (`auth_type`, `client_id`) are not secrets themselves.
_SECRET_NAME = re.compile(
    r"(?i)(pass(word|wd|phrase)?|secret|token|api[_-]?key|app[_-]?key|application[_-]?key|^auth$|authorization|"
    r"credential|private[_-]?key|cookie|signature|^sig$|^key$|session)"
)
_NOT_SECRET_SUFFIXES = ("_url", "_uri", "_file", "_path", "_type", "_id", "_name", "_header")


def is_secret_name(name: str) -> bool:
    lowered = name.lower()
    return not lowered.endswith(_NOT_SECRET_SUFFIXES) and bool(_SECRET_NAME.search(lowered))


def secret_reference(path: str) -> str:
    return "{{secret:" + path + "}}"


Reference = Callable[[str], str]
"""Path of a secret -> the reference that replaces it. `secret_reference` by default; a collector that
names secrets its own way (Pingdom's `PINGDOM_<CHECKID>_<FIELD>`) passes its own."""

# A value that is a credential whatever its key is called: an HTTP authorization scheme and its token.
_CREDENTIAL_VALUE = re.compile(r"(?i)^\s*(bearer|basic|digest|token|apikey|api-key)\s+\S{4,}")


def is_credential_value(value: object) -> bool:
    """`Bearer abc...`, `Basic dXNl...`: a secret even under an innocent name (`X-Upstream: Bearer ...`)."""
    return isinstance(value, str) and not is_reference(value) and bool(_CREDENTIAL_VALUE.match(value))


def is_reference(value: object) -> bool:
    """Already a reference (a collector may write a more precise one than this module could): keep it."""
    return isinstance(value, str) and value.startswith("{{secret:") and value.endswith("}}")


def _pair_name(value: dict[Any, Any]) -> str | None:
    """The name of a name/value pair such as NerdGraph's tags `{key, values}` and properties `{key, value,
    displayValue}`: there the *value* of `key` says whether the entry is secret, not the word "key"."""
    name = value.get("key")
    if isinstance(name, str) and ("value" in value or "values" in value):
        return name
    return None


def scrub(value: Any, path: str = "", reference: Reference = secret_reference) -> Any:
    """Return a copy of `value` with every secret-looking entry replaced by `reference(its path)`."""
    if isinstance(value, dict) and (name := _pair_name(value)) is not None:
        sub = f"{path}.{name}" if path else name
        secret = is_secret_name(name)
        return {
            k: item
            if k in ("key", "label")
            else _redact_all(item, sub, reference)
            if secret
            else scrub(item, f"{sub}.{k}", reference)
            for k, item in value.items()
        }
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            out[key] = _secret_entry(item, sub, reference) if is_secret_name(str(key)) else scrub(item, sub, reference)
        return out
    if isinstance(value, list):
        return [scrub(item, f"{path}[{i}]", reference) for i, item in enumerate(value)]
    if isinstance(value, str):
        return scrub_url_text(value, path, reference)
    return value


def _secret_entry(value: Any, path: str, reference: Reference) -> Any:
    """The value of a secret-named key: a string or number is the secret; a list holds secrets (header
    values); a mapping is a structure (`authorization: {type, credentials, credentials_file}`, a header's
    `{values, secrets, files}`) whose `values`/`secrets` are secret and whose other keys follow the usual rules."""
    if isinstance(value, dict):
        out: dict[str, Any] = scrub(value, path, reference)
        for key in ("values", "secrets"):
            if key in value:
                out[key] = _redact_all(value[key], f"{path}.{key}", reference)
        return out
    return _redact_all(value, path, reference)


def _redact_all(value: Any, path: str, reference: Reference) -> Any:
    """Every leaf is secret."""
    if isinstance(value, dict):
        return {k: _redact_all(v, f"{path}.{k}", reference) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_all(v, f"{path}[{i}]", reference) for i, v in enumerate(value)]
    if (
        isinstance(value, str | int)
        and not isinstance(value, bool)
        and value not in ("", "<secret>")
        and not is_reference(value)
    ):
        return reference(path)
    return value


_URL_USERINFO = re.compile(r"(?i)\b(https?://)[^/@\s:]+:[^/@\s]+@")
_URL_PARAM = re.compile(r"([?&])([^=&#\s]+)=([^&#\s]*)")
_FORM_PARAM = re.compile(r"(^|&)([^=&\s]+)=([^&]*)")


def scrub_url_text(text: str, path: str = "url", reference: Reference = secret_reference) -> str:
    """Credentials inside URLs: userinfo (`https://user:pass@host`) goes, and the value of any secret-named
    query parameter (`?access_token=...`) becomes a reference."""
    text = _URL_USERINFO.sub(r"\1", text)
    if "=" not in text or "://" not in text:
        return text
    return _scrub_params(_URL_PARAM, text, path, reference)


def scrub_form_text(text: str, path: str, reference: Reference = secret_reference) -> str:
    """A form body or a bare query (`user=ops&password=...`, no `://`): secret-named values become references."""
    return _scrub_params(_FORM_PARAM, text, path, reference)


def _scrub_params(pattern: re.Pattern[str], text: str, path: str, reference: Reference) -> str:
    def param(match: re.Match[str]) -> str:
        sep, name, val = match.groups()
        if not is_secret_name(name) or not val or is_reference(val):
            return match.group(0)
        return f"{sep}{name}={reference(f'{path}.{name}')}"

    return pattern.sub(param, text)
