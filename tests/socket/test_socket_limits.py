"""The message center's limits and resets, over a real server: sockets per server, a socket that stops
reading, a reset or an ended session while sockets are connected."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jwt
import pytest
from support.node import node
from support.servers import serve
from support.sockets import (
    WAIT_S,
    LiveClient,
    Refused,
    create_conversation,
    create_message,
    create_user,
    live,
)

from roqmock.seed import WorldSize
from roqmock.testing import RoqServer

RECONNECT_SCRIPT = Path(__file__).resolve().parent / "ui_reconnect.js"
NAMESPACE = "/messageCenter"
SECRET = "socket-limits-secret-" + "x" * 32


@pytest.fixture(scope="module")
def server() -> Iterator[RoqServer]:
    running = serve("--max-sockets", "3", "--socket-queue", "4")
    yield running
    running.stop()


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


async def live_in_session(session: RoqServer, name: str, user_id: str) -> LiveClient:
    """A socket in session ``name``: a token whose environment is the session's name."""
    claims = jwt.decode(session.token(user_id), options={"verify_signature": False})
    token = jwt.encode({**claims, "roqEnvironmentId": name}, SECRET, algorithm="HS256")
    return await LiveClient(session.url, query={"platformtoken": token}).connect()


def _watch(client: LiveClient) -> asyncio.Event:
    """Set once the client is disconnected (by the server: its reconnection is off)."""
    gone = asyncio.Event()

    async def disconnected(*args: Any) -> None:
        gone.set()

    client.client.on("disconnect", disconnected, namespace=NAMESPACE)
    return gone


async def _close_all(*clients: LiveClient) -> None:
    for client in clients:
        await client.close()


# ---------------------------------------------------------------- sockets per server


def test_sockets_past_max_sockets_are_refused_with_a_reason(server: RoqServer) -> None:
    alice = create_user(server, _name("alice"))

    async def scenario() -> None:
        first = [await live(server, alice) for _ in range(3)]
        with pytest.raises(Refused) as refused:
            await live(server, alice)
        assert refused.value.data["data"]["errorCode"] == "TOO_MANY_SOCKETS"
        assert "--max-sockets" in refused.value.data["message"]
        await first[0].close()
        again = await live(server, alice)  # a freed place is taken again
        await _close_all(*first[1:], again)

    run(scenario())


# ---------------------------------------------------------------- a socket that stops reading


