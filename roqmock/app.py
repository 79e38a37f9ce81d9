"""The Starlette app: it wires every request to :func:`roqmock.routes.answer` and does nothing else."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response
from starlette.routing import Route

from roqmock.endpoints import Request
from roqmock.mock import RoqMock
from roqmock.routes import answer

METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]


def create_app(mock: RoqMock) -> Starlette:
    async def endpoint(request: StarletteRequest) -> Response:
        body = await request.body()
        parts = Request.of(
            request.method, request.url.path, request.headers.items(), body, request.query_params.items()
        )
        reply = answer(mock, parts)
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        return Response(reply.content(), reply.status, media_type=reply.content_type)

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=METHODS)])
