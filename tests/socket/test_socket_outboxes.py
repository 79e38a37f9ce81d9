"""The message center's outboxes and flood guard, alone: order across threads, a full outbox, the rate."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from roqmock.http.socket import MessageCenter
from roqmock.http.socket_limits import FloodGuard, Frame, Outboxes
from roqmock.mock import RoqMock


class Recorder:
    """A transport that records, or whose writer never takes anything after its first batch."""

    def __init__(self, *, stuck: bool = False) -> None:
        self.sent: list[tuple[str, Any, str]] = []
        self.dropped: list[str] = []
        self.stuck = stuck

    def hand(self, sid: str, frames: list[Frame]) -> None:
        self.sent += [(frame.event, frame.data, sid) for frame in frames]

    def offer(self, sid: str, frame: Frame) -> bool:
        if not self.taken(sid):
            return False
        self.hand(sid, [frame])
        return True

    def taken(self, sid: str) -> bool:
        return not (self.stuck and self.sent)

    async def all_taken(self, sid: str) -> None:
        await asyncio.Event().wait()

    async def overflow(self, sid: str) -> None:
        self.dropped.append(sid)


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def test_events_leave_in_the_order_they_were_queued_whatever_the_thread() -> None:
    """A write in a worker thread (GraphQL) queued before a write on the event loop (a socket event)
    leaves first: the order of the writes, not of the threads' wake-ups."""
    recorder = Recorder()

    async def scenario() -> None:
        boxes = Outboxes(recorder, recorder.overflow, limit=10)
        boxes.open("a")
        worker = threading.Thread(target=boxes.put, args=("a", Frame("messageReceived", "from graphql")))
        worker.start()
        worker.join()
        boxes.put("a", Frame("messageReceived", "from the socket"))
        await _settle()
        boxes.close("a")

    asyncio.run(scenario())
    assert [data for _, data, _ in recorder.sent] == ["from graphql", "from the socket"]


def test_a_full_outbox_drops_its_socket_and_only_its_socket() -> None:
    stuck, reading = Recorder(stuck=True), Recorder()

    async def scenario() -> None:
        boxes = Outboxes(stuck, stuck.overflow, limit=3)
        others = Outboxes(reading, reading.overflow, limit=3)
        boxes.open("slow")
        others.open("fast")
        for index in range(1 + 3):  # one handed to the stuck transport, three queued
            boxes.put("slow", Frame("e", index))
            others.put("fast", Frame("e", index))
            await _settle()
        assert stuck.dropped == []
        boxes.put("slow", Frame("e", "one too many"))
        boxes.put("slow", Frame("e", "after the drop"))
        await _settle()
        assert stuck.dropped == ["slow"]
        assert boxes.pending("slow") == 0
        boxes.close("slow")
        others.close("fast")

    asyncio.run(scenario())
    assert [data for _, data, _ in stuck.sent] == [0]
    assert [data for _, data, _ in reading.sent] == [0, 1, 2, 3]
    assert reading.dropped == []


def test_a_closed_outbox_sends_nothing_more() -> None:
    recorder = Recorder()

    async def scenario() -> None:
        boxes = Outboxes(recorder, recorder.overflow, limit=3)
        boxes.open("a")
        boxes.close("a")
        boxes.put("a", Frame("e", "late"))
        await _settle()

    asyncio.run(scenario())
    assert recorder.sent == []


def test_the_flood_guard_admits_a_burst_then_the_rate() -> None:
    now = [0.0]
    guard = FloodGuard(2, clock=lambda: now[0])
    assert all(guard.admit("a") for _ in range(2 * FloodGuard.BURST_S))
    assert not guard.admit("a")
    assert guard.admit("b")  # per socket
    now[0] += 1.0
    assert [guard.admit("a") for _ in range(3)] == [True, True, False]
    guard.forget("a")
    assert guard.admit("a")


def test_an_event_from_a_socket_already_dropped_gets_an_error_ack() -> None:
    """An event on its way when its socket was dropped (a reset, a full outbox) is answered with an
    error, not an empty ack its client would read as success."""
    center = MessageCenter(RoqMock())
    answer = asyncio.run(
        center._wrap("messageList", center._message_list)("gone-sid", {"conversationId": "x"})
    )
    assert answer == {
        "error": {
            "errorCode": "SOCKET_CLOSED",
            "message": "messageList: this socket was disconnected",
            "variables": {},
        }
    }


class Gate(Recorder):
    """A transport whose writer takes what it was handed only when the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[Any]] = []
        self.untaken = False
        self.gate = asyncio.Event()

    def hand(self, sid: str, frames: list[Frame]) -> None:
        super().hand(sid, frames)
        self.batches.append([frame.data for frame in frames])
        self.untaken = True

    def taken(self, sid: str) -> bool:
        return not self.untaken

    async def all_taken(self, sid: str) -> None:
        await self.gate.wait()
        self.gate.clear()
        self.untaken = False


def test_what_waits_for_the_writer_leaves_in_one_batch_in_order() -> None:
    """An event goes straight to a writer that has taken everything; while it has not, events wait in the
    outbox (counted) and leave together, in order, once it has."""
    gate = Gate()

    async def scenario() -> None:
        boxes = Outboxes(gate, gate.overflow, limit=10)
        boxes.open("a")
        boxes.put("a", Frame("e", 0))
        assert gate.batches == [[0]]  # at once: the writer had taken everything
        for index in (1, 2, 3):
            boxes.put("a", Frame("e", index))
        await _settle()
        assert boxes.pending("a") == 3
        gate.gate.set()
        await _settle()
        assert gate.batches == [[0], [1, 2, 3]]
        assert boxes.pending("a") == 0
        boxes.close("a")

    asyncio.run(scenario())
