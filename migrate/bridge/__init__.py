"""Bridge mode: ship Prometheus metrics to Datadog through the Agent while both systems run.

`openmetrics.py` writes the Agent's OpenMetrics check config from the collected scrape configs and
targets; `cardinality.py` previews how many custom metrics that creates, from the live Prometheus.
"""