class StalledSocket:
    """A raw WebSocket that connects to the message center and then never reads again (its receive
    buffer kept small, so the server's writes back up quickly)."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(WAIT_S)
        self.sock.connect((parts.hostname, parts.port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET /socket.io/?EIO=4&transport=websocket&platformtoken={quote(token)} HTTP/1.1\r\n"
                f"Host: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        self._until(b"0{")  # the handshake, then engine.io's open packet
        self._send_text(f"40{NAMESPACE},")
        self._until(f"40{NAMESPACE},{{".encode())  # socket.io's connect answer: connected

    def _until(self, marker: bytes) -> None:
        seen = b""
        while marker not in seen:
            chunk = self.sock.recv(4096)
            assert chunk, f"closed before {marker!r}: {seen[-200:]!r}"
            seen += chunk

    def _send_text(self, text: str) -> None:
        payload = text.encode()
        assert len(payload) < 126
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        self.sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)

    def close(self) -> None:
        self.sock.close()


def test_a_socket_that_stops_reading_is_dropped_and_the_others_hear_everything(server: RoqServer) -> None:
    """With --socket-queue 4, a socket that never reads is disconnected (its user goes offline), while a
    reading member of the same conversation receives every message."""
    reader, sleeper = create_user(server, _name("reader")), create_user(server, _name("sleeper"))
    conversation = create_conversation(server, reader, [reader, sleeper])
    body = "x" * 200_000  # big messages fill the sleeper's buffers in a few writes

    async def scenario() -> None:
        bob = await live(server, reader)
        stalled = StalledSocket(server.url, server.token(sleeper))
        try:
            assert (await bob.next("userOnline"))["id"] == sleeper
            sent = 0
            while not bob.named("userOffline"):
                assert sent < 200, "the socket that stopped reading was never dropped"
                await asyncio.to_thread(create_message, server, conversation, reader, f"{sent} {body}")
                received = await bob.next("messageReceived")
                assert received["body"].startswith(f"{sent} ")
                sent += 1
            assert bob.named("userOffline") == [{"id": sleeper, "isOnline": False}]
            # The reader keeps hearing every message after the drop.
            await asyncio.to_thread(create_message, server, conversation, reader, "after")
            assert (await bob.next("messageReceived"))["body"] == "after"
        finally:
            stalled.close()
            await bob.close()

    run(scenario())


# ---------------------------------------------------------------- resets and sessions


def test_a_reset_drops_every_socket_of_the_world_and_only_those() -> None:
    running = serve("--token-secret", SECRET)
    try:
        alice, bob = create_user(running, _name("alice")), create_user(running, _name("bob"))
        create_conversation(running, alice, [alice, bob])
        name = _name("s")
        session = running.session(name)
        carol = create_user(session, _name("carol"))

        async def scenario() -> None:
            old_token = running.token(alice)
            sockets = [await live(running, alice), await live(running, bob)]
            other = await live_in_session(session, name, carol)
            gone = [_watch(each) for each in sockets]
            other_gone = _watch(other)
            await asyncio.to_thread(running.reset)
            for event in gone:
                await asyncio.wait_for(event.wait(), WAIT_S)
            assert not any(each.client.connected for each in sockets)
            # The session's world was not reset: its socket stays and works.
            assert not other_gone.is_set()
            assert (await other.call("userConnected", {}))["unreadCount"] == 0
            # The users were the old world's: they are refused now, not half-connected.
            with pytest.raises(Refused) as refused:
                await LiveClient(running.url, query={"platformtoken": old_token}).connect()
            assert "does not exist" in refused.value.data["message"], refused.value.data
            await _close_all(other, *sockets)

        run(scenario())
    finally:
        running.stop()


@pytest.mark.parametrize("replace", ["reseed", "load_state"])
def test_a_reseed_or_a_loaded_state_drops_the_worlds_sockets(replace: str) -> None:
    running = serve()
    try:
        alice = create_user(running, _name("alice"))
        saved = running.state()

        async def scenario() -> None:
            client = await live(running, alice)
            gone = _watch(client)
            if replace == "reseed":
                await asyncio.to_thread(running.reseed, seed=7, users=2, conversations=1, messages=1)
            else:
                await asyncio.to_thread(running.load_state, saved)
            await asyncio.wait_for(gone.wait(), WAIT_S)
            await client.close()
            if replace == "load_state":  # the loaded world holds the user: it connects again
                again = await live(running, alice)
                assert (await again.call("userConnected", {}))["unreadCount"] == 0
                await again.close()

        run(scenario())
    finally:
        running.stop()


def test_ending_a_session_drops_its_sockets() -> None:
    running = serve("--token-secret", SECRET)
    try:
        name = _name("s")
        session = running.session(name)
        dave = create_user(session, _name("dave"))
        erin = create_user(running, _name("erin"))

        async def scenario() -> None:
            in_session, outside = await live_in_session(session, name, dave), await live(running, erin)
            gone, outside_gone = _watch(in_session), _watch(outside)
            await asyncio.to_thread(session.end_sessions)
            await asyncio.wait_for(gone.wait(), WAIT_S)
            assert not outside_gone.is_set()
            assert (await outside.call("userConnected", {}))["unreadCount"] == 0
            await _close_all(in_session, outside)

        run(scenario())
    finally:
        running.stop()


def test_the_uis_socket_client_reconnects_after_a_reset() -> None:
    """socket.io-client 4.8 with ROQ's UI's options: dropped by a reset, it reconnects by itself (its
    transport closed; it would not after a namespace disconnect) to the new world."""
    running = serve(size=WorldSize(users=3, conversations=2, messages=4, files=0, tenants=1))
    try:
        user = running.execute("{ users(limit: 1) { data { id } } }")["data"]["users"]["data"][0]["id"]
        options = json.dumps({"url": running.url, "token": running.token(user)})
        with subprocess.Popen(
            [node(), str(RECONNECT_SCRIPT), options],
            cwd=RECONNECT_SCRIPT.parent,
            stdout=subprocess.PIPE,
            text=True,
        ) as client:
            try:
                assert client.stdout is not None
                assert json.loads(client.stdout.readline()) == {"ready": True}
                running.reset()
                outcome = json.loads(client.stdout.readline())
            finally:
                client.kill()
        assert outcome["ok"], outcome
        assert outcome["seen"]["disconnects"] == ["transport close"]
        assert outcome["seen"]["connects"] == 2
    finally:
        running.stop()


# ---------------------------------------------------------------- garbage and floods

GARBAGE: list[tuple[str, Any]] = [
    ("sendMessage", "not an object"),
    ("sendMessage", [1, 2, 3]),
    ("sendMessage", 42),
    ("sendMessage", None),
    ("sendMessage", b"\x00\xff binary"),
    ("conversationList", {"limit": "many", "offset": -1}),
    ("messageList", {"conversationId": {"$ne": None}}),
    ("noSuchEvent", {"a": 1}),
    ("noSuchEvent", b"\x00" * 1000),
]


def test_a_flood_of_garbage_never_stalls_the_other_sockets_or_graphql() -> None:
    """One socket sends garbage (non-objects, binary, unknown events) far past --socket-rate: it is told
    (TOO_MANY_EVENTS once past the rate); meanwhile another member's messages arrive and GraphQL answers."""
    running = serve("--socket-rate", "50", "--token-secret", SECRET)
    try:
        alice, bob, mallory = (create_user(running, _name(n)) for n in ("alice", "bob", "mallory"))
        conversation = create_conversation(running, alice, [alice, bob, mallory])

        async def flood(client: LiveClient, rounds: int) -> None:
            for _ in range(rounds):
                for event, data in GARBAGE:
                    await client.emit(event, data)

        async def scenario() -> None:
            sender, receiver, flooder = [await live(running, user) for user in (alice, bob, mallory)]
            flooding = asyncio.create_task(flood(flooder, 200))  # 1800 events, past a 500 burst
            for index in range(10):
                await sender.emit("sendMessage", {"conversationId": conversation, "body": f"hello {index}"})
                assert (await receiver.next("messageReceived"))["body"] == f"hello {index}"
                answer = await asyncio.to_thread(running.execute, "{ users(limit: 1) { totalCount } }")
                assert answer["data"]["users"]["totalCount"] >= 3
            await asyncio.wait_for(flooding, WAIT_S * 3)
            codes = {exception["errorCode"] for exception in flooder.exceptions()}
            while "TOO_MANY_EVENTS" not in codes:
                codes.add(json.loads(await flooder.next("exception"))["errorCode"])
            assert {"BAD_REQUEST", "EVENT_NOT_SERVED", "TOO_MANY_EVENTS"} <= codes
            assert receiver.named("exception") == []  # the garbage was the flooder's alone
            await _close_all(sender, receiver, flooder)

        run(scenario())
    finally:
        running.stop()


