"""ROQ's HTTP endpoints as plain functions over a :class:`RoqMock`, free of any web framework.

:func:`handle` takes a method, a path, headers and a body and gives a :class:`Reply`. The Starlette app and
the in-process httpx transports both call it, so a request answers the same over a socket and without one.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import OperationType

from roqmock.api.errors import INTERNAL_MESSAGE, logger, roq_error_body
from roqmock.auth import Claims, parse_expires_in
from roqmock.config import Settings
from roqmock.domain.errors import (
    BadRequest,
    Forbidden,
    HeadersTooLarge,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RoqError,
    Unauthorized,
    UnsupportedMediaType,
)
from roqmock.mock import RoqMock

TOKEN_HEADER = "roq-platform-authorization"
SERVER_HEADER = "roq-platform-server-authorization"
SESSION_HEADER = "x-roqmock-session"
JSON = "application/json"
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""
    query: Mapping[str, str] | None = None

    @classmethod
    def of(
        cls,
        method: str,
        path: str,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        query: Iterable[tuple[str, str]] = (),
    ) -> Request:
        """A request from any framework's parts; header names are folded to lower case."""
        return cls(method, path, {name.lower(): value for name, value in headers}, body, dict(query))

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self) -> Any:
        try:
            # As JSON.parse reads: UTF-8 text only, and no NaN or Infinity.
            text = self.body.decode("utf-8")
            if text.startswith("\ufeff"):
                raise ValueError("a byte order mark is not JSON")  # as json.loads and JSON.parse refuse it
            value = _STRICT_JSON.decode(text)
            if _SURROGATE_ESCAPE.search(self.body):
                # "\ud800" alone is JSON but not Unicode: no store of ROQ's would keep it.
                json.dumps(value, ensure_ascii=False).encode()
            return value
        except (ValueError, UnicodeError, RecursionError):
            raise BadRequest("The request body is not valid JSON", error_code="BAD_REQUEST") from None

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object", error_code="BAD_REQUEST")
        return body


def _session(mock: RoqMock, request: Request, path: str) -> RoqMock:
    """The world a request acts in: the session ``x-roqmock-session`` names; without the header, the one
    its credentials' environment id names (the server's own environment: the default world).

    A session is made on first use for a caller with valid credentials only, so that strangers cannot
    use up the server's sessions.
    """
    name = request.header(SESSION_HEADER)
    if path == HEALTH_PATH:
        return _existing_world(mock, request) or mock  # open: it never makes a session nor refuses
    environment, refusal = _environment(mock, request, path)
    if name is None:
        if environment is None or environment == mock.settings.environment_id:
            return mock
        name = environment
    elif not mock.has_session(name):
        if environment is None:
            raise refusal
        if environment not in (mock.settings.environment_id, name):
            raise Unauthorized("Invalid environment id or api key", error_code="INVALID_API_KEY")
    return mock.session(name)


def _existing_world(mock: RoqMock, request: Request) -> RoqMock | None:
    """The world a request names, if it exists: never makes a session, never refuses."""
    name = request.header(SESSION_HEADER)
    if name is None:
        environment, _ = _environment(mock, request, "")
        if environment is None or environment == mock.settings.environment_id:
            return mock
        name = environment
    return mock.existing_session(name)


def _environment(mock: RoqMock, request: Request, path: str) -> tuple[str | None, RoqError]:
    """The environment id the request's valid credentials agree on (``None`` if none, or if they
    disagree), and the refusal of its first bad credential."""
    named: set[str] = set()
    refusals: list[RoqError] = []
    server_header = request.header(SERVER_HEADER)
    if server_header is not None:
        try:
            named.add(mock.tokens.check_server_header(server_header))
        except RoqError as error:
            refusals.append(error)
    token = request.header(TOKEN_HEADER)
    if token is not None:
        try:
            named.add(mock.tokens.bearer(token).environment_id)
        except RoqError as error:
            refusals.append(error)
    if path in _AUTHORIZE_PATHS:
        try:
            body = request.json_object()
            named.add(mock.tokens.check_credentials(body.get("environmentId"), body.get("apiKey")))
        except RoqError as error:
            refusals.append(error)
    if len(named) > 1:
        refusals.append(Unauthorized("The token belongs to another environment"))
    if not refusals:
        refusals.append(Unauthorized("Missing roq-platform-authorization token"))
    return (next(iter(named)) if len(named) == 1 else None), refusals[0]


def check_server_header(mock: RoqMock, request: Request) -> str:
    """The server header's environment id, if it is valid and acts in this world."""
    environment = mock.tokens.check_server_header(request.header(SERVER_HEADER))
    if not mock.accepts(environment):
        raise Unauthorized("Invalid environment id or api key", error_code="INVALID_API_KEY")
    return environment


