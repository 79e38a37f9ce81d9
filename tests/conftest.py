"""Fixtures the whole suite shares: a real ``roqmock serve`` on a free loopback port, and Hypothesis's
profile for a shared machine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings
from support.servers import serve

from roqmock.testing import RoqServer

# Hypothesis's deadline times each example: on a shared 2-core machine running the suite in parallel a
# slow example is load, not a bug. Speed lives in benchmarks/, never in a timed test.
settings.register_profile("roqmock-suite", deadline=None)
settings.load_profile("roqmock-suite")


@pytest.fixture(scope="session")
def empty_server() -> Iterator[RoqServer]:
    """``roqmock serve --empty``, once for the session: tests create what they need under unique names."""
    server = serve()
    yield server
    server.stop()
