"""The HTTP client the source collectors share (client.py), with its credentials (auth.py), rate limits
(limits.py) and bounded concurrency (concurrent.py). Paging is transport-independent: migrate/paging.py."""

from migrate.sources.http.auth import Auth, auth_from_env
from migrate.sources.http.client import HttpClient, RetryWhen, next_link
from migrate.sources.http.concurrent import Result, map_bounded
from migrate.sources.http.limits import (
    Pause,
    RateLimitHook,
    datadog_rate_limit,
    nerdgraph_retry_when,
    pingdom_rate_limit,
)

__all__ = [
    "Auth",
    "HttpClient",
    "Pause",
    "RateLimitHook",
    "Result",
    "RetryWhen",
    "auth_from_env",
    "datadog_rate_limit",
    "map_bounded",
    "nerdgraph_retry_when",
    "next_link",
    "pingdom_rate_limit",
]
