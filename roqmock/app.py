"""The Starlette app: it wires ROQ's endpoints to a :class:`RoqMock` and does nothing else."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from ariadne.explorer import ExplorerGraphiQL
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from roqmock.api.errors import roq_error_body
from roqmock.auth import parse_expires_in
from roqmock.domain.errors import BadRequest, Forbidden, RoqError, Unauthorized
from roqmock.mock import RoqMock

TOKEN_HEADER = "roq-platform-authorization"
SERVER_HEADER = "roq-platform-server-authorization"

_EXPLORER_QUERY = """# roqmock: ROQ's chat API, in memory.
# Set two headers (Headers tab below), then run the query:
#   roq-platform-authorization: Bearer <token from POST /v01/authorize>
#   roq-platform-server-authorization: Basic base64(environmentId:apiKey)

query conversations {
  conversations(limit: 10) {
    totalCount
    data { id title isGroup archived tags { data { tag } } }
  }
}
"""

# GraphiQL reads its headers from the URL fragment (#headers=...), which never reaches the server.
_HEADERS_FROM_FRAGMENT = (
    "defaultEditorToolsVisibility: true,\n"
    "          initialHeaders: new URLSearchParams(window.location.hash.slice(1)).get('headers') || '',"
)


def _explorer_html() -> str:
    html = ExplorerGraphiQL(title="roqmock explorer", default_query=_EXPLORER_QUERY).html(None)
    return html.replace("defaultEditorToolsVisibility: true,", _HEADERS_FROM_FRAGMENT)


def create_app(mock: RoqMock) -> Starlette:
    explorer = _explorer_html()

    async def service_account_token(request: Request) -> Response:
        body = await _json_object(request)
        mock.tokens.check_credentials(body.get("environmentId"), body.get("apiKey"))
        return JSONResponse({"accessToken": mock.tokens.issue(None)})

    async def user_token(request: Request) -> Response:
        claims = mock.tokens.bearer(request.headers.get(TOKEN_HEADER))
        if claims.user_id is not None:
            raise Forbidden("User tokens are issued with a service account token only")
        body = await _json_object(request)
        mock.tokens.check_credentials(body.get("environmentId"), body.get("apiKey"))
        user_id = body.get("userId")
        if not isinstance(user_id, str):
            raise BadRequest("userId must be a string", error_code="BAD_REQUEST")
        user = mock.service.user(mock.service.actor_for(None), user_id)
        expires_in = body.get("expiresIn")
        ttl = parse_expires_in(expires_in) if expires_in is not None else None
        token = mock.tokens.issue(user.id, ttl=ttl, tenant_id=user.tenant_id)
        if "scope" in body or "keepLoggedIn" in body:
            login = {"accessToken": token, "idToken": token}
            if body.get("keepLoggedIn") is True:
                login["refreshToken"] = mock.tokens.issue(user.id, ttl=30 * 86400, tenant_id=user.tenant_id)
            return JSONResponse(login)
        return JSONResponse({"accessToken": token})

    async def server_graphql(request: Request) -> Response:
        mock.tokens.check_server_header(request.headers.get(SERVER_HEADER))
        claims = mock.tokens.bearer(request.headers.get(TOKEN_HEADER))
        body = await _json_body(request)
        status, answer = mock.run(body, claims.user_id)
        return JSONResponse(answer, status)

    async def client_graphql(request: Request) -> Response:
        claims = mock.tokens.bearer(request.headers.get(TOKEN_HEADER))
        if claims.user_id is None:
            raise Unauthorized("The client graph takes user tokens only")
        body = await _json_body(request)
        status, answer = mock.run(body, claims.user_id, queries_only=True)
        return JSONResponse(answer, status)

    async def explorer_page(request: Request) -> Response:
        return HTMLResponse(explorer)

    return Starlette(
        routes=[
            Route(
                "/v01/authorize/serviceAccount", _guarded(service_account_token, plain=True), methods=["POST"]
            ),
            Route("/v01/authorize", _guarded(user_token, plain=True), methods=["POST"]),
            Route("/v01/server/graphql", _guarded(server_graphql), methods=["POST"]),
            Route("/v01/server/graphql", explorer_page, methods=["GET"]),
            Route("/v01/graphql", _guarded(client_graphql), methods=["POST"]),
            Route("/v01/graphql", explorer_page, methods=["GET"]),
        ],
    )


Handler = Callable[[Request], Awaitable[Response]]


def _guarded(handler: Handler, *, plain: bool = False) -> Handler:
    """Answer a domain error in ROQ's shape: a GraphQL error body, or NestJS's for plain REST endpoints."""

    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except RoqError as error:
            if plain:
                return JSONResponse(_rest_error(error), error.status)
            return JSONResponse(roq_error_body(error), error.status)

    return guarded


def _rest_error(error: RoqError) -> dict[str, Any]:
    response = roq_error_body(error)["errors"][0]["extensions"]["response"]
    return dict(response)


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request body is not valid JSON", error_code="BAD_REQUEST") from None


async def _json_object(request: Request) -> dict[str, Any]:
    body = await _json_body(request)
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object", error_code="BAD_REQUEST")
    return body
