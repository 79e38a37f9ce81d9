"""One roqmock: a store, the chat service over it, the GraphQL engine, the tokens and the journal."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from roqmock.api.engine import GraphQLEngine
from roqmock.api.errors import roq_error_body
from roqmock.api.resolvers import RequestContext
from roqmock.auth import TokenAuthority
from roqmock.config import Settings
from roqmock.domain.errors import RoqError
from roqmock.domain.service import ChatService
from roqmock.domain.store import Store
from roqmock.journal import SUPER_ADMIN, Journal
from roqmock.seed import WorldSize, seed_world
from roqmock.state import dump_world, latest_moment, load_world


@dataclass(frozen=True, slots=True)
class Baseline:
    """The world a reset returns to: a seeded one of a given size, or (``size`` None) an empty one."""

    seed: int | None = None
    size: WorldSize | None = None
    locale: str = "en_US"


class RoqMock:
    """Everything one server (or one in-process fixture) needs, apart from any transport."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        baseline: Baseline | None = None,
        engine: GraphQLEngine | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.baseline = baseline or Baseline()
        self.store = Store(seed=self.baseline.seed, roles=self.settings.roles)
        self.service = ChatService(self.store, max_limit=self.settings.max_limit)
        # The schema is the costly part and holds no state: fixtures share one engine.
        self.engine = engine or GraphQLEngine(max_depth=self.settings.max_depth)
        self.tokens = TokenAuthority(
            environment_id=self.settings.environment_id,
            api_key=self.settings.api_key,
            secret=self.settings.token_secret,
            default_ttl=self.settings.default_token_ttl,
        )
        self.journal = Journal()
        self._fill()

    def _fill(self) -> None:
        if self.baseline.size is not None:
            seed_world(
                self.store, seed=self.baseline.seed or 0, size=self.baseline.size, locale=self.baseline.locale
            )

    def reset(self, baseline: Baseline | None = None) -> None:
        """Back to the baseline world (or to a new baseline), with an empty journal."""
        with self.store.lock:
            if baseline is not None:
                self.baseline = baseline
                self.store.seed = baseline.seed
            self.store.reset()
            self._fill()
            self.journal.clear()

    def dump_state(self) -> dict[str, Any]:
        with self.store.lock:
            return dump_world(self.store.world)

    def load_state(self, data: Any) -> None:
        """Replace the world by a saved state (``ValueError`` if it is inconsistent: nothing changes then)."""
        world = load_world(data, default_roles=self.settings.roles)
        self.store.replace_world(world, latest=latest_moment(world))
        self.journal.clear()

    def run(
        self, body: Any, user_id: str | None, *, queries_only: bool = False
    ) -> tuple[int, dict[str, Any]]:
        """Run one GraphQL request body as ``user_id`` (``None``: the super admin): ``(status, answer)``."""
        started = time.perf_counter()
        fields: tuple[str, ...] = ()
        variables: dict[str, Any] = {}
        operation_name = body.get("operationName") if isinstance(body, dict) else None
        try:
            # One request at a time sees and changes the world, so threads never see a half-made change.
            with self.store.lock:
                actor = self.service.actor_for(user_id)
                result = self.engine.run(body, RequestContext(self.service, actor), queries_only=queries_only)
            status, answer, fields, variables = result.status, result.body, result.fields, result.variables
        except RoqError as error:
            status, answer = error.status, roq_error_body(error)
        errors = answer.get("errors") or []
        self.journal.record(
            operation=fields[0] if fields else (operation_name if isinstance(operation_name, str) else "?"),
            fields=fields,
            caller=user_id or SUPER_ADMIN,
            variables=variables,
            status=status,
            error_code=errors[0]["extensions"]["response"]["errorCode"] if errors else None,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            at=datetime.now(UTC).isoformat(timespec="milliseconds"),
        )
        return status, answer

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
