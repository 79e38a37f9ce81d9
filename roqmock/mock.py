"""One roqmock: a store, the chat service over it, the GraphQL engine and the token authority."""

from __future__ import annotations

from typing import Any

from roqmock.api.engine import GraphQLEngine
from roqmock.api.errors import roq_error_body
from roqmock.api.resolvers import RequestContext
from roqmock.auth import TokenAuthority
from roqmock.config import Settings
from roqmock.domain.errors import RoqError
from roqmock.domain.service import ChatService
from roqmock.domain.store import Store


class RoqMock:
    """Everything one server (or one in-process fixture) needs, apart from any transport."""

    def __init__(self, settings: Settings | None = None, *, seed: int | None = None) -> None:
        self.settings = settings or Settings()
        self.store = Store(seed=seed, roles=self.settings.roles)
        self.service = ChatService(self.store, max_limit=self.settings.max_limit)
        self.engine = GraphQLEngine(max_depth=self.settings.max_depth)
        self.tokens = TokenAuthority(
            environment_id=self.settings.environment_id,
            api_key=self.settings.api_key,
            secret=self.settings.token_secret,
            default_ttl=self.settings.default_token_ttl,
        )

    def reset(self) -> None:
        self.store.reset()

    def run(
        self, body: Any, user_id: str | None, *, queries_only: bool = False
    ) -> tuple[int, dict[str, Any]]:
        """Run one GraphQL request body as ``user_id`` (``None``: the super admin): ``(status, answer)``."""
        try:
            # One request at a time sees and changes the world, so threads never see a half-made change.
            with self.store.lock:
                actor = self.service.actor_for(user_id)
                return self.engine.run(body, RequestContext(self.service, actor), queries_only=queries_only)
        except RoqError as error:
            return error.status, roq_error_body(error)

    def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_user: str | None = None,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        """What the server graph would answer to this request, without a socket."""
        body = {"query": query, "variables": variables, "operationName": operation_name}
        return self.run(body, as_user)[1]
