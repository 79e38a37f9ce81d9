"""Servers for the suite: ``roqmock serve`` on a free loopback port with the suite's credentials."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from roqmock.auth import SERVER_HEADER
from roqmock.seed import WorldSize
from roqmock.testing import RoqServer, start_server

__all__ = ["API_KEY", "ENVIRONMENT_ID", "control_client", "serve"]

ENVIRONMENT_ID = "0b6f6a52-3c1e-4f1a-8d8e-2f5b7c9d1e42"
API_KEY = "contract-api-key"


def serve(*extra: str, size: WorldSize | None = None, seed: int = 0) -> RoqServer:
    """``roqmock serve`` with ``extra`` flags, empty unless a ``size`` is given; stop it with ``.stop()``."""
    return start_server(
        seed=seed, size=size, environment_id=ENVIRONMENT_ID, api_key=API_KEY, extra_args=list(extra)
    )


@contextmanager
def control_client(server: RoqServer) -> Iterator[httpx.Client]:
    """An httpx client for ``server``'s ``/__roqmock/`` that sends the server header."""
    with httpx.Client(
        base_url=f"{server.url}/__roqmock", headers={SERVER_HEADER: server.server_header}, timeout=30
    ) as client:
        yield client
