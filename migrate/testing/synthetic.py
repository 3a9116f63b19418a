"""Synthetic desired resources for benchmarks: N owned monitors and dashboards shaped like translated ones.

Each carries the ownership marker (tags + footer) of a made-up Prometheus or Grafana source object, so
planning, applying and verifying treat them exactly like real translations.
"""

from __future__ import annotations

from typing import Any

from migrate.datadog import ownership
from migrate.model import DesiredResource, SourceRef


def monitor(i: int, threshold: int = 90) -> DesiredResource:
    ref = SourceRef("prometheus", "alerting_rule", f"rules.yml/g/Alert{i}", f"Alert{i}")
    key = ownership.resource_key("monitor", [ref])
    payload: dict[str, Any] = {
        "type": "query alert",
        "name": f"Alert {i}",
        "query": f"avg(last_5m):avg:m{i}{{*}} > {threshold}",
        "message": "Paging.\n" + ownership.footer(key, [ref]),
        "tags": ownership.ownership_tags(key, [ref]),
        "options": {"thresholds": {"critical": threshold}},
    }
    return DesiredResource("monitor", key, payload, [ref])


def dashboard(i: int, widgets: int = 6, title_prefix: str = "") -> DesiredResource:
    ref = SourceRef("grafana", "dashboard", f"dash-{i}", f"Dashboard {i}")
    key = ownership.resource_key("dashboard", [ref])
    payload: dict[str, Any] = {
        "title": f"{title_prefix}Dashboard {i}",
        "description": ownership.footer(key, [ref]),
        "layout_type": "ordered",
        "widgets": [
            {
                "definition": {
                    "type": "timeseries",
                    "title": f"Panel {w}",
                    "requests": [
                        {
                            "queries": [
                                {"data_source": "metrics", "name": "q1", "query": f"avg:d{i}.m{w}{{*}} by {{host}}"}
                            ],
                            "formulas": [{"formula": "q1"}],
                            "response_format": "timeseries",
                            "display_type": "line",
                        }
                    ],
                },
                "layout": {"x": (w % 2) * 6, "y": (w // 2) * 3, "width": 6, "height": 3},
            }
            for w in range(widgets)
        ],
    }
    return DesiredResource("dashboard", key, payload, [ref])


def desired_monitors(n: int, threshold: int = 90) -> list[DesiredResource]:
    return [monitor(i, threshold) for i in range(n)]


def desired_mix(n: int, dashboard_share: float = 0.2) -> list[DesiredResource]:
    """`n` resources: monitors, and every 1/`dashboard_share`-th one a dashboard."""
    every = max(1, round(1 / dashboard_share)) if dashboard_share else 0
    return [dashboard(i) if every and i % every == 0 else monitor(i) for i in range(n)]
