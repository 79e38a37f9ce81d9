"""Settings of one roqmock server."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from roqmock.domain.lists import DEFAULT_MAX_LIMIT
from roqmock.domain.permissions import DEFAULT_USER_ROLE, Role

DEFAULT_ENVIRONMENT_ID = "5e1b8f0a-7c3d-4a2e-9b6f-0d4c8a2e1f37"
DEFAULT_API_KEY = "roqmock-api-key"


@dataclass(frozen=True, slots=True)
class Settings:
    environment_id: str = DEFAULT_ENVIRONMENT_ID
    api_key: str = DEFAULT_API_KEY
    # A fresh random secret per server unless one is given: tokens never outlive their server.
    token_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    default_token_ttl: int = 3600
    max_limit: int = DEFAULT_MAX_LIMIT
    max_depth: int = 4
    roles: Mapping[str, Role] = field(default_factory=lambda: {DEFAULT_USER_ROLE.key: DEFAULT_USER_ROLE})
    # The sandbox page hands out the api key to get tokens: on by default only for loopback servers.
    sandbox: bool = True
