"""The Starlette app: it wires every request to :func:`roqmock.routes.answer` and does nothing else."""

from __future__ import annotations

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
        reply = answer(
            mock,
            Request(
                method=request.method,
                path=request.url.path,
                headers={name.lower(): value for name, value in request.headers.items()},
                body=await request.body(),
                query=dict(request.query_params),
            ),
        )
        return Response(reply.content(), reply.status, media_type=reply.content_type)

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=METHODS)])
