"""Debian's Chromium, headless, through Playwright: the suite's one way to start a browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

__all__ = ["ARTIFACTS", "CHROMIUM", "chromium"]

CHROMIUM = os.environ.get("ROQMOCK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium; without Playwright or Chromium the test fails with how to get them, never skips.

    A plain launch: Playwright gives each launch a fresh, temporary user data dir."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Python Playwright is missing: pip install playwright", pytrace=False)
    executable = (
        CHROMIUM if os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    )
    if executable is None:
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: apt-get install chromium "
            "(or point ROQMOCK_CHROMIUM at a Chromium binary)",
            pytrace=False,
        )
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
