"""Test support shipped in the package so tests/ and bench/ share it (the local Datadog-compatible server)."""