def _check_bearer(mock: RoqMock, request: Request, environment: str | None = None) -> Claims:
    """The bearer token's claims, if it is valid, acts in this world and (if given) in ``environment``."""
    claims = mock.tokens.bearer(request.header(TOKEN_HEADER))
    if not mock.accepts(claims.environment_id) or environment not in (None, claims.environment_id):
        raise Unauthorized("The token belongs to another environment")
    return claims


def _check_credentials(mock: RoqMock, body: Mapping[str, Any], environment: str | None = None) -> str:
    """The environment id of ``{environmentId, apiKey}``, if valid here and (if given) ``environment``."""
    named = mock.tokens.check_credentials(body.get("environmentId"), body.get("apiKey"))
    if not mock.accepts(named) or environment not in (None, named):
        raise Unauthorized("Invalid environment id or api key", error_code="INVALID_API_KEY")
    return named


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# One decoder for every request: json.loads with a hook would build a new one each time.
_STRICT_JSON = json.JSONDecoder(parse_constant=_refuse_constant)


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: Any
    content_type: str = JSON
    delay_s: float = 0.0  # injected latency: the transport waits this long before answering
    headers: tuple[tuple[str, str], ...] = ()  # beyond content-type and content-length

    def content(self) -> bytes:
        if self.content_type == JSON:
            return json_bytes(self.body)
        return str(self.body).encode("utf-8", errors="replace")


def json_bytes(value: Any) -> bytes:
    """JSON as JSON.stringify writes it: NaN and Infinity as null, a lone surrogate escaped."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    except ValueError:
        value = _finite(value)  # 1e400 is JSON (it reads as Infinity) and may come back in an answer
    except UnicodeEncodeError:
        pass
    return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


Handler = Callable[[RoqMock, Request], Reply]


# ---------------------------------------------------------------- tokens


def service_account_token(mock: RoqMock, request: Request) -> Reply:
    environment = _check_credentials(mock, request.json_object())
    return Reply(200, {"accessToken": mock.tokens.issue(None, environment_id=environment)})


def user_token(mock: RoqMock, request: Request) -> Reply:
    claims = _check_bearer(mock, request)
    if claims.user_id is not None:
        raise Forbidden("User tokens are issued with a service account token only")
    body = request.json_object()
    environment = _check_credentials(mock, body, claims.environment_id)
    user_id = body.get("userId")
    if not isinstance(user_id, str):
        raise BadRequest("userId must be a string", error_code="BAD_REQUEST")
    user = mock.service.user_for_token(user_id)
    expires_in = body.get("expiresIn")
    ttl = parse_expires_in(expires_in) if expires_in is not None else None
    token = mock.tokens.issue(user.id, ttl=ttl, tenant_id=user.tenant_id, environment_id=environment)
    if "scope" not in body and "keepLoggedIn" not in body:
        return Reply(200, {"accessToken": token})
    login = {"accessToken": token, "idToken": token}
    if body.get("keepLoggedIn") is True:
        login["refreshToken"] = mock.tokens.issue(
            user.id, ttl=30 * 86400, tenant_id=user.tenant_id, environment_id=environment
        )
    return Reply(200, login)


# ---------------------------------------------------------------- the two graphs


def server_graphql(mock: RoqMock, request: Request) -> Reply:
    return _run(mock, _server_caller(mock, request), request.json(), queries_only=False)


def client_graphql(mock: RoqMock, request: Request) -> Reply:
    return _run(mock, _client_caller(mock, request), request.json(), queries_only=True)


def _server_caller(mock: RoqMock, request: Request) -> str | None:
    """The server graph's caller (``None``: the super admin): a token **and** the server header."""
    environment = check_server_header(mock, request)
    return _check_bearer(mock, request, environment).user_id


def _client_caller(mock: RoqMock, request: Request) -> str | None:
    claims = _check_bearer(mock, request)
    if claims.user_id is None:
        raise Unauthorized("The client graph takes user tokens only")
    return claims.user_id


def _run(mock: RoqMock, user_id: str | None, body: Any, *, queries_only: bool) -> Reply:
    outcome = mock.handle(body, user_id, queries_only=queries_only)
    return Reply(outcome.status, outcome.answer, delay_s=outcome.delay_s)


def _graph_get(caller: Callable[[RoqMock, Request], str | None], *, queries_only: bool) -> Handler:
    """GET on a graph, as GraphQL over HTTP has it: the explorer for a browser, else a query from the
    ``query``, ``variables`` and ``operationName`` parameters, with the same credentials as a POST
    (checked before the document is read). A mutation is never run from a GET: 405, ``Allow: POST``."""

    def get(mock: RoqMock, request: Request) -> Reply:
        params = request.query or {}
        if "query" not in params:
            if _wants_html(request):
                return explorer(mock, request)
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
        return _run(mock, user_id, body, queries_only=queries_only)

    return get


