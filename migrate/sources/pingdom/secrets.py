"""Credentials inside Pingdom checks, replaced by named references before anything else reads the check.

Checks carry secrets of the monitored site (not Pingdom's): basic-auth passwords in an HTTP check's
settings, `Authorization` and API-key headers in `requestheaders`, tokens in `postdata` and in the URL's
query, TMS steps that fill a password field or log in with `basic_auth`. Each becomes
`{{secret:PINGDOM_<CHECKID>_<FIELD>}}` (`PINGDOM_TMS_<CHECKID>_...` for transaction checks, whose ids
are another namespace): a name an operator can export and a Datadog global variable can carry, listed
in the object's `normalized.references`. What is a secret is decided by `migrate.scrub` (one notion of a
secret name); this module only knows where Pingdom hides them and how to name them.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from migrate.scrub import (
    is_credential_value,
    is_reference,
    is_secret_name,
    scrub,
    scrub_form_text,
    secret_reference,
)

# Fields whose string value is a request body that may hold `password=...` or `{"token": ...}`.
_BODY_KEYS = ("postdata", "body", "data")
# TMS steps that type text into a field; the field's selector says whether the text is a secret.
_FILL_STEPS = ("fill", "wpm_fill")


class SecretNames:
    """The `scrub.Reference` of one check: a secret's path in the check -> its stable reference."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._names: dict[str, str] = {}  # path -> name
        self._paths: dict[str, str] = {}  # name -> path

    def __call__(self, path: str) -> str:
        name = self._names.get(path)
        if name is None:
            base = name = f"{self.prefix}_{field_name(path)}"
            n = 2
            while name in self._paths:  # two paths with the same slug: still one name each
                name, n = f"{base}_{n}", n + 1
            self._names[path], self._paths[name] = name, path
        return secret_reference(name)

    def required(self) -> list[dict[str, str]]:
        """Every secret this check needs: its reference name and the field it replaced."""
        return [{"name": name, "field": path} for name, path in sorted(self._paths.items())]


def field_name(path: str) -> str:
    """`type.http.password` -> PASSWORD, `requestheaders.Authorization` -> HEADER_AUTHORIZATION,
    `steps[2].args.value` -> STEP3_VALUE, `postdata.token` -> POSTDATA_TOKEN."""
    path = re.sub(r"^type\.[^.]+\.", "", path)
    path = re.sub(r"steps\[(\d+)\]\.(args\.)?", lambda m: f"step{int(m[1]) + 1}.", path)
    path = re.sub(r"(request)?headers\.", "header.", path)
    return re.sub(r"[^A-Z0-9]+", "_", path.upper()).strip("_") or "VALUE"


def hide_uptime_secrets(check: dict[str, Any], check_id: str) -> tuple[dict[str, Any], SecretNames]:
    """A copy of an uptime check (list, detail or create form) with every credential a reference."""
    names = SecretNames(f"PINGDOM_{_slug(check_id)}")
    out = copy.deepcopy(check)
    kind = out.get("type")
    if isinstance(kind, dict):
        for type_name, settings in kind.items():
            if isinstance(settings, dict):
                _hide_settings(settings, f"type.{type_name}", names)
    _hide_settings(out, "", names)  # the flat form: settings beside the check's own fields
    return scrub(out, "", names), names


def hide_tms_secrets(check: dict[str, Any], check_id: str) -> tuple[dict[str, Any], SecretNames]:
    """A copy of a transaction check with secret step values (and any secret-named field) as references."""
    names = SecretNames(f"PINGDOM_TMS_{_slug(check_id)}")
    out = copy.deepcopy(check)
    steps = out.get("steps")
    for i, step in enumerate(steps if isinstance(steps, list) else []):
        args = step.get("args") if isinstance(step, dict) else None
        if not isinstance(args, dict):
            continue
        where = f"steps[{i}].args"
        target = args.get("input", args.get("element"))
        value = args.get("value")
        if step.get("fn") in _FILL_STEPS and is_secret_name(str(target or "")) and _is_plain(value):
            args["value"] = names(f"{where}.value")
        _hide_settings(args, where, names)
    return scrub(out, "", names), names


def _hide_settings(settings: dict[str, Any], path: str, names: SecretNames) -> None:
    """In place: the places scrub's key names cannot see (header values, bodies, queries, `auth`)."""
    at = (lambda key: f"{path}.{key}") if path else (lambda key: key)
    auth = settings.get("auth")
    if isinstance(auth, str) and auth and not is_reference(auth):
        # The create form's "user:password": the username is no secret, and a Datadog test needs it apart.
        user, _, password = auth.partition(":")
        del settings["auth"]
        settings.setdefault("username", user)
        if password:
            settings["password"] = names(at("password"))
    headers = settings.get("requestheaders")
    if isinstance(headers, dict):
        for header, value in headers.items():
            if _is_plain(value) and (is_secret_name(str(header)) or is_credential_value(value)):
                headers[header] = names(at(f"requestheaders.{header}"))
    for key, value in list(settings.items()):
        if re.fullmatch(r"requestheader\d+", str(key)) and isinstance(value, str):
            # the create form's `requestheader1=Name:Value`
            header, sep, text = value.partition(":")
            if sep and text and (is_secret_name(header.strip()) or is_credential_value(text.strip())):
                settings[key] = f"{header}:{names(at(f'requestheaders.{header.strip()}'))}"
    for key in _BODY_KEYS:
        if isinstance(settings.get(key), str) and settings[key]:
            settings[key] = hide_body(settings[key], at(key), names)
    url = settings.get("url")
    if isinstance(url, str) and "?" in url:
        base, _, query = url.partition("?")
        settings["url"] = f"{base}?{scrub_form_text(query, at('url'), names)}"


def hide_body(text: str, path: str, names: SecretNames) -> str:
    """A request body with its secret fields as references: JSON and form bodies field by field; a body
    that is neither but mentions a secret-looking name is replaced whole (never guess what to keep)."""
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            parsed = json.loads(stripped)
        except ValueError:
            parsed = None
        if parsed is not None:
            cleaned = scrub(parsed, path, names)
            return text if cleaned == parsed else json.dumps(cleaned, separators=(",", ":"), ensure_ascii=False)
    elif "=" in stripped and "\n" not in stripped:
        return scrub_form_text(text, path, names)
    return names(path) if is_secret_name(text) or is_credential_value(stripped) else text


def _is_plain(value: Any) -> bool:
    """A value that is still a secret to hide (not empty, not already a reference)."""
    return isinstance(value, str | int) and not isinstance(value, bool) and value != "" and not is_reference(value)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_") or "CHECK"
