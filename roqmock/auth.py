"""Tokens as ROQ issues them: HS256 JWTs with ROQ's claims, signed with the server's secret."""

from __future__ import annotations

import base64
import binascii
import math
import re
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from roqmock.domain.errors import BadRequest, Unauthorized

# ROQ's two credential headers, and roqmock's own for naming a session.
TOKEN_HEADER = "roq-platform-authorization"
SERVER_HEADER = "roq-platform-server-authorization"
SESSION_HEADER = "x-roqmock-session"


def server_header(environment_id: str, api_key: str) -> str:
    """The server header's value: ``Basic base64(environmentId:apiKey)``, as ROQ's SDK sends it."""
    return "Basic " + base64.b64encode(f"{environment_id}:{api_key}".encode()).decode()


MAX_EXPIRES_IN = 100 * 365 * 86400  # a century: past that a token's exp no longer fits a date
VERIFIED_TOKENS = 4096  # tokens remembered as verified, oldest forgotten first

_SERVICE_NAMESPACE = uuid.UUID("2d0f5f9c-1c9b-4d43-9a53-7c6a1a3f7e20")

# The `ms` package's grammar, which ROQ's JWT library reads expiresIn with: "3600s", "2 days", "1.5h"...
_DURATION = re.compile(
    r"(\d*\.?\d+) *(milliseconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h"
    r"|days?|d|weeks?|w|years?|yrs?|y)?",
    re.IGNORECASE,
)
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31557600}
_UNIT_ALIASES = {
    "milliseconds": "ms",
    "millisecond": "ms",
    "msecs": "ms",
    "msec": "ms",
    "seconds": "s",
    "second": "s",
    "secs": "s",
    "sec": "s",
    "minutes": "m",
    "minute": "m",
    "mins": "m",
    "min": "m",
    "hours": "h",
    "hour": "h",
    "hrs": "h",
    "hr": "h",
    "days": "d",
    "day": "d",
    "weeks": "w",
    "week": "w",
    "years": "y",
    "year": "y",
    "yrs": "y",
    "yr": "y",
}


@dataclass(frozen=True, slots=True)
class Claims:
    """What a token this server signed says: its environment, its user, and its expiry (epoch seconds)."""

    environment_id: str
    user_id: str | None  # None: the service account, acting as super admin
    expires_at: int


def parse_expires_in(value: Any) -> int:
    """Seconds from an ``expiresIn``: a number of seconds, or a duration such as ``"3600s"`` or ``"2h"``."""
    if isinstance(value, bool):
        raise _bad_expires_in(value)
    if isinstance(value, int | float):
        try:
            seconds = float(value)
        except OverflowError:
            raise _bad_expires_in(value) from None
    elif isinstance(value, str) and (match := _DURATION.fullmatch(value.strip())):
        amount, unit = match.groups()
        # A bare number in a string is milliseconds, as in the `ms` package ROQ's JWT library uses.
        unit = (unit or "ms").lower()
        try:
            seconds = float(amount) * _UNIT_SECONDS[_UNIT_ALIASES.get(unit, unit)]
        except OverflowError:
            raise _bad_expires_in(value) from None
    else:
        raise _bad_expires_in(value)
    if not math.isfinite(seconds) or seconds < 0 or seconds > MAX_EXPIRES_IN:
        raise _bad_expires_in(value)
    # jsonwebtoken floors: "500ms" gives a token that expires at once, as it does at ROQ.
    return int(seconds)


def _bad_expires_in(value: Any) -> BadRequest:
    return BadRequest(
        'expiresIn must be a positive number of seconds or a duration such as "3600s"',
        error_code="INVALID_EXPIRES_IN",
        value=value,
    )


def service_account_id(environment_id: str) -> str:
    """The service account's user id in an environment: derived from it, so no claim beyond ROQ's."""
    return str(uuid.uuid5(_SERVICE_NAMESPACE, environment_id))


