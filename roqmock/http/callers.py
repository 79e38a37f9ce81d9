"""Who is calling, and in which world: credentials checked, sessions found or made.

A request acts in the session ``x-roqmock-session`` names; without the header, in the world its
credentials' environment id names (the server's own environment: the default world).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from roqmock.auth import Claims
from roqmock.domain.errors import RoqError, Unauthorized
from roqmock.http.exchange import SERVER_HEADER, SESSION_HEADER, TOKEN_HEADER, Request
from roqmock.http.paths import AUTHORIZE_PATHS, HEALTH_PATH
from roqmock.mock import RoqMock

__all__ = [
    "UserToken",
    "check_bearer",
    "check_credentials",
    "check_server_header",
    "check_user_token",
    "existing_world",
    "world_for",
    "world_of",
]


def world_of(mock: RoqMock, request: Request, path: str) -> RoqMock:
    """The world ``request`` acts in.

    A session is made on first use for a caller with valid credentials only, so that strangers cannot
    use up the server's sessions.
    """
    name = request.header(SESSION_HEADER)
    if path == HEALTH_PATH:
        return existing_world(mock, request) or mock  # open: it never makes a session nor refuses
    environment, refusal = _environment(mock, request, path)
    if name is None:
        if environment is None or environment == mock.settings.environment_id:
            return mock
        name = environment
    elif not mock.has_session(name):
        if environment is None:
            raise refusal or Unauthorized("Missing roq-platform-authorization token")
        if environment not in (mock.settings.environment_id, name):
            raise Unauthorized("Invalid environment id or api key", error_code="INVALID_API_KEY")
    return mock.session(name)


def existing_world(mock: RoqMock, request: Request) -> RoqMock | None:
    """The world a request names, if it exists: never makes a session, never refuses."""
    name = request.header(SESSION_HEADER)
    if name is None:
        environment, _ = _environment(mock, request, "")
        if environment is None or environment == mock.settings.environment_id:
            return mock
        name = environment
    return mock.existing_session(name)


def _environment(mock: RoqMock, request: Request, path: str) -> tuple[str | None, RoqError | None]:
    """The environment id the request's valid credentials agree on (``None`` if none, or if they
    disagree), and the refusal of its first bad credential (``None``: there was none, and the refusal
    is of a missing token, made only when it is raised)."""
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
    if path in AUTHORIZE_PATHS:
        try:
            body = request.json_object()
            named.add(mock.tokens.check_credentials(body.get("environmentId"), body.get("apiKey")))
        except RoqError as error:
            refusals.append(error)
    if len(named) > 1:
        refusals.append(Unauthorized("The token belongs to another environment"))
    return (next(iter(named)) if len(named) == 1 else None), refusals[0] if refusals else None


def check_server_header(mock: RoqMock, request: Request) -> str:
    """The server header's environment id, if it is valid and acts in this world."""
    environment = mock.tokens.check_server_header(request.header(SERVER_HEADER))
    if not mock.accepts(environment):
        raise Unauthorized("Invalid environment id or api key", error_code="INVALID_API_KEY")
    return environment


def check_bearer(mock: RoqMock, request: Request, environment: str | None = None) -> Claims:
    """The bearer token's claims, if it is valid, acts in this world and (if given) in ``environment``."""
    claims = mock.tokens.bearer(request.header(TOKEN_HEADER))
    if not mock.accepts(claims.environment_id) or environment not in (None, claims.environment_id):
        raise Unauthorized("The token belongs to another environment")
    return claims


def check_credentials(mock: RoqMock, body: Mapping[str, Any], environment: str | None = None) -> str:
    """The environment id of ``{environmentId, apiKey}``, if valid here and (if given) ``environment``."""
    named = mock.tokens.check_credentials(body.get("environmentId"), body.get("apiKey"))
    if not mock.accepts(named) or environment not in (None, named):
        raise Unauthorized("Invalid environment id or api key", error_code="INVALID_API_KEY")
    return named


def world_for(mock: RoqMock, environment: str, session: str | None) -> RoqMock:
    """The world a token of ``environment`` acts in, as :func:`world_of` decides for HTTP: the session
    named, if the token may act there (the server's environment, or the session's own); otherwise the
    token's environment's world."""
    if session is None:
        return mock if environment == mock.settings.environment_id else mock.session(environment)
    if environment not in (mock.settings.environment_id, session):
        raise Unauthorized("The token belongs to another environment")
    return mock.session(session)


@dataclass(frozen=True, slots=True)
class UserToken:
    """A user's token, checked: the bare token, the world it acts in and its user."""

    token: str
    world: RoqMock
    user_id: str


def check_user_token(mock: RoqMock, raw: Any, *, missing: str, session: str | None = None) -> UserToken:
    """A user's token as ROQ's chat takes it (the message center, the chat page, the notification socket):
    this server's, unexpired, a user's (not a service account's), of a user its world holds. ``missing``
    says how to give one."""
    token = raw.strip() if isinstance(raw, str) else ""
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    if not token:
        raise Unauthorized(missing)
    claims = mock.tokens.verify(token)
    if claims.user_id is None:
        raise Unauthorized("ROQ's chat is for users: a service account's token has no user")
    world = world_for(mock, claims.environment_id, session)
    with world.store.lock:
        world.service.actor_for(claims.user_id)  # an unknown user is refused
    return UserToken(token, world, claims.user_id)
