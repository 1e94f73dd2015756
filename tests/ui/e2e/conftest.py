"""Debian's Chromium, driven by Playwright, for the browser tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from tests.testbed.services import missing_service

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """A headless Chromium (never downloaded: the distribution's package)."""
    if not CHROMIUM.exists():
        missing_service("Chromium", "apt-get install chromium (scripts/setup --test does it)")
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        await b.close()