class TokenAuthority:
    """Issues and verifies tokens for the server's api key.

    The api key is the credential; the environment id a credential carries names the world it acts in
    (the server's own, or a session of that name: see ``RoqMock.accepts``), and so is only checked there.
    """

    def __init__(self, *, environment_id: str, api_key: str, secret: str, default_ttl: int = 3600) -> None:
        self.environment_id = environment_id
        self.api_key = api_key
        self._secret = secret
        self.default_ttl = default_ttl
        self.service_account_id = service_account_id(environment_id)
        # Checking an HS256 signature costs more than the rest of a small request: remember good tokens.
        self._verified: dict[str, Claims] = {}
        self._verified_lock = threading.Lock()
        self._good_server_headers: dict[str, str] = {}

    # ------------------------------------------------------------ issuing

    def check_credentials(self, environment_id: Any, api_key: Any) -> str:
        """The environment id of a right api key's credentials."""
        if not isinstance(environment_id, str) or not environment_id or api_key != self.api_key:
            raise Unauthorized("Invalid environment id or api key", error_code="INVALID_API_KEY")
        return environment_id

    def issue(
        self,
        user_id: str | None,
        *,
        ttl: int | None = None,
        tenant_id: str | None = None,
        environment_id: str | None = None,
    ) -> str:
        now = int(time.time())
        environment_id = environment_id or self.environment_id
        claims: dict[str, Any] = {
            "roqEnvironmentId": environment_id,
            "roqUserId": user_id or service_account_id(environment_id),
            "notificationToken": uuid.uuid4().hex,
            "iat": now,
            "exp": now + (self.default_ttl if ttl is None else ttl),
        }
        if tenant_id is not None:
            claims["tenantId"] = tenant_id
        import jwt  # here: PyJWT's import is a twentieth of serve's start, and no token is needed to start

        return jwt.encode(claims, self._secret, algorithm="HS256")

    # ------------------------------------------------------------ verifying

    def verify(self, token: str) -> Claims:
        """The claims of a token this server signed; a token checked before is only checked for expiry."""
        known = self._verified.get(token)
        if known is not None and known.expires_at > time.time():
            return known
        claims = self._decode(token)
        with self._verified_lock:
            self._verified[token] = claims
            if len(self._verified) > VERIFIED_TOKENS:
                del self._verified[next(iter(self._verified))]
        return claims

    def _decode(self, token: str) -> Claims:
        import jwt  # see issue(); a token once checked is not decoded again (verify's cache)

        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                options={"require": ["exp", "iat", "roqEnvironmentId", "roqUserId"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("The token has expired") from None
        except jwt.InvalidSignatureError:
            raise Unauthorized("The token's signature is invalid") from None
        except jwt.PyJWTError:
            raise Unauthorized("The token is malformed") from None
        environment_id = claims["roqEnvironmentId"]
        if not isinstance(environment_id, str) or not environment_id:
            raise Unauthorized("The token is malformed")
        is_service = claims["roqUserId"] == service_account_id(environment_id)
        return Claims(
            environment_id=environment_id,
            user_id=None if is_service else str(claims["roqUserId"]),
            expires_at=int(claims["exp"]),
        )

    def bearer(self, header: str | None) -> Claims:
        """Verify ``roq-platform-authorization: Bearer <jwt>``."""
        if not header:
            raise Unauthorized("Missing roq-platform-authorization token")
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("roq-platform-authorization must be 'Bearer <token>'")
        return self.verify(token.strip())

    def check_server_header(self, header: str | None) -> str:
        """The environment id of ``roq-platform-server-authorization: Basic base64(environmentId:apiKey)``."""
        if not header:
            raise Unauthorized("Missing roq-platform-server-authorization header", error_code="MISSING_AUTH")
        known = self._good_server_headers.get(header)
        if known is not None:
            return known
        scheme, _, encoded = header.strip().partition(" ")
        try:
            if scheme.lower() != "basic":
                raise ValueError(scheme)
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (ValueError, binascii.Error):
            raise Unauthorized(
                "roq-platform-server-authorization must be 'Basic base64(environmentId:apiKey)'",
                error_code="INVALID_AUTH_HEADER",
            ) from None
        environment_id, separator, api_key = decoded.partition(":")
        if not separator:
            raise Unauthorized(
                "roq-platform-server-authorization must be 'Basic base64(environmentId:apiKey)'",
                error_code="INVALID_AUTH_HEADER",
            )
        self.check_credentials(environment_id, api_key)
        if len(self._good_server_headers) < 64:
            self._good_server_headers[header] = environment_id
        return environment_id
