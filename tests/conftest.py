"""Shared fixtures. The real Prometheus is started once per session and reloaded per test as needed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.prometheus import PrometheusServer, basic_auth_job

ROOT = Path(__file__).resolve().parent
CORPUS = ROOT / "corpus"

# Written into the running server's config so tests can prove it never reaches an inventory.
SCRAPE_PASSWORD = "scrape-pw-6f1c9e2a7b"


@pytest.fixture(scope="session")
def prometheus_server() -> Iterator[PrometheusServer]:
    """A running Prometheus (self scrape, a dead target, a basic-auth job). Tests call `.reload(files)`."""
    with PrometheusServer(extra_scrape_configs=[basic_auth_job(SCRAPE_PASSWORD)]) as server:
        yield server
