"""What the pytest fixtures hand to tests: an in-process roqmock, a running server, and a world's records.

Usable without pytest too: ``Roq.create(seed=1)`` gives an in-process roqmock for any test runner.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

import httpx

from roqmock.api.engine import GraphQLEngine
from roqmock.client import HttpSession, RoqClient
from roqmock.config import DEFAULT_API_KEY, DEFAULT_ENVIRONMENT_ID, Settings
from roqmock.domain.models import Conversation, File, Message, User
from roqmock.domain.store import World
from roqmock.journal import SUPER_ADMIN, Journal, Verification
from roqmock.mock import Baseline, RoqMock
from roqmock.seed import BOT_REFERENCE, DEMO, WorldSize
from roqmock.state import load_world
from roqmock.transport import AsyncRoqTransport, RoqTransport

IN_PROCESS_URL = "http://roqmock.test"


class WorldView:
    """A world's records as plain objects, in a stable order, for tests to name without queries.

    ``world.users`` are the people (the seeded bot apart, as ``world.bot``), by reference; conversations
    and messages by creation.
    """

    def __init__(self, world: World) -> None:
        self._world = world

    @property
    def users(self) -> list[User]:
        people = [user for user in self._world.users.values() if user.reference != BOT_REFERENCE]
        return sorted(people, key=lambda user: (_natural(user.reference), user.id))

    @property
    def bot(self) -> User | None:
        return next((u for u in self._world.users.values() if u.reference == BOT_REFERENCE), None)

    def user(self, key: str) -> User:
        """A user by id, reference or email."""
        for user in self._world.users.values():
            if key in (user.id, user.reference, user.email):
                return user
        raise KeyError(f"no user {key!r} in this world")

    @property
    def conversations(self) -> list[Conversation]:
        return sorted(self._world.conversations.values(), key=lambda c: (c.created_at, c.id))

    def conversations_of(self, user: User | str) -> list[Conversation]:
        """The conversations ``user`` is a member of, oldest first."""
        user_id = user.id if isinstance(user, User) else user
        ids = self._world.conversations_by_user.get(user_id, set())
        return [conversation for conversation in self.conversations if conversation.id in ids]

    def members_of(self, conversation: Conversation | str) -> list[User]:
        conversation_id = conversation.id if isinstance(conversation, Conversation) else conversation
        rows = self._world.members_by_conversation.get(conversation_id, {}).values()
        return [self._world.users[row.user_id] for row in sorted(rows, key=lambda r: (r.created_at, r.id))]

    def tags_of(self, conversation: Conversation | str) -> list[str]:
        conversation_id = conversation.id if isinstance(conversation, Conversation) else conversation
        tags = self._world.tags_by_conversation.get(conversation_id, {}).values()
        return [tag.tag for tag in sorted(tags, key=lambda t: (t.created_at, t.id))]

    @property
    def messages(self) -> list[Message]:
        return sorted(self._world.messages.values(), key=lambda m: (m.created_at, m.id))

    def messages_in(self, conversation: Conversation | str) -> list[Message]:
        """The messages of a conversation, oldest first."""
        conversation_id = conversation.id if isinstance(conversation, Conversation) else conversation
        return list(self._world.messages_by_conversation.get(conversation_id, ()))

    @property
    def files(self) -> list[File]:
        return sorted(self._world.files.values(), key=lambda f: (f.created_at, f.id))

    def __repr__(self) -> str:
        world = self._world
        return (
            f"<WorldView {len(world.users)} users, {len(world.conversations)} conversations, "
            f"{len(world.messages)} messages, {len(world.files)} files>"
        )


def _natural(text: str) -> tuple[Any, ...]:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def _user_id(user: User | str) -> str:
    return user.id if isinstance(user, User) else user


class CallAssertions:
    """``assert_called``/``assert_not_called`` over a journal, with a readable account when they fail."""

    def _verify(self, operation: str, **criteria: Any) -> tuple[bool, str, list[Any]]:
        """``(ok, explanation, matched calls)``."""
        raise NotImplementedError

    def assert_called(
        self,
        operation: str,
        *,
        times: int | None = None,
        as_user: User | str | None = None,
        as_super_admin: bool = False,
        variables: Mapping[str, Any] | None = None,
        ok: bool | None = None,
    ) -> list[Any]:
        """Assert ``operation`` ran (``times`` times, when given) as the caller with these variables.

        ``variables`` match when every given key has an equal value (nested objects likewise).
        """
        __tracebackhide__ = True
        caller = SUPER_ADMIN if as_super_admin else (_user_id(as_user) if as_user is not None else None)
        passed, explanation, matched = self._verify(
            operation, times=times, as_user=caller, variables=variables, ok=ok
        )
        if not passed:
            raise AssertionError(explanation)
        return matched

    def assert_not_called(self, operation: str, **criteria: Any) -> None:
        __tracebackhide__ = True
        self.assert_called(operation, times=0, **criteria)


class Roq(CallAssertions):
    """An in-process roqmock for one test: clients that mirror ROQ's SDK, transports, the journal."""

    def __init__(self, mock: RoqMock) -> None:
        self.mock = mock

    @classmethod
    def create(
        cls,
        *,
        seed: int = 0,
        size: WorldSize | None = DEMO,
        locale: str = "en_US",
        settings: Settings | None = None,
        engine: GraphQLEngine | None = None,
    ) -> Roq:
        """A new in-process roqmock on a seeded world (``size=None``: an empty one)."""
        baseline = Baseline(seed=seed, size=size, locale=locale)
        return cls(RoqMock(settings, baseline=baseline, engine=engine))

    # ------------------------------------------------------------ who is calling

    def as_user(self, user: User | str) -> RoqClient:
        user_id = _user_id(user)
        return RoqClient(lambda body: self.mock.run(body, user_id), user_id=user_id)

    def as_super_admin(self) -> RoqClient:
        return RoqClient(lambda body: self.mock.run(body, None), user_id=None)

    def execute(
        self, query: str, variables: Mapping[str, Any] | None = None, *, as_user: User | str | None = None
    ) -> dict[str, Any]:
        """Exactly what ``POST /v01/server/graphql`` would answer, as ``as_user`` (or the super admin)."""
        return self.mock.execute(query, dict(variables or {}), as_user=_user_id(as_user) if as_user else None)

    # ------------------------------------------------------------ the world

    @property
    def world(self) -> WorldView:
        return WorldView(self.mock.store.world)

    @property
    def seed(self) -> int | None:
        return self.mock.baseline.seed

    def reset(self) -> None:
        self.mock.reset()

    # ------------------------------------------------------------ over httpx, without a socket

    @property
    def base_url(self) -> str:
        return IN_PROCESS_URL

    @property
    def environment_id(self) -> str:
        return self.mock.settings.environment_id

    @property
    def api_key(self) -> str:
        return self.mock.settings.api_key

    @property
    def transport(self) -> RoqTransport:
        return RoqTransport(self.mock)

    @property
    def async_transport(self) -> AsyncRoqTransport:
        return AsyncRoqTransport(self.mock)

    def http_client(self) -> httpx.Client:
        """An httpx client whose requests to :attr:`base_url` reach this roqmock in process."""
        return httpx.Client(transport=self.transport, base_url=self.base_url)

    # ------------------------------------------------------------ the journal

    @property
    def journal(self) -> Journal:
        return self.mock.journal

    def add_fault(self, **fault: Any) -> dict[str, Any]:
        """Inject a fault as ``POST /__roqmock/faults`` takes it: ``operation=``, ``latencyMs=``..."""
        return self.mock.faults.add(fault).as_json()

    def remove_faults(self) -> None:
        self.mock.faults.remove()

    def coverage(self) -> list[dict[str, Any]]:
        """Permission coverage rows: ``{rule, allowed, denied}``."""
        return self.mock.coverage.rows()

    def session(self, name: str) -> Roq:
        """The in-process twin of an ``x-roqmock-session``: a world of its own from the same baseline."""
        return Roq(self.mock.session(name))

    def _verify(self, operation: str, **criteria: Any) -> tuple[bool, str, list[Any]]:
        verification: Verification = self.mock.journal.verify(operation, **criteria)
        return verification.ok, verification.explain(), list(verification.matched)


