"""Prometheus, the source: alerting and recording rules → Datadog monitors (`rules.PROMETHEUS`)."""