def test_a_frame_over_max_body_bytes_closes_only_its_connection() -> None:
    running = serve("--max-body-bytes", "65536")
    try:
        alice, bob = create_user(running, _name("alice")), create_user(running, _name("bob"))
        conversation = create_conversation(running, alice, [alice, bob])

        async def scenario() -> None:
            big, receiver = await live(running, alice), await live(running, bob)
            gone = _watch(big)
            await big.emit("sendMessage", {"conversationId": conversation, "body": "x" * 100_000})
            await asyncio.wait_for(gone.wait(), WAIT_S)
            # Refused, not run: the message is not in the world; the other socket is unaffected.
            small = await live(running, alice)
            await small.emit("sendMessage", {"conversationId": conversation, "body": "small"})
            assert (await receiver.next("messageReceived"))["body"] == "small"
            assert [event["body"] for event in receiver.named("messageReceived")] == ["small"]
            await _close_all(big, small, receiver)

        run(scenario())
    finally:
        running.stop()


def test_a_packet_announcing_endless_attachments_is_dropped_not_buffered(server: RoqServer) -> None:
    """A binary packet announcing a million attachments would have the server keep every frame that
    follows until they all came; it is dropped, and the socket's next event is answered as usual."""
    alice = create_user(server, _name("alice"))

    async def scenario() -> None:
        client = await live(server, alice)
        header = f'51000000-{NAMESPACE},["sendMessage",{{"_placeholder":true,"num":0}}]'
        await client.client.eio.send(header)
        await client.client.eio.send(b"\x00" * 100)
        assert (await client.call("userConnected", {}))["unreadCount"] == 0
        await client.close()

    run(scenario())
