"""Every route roqmock answers (ROQ's own endpoints, the control API, the explorer, the sandbox and ROQ's
chat UI), and the one function that answers a :class:`Request`: limits, routing, the world, the handler,
and every error in ROQ's shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roqmock.api.errors import INTERNAL_MESSAGE, logger, roq_error_body
from roqmock.domain.errors import HeadersTooLarge, MethodNotAllowed, NotFound, PayloadTooLarge, RoqError
from roqmock.http.callers import existing_world, world_of
from roqmock.http.chat import CHAT_ROUTES
from roqmock.http.control import CONTROL_ROUTES
from roqmock.http.exchange import Handler, Reply, Request
from roqmock.http.explorer import EXPLORER_ROUTES
from roqmock.http.files import download, internal_error, upload
from roqmock.http.graphs import GRAPH_ROUTES
from roqmock.http.limits import check_limits
from roqmock.http.paths import GRAPH_PATHS
from roqmock.http.sandbox import SANDBOX_ROUTES
from roqmock.http.tokens import TOKEN_ROUTES
from roqmock.mock import RoqMock
from roqmock.uploads import DOWNLOAD_PATH, UPLOAD_PATH

__all__ = [
    "ALL_ROUTES",
    "PREFIX_ROUTES",
    "ROQ_ROUTES",
    "answer",
    "error_reply",
    "handle",
    "prefix_route",
    "refusal",
]

ROQ_ROUTES: dict[tuple[str, str], Handler] = {**TOKEN_ROUTES, **GRAPH_ROUTES}
ALL_ROUTES: dict[tuple[str, str], Handler] = {
    **ROQ_ROUTES,
    **CONTROL_ROUTES,
    **EXPLORER_ROUTES,
    **SANDBOX_ROUTES,
    **CHAT_ROUTES,
}

# A path and every path under it, whatever the method: the doors of file bytes, which choose their own
# world (the signed form or URL names it) and answer in S3's XML, not in ROQ's envelope.
PREFIX_ROUTES: dict[str, Handler] = {UPLOAD_PATH: upload, DOWNLOAD_PATH: download}


def answer(mock: RoqMock, request: Request) -> Reply:
    handler = prefix_route(request.path)
    if handler is not None:
        try:
            return handler(mock, request)
        except Exception:
            logger.exception("unexpected error answering %s %s", request.method, request.path)
            return internal_error()
    return handle(mock, request, ALL_ROUTES)


def prefix_route(path: str) -> Handler | None:
    path = path.rstrip("/") or "/"
    for prefix, handler in PREFIX_ROUTES.items():
        if path == prefix or path.startswith(prefix + "/"):
            return handler
    return None


def handle(mock: RoqMock, request: Request, routes: Mapping[tuple[str, str], Handler]) -> Reply:
    path = request.path.rstrip("/") or "/"
    world: RoqMock | None = None
    try:
        check_limits(mock.settings, request, path)
        # HEAD is GET without the body (RFC 9110): the transport leaves the body out.
        handler = routes.get(("GET" if request.method == "HEAD" else request.method, path))
        if handler is None:
            allowed = sorted({method for method, route_path in routes if route_path == path})
            if allowed:
                allow = ", ".join(sorted({*allowed, "HEAD"} if "GET" in allowed else allowed))
                raise MethodNotAllowed(f"{request.method} is not allowed on {path}", allow=allow)
            raise NotFound(f"Cannot {request.method} {path}", error_code="NOT_FOUND")
        world = world_of(mock, request, path)
        return handler(world, request)
    except RoqError as error:
        return refusal(mock, request, error, world)
    except Exception:
        # A bug in roqmock: say so in ROQ's envelope, never as a bare 500 page.
        logger.exception("unexpected error answering %s %s", request.method, path)
        return error_reply(path, RoqError(INTERNAL_MESSAGE))


def refusal(mock: RoqMock, request: Request, error: RoqError, world: RoqMock | None = None) -> Reply:
    """The answer to a request refused before it ran; on a graph, journaled in its world (if that
    exists) as the anonymous caller's."""
    path = request.path.rstrip("/") or "/"
    if path in GRAPH_PATHS:
        world = world or existing_world(mock, request)
        if world is not None:
            world.journal_refusal(_refused_body(request, error), error)
    return error_reply(path, error)


def _refused_body(request: Request, error: RoqError) -> Any:
    if request.method in ("GET", "HEAD"):
        return {"query": (request.query or {}).get("query"), "operationName": None}
    if isinstance(error, PayloadTooLarge | HeadersTooLarge):
        return None  # not read again
    try:
        return request.json()
    except RoqError:
        return None


def error_reply(path: str, error: RoqError) -> Reply:
    """``error`` as answered on ``path``: a GraphQL body on the graphs, ROQ's REST shape elsewhere."""
    path = path.rstrip("/") or "/"
    body = roq_error_body(error)
    allow = error.variables.get("allow") if isinstance(error, MethodNotAllowed) else None
    headers = (("allow", allow),) if isinstance(allow, str) else ()
    if path in GRAPH_PATHS:
        return Reply(error.status, body, headers=headers)
    return Reply(error.status, body["errors"][0]["extensions"]["response"], headers=headers)
