"""Every route roqmock answers: ROQ's own endpoints and the control API."""

from __future__ import annotations

from roqmock.control import CONTROL_ROUTES
from roqmock.endpoints import ROUTES, Handler, Reply, Request, handle
from roqmock.mock import RoqMock

ALL_ROUTES: dict[tuple[str, str], Handler] = {**ROUTES, **CONTROL_ROUTES}


def answer(mock: RoqMock, request: Request) -> Reply:
    return handle(mock, request, ALL_ROUTES)
