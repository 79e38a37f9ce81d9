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
from typing import Any, Protocol

import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet

from roqmock.api.errors import logger
from roqmock.journal import weight

__all__ = [
    "MAX_ATTACHMENTS",
    "BoundedPacket",
    "FloodGuard",
    "Frame",
    "Outboxes",
    "Transport",
    "TransportQueue",
]

# The most binary attachments one Socket.IO packet may announce (python-socketio allows 10 digits' worth,
# and buffers every frame until they have all come). ROQ's UI sends none: files go over HTTP.
MAX_ATTACHMENTS = 10


class Frame:
    """One event as it goes out: its name and data, and its Engine.IO packets, encoded once however many
    sockets it goes to (Engine.IO packets cache their own encoding, so one object serves every socket)."""

    __slots__ = ("_packets", "_size", "data", "event")

    def __init__(self, event: str, data: Any) -> None:
        self.event = event
        self.data = data
        self._packets: list[eio_packet.Packet] | None = None
        self._size: int | None = None

    @property
    def size(self) -> int:
        """About how many bytes its data holds (the live record's measure), counted once."""
        if self._size is None:
            self._size = weight(self.data)
        return self._size

    def packets(self, namespace: str) -> list[eio_packet.Packet]:
        if self._packets is None:
            encoded = BoundedPacket(
                sio_packet.EVENT, namespace=namespace, data=[self.event, self.data]
            ).encode()
            parts = encoded if isinstance(encoded, list) else [encoded]
            self._packets = [eio_packet.Packet(eio_packet.MESSAGE, part) for part in parts]
        return self._packets


class TransportQueue:
    """A socket's Engine.IO queue (its writer sends what it holds): ``asyncio.Queue``'s FIFO, unbounded,
    whose ``get()`` is a future rather than a coroutine.

    Engine.IO's writer waits with ``asyncio.wait_for(queue.get(), ...)``, which on Python 3.11 wraps a
    coroutine in a task of its own (3.12's does not): one task made and run per wait, per socket, per message
    heard (a message to 50 members is 50 of them). A future needs none. Items go to waiting getters in the
    order they wait, as ``asyncio.Queue`` gives them; a waiting getter is handed its item at once.
    """

    __slots__ = ("_finished", "_getters", "_items", "_unfinished")

    def __init__(self) -> None:
        self._items: deque[Any] = deque()
        self._getters: deque[asyncio.Future[Any]] = deque()
        self._unfinished = 0
        self._finished: asyncio.Event | None = None

    def qsize(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items

    def full(self) -> bool:
        return False

    def put_nowait(self, item: Any) -> None:
        self._unfinished += 1
        if self._finished is not None:
            self._finished.clear()
        getters = self._getters
        while getters:
            getter = getters.popleft()
            if not getter.done():  # a getter whose wait timed out is cancelled: skipped
                getter.set_result(item)
                return
        self._items.append(item)

    async def put(self, item: Any) -> None:
        self.put_nowait(item)

    def get_nowait(self) -> Any:
        if not self._items:
            raise asyncio.QueueEmpty
        return self._items.popleft()

    def get(self) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if self._items:
            future.set_result(self._items.popleft())
        else:
            self._getters.append(future)
        return future

    def task_done(self) -> None:
        if self._unfinished <= 0:
            raise ValueError("task_done() called too many times")
        self._unfinished -= 1
        if self._unfinished == 0 and self._finished is not None:
            self._finished.set()

    async def join(self) -> None:
        if self._unfinished:
            if self._finished is None:
                self._finished = asyncio.Event()
            await self._finished.wait()


class Transport(Protocol):
    """Where an outbox's events go: a socket's own transport queue, drained by its writer."""

    def hand(self, sid: str, frames: list[Frame]) -> None:
        """Put ``frames`` in ``sid``'s transport queue, in order (on the event loop, never waiting)."""

    def offer(self, sid: str, frame: Frame) -> bool:
        """Hand ``frame`` over if the writer has taken everything before it; False: it has not."""

    def taken(self, sid: str) -> bool:
        """Whether ``sid``'s writer has taken all it was handed (or ``sid`` has no transport any more)."""

    async def all_taken(self, sid: str) -> None:
        """Return once ``sid``'s writer has taken all it was handed."""


# Called on the event loop when a socket's outbox overflows.
Overflow = Callable[[str], Awaitable[None]]


@dataclass(slots=True)
class _Box:
    """One socket's outbox: what waits for its writer, and the task that hands it over."""

    sid: str
    # Events, and the futures of flushed(): resolved once every event before them has been handed over.
    items: deque[Frame | asyncio.Future[None]] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False
    task: asyncio.Task[None] | None = None


class Outboxes:
    """One outbox per socket. An event goes straight to the socket's transport queue while its writer
    has taken everything before it (the common case: no task switch, no wait); otherwise it waits here,
    counted, and the box's task hands over all that waits at once when the writer has caught up. So the
    transport holds at most one batch (and the one event a waiting writer was woken with: TransportQueue
    hands it over at once), and a socket that does not read keeps its backlog here."""

    def __init__(self, transport: Transport, overflow: Overflow, *, limit: int) -> None:
        self.limit = limit
        self._transport = transport
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

    def put(self, sid: str, frame: Frame) -> None:
        """Queue one event for ``sid`` (from any thread); dropped sockets hear nothing more."""
        box = self._boxes.get(sid)
        if box is None:
            return
        on_loop = threading.get_ident() == self._loop_thread
        with box.lock:
            if box.closed:
                return
            if on_loop and not box.items and self._transport.offer(sid, frame):
                return  # handed under the lock: no other thread's event overtakes it
            if len(box.items) >= self.limit:
                box.closed = True
                box.items.clear()
                overflowed = True
            else:
                box.items.append(frame)
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
            if box.closed or not box.items:
                return
            box.items.append(done)
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
                if not self._transport.taken(box.sid):
                    await self._transport.all_taken(box.sid)
                with box.lock:
                    if not box.items:
                        break
                    batch = list(box.items)
                    box.items.clear()
                    frames = [item for item in batch if isinstance(item, Frame)]
                    try:
                        if frames:
                            self._transport.hand(box.sid, frames)
                    except Exception:
                        logger.exception("could not send %d events to socket %s", len(frames), box.sid)
                for item in batch:
                    if not isinstance(item, Frame) and not item.done():
                        item.set_result(None)


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
