"""Helpers shared by tests (real servers, fakes)."""
