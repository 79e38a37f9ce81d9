"""One roqmock: a store, the chat service over it, the GraphQL engine, the tokens and the journal."""

from __future__ import annotations

import gc
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from roqmock import uploads
from roqmock.answers import AnswerCache, Kept, Key, WatchedClock
from roqmock.api.engine import GraphQLEngine
from roqmock.api.errors import logger, roq_error_body
from roqmock.api.rendering import json_bytes
from roqmock.api.resolvers import RequestContext
from roqmock.auth import TokenAuthority, service_account_id
from roqmock.baseline import Baseline
from roqmock.config import IN_PROCESS_URL, Settings
from roqmock.domain.clock import IdSource
from roqmock.domain.coverage import Coverage
from roqmock.domain.errors import BadRequest, RoqError
from roqmock.domain.events import Event
from roqmock.domain.models import File
from roqmock.domain.permissions import Actor
from roqmock.domain.service import ChatService
from roqmock.domain.store import Store, World
from roqmock.faults import NO_INJECTION, Faults
from roqmock.journal import ANONYMOUS, SUPER_ADMIN, Journal
from roqmock.live import LiveRecord
from roqmock.seed import seed_world
from roqmock.state import dump_world, latest_moment, load_world, state_seed

MAX_SESSIONS = 1000

# Told what each write did, right after it, under the store's lock (so it reads the world as the write
# left it): the live chat's transport subscribes here; the mock itself knows no transport.
Observer = Callable[["RoqMock", list[Event]], None]
# Told, under the store's lock, that a world's contents were replaced (reset, reseed, load_state) or that
# its session ended: what a transport holds about the old world (a socket's user) is stale.
Replaced = Callable[["RoqMock"], None]


_SESSION_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _wall_ms() -> int:
    return int(time.time() * 1000)


@dataclass(slots=True)  # made on every request: a frozen one costs four times as much
class Links:
    """Presigned file URLs for one request (:class:`~roqmock.api.resolvers.FileLinks`), on ``base_url``,
    signed with the server's secret and timed by the wall clock, as the clients that check them are."""

    settings: Settings
    base_url: str
    # The world the form or URL acts in: a session's name (which a request names by its header or by an
    # environment id of that name), so no header need come along; None: the server's environment id.
    world: str | None = None
    # The wall clock forms and URLs expire by (a test may pin it).
    now_ms: Callable[[], int] = _wall_ms

    def upload_form(self, file: File, max_size: int) -> tuple[str, dict[str, str]]:
        return uploads.upload_form(
            self.settings.token_secret,
            base_url=self.base_url,
            file_id=file.id,
            environment_id=self.world or self.settings.environment_id,
            name=file.name,
            content_type=file.content_type,
            max_size=max_size,
            now_ms=self.now_ms(),
            lifetime_s=self.settings.upload_lifetime_s,
        )

    def download_url(self, file: File) -> str:
        return uploads.download_url(
            self.settings.token_secret,
            base_url=self.base_url,
            file_id=file.id,
            environment_id=self.world or self.settings.environment_id,
            name=file.name,
            now_ms=self.now_ms(),
            lifetime_s=self.settings.download_lifetime_s,
        )


@dataclass(slots=True)  # made on every request: a frozen one costs four times as much
class Outcome:
    """The answer to one GraphQL request, ready for a transport to send."""

    status: int
    answer: dict[str, Any]
    delay_s: float = 0.0  # injected latency, for the transport to wait before answering
    # The answer's JSON bytes when they were made already (a kept answer, shared: never change ``answer``).
    content: bytes | None = None


class _Collector:
    """Who holds the cyclic collector off. It is one switch for the whole process, and worlds may be made
    in several threads at once: the first to hold it notes whether it was on, the last to let go puts it
    back so. (Code that turns it on or off meanwhile, outside roqmock, is not guarded against.)"""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._was_enabled = False

    def hold(self) -> None:
        with self._lock:
            if self._holders == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._holders += 1

    def release(self) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0 and self._was_enabled:
                gc.enable()


_COLLECTOR = _Collector()


@contextmanager
def uncollected() -> Iterator[None]:
    """The cyclic collector off while a world is made: its records live until a reset takes them back
    and hold no cycles, so each collection meanwhile (one every 700 new objects, and now and then a full
    one over everything the process holds, a whole test run's) would find nothing to free."""
    _COLLECTOR.hold()
    try:
        yield
    finally:
        _COLLECTOR.release()


