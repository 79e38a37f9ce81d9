"""The Starlette app: it wires every request to :func:`roqmock.routes.answer` and does nothing else.

It is Starlette's router alone, with an ASGI endpoint: roqmock reads the method, path, headers and body
itself (``roqmock.endpoints.Request``) and answers every error itself, in ROQ's envelope, so Starlette's
Request and Response objects and its error middleware would only be built to be bypassed, on the path
every test request takes (~15% of the requests/s of a small mutation; see benchmarks/).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.routing import Route, Router

from roqmock.endpoints import Request
from roqmock.mock import RoqMock
from roqmock.routes import answer

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class Endpoint:
    """Every path, every method: roqmock answers unknown ones itself, in ROQ's envelope."""

    def __init__(self, mock: RoqMock) -> None:
        self.mock = mock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        # ASGI gives header names in lower case; latin-1 as Starlette decodes them.
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        raw_query = scope["query_string"]
        query = dict(parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True)) if raw_query else {}
        reply = answer(self.mock, Request(scope["method"], scope["path"], headers, b"".join(chunks), query))
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        content = reply.content()
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [
                    (b"content-type", reply.content_type.encode("latin-1")),
                    (b"content-length", str(len(content)).encode("latin-1")),
                ],
            }
        )
        await send({"type": "http.response.body", "body": content})


def create_app(mock: RoqMock) -> Router:
    return Router(routes=[Route("/{path:path}", Endpoint(mock))])
