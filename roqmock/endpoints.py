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

from roqmock.api.errors import INTERNAL_MESSAGE, logger, roq_error_body
from roqmock.auth import parse_expires_in
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
    """The session a request names; a new one only for a caller with credentials, so that strangers
    cannot use up the server's sessions."""
    name = request.header(SESSION_HEADER)
    if name is not None and not mock.has_session(name):
        server_header = request.header(SERVER_HEADER)
        if path == "/v01/authorize/serviceAccount":
            body = request.json_object()
            mock.tokens.check_credentials(body.get("environmentId"), body.get("apiKey"))
        elif server_header is not None:
            mock.tokens.check_server_header(server_header)
        else:
            mock.tokens.bearer(request.header(TOKEN_HEADER))
    return mock.session(name)


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
    headers: tuple[tuple[str, str], ...] = ()  # beyond content-type, e.g. cache-control on static assets

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
    body = request.json_object()
    mock.tokens.check_credentials(body.get("environmentId"), body.get("apiKey"))
    return Reply(200, {"accessToken": mock.tokens.issue(None)})


def user_token(mock: RoqMock, request: Request) -> Reply:
    claims = mock.tokens.bearer(request.header(TOKEN_HEADER))
    if claims.user_id is not None:
        raise Forbidden("User tokens are issued with a service account token only")
    body = request.json_object()
    mock.tokens.check_credentials(body.get("environmentId"), body.get("apiKey"))
    user_id = body.get("userId")
    if not isinstance(user_id, str):
        raise BadRequest("userId must be a string", error_code="BAD_REQUEST")
    user = mock.service.user_for_token(user_id)
    expires_in = body.get("expiresIn")
    ttl = parse_expires_in(expires_in) if expires_in is not None else None
    token = mock.tokens.issue(user.id, ttl=ttl, tenant_id=user.tenant_id)
    if "scope" not in body and "keepLoggedIn" not in body:
        return Reply(200, {"accessToken": token})
    login = {"accessToken": token, "idToken": token}
    if body.get("keepLoggedIn") is True:
        login["refreshToken"] = mock.tokens.issue(user.id, ttl=30 * 86400, tenant_id=user.tenant_id)
    return Reply(200, login)


# ---------------------------------------------------------------- the two graphs


def server_graphql(mock: RoqMock, request: Request) -> Reply:
    mock.tokens.check_server_header(request.header(SERVER_HEADER))
    claims = mock.tokens.bearer(request.header(TOKEN_HEADER))
    outcome = mock.handle(request.json(), claims.user_id)
    return Reply(outcome.status, outcome.answer, delay_s=outcome.delay_s)


def client_graphql(mock: RoqMock, request: Request) -> Reply:
    claims = mock.tokens.bearer(request.header(TOKEN_HEADER))
    if claims.user_id is None:
        raise Unauthorized("The client graph takes user tokens only")
    outcome = mock.handle(request.json(), claims.user_id, queries_only=True)
    return Reply(outcome.status, outcome.answer, delay_s=outcome.delay_s)


def explorer(mock: RoqMock, request: Request) -> Reply:
    from roqmock.explorer.page import explorer_page  # roqmock.explorer imports this module

    return explorer_page()


# ---------------------------------------------------------------- routing

ROUTES: dict[tuple[str, str], Handler] = {
    ("POST", "/v01/authorize/serviceAccount"): service_account_token,
    ("POST", "/v01/authorize"): user_token,
    ("POST", "/v01/server/graphql"): server_graphql,
    ("GET", "/v01/server/graphql"): explorer,
    ("POST", "/v01/graphql"): client_graphql,
    ("GET", "/v01/graphql"): explorer,
}

# The graphs answer errors in a GraphQL body; every other path as NestJS does.
_GRAPH_PATHS = frozenset({"/v01/server/graphql", "/v01/graphql"})


def handle(mock: RoqMock, request: Request, routes: Mapping[tuple[str, str], Handler]) -> Reply:
    path = request.path.rstrip("/") or "/"
    try:
        check_limits(mock.settings, request, path)
        handler = routes.get((request.method, path))
        if handler is None:
            if any(route_path == path for _, route_path in routes):
                raise MethodNotAllowed(f"{request.method} is not allowed on {path}")
            raise NotFound(f"Cannot {request.method} {path}", error_code="NOT_FOUND")
        return handler(_session(mock, request, path), request)
    except RoqError as error:
        return _error_reply(path, error)
    except Exception:
        # A bug in roqmock: say so in ROQ's envelope, never as a bare 500 page.
        logger.exception("unexpected error answering %s %s", request.method, path)
        return _error_reply(path, RoqError(INTERNAL_MESSAGE))


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
    if path in _GRAPH_PATHS:
        return Reply(error.status, body)
    return Reply(error.status, body["errors"][0]["extensions"]["response"])
