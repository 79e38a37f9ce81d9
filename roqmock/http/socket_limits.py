"""The message center's limits: one bounded outbox (queue and sender task) per connected socket, and a
flood guard on what each socket sends.

Events are queued from any thread (a GraphQL write runs in a worker thread, a socket event on the event
loop), always under the world's store lock, so each socket's events leave in the order of the writes.
A socket that stops reading fills only its own outbox; at ``limit`` events it is dropped (the server
disconnects it: ROQ's UI reconnects and reloads its lists), never silently short of an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import socketio

from roqmock.api.errors import logger

__all__ = ["MAX_ATTACHMENTS", "BoundedPacket", "FloodGuard", "Outboxes"]

# The most binary attachments one Socket.IO packet may announce (python-socketio allows 10 digits' worth,
# and buffers every frame until they have all come). ROQ's UI sends none: files go over HTTP.
MAX_ATTACHMENTS = 10

# Sends one event to one socket, returning once the transport has taken it (so a socket that does not
# read holds its backlog here, where it is counted, not in the transport's unbounded queue).
Emit = Callable[[str, Any, str], Awaitable[None]]
# Called on the event loop when a socket's outbox overflows.
Overflow = Callable[[str], Awaitable[None]]
# An outbox entry that is no event: its future is resolved once every event queued before it has left.
FLUSH = ""


@dataclass(slots=True)
class _Box:
    sid: str
    items: deque[tuple[str, Any]] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False
    task: asyncio.Task[None] | None = None


class Outboxes:
    def __init__(self, emit: Emit, overflow: Overflow, *, limit: int) -> None:
        self.limit = limit
        self._emit = emit
        self._overflow = overflow
        self._boxes: dict[str, _Box] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def open(self, sid: str) -> None:
        """An outbox for ``sid`` (on the event loop)."""
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop, self._loop_thread = loop, threading.get_ident()
        box = _Box(sid)
        box.task = loop.create_task(self._run(box))
        self._boxes[sid] = box

    def close(self, sid: str) -> None:
        """Forget ``sid``'s outbox and what it still holds (from any thread)."""
        box = self._boxes.pop(sid, None)
        if box is None:
            return
        with box.lock:
            box.closed = True
            box.items.clear()
        self._on_loop(lambda: box.task.cancel() if box.task is not None else None)

    def put(self, sid: str, event: str, data: Any) -> None:
        """Queue one event for ``sid`` (from any thread); dropped sockets hear nothing more."""
        box = self._boxes.get(sid)
        if box is None:
            return
        with box.lock:
            if box.closed:
                return
            if len(box.items) >= self.limit:
                box.closed = True
                box.items.clear()
                overflowed = True
            else:
                box.items.append((event, data))
                overflowed = False
        if overflowed:
            logger.warning("socket %s read too slowly: %d events queued, disconnecting it", sid, self.limit)
            self.later(partial(self._overflow, sid))
        else:
            self._on_loop(box.wake.set)

    async def flushed(self, sid: str, timeout_s: float) -> None:
        """Return (on the event loop) once every event queued for ``sid`` so far has been handed to its
        transport, or after ``timeout_s``, or at once if ``sid`` has no outbox."""
        box = self._boxes.get(sid)
        if box is None:
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        with box.lock:
            if box.closed:
                return
            box.items.append((FLUSH, done))
        box.wake.set()
        with contextlib.suppress(TimeoutError):  # a socket that reads nothing: answer anyway
            await asyncio.wait_for(done, timeout_s)

    def pending(self, sid: str) -> int:
        box = self._boxes.get(sid)
        return len(box.items) if box is not None else 0

    def _on_loop(self, call: Callable[[], object]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        if threading.get_ident() == self._loop_thread:
            call()
        else:
            loop.call_soon_threadsafe(call)

    def later(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work()`` on the event loop (asked from any thread); its failure is logged."""

        async def run() -> None:
            try:
                await work()
            except Exception:
                logger.exception("could not disconnect a socket")

        def start() -> None:
            task = asyncio.get_running_loop().create_task(run())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        self._on_loop(start)

    async def _run(self, box: _Box) -> None:
        while True:
            await box.wake.wait()
            box.wake.clear()
            while True:
                with box.lock:
                    if not box.items:
                        break
                    event, data = box.items.popleft()
                if event == FLUSH:
                    if not data.done():
                        data.set_result(None)
                    continue
                try:
                    await self._emit(event, data, box.sid)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("could not emit %s to socket %s", event, box.sid)


class FloodGuard:
    """At most ``rate`` events a second from each socket on average, in bursts of up to ten seconds'
    worth (a token bucket): past that an event is refused before it runs."""

    BURST_S = 10

    def __init__(self, rate: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = float(rate * self.BURST_S)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # sid -> (tokens, when)

    def admit(self, sid: str) -> bool:
        now = self._clock()
        tokens, then = self._buckets.get(sid, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        admitted = tokens >= 1.0
        self._buckets[sid] = (tokens - 1.0 if admitted else tokens, now)
        return admitted

    def forget(self, sid: str) -> None:
        self._buckets.pop(sid, None)


class BoundedPacket(socketio.packet.Packet):  # type: ignore[misc]
    """python-socketio's packet, refusing one that announces more than :data:`MAX_ATTACHMENTS` binary
    attachments: the packet is dropped (and logged) instead of its attachments being buffered."""

    def decode(self, encoded_packet: Any) -> int:
        count = int(super().decode(encoded_packet))
        if count > MAX_ATTACHMENTS:
            raise ValueError(f"a packet of {count} binary attachments (at most {MAX_ATTACHMENTS})")
        return count
