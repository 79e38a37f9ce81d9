"""Settings of one roqmock server."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from roqmock.api.cost import DEFAULT_MAX_COST, DEFAULT_MAX_DEPTH
from roqmock.domain.categories import DEFAULT_FILE_CATEGORIES, CategorySpec
from roqmock.domain.lists import DEFAULT_MAX_LIMIT
from roqmock.domain.roles import DEFAULT_USER_ROLE, Role
from roqmock.domain.store import DEFAULT_MAX_FILE_BYTES
from roqmock.uploads import DEFAULT_DOWNLOAD_LIFETIME_S, DEFAULT_UPLOAD_LIFETIME_S

DEFAULT_ENVIRONMENT_ID = "5e1b8f0a-7c3d-4a2e-9b6f-0d4c8a2e1f37"
DEFAULT_API_KEY = "roqmock-api-key"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_MAX_HEADER_BYTES = 16 * 1024
# The message center (live chat): sockets per server, events queued per socket, events a socket may send
# a second on average.
DEFAULT_MAX_SOCKETS = 1000
DEFAULT_SOCKET_QUEUE = 1000
DEFAULT_SOCKET_RATE = 200
# Where a roqmock answers when no request says (in process: the httpx transports' base URL).
IN_PROCESS_URL = "http://roqmock.test"
# HS256 keys shorter than its hash are refused (RFC 7518, section 3.2); PyJWT would warn on every token.
MIN_TOKEN_SECRET_BYTES = 32


@dataclass(frozen=True, slots=True)
class Settings:
    """How a roqmock is configured: its environment, api key, tokens, limits, roles and file categories."""

    environment_id: str = DEFAULT_ENVIRONMENT_ID
    api_key: str = DEFAULT_API_KEY
    # A fresh random secret per server unless one is given: tokens never outlive their server.
    token_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    default_token_ttl: int = 3600
    max_limit: int = DEFAULT_MAX_LIMIT
    max_depth: int = DEFAULT_MAX_DEPTH
    roles: Mapping[str, Role] = field(default_factory=lambda: {DEFAULT_USER_ROLE.key: DEFAULT_USER_ROLE})
    # The file categories every world holds, by key (CHAT_FILES, USER_FILES, USER_AVATAR_FILES by default).
    file_categories: Mapping[str, CategorySpec] = field(default_factory=lambda: dict(DEFAULT_FILE_CATEGORIES))
    # The sandbox page hands out the api key to get tokens: on by default only for loopback servers.
    sandbox: bool = True
    # Bad input is refused before it costs anything: bodies, headers, and documents over these sizes.
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    max_cost: int = DEFAULT_MAX_COST
    # Origins a browser may call from (CORS); none by default: only same-origin pages, like the sandbox.
    cors_origins: tuple[str, ...] = ()
    # Files: how long an upload form and a download URL stay valid, and the bytes one world may hold.
    upload_lifetime_s: int = DEFAULT_UPLOAD_LIFETIME_S
    download_lifetime_s: int = DEFAULT_DOWNLOAD_LIFETIME_S
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    # The base of the URLs roqmock hands out (upload forms, downloads); None: the request's own host.
    public_url: str | None = None
    # The message center: more sockets are refused at connect; a socket with more events queued than
    # socket_queue (it stopped reading) is disconnected; past socket_rate events a second, refused.
    max_sockets: int = DEFAULT_MAX_SOCKETS
    socket_queue: int = DEFAULT_SOCKET_QUEUE
    socket_rate: int = DEFAULT_SOCKET_RATE

    def __post_init__(self) -> None:
        if len(self.token_secret.encode("utf-8", "surrogatepass")) < MIN_TOKEN_SECRET_BYTES:
            raise ValueError(
                f"the token secret must be at least {MIN_TOKEN_SECRET_BYTES} bytes: "
                "HS256 keys shorter than the hash are refused (RFC 7518, section 3.2)"
            )