@dataclass
class RoqServer(CallAssertions):
    """A real ``roqmock serve`` on a loopback port: its URL and credentials, reset and journal over HTTP."""

    url: str
    environment_id: str
    api_key: str
    process: subprocess.Popen[str] | None = None

    def __post_init__(self) -> None:
        self.session = HttpSession(self.url, environment_id=self.environment_id, api_key=self.api_key)

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/v01/server/graphql"

    @property
    def server_header(self) -> str:
        return "Basic " + base64.b64encode(f"{self.environment_id}:{self.api_key}".encode()).decode()

    def _control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.http.request(
            method,
            f"{self.url}/__roqmock/{path}",
            headers={"roq-platform-server-authorization": self.server_header},
            **kwargs,
        )
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        """Back to the server's baseline world, with an empty journal."""
        self._control("POST", "reset")
        self.session.forget_tokens()

    def seed(self, **baseline: Any) -> None:
        """A new baseline world: ``seed=``, ``users=``, ``conversations=``, ``messages=``, ``empty=``..."""
        self._control("POST", "seed", json=baseline)
        self.session.forget_tokens()

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self._control("GET", "state")
        return state

    def load_state(self, state: Mapping[str, Any]) -> None:
        self._control("PUT", "state", json=state)
        self.session.forget_tokens()

    @property
    def world(self) -> WorldView:
        from roqmock.domain.permissions import DEFAULT_USER_ROLE

        return WorldView(load_world(self.state(), default_roles={DEFAULT_USER_ROLE.key: DEFAULT_USER_ROLE}))

    def coverage(self) -> list[dict[str, Any]]:
        """Permission coverage rows: ``{rule, allowed, denied}``."""
        rows: list[dict[str, Any]] = self._control("GET", "coverage")["rules"]
        return rows

    def add_fault(self, **fault: Any) -> dict[str, Any]:
        """Inject a fault (``POST /__roqmock/faults``): ``operation=``, ``latencyMs=``, ``error=``..."""
        created: dict[str, Any] = self._control("POST", "faults", json=fault)
        return created

    def remove_faults(self) -> None:
        self._control("DELETE", "faults")

    def sessions(self) -> list[str]:
        names: list[str] = self._control("GET", "sessions")["sessions"]
        return names

    def end_sessions(self) -> None:
        self._control("DELETE", "sessions")

    def requests(self, **filters: str) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = self._control("GET", "requests", params=filters)["calls"]
        return calls

    def _verify(self, operation: str, **criteria: Any) -> tuple[bool, str, list[Any]]:
        body = {
            "operation": operation,
            "times": criteria.get("times"),
            "asUser": criteria.get("as_user"),
            "variables": criteria.get("variables"),
            "ok": criteria.get("ok"),
        }
        answer = self._control("POST", "requests/verify", json=body)
        return bool(answer["ok"]), str(answer["explanation"]), list(answer["matched"])

    def as_user(self, user: User | str) -> RoqClient:
        return self.session.as_user(_user_id(user))

    def as_super_admin(self) -> RoqClient:
        return self.session.as_super_admin()

    def stop(self) -> None:
        self.session.close()
        if self.process is not None:
            stop_process(self.process)


