"""What the pytest fixtures hand to tests: an in-process roqmock, a running server, and a world's records.

Usable without pytest too: ``Roq.create(seed=1)`` gives an in-process roqmock for any test runner.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import IO, Any, Protocol, runtime_checkable

import httpx

from roqmock.api.engine import GraphQLEngine
from roqmock.auth import SERVER_HEADER, service_account_id
from roqmock.baseline import Baseline
from roqmock.client import HttpSession, RoqClient, RoqHttpError
from roqmock.config import DEFAULT_API_KEY, DEFAULT_ENVIRONMENT_ID, IN_PROCESS_URL, Settings
from roqmock.domain.models import Conversation, File, FileCategory, Message, User
from roqmock.domain.roles import DEFAULT_USER_ROLE
from roqmock.domain.store import World
from roqmock.http.exchange import Request
from roqmock.http.routing import answer
from roqmock.journal import SUPER_ADMIN, Call, Journal, Verification
from roqmock.live import Emission, payload_matches
from roqmock.live_kit import DEFAULT_TIMEOUT, InProcessSocket, LiveSocket, NetworkSocket
from roqmock.mock import RoqMock
from roqmock.seed import BOT_REFERENCE, DEMO, SIZE_NAMES, WorldSize
from roqmock.state import load_world
from roqmock.transport import AsyncRoqTransport, RoqTransport


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

    @property
    def file_categories(self) -> list[FileCategory]:
        return sorted(self._world.file_categories.values(), key=lambda c: c.key)

    def file_bytes(self, file: File | str) -> bytes | None:
        """A file's bytes, when the world holds them."""
        return self._world.file_bytes.get(file.id if isinstance(file, File) else file)

    def __repr__(self) -> str:
        world = self._world
        return (
            f"<WorldView {len(world.users)} users, {len(world.conversations)} conversations, "
            f"{len(world.messages)} messages, {len(world.files)} files>"
        )


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fields_of(payload: Any, fields: Mapping[str, Any]) -> Any:
    """What a payload holds of the fields asked for (all of it, when none were, or it is no object)."""
    if not fields or not isinstance(payload, Mapping):
        return payload
    return {name: payload.get(name, "<missing>") for name in fields}


def _natural(text: str) -> tuple[Any, ...]:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def _user_id(user: User | str) -> str:
    return user.id if isinstance(user, User) else user


@runtime_checkable
class RoqKit(Protocol):
    """What a test holds, in process (:class:`Roq`, the ``roq`` fixture) or over loopback
    (:class:`RoqServer`, the ``roq_server`` fixture): the same names mean the same things on both."""

    @property
    def url(self) -> str: ...
    @property
    def environment_id(self) -> str: ...
    @property
    def api_key(self) -> str: ...
    @property
    def server_header(self) -> str: ...
    @property
    def graphql_url(self) -> str: ...

    # the world
    @property
    def seed(self) -> int | None: ...
    @property
    def world(self) -> WorldView: ...
    def reset(self) -> None: ...
    def reseed(self, **options: Any) -> None: ...
    def state(self) -> dict[str, Any]: ...
    def load_state(self, state: Mapping[str, Any]) -> None: ...
    def session(self, name: str) -> RoqKit: ...
    def sessions(self) -> list[str]: ...
    def end_sessions(self) -> None: ...

    # who is calling
    def as_user(self, user: User | str) -> RoqClient: ...
    def as_super_admin(self) -> RoqClient: ...
    def execute(
        self, query: str, variables: Mapping[str, Any] | None = None, *, as_user: User | str | None = None
    ) -> dict[str, Any]: ...
    def token(self, user: User | str | None = None, *, expires_in: str | None = None) -> str: ...
    def post_graphql(
        self, query: str, variables: Mapping[str, Any] | None = None, *, token: str
    ) -> httpx.Response: ...
    def http_client(self) -> httpx.Client: ...

    # the live chat
    def socket(self, user: User | str, *, timeout: float = DEFAULT_TIMEOUT) -> LiveSocket: ...
    def close_sockets(self) -> None: ...
    def sockets(self) -> list[dict[str, Any]]: ...
    def emitted(self, event: str | None = None, *, to: User | str | None = None) -> list[Emission]: ...
    def assert_emitted(
        self, event: str, *, to: User | str | None = None, times: int | None = None, **fields: Any
    ) -> list[Emission]: ...

    # what ran, faults, coverage
    def calls(
        self,
        operation: str | None = None,
        *,
        as_user: User | str | None = None,
        ok: bool | None = None,
        transport: str | None = None,
    ) -> list[Call]: ...
    def assert_called(
        self,
        operation: str,
        *,
        times: int | None = None,
        as_user: User | str | None = None,
        as_super_admin: bool = False,
        variables: Mapping[str, Any] | None = None,
        ok: bool | None = None,
        transport: str | None = None,
    ) -> list[Call]: ...
    def assert_not_called(self, operation: str, **criteria: Any) -> None: ...
    def add_fault(self, **fault: Any) -> dict[str, Any]: ...
    def faults(self) -> list[dict[str, Any]]: ...
    def remove_faults(self) -> None: ...
    def coverage(self) -> list[dict[str, Any]]: ...