class RoqMock:
    """Everything one server (or one in-process fixture) needs, apart from any transport.

    ``session(name)`` gives a roqmock of its own (same settings, schema and tokens, its own world,
    journal, faults and coverage), so parallel CI jobs can share one server without seeing each other.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        baseline: Baseline | None = None,
        engine: GraphQLEngine | None = None,
        tokens: TokenAuthority | None = None,
        id_namespace: str | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.baseline = baseline or Baseline()
        # A session's new records get ids of their own: the same seed in two sessions would otherwise
        # give two users one id, and one's token would act as the other in the other session.
        self.id_namespace = id_namespace
        # The wall clock presigned forms and URLs expire by (the clients that check them read it too).
        self.wall_ms: Callable[[], int] = _wall_ms
        # The service account's user: the creator of the files the super admin uploads.
        self.service_user_id = service_account_id(self.settings.environment_id)
        self.store = self._build(self.baseline)
        self.service = ChatService(
            self.store,
            max_limit=self.settings.max_limit,
            max_file_bytes=self.settings.max_file_bytes,
            service_user_id=self.service_user_id,
        )
        # The schema is the costly part and holds no state: fixtures and sessions share one engine.
        self.engine = engine or GraphQLEngine(
            max_depth=self.settings.max_depth, max_cost=self.settings.max_cost
        )
        self.tokens = tokens or TokenAuthority(
            environment_id=self.settings.environment_id,
            api_key=self.settings.api_key,
            secret=self.settings.token_secret,
            default_ttl=self.settings.default_token_ttl,
        )
        self.journal = Journal()
        self.live = LiveRecord()  # the live chat's sockets and what they were sent
        self.faults = Faults(self.baseline.seed)
        self._sessions: dict[str, RoqMock] = {}
        self.root: RoqMock = self  # a session's root is the roqmock that made it
        self.name: str | None = None  # a session's name
        self._sessions_lock = threading.Lock()
        self.observers: list[Observer] = []
        self.replaced: list[Replaced] = []
        self.answers = AnswerCache()

    def _build(self, baseline: Baseline) -> Store:
        """A store holding ``baseline``'s world, built aside so that a failure changes nothing."""
        store = Store(
            seed=baseline.seed, roles=self.settings.roles, file_categories=self.settings.file_categories
        )
        if baseline.state is not None:
            world = self._load_world(baseline.state)
            store.replace_world(world, latest=latest_moment(world))
        elif baseline.size is not None:
            with uncollected():
                seed_world(store, seed=baseline.seed or 0, size=baseline.size, locale=baseline.locale)
        if self.id_namespace is not None:
            store.ids = IdSource(f"{baseline.seed}/{self.id_namespace}")
        store.checkpoint()
        return store

    def _load_world(self, data: Any) -> World:
        with uncollected():
            return load_world(
                data,
                default_roles=self.settings.roles,
                max_file_bytes=self.settings.max_file_bytes,
                creators=(self.service_user_id,),
            )

    @property
    def coverage(self) -> Coverage:
        return self.service.coverage

    # ------------------------------------------------------------ sessions

    def session(self, name: str | None) -> RoqMock:
        """Session ``name``'s roqmock, made from this one's baseline on first use (``None``: this one)."""
        if name is None:
            return self
        if self.root is not self:
            return self.root.session(name)
        if not _SESSION_NAME.fullmatch(name):
            raise BadRequest(
                "A session's name (x-roqmock-session, or an environment id other than the server's) must be "
                "1 to 64 letters, digits, dots, dashes or underscores",
                error_code="INVALID_SESSION",
            )
        with self._sessions_lock:
            session = self._sessions.get(name)
            if session is None:
                if len(self._sessions) >= MAX_SESSIONS:
                    raise RoqError(
                        f"There are {MAX_SESSIONS} sessions already: DELETE /__roqmock/sessions to end them",
                        error_code="TOO_MANY_SESSIONS",
                    ).with_status(429)
                session = RoqMock(
                    self.settings,
                    baseline=self.baseline,
                    engine=self.engine,
                    tokens=self.tokens,
                    id_namespace=name,
                )
                session.root = self
                session.name = name
                session.answers = AnswerCache(budget=self.answers.budget)  # one budget for the server
                self._sessions[name] = session
            return session

    def has_session(self, name: str) -> bool:
        return self.existing_session(name) is not None

    def existing_session(self, name: str) -> RoqMock | None:
        """Session ``name``, if it was made: never makes one."""
        root = self.root
        with root._sessions_lock:
            return root._sessions.get(name)

    def accepts(self, environment_id: str) -> bool:
        """Whether credentials of ``environment_id`` act in this world: the server's environment acts
        everywhere (a session named by ``x-roqmock-session``), another only in the session of its name."""
        return environment_id == self.settings.environment_id or environment_id == self.name

    def session_names(self) -> list[str]:
        with self._sessions_lock:
            return sorted(self._sessions)

    def drop_sessions(self, name: str | None = None) -> int:
        with self._sessions_lock:
            names = [name] if name is not None else list(self._sessions)
            ended = [session for each in names if (session := self._sessions.pop(each, None)) is not None]
        for session in ended:
            with session.store.lock:
                session._tell_replaced()
        return len(ended)

    # ------------------------------------------------------------ state

    def reset(self, baseline: Baseline | None = None) -> None:
        """Back to the baseline world (or to a new baseline), with an empty journal, coverage and faults.

        The same baseline is reached by taking back the writes made since it (a test's few writes, so
        this costs microseconds whatever the world's size); a new one, or a world replaced by
        load_state, is built aside and swapped in.
        """
        with self.store.lock:
            same = baseline is None or baseline == self.baseline
            rewound = same and self.store.rewind()
        fresh = None if rewound else self._build(baseline or self.baseline)
        with self.store.lock:
            if fresh is not None:
                self.store.adopt(fresh)
            if baseline is not None:
                self.baseline = baseline
            self.journal.clear()
            self.live.clear()
            self.coverage.clear()
            self.faults.remove()
            self._tell_replaced()

    def _tell_replaced(self) -> None:
        self.answers.clear()  # let the old world go now, not at the next query
        for listener in list(self.replaced):
            try:
                listener(self)
            except Exception:
                logger.exception("a listener failed on a replaced world")

    def dump_state(self) -> dict[str, Any]:
        with self.store.lock:
            return dump_world(self.store.world)

    def load_state(self, data: Any, *, as_baseline: bool = False) -> None:
        """Replace the world by a saved state (``ValueError`` if it is inconsistent: nothing changes then).

        With ``as_baseline`` a reset returns to it.
        """
        world = self._load_world(data)
        with self.store.lock:
            self.store.replace_world(world, latest=latest_moment(world))
            self.journal.clear()
            self.live.clear()
            if as_baseline:
                # A state made by `roqmock export` names its seed: health reports it, as for --state.
                seed = state_seed(data)
                self.baseline = replace(
                    self.baseline, state=data, size=None, seed=self.baseline.seed if seed is None else seed
                )
            self._tell_replaced()

    # ------------------------------------------------------------ requests

    def handle(
        self,
        body: Any,
        user_id: str | None,
        *,
        mutations: frozenset[str] | None = None,
        base_url: str | None = None,
    ) -> Outcome:
        """Run one GraphQL request body as ``user_id`` (``None``: the super admin), faults included;
        the URLs it answers (uploads, downloads) start with ``base_url`` (by default the configured
        public URL, else the in-process one). With ``mutations``, only queries and those mutations run
        (the client graph's :data:`~roqmock.api.engine.CLIENT_GRAPH_MUTATIONS`)."""
        # One request at a time sees and changes the world, so threads never see a half-made change;
        # its journal entry is written under the same lock, so that a reset between the two can never
        # leave an entry for a write it took back.
        with self.store.lock:
            outcome = self._handle(body, user_id, mutations=mutations, base_url=base_url)
            self.publish()
            return outcome

    def publish(self) -> None:
        """Tell the observers what the writes since the last call did, oldest first."""
        with self.store.lock:
            events = self.store.take_events()
            for observer in list(self.observers) if events else ():
                try:
                    observer(self, events)
                except Exception:
                    # A listener's bug never fails the write it hears about.
                    logger.exception("an observer failed on %d events", len(events))

    def _handle(
        self, body: Any, user_id: str | None, *, mutations: frozenset[str] | None, base_url: str | None
    ) -> Outcome:
        """:meth:`handle`, under the store's lock."""
        started = time.perf_counter()
        fields: tuple[str, ...] = ()
        variables: dict[str, Any] = {}
        operation_name = body.get("operationName") if isinstance(body, dict) else None
        injection = NO_INJECTION
        content: bytes | None = None
        selected, query = self.engine.selection(body)
        key = (
            self.answers.key(body, user_id, client_graph=mutations is not None, base_url=base_url)
            if query
            else None
        )
        world = self.store.world
        kept = self.answers.get(world, key) if key is not None else None
        try:
            if kept is None:
                actor = self.service.actor_for(user_id)
            fields = selected
            injection = self.faults.draw(fields)
            if injection.error is not None:
                raise injection.error
            if kept is not None:
                self.answers.hits += 1
                self.coverage.replay(list(kept.decisions))
                status, answer, content, fields = kept.status, kept.answer, kept.content, kept.fields
                variables = dict(body.get("variables") or {})
            else:
                status, answer, fields, variables, content = self._execute(
                    body, actor, mutations, base_url, key, world
                )
        except RoqError as error:
            # An injected fault answers as an error raised while executing would: 200, data null.
            status = 200 if error is injection.error and error.status not in (401, 413) else error.status
            answer = roq_error_body(error)
        errors = answer.get("errors") or []
        self.journal.record(
            operation=fields[0] if fields else (operation_name if isinstance(operation_name, str) else "?"),
            fields=fields,
            caller=user_id or SUPER_ADMIN,
            variables=variables,
            status=status,
            error_code=errors[0]["extensions"]["response"]["errorCode"] if errors else None,
            duration_ms=round((time.perf_counter() - started) * 1000 + injection.latency_s * 1000, 3),
            timestamp=time.time(),
        )
        return Outcome(status, answer, injection.latency_s, content)

    def _execute(
        self,
        body: Any,
        actor: Actor,
        mutations: frozenset[str] | None,
        base_url: str | None,
        key: Key | None,
        world: World,
    ) -> tuple[int, dict[str, Any], tuple[str, ...], dict[str, Any], bytes | None]:
        """Run the request; keep a query's answer (and the permission decisions it made) under ``key``."""
        version = world.version
        clock = WatchedClock(self.wall_ms)
        decisions = self.coverage.listen() if key is not None else None
        try:
            result = self.engine.run(
                body, RequestContext(self.service, actor, self._links(base_url, clock)), mutations=mutations
            )
        finally:
            if decisions is not None:
                self.coverage.stop()
        content = None
        if key is not None and decisions is not None and result.query and not clock.read:
            content = json_bytes(result.body)
            kept = Kept(result.status, result.body, content, result.fields, tuple(decisions))
            self.answers.keep(world, version, key, kept)
        return result.status, result.body, result.fields, result.variables, content

    def journal_refusal(self, body: Any, error: RoqError) -> None:
        """A graph call refused before it ran (a bad token, say), journaled as the anonymous caller's."""
        try:
            fields = self.engine.root_fields(body)
        except RoqError:
            fields = ()
        operation_name = body.get("operationName") if isinstance(body, dict) else None
        if not isinstance(operation_name, str):
            operation_name = "?"
        with self.store.lock:
            self.journal.record(
                operation=fields[0] if fields else operation_name,
                fields=fields,
                caller=ANONYMOUS,
                variables={},
                status=error.status,
                error_code=error.error_code,
                duration_ms=0.0,
                timestamp=time.time(),
            )

    def _links(self, base_url: str | None, clock: Callable[[], int] | None = None) -> Links:
        base = self.settings.public_url or base_url or IN_PROCESS_URL
        return Links(self.settings, base, self.name, clock or self.wall_ms)

    def run(
        self, body: Any, user_id: str | None, *, mutations: frozenset[str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """:meth:`handle` for callers without an event loop: injected latency is slept here."""
        outcome = self.handle(body, user_id, mutations=mutations)
        if outcome.delay_s:
            time.sleep(outcome.delay_s)
        if outcome.content is not None:
            return outcome.status, json.loads(outcome.content)  # the caller's own copy of a kept answer
        return outcome.status, outcome.answer

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
