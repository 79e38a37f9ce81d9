"""ROQ's token endpoints: a service account's token for ``{environmentId, apiKey}``, and a user's token
for a service account's request."""

from __future__ import annotations

from roqmock.auth import parse_expires_in
from roqmock.domain.errors import BadRequest, Forbidden
from roqmock.http.callers import check_bearer, check_credentials
from roqmock.http.exchange import Handler, Reply, Request
from roqmock.http.paths import SERVICE_ACCOUNT_TOKEN, USER_TOKEN
from roqmock.mock import RoqMock

__all__ = ["TOKEN_ROUTES", "service_account_token", "user_token"]


def service_account_token(mock: RoqMock, request: Request) -> Reply:
    environment = check_credentials(mock, request.json_object())
    return Reply(200, {"accessToken": mock.tokens.issue(None, environment_id=environment)})


def user_token(mock: RoqMock, request: Request) -> Reply:
    claims = check_bearer(mock, request)
    if claims.user_id is not None:
        raise Forbidden("User tokens are issued with a service account token only")
    body = request.json_object()
    environment = check_credentials(mock, body, claims.environment_id)
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


TOKEN_ROUTES: dict[tuple[str, str], Handler] = {
    ("POST", SERVICE_ACCOUNT_TOKEN): service_account_token,
    ("POST", USER_TOKEN): user_token,
}
