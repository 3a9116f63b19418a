"""The New Relic front end: synthetic monitors (synthetics.py) and, beside them, dashboards and conditions."""
