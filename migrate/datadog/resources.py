"""The registry of Datadog resource types ddmigrate manages.

Each type is one module (monitors.py, dashboards.py, synthetics.py, downtimes.py) that declares a
`ResourceType` and its operations; this module is the only place they are listed. `RESOURCES` holds the
types a plan creates from translated objects; downtimes are a side effect of `mute_until_cutover` and
live in `SUPPORT_RESOURCES`.
"""

from __future__ import annotations

from typing import Any

from datadog_api_client.api_client import ApiClient

from migrate.datadog.base import ResourceOps, ResourceType
from migrate.datadog.dashboards import DASHBOARD, DashboardOps
from migrate.datadog.downtimes import DOWNTIME, DowntimeOps
from migrate.datadog.monitors import MONITOR, MonitorOps
from migrate.datadog.synthetics import SYNTHETIC_TEST, SyntheticTestOps

__all__ = ["DASHBOARD", "DOWNTIME", "MONITOR", "RESOURCES", "SUPPORT_RESOURCES", "SYNTHETIC_TEST", "ResourceType"]

RESOURCES: dict[str, ResourceType] = {r.name: r for r in (MONITOR, DASHBOARD, SYNTHETIC_TEST)}
SUPPORT_RESOURCES: dict[str, ResourceType] = {DOWNTIME.name: DOWNTIME}

_OPS: dict[str, type[ResourceOps]] = {
    "monitor": MonitorOps,
    "dashboard": DashboardOps,
    "synthetic_test": SyntheticTestOps,
    "downtime": DowntimeOps,
}


def ops_for(resource_type: str, api_client: ApiClient, **kwargs: Any) -> ResourceOps:
    """The operations object for one type (`kwargs` go to `ResourceOps`, e.g. `on_response=`)."""
    return _OPS[resource_type](api_client, **kwargs)
