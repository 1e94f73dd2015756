"""Shared helpers for test-bed fixtures: how to fail or skip when a service is missing."""

from __future__ import annotations

import os

import pytest


def missing_service(what: str, how: str) -> None:
    """Fail in CI (with how to start it); skip, saying so, when run outside CI."""
    message = f"{what} is not available: {how}"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(f"{message} (skipped because CI is not set)")
