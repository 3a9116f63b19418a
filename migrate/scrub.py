"""Remove credentials from source payloads before anything is written to disk.

A credential found in a source config (basic auth, bearer tokens, auth headers, passwords) is
replaced by a reference the operator resolves at apply time, e.g. `{{secret:prometheus.basic_auth.password}}`.
"""

from __future__ import annotations

import re
from typing import Any

SECRET_KEYS = re.compile(
    r"(?i)^(password|passwd|bearer_token|token|api_?key|app_?key|secret|client_secret|credentials|"
    r"authorization|auth|private_key|x-api-key|api-key|dd-api-key|dd-application-key|access_token)$"
)


def secret_reference(path: str) -> str:
    return "{{secret:" + path + "}}"


def is_reference(value: object) -> bool:
    """Already a reference (a collector may write a more precise one than this module could): keep it."""
    return isinstance(value, str) and value.startswith("{{secret:") and value.endswith("}}")


def scrub(value: Any, path: str = "") -> Any:
    """Return a copy of `value` with every secret-looking entry replaced by a reference."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if (SECRET_KEYS.match(str(key)) and isinstance(item, str | int) and item not in ("", "<secret>")
                    and not is_reference(item)):
                out[key] = secret_reference(sub)
            else:
                out[key] = scrub(item, sub)
        return out
    if isinstance(value, list):
        return [scrub(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, str):
        # Credentials embedded in URLs (https://user:pass@host) lose their userinfo.
        return re.sub(r"(?i)\b(https?://)[^/@\s:]+:[^/@\s]+@", r"\1", value)
    return value
