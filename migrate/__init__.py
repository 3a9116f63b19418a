"""ddmigrate: move monitoring from New Relic, Prometheus/Grafana and Pingdom into Datadog."""

__version__ = "0.1.0"
