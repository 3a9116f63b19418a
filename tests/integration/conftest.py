"""Fixtures for the end-to-end runs against the local Datadog-compatible server (tests/support/ddorg.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from migrate.testing.ddserver import DatadogTestServer
from tests.support.ddorg import build_translation, point_env


@pytest.fixture(scope="session")
def translation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample company translated: 36 monitors and 3 dashboards (read-only for tests)."""
    return build_translation(tmp_path_factory.mktemp("sample"))


@pytest.fixture
def dd(monkeypatch: pytest.MonkeyPatch) -> Iterator[DatadogTestServer]:
    """A fresh org on 127.0.0.1 and the environment pointing at it (DD_API_URL, dummy keys)."""
    with DatadogTestServer() as server:
        point_env(monkeypatch, server)
        yield server