# ---------------------------------------------------------------- starting a server


def start_server(
    *,
    seed: int = 0,
    size: WorldSize | None = DEMO,
    environment_id: str = DEFAULT_ENVIRONMENT_ID,
    api_key: str = DEFAULT_API_KEY,
    extra_args: Sequence[str] = (),
    timeout: float = 20.0,
) -> RoqServer:
    """Start ``roqmock serve`` on a free loopback port and wait until it is healthy."""
    command = [
        sys.executable,
        "-m",
        "roqmock",
        "serve",
        "--port",
        "0",
        "--seed",
        str(seed),
        "--environment-id",
        environment_id,
        "--api-key",
        api_key,
        *extra_args,
    ]
    if size is None:
        command.append("--empty")
    else:
        command += [
            "--users",
            str(size.users),
            "--conversations",
            str(size.conversations),
            "--messages",
            str(size.messages),
            "--files",
            str(size.files),
            "--tenants",
            str(size.tenants),
        ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    first_line = process.stdout.readline()
    match = re.search(r"http://\S+:\d+", first_line)
    if match is None:
        rest = process.stdout.read() if process.poll() is not None else ""
        stop_process(process)
        raise RuntimeError(f"roqmock serve did not start: {first_line}{rest}")
    threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
    server = RoqServer(match.group(0), environment_id, api_key, process)
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{server.url}/__roqmock/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            server.stop()
            raise RuntimeError(f"roqmock serve did not become healthy within {timeout} s")
        time.sleep(0.05)


def _drain(stream: IO[str]) -> None:
    # Keep reading what the server prints, so that a full pipe can never block it.
    with contextlib.suppress(ValueError, OSError):
        for _ in stream:
            pass


def stop_process(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        with contextlib.suppress(ValueError, OSError):
            process.stdout.close()


@contextlib.contextmanager
def running_server(**options: Any) -> Iterator[RoqServer]:
    server = start_server(**options)
    try:
        yield server
    finally:
        server.stop()
