"""httpx transports that answer in process, for code that talks to ROQ through httpx (or gql on httpx)."""

from __future__ import annotations

import asyncio
import time

import httpx

from roqmock.http.exchange import Request
from roqmock.http.routing import answer
from roqmock.mock import RoqMock


def _answer(mock: RoqMock, request: httpx.Request, body: bytes) -> tuple[httpx.Response, float]:
    parts = Request.of(
        request.method, request.url.path, request.headers.items(), body, request.url.params.items()
    )
    reply = answer(mock, parts)
    content = reply.content()
    headers = [("content-type", reply.content_type), ("content-length", str(len(content))), *reply.headers]
    # A HEAD's answer has no body (RFC 9110), only the length of the GET's.
    body = b"" if request.method == "HEAD" else content
    response = httpx.Response(reply.status, content=body, headers=headers)
    return response, reply.delay_s


class RoqTransport(httpx.BaseTransport):
    """``httpx.Client(transport=RoqTransport(mock), base_url=...)``: ROQ's endpoints without a socket."""

    def __init__(self, mock: RoqMock) -> None:
        self.mock = mock

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response, delay_s = _answer(self.mock, request, request.read())
        if delay_s:
            time.sleep(delay_s)
        return response


class AsyncRoqTransport(httpx.AsyncBaseTransport):
    """The same for ``httpx.AsyncClient``."""

    def __init__(self, mock: RoqMock) -> None:
        self.mock = mock

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response, delay_s = _answer(self.mock, request, await request.aread())
        if delay_s:
            await asyncio.sleep(delay_s)
        return response
