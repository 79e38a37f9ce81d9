"""ROQ's two graphs: the server graph (a token and the server header; the super admin's or a user's) and
the client graph (a user's token; queries and the file mutations ROQ's UI sends). ``GET`` on either is
GraphQL over HTTP's: the explorer for a browser, else a query from the URL."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import OperationType

from roqmock.api.engine import CLIENT_GRAPH_MUTATIONS
from roqmock.domain.errors import BadRequest, MethodNotAllowed, Unauthorized
from roqmock.http.callers import check_bearer, check_server_header
from roqmock.http.exchange import Handler, Reply, Request, decode_json
from roqmock.http.explorer import explorer_page
from roqmock.http.paths import CLIENT_GRAPH, SERVER_GRAPH
from roqmock.mock import RoqMock

__all__ = ["GRAPH_ROUTES", "client_graphql", "get_request_body", "server_graphql"]


def server_graphql(mock: RoqMock, request: Request) -> Reply:
    return _run(mock, request, _server_caller(mock, request), request.json(), mutations=None)


def client_graphql(mock: RoqMock, request: Request) -> Reply:
    return _run(
        mock, request, _client_caller(mock, request), request.json(), mutations=CLIENT_GRAPH_MUTATIONS
    )


def _server_caller(mock: RoqMock, request: Request) -> str | None:
    """The server graph's caller (``None``: the super admin): a token **and** the server header."""
    environment = check_server_header(mock, request)
    return check_bearer(mock, request, environment).user_id


def _client_caller(mock: RoqMock, request: Request) -> str | None:
    claims = check_bearer(mock, request)
    if claims.user_id is None:
        raise Unauthorized("The client graph takes user tokens only")
    return claims.user_id


def _run(
    mock: RoqMock, request: Request, user_id: str | None, body: Any, *, mutations: frozenset[str] | None
) -> Reply:
    outcome = mock.handle(body, user_id, mutations=mutations, base_url=request.origin())
    body_ = outcome.content if outcome.content is not None else outcome.answer
    return Reply(outcome.status, body_, delay_s=outcome.delay_s)


def _graph_get(
    caller: Callable[[RoqMock, Request], str | None], *, mutations: frozenset[str] | None
) -> Handler:
    """GET on a graph, as GraphQL over HTTP has it: the explorer for a browser, else a query from the
    ``query``, ``variables`` and ``operationName`` parameters, with the same credentials as a POST
    (checked before the document is read). A mutation is never run from a GET: 405, ``Allow: POST``."""

    def get(mock: RoqMock, request: Request) -> Reply:
        params = request.query or {}
        if "query" not in params:
            if _wants_html(request):
                return explorer_page()
            raise BadRequest(
                "A GET on the graph needs a query parameter (or POST a JSON body)", error_code="BAD_REQUEST"
            )
        user_id = caller(mock, request)
        body = get_request_body(params)
        prepared = mock.engine.prepare(body["query"])
        if prepared.document is not None:
            operation, _ = prepared.operation(body["operationName"])
            if operation is not None and operation.operation is not OperationType.QUERY:
                raise MethodNotAllowed(
                    f"A {operation.operation.value} cannot be sent with GET: POST it", allow="POST"
                )
        return _run(mock, request, user_id, body, mutations=mutations)

    return get


def get_request_body(params: Mapping[str, str]) -> dict[str, Any]:
    """The GraphQL request a GET's query parameters make; ``variables`` is JSON text."""
    variables: Any = None
    text = params.get("variables")
    if text:
        try:
            variables = decode_json(text)
        except ValueError:
            raise BadRequest("The variables parameter is not valid JSON", error_code="BAD_REQUEST") from None
    operation_name = params.get("operationName")
    return {"query": params.get("query"), "variables": variables, "operationName": operation_name}


def _wants_html(request: Request) -> bool:
    accept = (request.header("accept") or "").lower()
    return "text/html" in accept or "json" not in accept


GRAPH_ROUTES: dict[tuple[str, str], Handler] = {
    ("POST", SERVER_GRAPH): server_graphql,
    ("GET", SERVER_GRAPH): _graph_get(_server_caller, mutations=None),
    ("POST", CLIENT_GRAPH): client_graphql,
    ("GET", CLIENT_GRAPH): _graph_get(_client_caller, mutations=CLIENT_GRAPH_MUTATIONS),
}
