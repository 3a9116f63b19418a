"""Synthetic global variables: `/api/v1/synthetics/variables/{id}`, owned by tags + the footer in `description`.

ddmigrate makes them only as secure variables holding a secret a test references by name (`{{ NAME }}`);
the desired payload never holds the value (runner/secrets.py adds it to the request from the environment).
Datadog does not read a secure value back, so `value.value` is outside every diff. Tests name a variable
by id, so apply creates variables before the tests and deletes them after.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from datadog_api_client.v1.api.synthetics_api import SyntheticsApi

from migrate.datadog import ownership, payload_rules
from migrate.datadog.base import Paging, ResourceOps, ResourceType

_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
ENV_PREFIX = "DDMIGRATE_SECRET_"


def env_name(name: str) -> str:
    """The environment variable `ddmigrate apply` reads the value of global variable `name` from."""
    return ENV_PREFIX + name


def global_names(payload: dict[str, Any]) -> list[str]:
    """The global variables a synthetic test's `config.configVariables` names, in order."""
    config = payload.get("config")
    entries = config.get("configVariables") if isinstance(config, dict) else None
    return [
        str(v["name"]) for v in entries or [] if isinstance(v, dict) and v.get("type") == "global" and v.get("name")
    ]


def rules(payload: dict[str, Any]) -> Iterator[str]:
    """Datadog's rules beyond the schema: tags, and a name of upper-case letters, digits and underscores."""
    yield from payload_rules.tags(payload)
    name = payload.get("name")
    if isinstance(name, str) and not _NAME.match(name):
        yield f"$.name: {name!r} must be upper-case letters, digits and underscores, starting with a letter"


SYNTHETIC_GLOBAL_VARIABLE = ResourceType(
    name="synthetic_global_variable",
    api_path="/api/v1/synthetics/variables",
    id_field="id",
    schema_ref="SyntheticsGlobalVariable",
    request_schemas={"update": "SyntheticsGlobalVariableRequest"},
    marker=ownership.Marker("description"),
    paging=Paging(items="variables"),
    rules=rules,
    server_fields=frozenset({"id", "created_at", "modified_at", "creator", "value.value"}),
    server_defaults={"is_totp": False, "is_fido": False},
    unordered=frozenset({"tags"}),
    snapshot_dir="synthetics_variables",
    required_fields=("name",),
    identity=lambda payload: str(payload.get("name") or ""),  # names are unique in an org
    apply_first=True,
)


class SyntheticGlobalVariableOps(ResourceOps):
    rtype = SYNTHETIC_GLOBAL_VARIABLE
    api_class = SyntheticsApi
    create_op, get_op, update_op = "create_global_variable", "get_global_variable", "edit_global_variable"
    delete_op, list_op = "delete_global_variable", "list_global_variables"
    id_param = "variable_id"
