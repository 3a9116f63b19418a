"""The registry of Datadog resource types ddmigrate manages: the only place they are listed.

Each type is one module (monitors.py, dashboards.py, synthetics.py, browser_tests.py, global_variables.py,
downtimes.py) that declares a
`ResourceType` and its `ResourceOps`; registering the ops class here is all a new type needs (the runner,
the validator and the local test server read the declaration). `MANAGED` holds the types a plan creates
from translated objects; downtimes are a side effect of `mute_until_cutover` and live in `SUPPORT`.
`RESOURCES` and `RESOURCE_TYPES` are read-only views of the declarations, always in step with the registry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from datadog_api_client.api_client import ApiClient

from migrate.datadog.base import ResourceOps, ResourceType
from migrate.datadog.browser_tests import SYNTHETIC_BROWSER_TEST, SyntheticBrowserTestOps
from migrate.datadog.dashboards import DASHBOARD, DashboardOps
from migrate.datadog.downtimes import DOWNTIME, DowntimeOps
from migrate.datadog.global_variables import SYNTHETIC_GLOBAL_VARIABLE, SyntheticGlobalVariableOps
from migrate.datadog.monitors import MONITOR, MonitorOps
from migrate.datadog.synthetics import SYNTHETIC_TEST, SyntheticTestOps
from migrate.errors import DDMigrateError

__all__ = [
    "DASHBOARD",
    "DOWNTIME",
    "MANAGED",
    "MONITOR",
    "RESOURCES",
    "RESOURCE_TYPES",
    "SUPPORT",
    "SYNTHETIC_BROWSER_TEST",
    "SYNTHETIC_GLOBAL_VARIABLE",
    "SYNTHETIC_TEST",
    "ResourceType",
    "ops_for",
    "spec",
]

MANAGED: dict[str, type[ResourceOps]] = {
    ops.rtype.name: ops
    for ops in (MonitorOps, DashboardOps, SyntheticTestOps, SyntheticBrowserTestOps, SyntheticGlobalVariableOps)
}
SUPPORT: dict[str, type[ResourceOps]] = {DowntimeOps.rtype.name: DowntimeOps}


class _Declarations(Mapping[str, ResourceType]):
    """Type name -> declaration over registries of ops classes (read at each lookup, never copied)."""

    def __init__(self, *registries: dict[str, type[ResourceOps]]) -> None:
        self._registries = registries

    def __getitem__(self, name: str) -> ResourceType:
        for registry in self._registries:
            if name in registry:
                return registry[name].rtype
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter([name for registry in self._registries for name in registry])

    def __len__(self) -> int:
        return sum(len(r) for r in self._registries)


RESOURCES: Mapping[str, ResourceType] = _Declarations(MANAGED)
RESOURCE_TYPES: Mapping[str, ResourceType] = _Declarations(MANAGED, SUPPORT)  # managed + support


def spec(resource_type: str) -> ResourceType:
    """The declaration of a type, or an error naming the known ones (a hand-edited ledger or plan)."""
    try:
        return RESOURCE_TYPES[resource_type]
    except KeyError:
        raise DDMigrateError(
            f"unknown Datadog resource type {resource_type!r}", hint="known types: " + ", ".join(RESOURCE_TYPES)
        ) from None


def ops_for(resource_type: str, api_client: ApiClient, **kwargs: Any) -> ResourceOps:
    """The operations object for one type (`kwargs` go to `ResourceOps`, e.g. `on_response=`)."""
    spec(resource_type)
    return {**MANAGED, **SUPPORT}[resource_type](api_client, **kwargs)
