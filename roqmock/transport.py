"""httpx transports that answer in process, for code that talks to ROQ through httpx (or gql on httpx)."""

from __future__ import annotations

import httpx

from roqmock.endpoints import Request
from roqmock.mock import RoqMock
from roqmock.routes import answer


def _answer(mock: RoqMock, request: httpx.Request, body: bytes) -> httpx.Response:
    parts = Request.of(
        request.method, request.url.path, request.headers.items(), body, request.url.params.items()
    )
    reply = answer(mock, parts)
    return httpx.Response(reply.status, content=reply.content(), headers={"content-type": reply.content_type})


class RoqTransport(httpx.BaseTransport):
    """``httpx.Client(transport=RoqTransport(mock), base_url=...)``: ROQ's endpoints without a socket."""

    def __init__(self, mock: RoqMock) -> None:
        self.mock = mock

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return _answer(self.mock, request, request.read())


class AsyncRoqTransport(httpx.AsyncBaseTransport):
    """The same for ``httpx.AsyncClient``."""

    def __init__(self, mock: RoqMock) -> None:
        self.mock = mock

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return _answer(self.mock, request, await request.aread())
