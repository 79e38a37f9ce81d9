"""The transport roqmock gives uvicorn: what one turn of the loop writes leaves in one write."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from roqmock.http.wire import JOIN_LIMIT, CoalescingTransport
from roqmock.testing import RoqServer


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.pieces: list[list[bytes]] = []  # what writelines was given, as it was given
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def writelines(self, list_of_data: Any) -> None:
        self.pieces.append(list(list_of_data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"peername": ("127.0.0.1", 1)}.get(name, default)


def test_a_response_written_in_two_parts_leaves_in_one_write() -> None:
    async def scenario() -> RecordingTransport:
        inner = RecordingTransport()
        transport = CoalescingTransport(inner, asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        transport.write(b"{}")
        assert inner.writes == []  # nothing sent before the turn ends
        await asyncio.sleep(0)
        transport.write(b"next")
        await asyncio.sleep(0)
        return inner

    inner = asyncio.run(scenario())
    assert inner.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}", b"next"]


def test_a_large_body_is_handed_over_as_it_was_written_never_copied_into_one_write() -> None:
    head = b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % (JOIN_LIMIT + 1)
    body = bytes(JOIN_LIMIT + 1)  # a file's bytes, as the world holds them

    async def scenario() -> RecordingTransport:
        inner = RecordingTransport()
        transport = CoalescingTransport(inner, asyncio.get_running_loop())
        transport.write(head)
        transport.write(body)
        await asyncio.sleep(0)
        return inner

    inner = asyncio.run(scenario())
    assert inner.writes == []
    assert len(inner.pieces) == 1
    sent_head, sent_body = inner.pieces[0]
    assert sent_head == head
    assert sent_body is body  # one writelines (a writev), without a copy of the body


def test_closing_sends_what_is_pending_first_and_other_calls_pass_through() -> None:
    async def scenario() -> RecordingTransport:
        inner = RecordingTransport()
        transport = CoalescingTransport(inner, asyncio.get_running_loop())
        assert transport.get_extra_info("peername") == ("127.0.0.1", 1)
        transport.write(b"bye")
        transport.close()
        transport.write(b"too late")
        await asyncio.sleep(0)
        return inner

    inner = asyncio.run(scenario())
    assert inner.writes == [b"bye"] and inner.closed


def test_the_server_answers_keep_alive_requests_whole(empty_server: RoqServer) -> None:
    """Several requests on one connection, sent at once: every answer arrives complete and in order."""
    host, port = empty_server.url.removeprefix("http://").split(":")
    request = f"GET /__roqmock/health HTTP/1.1\r\nhost: {host}\r\n\r\n".encode()
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request * 3)
        received = b""
        while received.count(b"HTTP/1.1 200") < 3 or not received.endswith(b"}"):
            chunk = connection.recv(65536)
            assert chunk, received
            received += chunk
    answers = received.split(b"HTTP/1.1 200")[1:]
    assert len(answers) == 3
    for answer in answers:
        head, _, body = answer.partition(b"\r\n\r\n")
        lengths = [line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")]
        assert len(body) == int(lengths[0].split(b":")[1]), answer