def get_request_body(params: Mapping[str, str]) -> dict[str, Any]:
    """The GraphQL request a GET's query parameters make; ``variables`` is JSON text."""
    variables: Any = None
    text = params.get("variables")
    if text:
        try:
            variables = _STRICT_JSON.decode(text)
        except ValueError:
            raise BadRequest("The variables parameter is not valid JSON", error_code="BAD_REQUEST") from None
    operation_name = params.get("operationName")
    return {"query": params.get("query"), "variables": variables, "operationName": operation_name}


def _wants_html(request: Request) -> bool:
    accept = (request.header("accept") or "").lower()
    return "text/html" in accept or "json" not in accept


def explorer(mock: RoqMock, request: Request) -> Reply:
    from roqmock.explorer.page import explorer_page  # roqmock.explorer imports this module

    return explorer_page()


# ---------------------------------------------------------------- routing

ROUTES: dict[tuple[str, str], Handler] = {
    ("POST", "/v01/authorize/serviceAccount"): service_account_token,
    ("POST", "/v01/authorize"): user_token,
    ("POST", "/v01/server/graphql"): server_graphql,
    ("GET", "/v01/server/graphql"): _graph_get(_server_caller, queries_only=False),
    ("POST", "/v01/graphql"): client_graphql,
    ("GET", "/v01/graphql"): _graph_get(_client_caller, queries_only=True),
}

# The graphs answer errors in a GraphQL body; every other path as NestJS does.
_GRAPH_PATHS = frozenset({"/v01/server/graphql", "/v01/graphql"})
_AUTHORIZE_PATHS = frozenset({"/v01/authorize", "/v01/authorize/serviceAccount"})
HEALTH_PATH = "/__roqmock/health"


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
        world = _session(mock, request, path)
        return handler(world, request)
    except RoqError as error:
        return refusal(mock, request, error, world)
    except Exception:
        # A bug in roqmock: say so in ROQ's envelope, never as a bare 500 page.
        logger.exception("unexpected error answering %s %s", request.method, path)
        return _error_reply(path, RoqError(INTERNAL_MESSAGE))


def refusal(mock: RoqMock, request: Request, error: RoqError, world: RoqMock | None = None) -> Reply:
    """The answer to a request refused before it ran; on a graph, journaled in its world (if that
    exists) as the anonymous caller's."""
    path = request.path.rstrip("/") or "/"
    if path in _GRAPH_PATHS:
        world = world or _existing_world(mock, request)
        if world is not None:
            world.journal_refusal(_refused_body(request, error), error)
    return _error_reply(path, error)


def _refused_body(request: Request, error: RoqError) -> Any:
    if request.method in ("GET", "HEAD"):
        return {"query": (request.query or {}).get("query"), "operationName": None}
    if isinstance(error, PayloadTooLarge | HeadersTooLarge):
        return None  # not read again
    try:
        return request.json()
    except RoqError:
        return None


# ROQ's own endpoints read JSON bodies only (the control API is roqmock's, and lenient).
_JSON_PATHS = frozenset({*_GRAPH_PATHS, "/v01/authorize", "/v01/authorize/serviceAccount"})


def check_limits(settings: Settings, request: Request, path: str) -> None:
    """Refuse what is too big, or not JSON where JSON is expected, before anything reads it."""
    header_bytes = sum(map(len, request.headers)) + sum(map(len, request.headers.values()))
    if header_bytes > settings.max_header_bytes:
        raise HeadersTooLarge(
            f"The request headers are over {settings.max_header_bytes} bytes", limit=settings.max_header_bytes
        )
    if len(request.body) > settings.max_body_bytes:
        raise body_too_large(settings.max_body_bytes)
    if request.method == "POST" and path in _JSON_PATHS:
        media_type = (request.header("content-type") or "").partition(";")[0].strip().lower()
        if media_type != "application/json":
            raise UnsupportedMediaType(
                "Content-Type must be application/json", contentType=request.header("content-type")
            )


def body_too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is over {limit} bytes", limit=limit)


def error_reply(path: str, error: RoqError) -> Reply:
    """``error`` as answered on ``path``: a GraphQL body on the graphs, ROQ's REST shape elsewhere."""
    return _error_reply(path.rstrip("/") or "/", error)


def _error_reply(path: str, error: RoqError) -> Reply:
    body = roq_error_body(error)
    allow = error.variables.get("allow") if isinstance(error, MethodNotAllowed) else None
    headers = (("allow", allow),) if isinstance(allow, str) else ()
    if path in _GRAPH_PATHS:
        return Reply(error.status, body, headers=headers)
    return Reply(error.status, body["errors"][0]["extensions"]["response"], headers=headers)
