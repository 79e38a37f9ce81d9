"""The queue each socket's Engine.IO writer drains (``TransportQueue``) behaves as ``asyncio.Queue`` does, for
every use Engine.IO and the message center make of it, and it is the one the message center's sockets get."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from roqmock.http.socket import MessageCenter
from roqmock.http.socket_limits import TransportQueue
from roqmock.mock import RoqMock

# One step of a writer's life: put an item, take one without waiting, wait for one as Engine.IO's poll does
# (``wait_for`` with a timeout: an empty queue times out), mark one done, or start a waiter in the
# background (several wait at once; what they receive is checked at the end).
steps = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.integers(0, 99)),
        st.tuples(st.just("get_nowait"), st.none()),
        st.tuples(st.just("wait_get"), st.none()),
        st.tuples(st.just("task_done"), st.none()),
        st.tuples(st.just("background_get"), st.none()),
    ),
    max_size=40,
)


async def _replay(queue: Any, script: list[tuple[str, Any]]) -> list[Any]:
    seen: list[Any] = []
    waiters: list[asyncio.Task[Any]] = []
    done_left = 0
    for step, value in script:
        if step == "put":
            queue.put_nowait(value)
            done_left += 1
        elif step == "get_nowait":
            try:
                seen.append(("got", queue.get_nowait()))
            except asyncio.QueueEmpty:
                seen.append("empty")
        elif step == "wait_get":
            try:
                seen.append(("waited", await asyncio.wait_for(queue.get(), 0.001)))
            except TimeoutError:
                seen.append("timed out")
        elif step == "background_get":

            async def wait() -> Any:
                return await queue.get()

            waiters.append(asyncio.ensure_future(wait()))
            await asyncio.sleep(0)  # it waits now, before what comes next
        elif done_left:
            queue.task_done()
            done_left -= 1
        await asyncio.sleep(0)
        seen.append((queue.qsize(), queue.empty()))
    for waiter in waiters:
        if waiter.done():
            seen.append(("background", waiter.result()))
        else:
            waiter.cancel()
            seen.append("still waiting")
    return seen


@given(steps)
def test_it_answers_every_step_as_asyncio_queue_does(script: list[tuple[str, Any]]) -> None:
    ours = asyncio.run(_replay(TransportQueue(), script))
    theirs = asyncio.run(_replay(asyncio.Queue(), script))
    assert ours == theirs


def test_join_returns_once_every_item_is_done_and_waits_again_after_a_put() -> None:
    async def run() -> list[str]:
        queue = TransportQueue()
        events: list[str] = []
        await asyncio.wait_for(queue.join(), 1)  # nothing was put: at once
        events.append("joined empty")
        queue.put_nowait("a")
        joining = asyncio.ensure_future(queue.join())
        await asyncio.sleep(0.01)
        events.append(f"joined before done: {joining.done()}")
        assert await queue.get() == "a"
        queue.task_done()
        await asyncio.wait_for(joining, 1)
        events.append("joined after done")
        queue.put_nowait("b")
        again = asyncio.ensure_future(queue.join())
        await asyncio.sleep(0.01)
        events.append(f"joined with b undone: {again.done()}")
        queue.get_nowait()
        queue.task_done()
        await asyncio.wait_for(again, 1)
        return events

    assert asyncio.run(run()) == [
        "joined empty",
        "joined before done: False",
        "joined after done",
        "joined with b undone: False",
    ]


def test_task_done_too_many_times_raises_as_asyncio_queue_does() -> None:
    queues: tuple[Any, ...] = (TransportQueue(), asyncio.Queue())
    for queue in queues:
        queue.put_nowait(1)
        queue.get_nowait()
        queue.task_done()
        try:
            queue.task_done()
        except ValueError:
            continue
        raise AssertionError(f"{type(queue).__name__}: a second task_done() passed")


def test_a_resolved_get_is_not_waited_on() -> None:
    async def run() -> tuple[bool, Any]:
        queue = TransportQueue()
        queue.put_nowait("ready")
        taken = queue.get()
        return taken.done(), await taken

    assert asyncio.run(run()) == (True, "ready")


def test_the_message_centers_sockets_get_it() -> None:
    center = MessageCenter(RoqMock())
    assert isinstance(center.server.eio.create_queue(), TransportQueue)
