"""The Pingdom front end: uptime and transaction checks → `CheckSpec`s → Datadog synthetic tests."""
