"""Every route roqmock answers: ROQ's own endpoints, the control API, the explorer and the sandbox."""

from __future__ import annotations

from roqmock.control import CONTROL_ROUTES
from roqmock.endpoints import ROUTES, Handler, Reply, Request, handle
from roqmock.explorer import EXPLORER_ROUTES
from roqmock.mock import RoqMock
from roqmock.sandbox import SANDBOX_ROUTES

ALL_ROUTES: dict[tuple[str, str], Handler] = {**ROUTES, **CONTROL_ROUTES, **EXPLORER_ROUTES, **SANDBOX_ROUTES}


def answer(mock: RoqMock, request: Request) -> Reply:
    return handle(mock, request, ALL_ROUTES)
