"""Sockets for tests: a user connected to the live chat's message center (``/messageCenter``), with bounded
waits for what the server sends.

:class:`NetworkSocket` speaks Socket.IO to a running server through python-socketio's threaded client
(``roq_server.socket(user)``); :class:`InProcessSocket` registers a connection with the same message center
code, its same handlers and its same who-hears rules, with no network (``roq.socket(user)``). Both are a
:class:`LiveSocket`.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import socketio

from roqmock.http.socket import NAMESPACE, SOCKET_PATH, MessageCenter
from roqmock.http.socket_kit import IN_PROCESS, SESSION_PARAMETER
from roqmock.mock import RoqMock

__all__ = [
    "DEFAULT_TIMEOUT",
    "InProcessSocket",
    "LiveSocket",
    "NetworkSocket",
    "SocketRefused",
    "SocketTimeout",
]

DEFAULT_TIMEOUT = 10.0  # seconds: a connect, an ack, an event waited for
_SHOWN = 20  # the most arrived events a timeout lists

T = TypeVar("T")


class SocketTimeout(AssertionError, TimeoutError):
    """An ack or an event did not come in time (an assertion failure in a test, and a timeout)."""


class SocketRefused(ConnectionError):
    """The message center refused the connection; ``data`` is what it said (``{"message", "errorCode"}``)."""

    def __init__(self, data: Any) -> None:
        super().__init__(f"the message center refused the socket: {data}")
        self.data = data


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _refusal(data: Any) -> Any:
    """What a refused connect said, as ``{"message", "errorCode"}`` (the client nests the details)."""
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        return {"message": data.get("message"), **data["data"]}
    return data


class LiveSocket:
    """One user's connected socket: :meth:`emit` (a client event, its ack answered), :meth:`receive` and
    :meth:`wait_for` (server events, within a bound), :attr:`events` (every server event so far, in arrival
    order). Close it with :meth:`close` or a ``with`` block; the fixtures close those they gave at teardown.
    """

    def __init__(self, user_id: str, timeout: float) -> None:
        self.user_id = user_id
        self.timeout = timeout
        self._events: list[tuple[str, Any]] = []
        self._taken: set[int] = set()
        self._arrived = threading.Condition()
        self.closed = False

    # ------------------------------------------------------------ what arrived

    def _arrive(self, event: str, data: Any = None) -> None:
        with self._arrived:
            self._events.append((event, data))
            self._arrived.notify_all()

    @property
    def events(self) -> list[tuple[str, Any]]:
        """Every server event so far, ``(name, payload)``, received or not."""
        with self._arrived:
            return list(self._events)

    def named(self, event: str) -> list[Any]:
        """The payloads of every ``event`` so far."""
        return [data for name, data in self.events if name == event]

    def receive(self, event: str | None = None, *, timeout: float | None = None) -> tuple[str, Any]:
        """The oldest server event not received yet (named ``event``, if given), as ``(name, payload)``;
        waits at most ``timeout`` seconds (by default the socket's), then fails listing what did arrive."""
        index = self._take(lambda name, _: event is None or name == event, timeout, event or "any event")
        return self._events[index]

    def wait_for(
        self,
        event: str,
        predicate: Callable[[Any], bool] | None = None,
        *,
        timeout: float | None = None,
    ) -> Any:
        """The payload of the oldest ``event`` not received yet for which ``predicate(payload)`` holds;
        waits at most ``timeout`` seconds, then fails listing what did arrive."""
        wanted = event if predicate is None else f"{event} matching {getattr(predicate, '__name__', 'it')}"
        index = self._take(
            lambda name, data: name == event and (predicate is None or bool(predicate(data))), timeout, wanted
        )
        return self._events[index][1]

    def _take(self, matches: Callable[[str, Any], bool], timeout: float | None, wanted: str) -> int:
        def found() -> int | None:
            for index, (name, data) in enumerate(self._events):
                if index not in self._taken and matches(name, data):
                    return index
            return None

        limit = self.timeout if timeout is None else timeout
        with self._arrived:
            if not self._arrived.wait_for(lambda: found() is not None, limit):
                raise SocketTimeout(self._missing(wanted, limit))
            index = found()
            assert index is not None
            self._taken.add(index)
            return index

    def _missing(self, wanted: str, limit: float) -> str:
        arrived = [f"  {name} {_short(data)}" for name, data in self._events[-_SHOWN:]]
        more = len(self._events) - len(arrived)
        head = f"no {wanted} reached {self.user_id}'s socket within {limit:g} s; "
        if not self._events:
            return head + "nothing arrived"
        earlier = f" (and {more} earlier)" if more else ""
        return head + f"what arrived{earlier}:\n" + "\n".join(arrived)

    # ------------------------------------------------------------ client events

    def emit(self, event: str, data: Any = None, *, timeout: float | None = None) -> Any:
        """Send a client event and answer its ack (``None`` for the events ROQ's UI sends without one);
        fails after ``timeout`` seconds without an ack."""
        if self.closed:
            raise RuntimeError(f"{self.user_id}'s socket is closed")
        limit = self.timeout if timeout is None else timeout
        return self._call(event, data, limit)

    def _call(self, event: str, data: Any, timeout: float) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> LiveSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "connected"
        return f"<{type(self).__name__} {self.user_id} {state}, {len(self._events)} events>"


# ---------------------------------------------------------------- over the network


class NetworkSocket(LiveSocket):
    """A Socket.IO client of a running roqmock (python-socketio's threaded client, websocket transport).

    ``gone(sid)`` (the kit's: whether the server still lists the socket) makes :meth:`close` wait, within
    the socket's timeout, until the server has seen the disconnect, so that what a test does next finds the
    socket gone.
    """

    def __init__(
        self,
        url: str,
        token: str,
        user_id: str,
        *,
        session: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        gone: Callable[[str], bool] | None = None,
    ) -> None:
        super().__init__(user_id, timeout)
        self._gone = gone
        self._client = socketio.Client(reconnection=False)
        refusal: list[Any] = []
        self._client.on("*", self._arrive, namespace=NAMESPACE)
        self._client.on("connect_error", refusal.append, namespace=NAMESPACE)
        query = {"platformtoken": token, **({SESSION_PARAMETER: session} if session else {})}
        try:
            self._client.connect(
                f"{url}?{urlencode(query, quote_via=quote)}",
                namespaces=[NAMESPACE],
                transports=["websocket"],
                socketio_path=SOCKET_PATH,
                wait_timeout=timeout,
            )
        except socketio.exceptions.ConnectionError as error:
            self._client.disconnect()
            self.closed = True
            raise SocketRefused(_refusal(refusal[0]) if refusal else str(error)) from None

    def _call(self, event: str, data: Any, timeout: float) -> Any:
        try:
            return self._client.call(event, data, namespace=NAMESPACE, timeout=timeout)
        except socketio.exceptions.TimeoutError:
            raise SocketTimeout(f"no ack for {event} within {timeout:g} s") from None

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        sid = self._client.get_sid(NAMESPACE)
        self._client.disconnect()
        if self._gone is None or sid is None:
            return
        deadline = time.monotonic() + self.timeout
        while not self._gone(sid) and time.monotonic() < deadline:
            time.sleep(0.01)


# ---------------------------------------------------------------- in process

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()
_CENTER = "_roqmock_in_process_center"  # where a root mock keeps its in-process message center
_sids = itertools.count(1)


def _kit_loop() -> asyncio.AbstractEventLoop:
    """The one event loop the in-process sockets' message centers run on (a daemon thread)."""
    global _loop
    with _loop_lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            loop.set_exception_handler(_quiet_about_collected_centers)
            threading.Thread(target=loop.run_forever, name="roqmock-in-process-sockets", daemon=True).start()
            atexit.register(_stop, loop)
            _loop = loop
        return _loop


def _quiet_about_collected_centers(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A roqmock collected with its in-process center takes the center's waiting tasks with it: that is
    the end of them, not an error (asyncio would log each one)."""
    if str(context.get("message", "")).startswith("Task was destroyed but it is pending"):
        return
    loop.default_exception_handler(context)


def _stop(loop: asyncio.AbstractEventLoop) -> None:
    """At exit: the centers' tasks ended, so that none is destroyed pending (asyncio would say so)."""

    async def cancel() -> None:
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    with contextlib.suppress(Exception):
        asyncio.run_coroutine_threadsafe(cancel(), loop).result(2)
    loop.call_soon_threadsafe(loop.stop)


def _run(coroutine: Coroutine[Any, Any, T], timeout: float, what: str) -> T:
    future = asyncio.run_coroutine_threadsafe(coroutine, _kit_loop())
    try:
        return future.result(timeout)
    except TimeoutError:
        future.cancel()
        raise SocketTimeout(f"no answer to {what} within {timeout:g} s") from None


def in_process_center(mock: RoqMock) -> MessageCenter:
    """The message center of ``mock``'s in-process sockets: one per roqmock and its sessions, so that a
    session's sockets and the root's share the who-hears code as a server's do."""
    root = mock.root
    with _loop_lock:
        center: MessageCenter | None = vars(root).get(_CENTER)
        if center is None:
            center = MessageCenter(root)
            vars(root)[_CENTER] = center
        return center


class InProcessSocket(LiveSocket):
    """A connection registered with the message center's own code, with no network: its events go
    through the center's handlers, and what the center sends it arrives here."""

    def __init__(
        self,
        mock: RoqMock,
        token: str,
        user_id: str,
        *,
        session: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(user_id, timeout)
        self._center = in_process_center(mock)
        self.sid = f"in-process-{next(_sids)}"
        query = {"platformtoken": token, **({SESSION_PARAMETER: session} if session else {})}
        environ = {"QUERY_STRING": urlencode(query), IN_PROCESS: True}
        self._center.kit.local[self.sid] = self._arrive
        try:
            _run(self._center._connect(self.sid, environ), timeout, "connect")
        except BaseException as error:
            self._center.kit.local.pop(self.sid, None)
            self.closed = True
            if not isinstance(error, socketio.exceptions.ConnectionRefusedError):
                raise
            data = error.error_args.get("data") if isinstance(error.error_args, dict) else None
            message = error.error_args.get("message") if isinstance(error.error_args, dict) else str(error)
            raise SocketRefused({"message": message, **(data or {})}) from None

    def _call(self, event: str, data: Any, timeout: float) -> Any:
        if self.sid not in self._center.connections:
            self.closed = True  # the center let it go: its events would be answered by no one
            raise RuntimeError(
                f"{self.user_id}'s socket was dropped by the server (a reset, reseed, loaded state or "
                "ended session drops every socket of its world): open another"
            )
        answer = _run(self._center.server._trigger_event(event, NAMESPACE, self.sid, data), timeout, event)
        # What the client would read: the ack travels as JSON.
        return None if answer is None else json.loads(json.dumps(answer))

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            _run(self._center._disconnect(self.sid), self.timeout, "disconnect")
