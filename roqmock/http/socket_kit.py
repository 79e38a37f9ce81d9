"""What the message center (:mod:`roqmock.http.socket`) does for tests and the control API, kept out of
its event handling: the world a socket picks (sessions, as HTTP picks them), the record of who is
connected and of what was sent to whom (:class:`roqmock.live.LiveRecord`), socket faults, the journal's
entries for client events, and in-process sockets (the ``roq`` fixture's, with no network).

The center calls it at its one sending point (``_send``), around each client event (``_wrap``), and on
connect and disconnect.
"""

from __future__ import annotations

import asyncio
import copy
import threading
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Protocol

from roqmock.domain.errors import RoqError
from roqmock.faults import FROM_CLIENT, TO_CLIENT
from roqmock.journal import SOCKET
from roqmock.live import SocketInfo
from roqmock.mock import RoqMock

__all__ = ["IN_PROCESS", "SESSION_PARAMETER", "CenterKit", "Linked", "session_of"]

SESSION_PARAMETER = "x-roqmock-session"  # a query parameter or a header, as HTTP's session header
IN_PROCESS = "roqmock.in_process"  # the environ key that marks an in-process socket

Deliver = Callable[[str, Any], None]
Queue = Callable[[str, Any, str], None]


class Linked(Protocol):
    """A connected socket as the center holds it."""

    @property
    def sid(self) -> str: ...
    @property
    def world(self) -> RoqMock: ...
    @property
    def user_id(self) -> str: ...


def session_of(environ: Mapping[str, Any], query: Mapping[str, str]) -> str | None:
    """The session a connect names: ``?x-roqmock-session=`` (browsers send no headers on a websocket),
    else the ``x-roqmock-session`` header."""
    name = query.get(SESSION_PARAMETER) or environ.get("HTTP_X_ROQMOCK_SESSION")
    return name if isinstance(name, str) and name else None


class CenterKit:
    """One message center's part for tests: in-process sockets and the hooks of :mod:`roqmock.live`."""

    def __init__(self) -> None:
        # In-process sockets: sid -> where their events go (no network, no queue).
        self.local: dict[str, Deliver] = {}

    def connected(self, connection: Linked, environ: Mapping[str, Any], query: Mapping[str, str]) -> None:
        user = connection.world.store.world.users.get(connection.user_id)
        transport = "in-process" if environ.get(IN_PROCESS) else query.get("transport", "polling")
        info = SocketInfo(
            sid=connection.sid,
            user_id=connection.user_id,
            email=user.email if user is not None else None,
            reference=user.reference if user is not None else None,
            session=connection.world.name,
            since=time.time(),
            transport=transport,
        )
        connection.world.live.connected(info)

    def disconnected(self, connection: Linked) -> None:
        connection.world.live.disconnected(connection.sid)
        self.local.pop(connection.sid, None)

    def outgoing(
        self,
        connection: Linked | None,
        event: str,
        data: Any,
        sid: str,
        queue: Queue,
        size: int | None = None,
    ) -> bool:
        """One event for one socket: recorded, and a fault applied. True: queue it now; False: it was
        dropped, delivered in process, or will be queued after a fault's delay. ``size``: the record's
        measure of ``data``, when known (one payload sent to many sockets)."""
        if connection is None:
            return sid not in self.local
        world = connection.world
        injection = world.faults.draw_socket(event, connection.user_id, TO_CLIENT)
        if injection.drop:
            return False
        delay_ms = round(injection.latency_s * 1000)
        world.live.record(event, connection.user_id, sid, data, time.time(), delay_ms, size)
        deliver = self.local.get(sid)
        if deliver is None and not injection.latency_s:
            return True
        if deliver is not None:
            # Its own copy: one payload serves every socket, and a test may change what it received.
            send = partial(deliver, event, copy.deepcopy(data))
        else:
            send = partial(queue, event, data, sid)
        if injection.latency_s:
            timer = threading.Timer(injection.latency_s, send)
            timer.daemon = True
            timer.start()
        else:
            send()
        return False

    async def incoming(self, connection: Linked, event: str) -> None:
        """A fault on a client event: its delay, then its error (raised: the event is refused)."""
        injection = connection.world.faults.draw_socket(event, connection.user_id, FROM_CLIENT)
        if injection.latency_s:
            await asyncio.sleep(injection.latency_s)
        if injection.error is not None:
            raise injection.error

    def handled(
        self, connection: Linked, event: str, data: Any, error: RoqError | None, started: float
    ) -> None:
        """A client event's journal entry, beside GraphQL's calls (``transport: "socket"``)."""
        world = connection.world
        with world.store.lock:
            world.journal.record(
                operation=event,
                fields=(event,),
                caller=connection.user_id,
                variables=dict(data) if isinstance(data, Mapping) else {},
                status=200 if error is None else error.status,
                error_code=None if error is None else error.error_code,
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
                timestamp=time.time(),
                transport=SOCKET,
            )