class _Kit:
    """What :class:`Roq` and :class:`RoqServer` share: tokens and calls over :attr:`_http`, readable
    call assertions over :meth:`_verify`."""

    @property
    def _http(self) -> HttpSession:
        raise NotImplementedError

    @property
    def server_header(self) -> str:
        return self._http.server_header

    @property
    def graphql_url(self) -> str:
        return f"{self._http.url}/v01/server/graphql"

    def token(self, user: User | str | None = None, *, expires_in: str | None = None) -> str:
        """A user's token (``None``: the service account's) from ``POST /v01/authorize``, as the SDK asks."""
        return self._http.token(None if user is None else _user_id(user), expires_in=expires_in)

    def post_graphql(
        self, query: str, variables: Mapping[str, Any] | None = None, *, token: str
    ) -> httpx.Response:
        """The raw answer of ``POST /v01/server/graphql`` with ``token`` (any text: forged ones too)."""
        return self._http.post_graphql({"query": query, "variables": dict(variables or {})}, token=token)

    def as_user(self, user: User | str) -> RoqClient:
        return self._http.as_user(_user_id(user))

    def as_super_admin(self) -> RoqClient:
        return self._http.as_super_admin()

    def _verify(self, operation: str, **criteria: Any) -> tuple[bool, str, list[Call]]:
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
        transport: str | None = None,
    ) -> list[Call]:
        """Assert ``operation`` ran (``times`` times, when given) as the caller with these variables.

        ``variables`` match when every given key has an equal value (nested objects likewise). A live
        chat client's event is journaled too, as an operation of its name (``sendMessage``); ``transport``
        (``"graphql"`` or ``"socket"``) tells ``createConversation`` over GraphQL from the socket's.
        """
        __tracebackhide__ = True
        caller = SUPER_ADMIN if as_super_admin else (_user_id(as_user) if as_user is not None else None)
        passed, explanation, matched = self._verify(
            operation, times=times, as_user=caller, variables=variables, ok=ok, transport=transport
        )
        if not passed:
            raise AssertionError(explanation)
        return matched

    def assert_not_called(self, operation: str, **criteria: Any) -> None:
        __tracebackhide__ = True
        self.assert_called(operation, times=0, **criteria)

    # ------------------------------------------------------------ the live chat

    _sockets: list[LiveSocket]

    def _open_socket(self, user_id: str, token: str, timeout: float) -> LiveSocket:
        raise NotImplementedError

    def socket(self, user: User | str, *, timeout: float = DEFAULT_TIMEOUT) -> LiveSocket:
        """A socket connected to the live chat's message center as ``user`` (with a token the kit mints),
        in this kit's world (its session's, for a session's handle). ``timeout`` bounds its connect, acks
        and waits; the fixtures close it at teardown."""
        user_id = _user_id(user)
        opened = self._open_socket(user_id, self.token(user_id), timeout)
        self._sockets.append(opened)
        return opened

    def close_sockets(self) -> None:
        """Close every socket :meth:`socket` gave (this kit's and its sessions')."""
        while self._sockets:
            self._sockets.pop().close()

    def sockets(self) -> list[dict[str, Any]]:
        """Who is connected in this world (``GET /__roqmock/sockets``): ``sid``, ``userId``, ``email``,
        ``reference``, ``session``, ``connectedSince``, ``transport``."""
        answer: list[dict[str, Any]] = self._control("GET", "sockets")["sockets"]
        return answer

    def emitted(self, event: str | None = None, *, to: User | str | None = None) -> list[Emission]:
        """What the message center sent in this world, oldest first: of ``event``, to ``to``."""
        raise NotImplementedError

    def assert_emitted(
        self, event: str, *, to: User | str | None = None, times: int | None = None, **fields: Any
    ) -> list[Emission]:
        """Assert the message center sent ``event`` (to ``to``; ``times`` times, when given) with a payload
        holding these fields (``body="hi"``, nested objects as in :meth:`assert_called`)."""
        __tracebackhide__ = True
        receiver = None if to is None else _user_id(to)
        sent = self.emitted(event, to=receiver)
        matched = [emission for emission in sent if payload_matches(fields, emission)]
        if (times is None and matched) or (times is not None and len(matched) == times):
            return matched
        wanted = event + (f" to {receiver}" if receiver else "")
        if fields:
            wanted += f" with {json.dumps(fields, sort_keys=True, default=str)}"
        expected = "at least once" if times is None else f"{times} time(s)"
        lines = [f"expected {wanted} to be emitted {expected}, it was {len(matched)} time(s)"]
        others = [e for e in sent if e not in matched] or self.emitted()
        if others:
            lines.append("what was emitted" + (f" ({event} only)" if sent else "") + ":")
            lines.extend(
                f"  #{e.sequence} {e.event} to {e.to}: {_short(_fields_of(e.payload, fields))}"
                for e in others[-20:]
            )
        else:
            lines.append("nothing was emitted in this world")
        raise AssertionError("\n".join(lines))

    # ------------------------------------------------------------ the control API, as both answer it

    def _control(self, method: str, path: str, **kwargs: Any) -> Any:
        """A call to the control API; an error answer raises :class:`RoqHttpError`, in process too."""
        status, body = self._control_answer(method, path, **kwargs)
        if status >= 400:
            raise RoqHttpError(str(body.get("message")), status, str(body.get("errorCode")), body)
        return body

    def _control_answer(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        """The status and JSON body of a control API call (``kwargs`` as httpx takes them)."""
        response = self._http.http.request(
            method,
            f"{self._http.url}/__roqmock/{path}",
            headers=self._http.headers(**{SERVER_HEADER: self.server_header}),
            **kwargs,
        )
        return response.status_code, response.json()

    @property
    def seed(self) -> int | None:
        seed: int | None = self._control("GET", "health")["seed"]
        return seed

    def reset(self) -> None:
        """Back to the server's baseline world, with an empty journal."""
        self._control("POST", "reset")
        self._http.forget_tokens()

    def reseed(self, **options: Any) -> None:
        """A new baseline world: ``seed=``, ``users=``, ``conversations=``, ``messages=``, ``empty=``..."""
        self._control("POST", "seed", json=options)
        self._http.forget_tokens()

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self._control("GET", "state")
        return state

    def load_state(self, state: Mapping[str, Any]) -> None:
        self._control("PUT", "state", json=state)
        self._http.forget_tokens()

    def sessions(self) -> list[str]:
        names: list[str] = self._control("GET", "sessions")["sessions"]
        return names

    def end_sessions(self) -> None:
        self._control("DELETE", "sessions")

    def add_fault(self, **fault: Any) -> dict[str, Any]:
        """Inject a fault (``POST /__roqmock/faults``): ``operation=``, ``latencyMs=``, ``error=``..."""
        created: dict[str, Any] = self._control("POST", "faults", json=fault)
        return created

    def faults(self) -> list[dict[str, Any]]:
        faults: list[dict[str, Any]] = self._control("GET", "faults")["faults"]
        return faults

    def remove_faults(self) -> None:
        self._control("DELETE", "faults")

    def coverage(self) -> list[dict[str, Any]]:
        """Permission coverage rows: ``{rule, allowed, denied}``."""
        rows: list[dict[str, Any]] = self._control("GET", "coverage")["rules"]
        return rows


class Roq(_Kit):
    """An in-process roqmock for one test: clients that mirror ROQ's SDK, transports, the journal.

    Its requests go through the same routes as a server's, over an httpx transport with no socket; its
    control API calls (reset, state, faults, ...) go to those routes without httpx.
    """

    url = IN_PROCESS_URL
    base_url = IN_PROCESS_URL  # the name httpx gives it

    def __init__(self, mock: RoqMock, *, _sockets: list[LiveSocket] | None = None) -> None:
        self.mock = mock
        self._sockets = [] if _sockets is None else _sockets  # a session's handle shares its kit's

    @cached_property
    def _http(self) -> HttpSession:
        return HttpSession(
            IN_PROCESS_URL,
            environment_id=self.mock.settings.environment_id,
            api_key=self.mock.settings.api_key,
            http=httpx.Client(transport=RoqTransport(self.mock), base_url=IN_PROCESS_URL),
        )

    def _control_answer(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        """The control API's routes answer as they answer a server's request, without httpx: building its
        request and response was most of a reset between two tests (0.75-0.96 ms before, 0.32-0.37 after)."""
        headers = self._http.headers(**{SERVER_HEADER: self.server_header})
        body = b""
        if "json" in kwargs:
            # ASCII, NaN written as NaN: what cannot be JSON (NaN, a lone surrogate) is refused by the
            # control API in ROQ's shape (400), as it is from httpx 0.27, not by a ValueError here.
            sent = kwargs.pop("json")
            body = json.dumps(sent, separators=(",", ":")).encode()
            headers["content-type"] = "application/json"
        if kwargs:
            raise TypeError(f"in process, the control API takes json= only, not {sorted(kwargs)}")
        reply = answer(self.mock, Request.of(method, f"/__roqmock/{path}", headers.items(), body))
        content = reply.content()
        if reply.delay_s:
            time.sleep(reply.delay_s)
        return reply.status, json.loads(content)

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

    @property
    def environment_id(self) -> str:
        return self.mock.settings.environment_id

    @property
    def api_key(self) -> str:
        return self.mock.settings.api_key

    # ------------------------------------------------------------ the world

    @property
    def seed(self) -> int | None:
        return self.mock.baseline.seed

    @property
    def world(self) -> WorldView:
        return WorldView(self.mock.store.world)

    def session(self, name: str) -> Roq:
        """The in-process twin of an ``x-roqmock-session``: a world of its own from the same baseline."""
        return Roq(self.mock.session(name), _sockets=self._sockets)

    # ------------------------------------------------------------ who is calling

    def as_user(self, user: User | str) -> RoqClient:
        user_id = _user_id(user)
        return RoqClient(lambda body: self.mock.run(body, user_id), user_id=user_id, http=self._http.http)

    def as_super_admin(self) -> RoqClient:
        return RoqClient(lambda body: self.mock.run(body, None), user_id=None, http=self._http.http)

    def execute(
        self, query: str, variables: Mapping[str, Any] | None = None, *, as_user: User | str | None = None
    ) -> dict[str, Any]:
        """Exactly what ``POST /v01/server/graphql`` would answer, as ``as_user`` (or the super admin)."""
        return self.mock.execute(query, dict(variables or {}), as_user=_user_id(as_user) if as_user else None)

    @property
    def transport(self) -> RoqTransport:
        return RoqTransport(self.mock)

    @property
    def async_transport(self) -> AsyncRoqTransport:
        return AsyncRoqTransport(self.mock)

    def http_client(self) -> httpx.Client:
        """An httpx client whose requests to :attr:`url` reach this roqmock in process."""
        return httpx.Client(transport=self.transport, base_url=self.url)

    # ------------------------------------------------------------ what ran, faults, coverage

    @property
    def journal(self) -> Journal:
        return self.mock.journal

    def calls(
        self,
        operation: str | None = None,
        *,
        as_user: User | str | None = None,
        ok: bool | None = None,
        transport: str | None = None,
    ) -> list[Call]:
        """The journal's calls, oldest first: of ``operation`` (a root field, an operation name, or a live
        chat client's event), by ``as_user`` (a user, ``"super-admin"`` or ``"anonymous"``), answered
        ``ok`` or not, over ``transport`` (``"graphql"`` or ``"socket"``)."""
        caller = None if as_user is None else _user_id(as_user)
        return self.mock.journal.calls(operation, caller=caller, ok=ok, transport=transport)

    def _open_socket(self, user_id: str, token: str, timeout: float) -> LiveSocket:
        return InProcessSocket(self.mock, token, user_id, session=self.mock.name, timeout=timeout)

    def emitted(self, event: str | None = None, *, to: User | str | None = None) -> list[Emission]:
        return self.mock.live.emitted(event, to=None if to is None else _user_id(to))

    def _verify(self, operation: str, **criteria: Any) -> tuple[bool, str, list[Call]]:
        verification: Verification = self.mock.journal.verify(operation, **criteria)
        return verification.ok, verification.explain(), list(verification.matched)


@dataclass
class RoqServer(_Kit):
    """A real ``roqmock serve`` on a loopback port (or a session of it, :meth:`session`): its URL and
    credentials, and the control API over HTTP."""

    url: str
    environment_id: str
    api_key: str
    process: subprocess.Popen[str] | None = None
    session_name: str | None = None  # sent as x-roqmock-session with every request
    _parent: RoqServer | None = field(default=None, repr=False, compare=False)  # whose connections to share

    def __post_init__(self) -> None:
        self._sockets = self._parent._sockets if self._parent is not None else []
        self._session = HttpSession(
            self.url,
            environment_id=self.environment_id,
            api_key=self.api_key,
            session=self.session_name,
            http=self._parent.http if self._parent is not None else None,
        )

    @property
    def _http(self) -> HttpSession:
        return self._session

    @property
    def http(self) -> httpx.Client:
        """The httpx client the server's requests go through (the session's header is not in it)."""
        return self._http.http

    def http_client(self) -> httpx.Client:
        """A new httpx client for :attr:`url` (in this session, when one is named)."""
        return httpx.Client(base_url=self.url, headers=self._http.headers(), timeout=30)

    # ------------------------------------------------------------ the world

    @property
    def world(self) -> WorldView:
        roles = {DEFAULT_USER_ROLE.key: DEFAULT_USER_ROLE}
        creators = (service_account_id(self.environment_id),)
        return WorldView(load_world(self.state(), default_roles=roles, creators=creators))

    def session(self, name: str) -> RoqServer:
        """The same server, in the session ``name`` (made on first use, from the server's baseline)."""
        return RoqServer(self.url, self.environment_id, self.api_key, session_name=name, _parent=self)

    # ------------------------------------------------------------ who is calling

    def execute(
        self, query: str, variables: Mapping[str, Any] | None = None, *, as_user: User | str | None = None
    ) -> dict[str, Any]:
        """What ``POST /v01/server/graphql`` answers, as ``as_user`` (or the super admin)."""
        answer: dict[str, Any] = self.post_graphql(query, variables, token=self.token(as_user)).json()
        return answer

    # ------------------------------------------------------------ what ran, faults, coverage

    def calls(
        self,
        operation: str | None = None,
        *,
        as_user: User | str | None = None,
        ok: bool | None = None,
        transport: str | None = None,
    ) -> list[Call]:
        """The journal's calls, oldest first (``GET /__roqmock/requests``), filtered as :meth:`Roq.calls`."""
        params = {
            "operation": operation,
            "caller": None if as_user is None else _user_id(as_user),
            "ok": None if ok is None else str(ok).lower(),
            "transport": transport,
        }
        answer = self._control("GET", "requests", params={k: v for k, v in params.items() if v is not None})
        return [Call.from_json(call) for call in answer["calls"]]

    def _verify(self, operation: str, **criteria: Any) -> tuple[bool, str, list[Call]]:
        body = {
            "operation": operation,
            "times": criteria.get("times"),
            "asUser": criteria.get("as_user"),
            "variables": criteria.get("variables"),
            "ok": criteria.get("ok"),
            "transport": criteria.get("transport"),
        }
        answer = self._control("POST", "requests/verify", json=body)
        return bool(answer["ok"]), str(answer["explanation"]), [Call.from_json(c) for c in answer["matched"]]

    def _open_socket(self, user_id: str, token: str, timeout: float) -> LiveSocket:
        def gone(sid: str) -> bool:
            return all(entry["sid"] != sid for entry in self.sockets())

        return NetworkSocket(self.url, token, user_id, session=self.session_name, timeout=timeout, gone=gone)

    def emitted(self, event: str | None = None, *, to: User | str | None = None) -> list[Emission]:
        """What the message center sent in this world (``GET /__roqmock/emitted``), as :meth:`Roq.emitted`."""
        params = {"event": event, "to": None if to is None else _user_id(to)}
        answer = self._control("GET", "emitted", params={k: v for k, v in params.items() if v is not None})
        return [Emission.from_json(emission) for emission in answer["emitted"]]

    def stop(self) -> None:
        self.close_sockets()
        if self._parent is None:  # a session's handle shares its server's connections
            self._http.close()
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
        command += [argument for name in SIZE_NAMES for argument in (f"--{name}", str(getattr(size, name)))]
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
