"""Grafana, the source: dashboards and panels → Datadog dashboards (`dashboards.TRANSLATOR`)."""
