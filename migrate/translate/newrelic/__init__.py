"""The New Relic front end: dashboards, NRQL conditions and their routing, synthetic monitors → neutral specs."""
