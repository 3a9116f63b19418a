"""Parity: the same question asked of Prometheus and of Datadog over the same window, and the answers
compared (fetch.py asks, compare.py compares, run.py drives it over a translation for `ddmigrate parity`)."""
