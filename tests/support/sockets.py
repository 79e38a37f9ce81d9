"""A Socket.IO client of roqmock's message center for the tests: python-socketio's AsyncClient, every
server event kept in arrival order, bounded waits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import socketio

from roqmock.testing import RoqServer

NAMESPACE = "/messageCenter"
WAIT_S = 10.0

CREATE_USER = "mutation($user: UserCreateDto!) { createUser(user: $user) { id } }"
CREATE_CONVERSATION = (
    "mutation($conversation: ConversationCreateDto!) "
    "{ createConversation(conversation: $conversation) { id } }"
)
CREATE_MESSAGE = "mutation($message: MessageCreateDto!) { createMessage(message: $message) }"


class Refused(Exception):
    """The server refused the connection; ``data`` is what it said."""

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self.data = data


class LiveClient:
    """One connected socket: :meth:`call` (an event with an ack), :meth:`emit`, and :meth:`next` (the
    next server event of a name, waited for within a bound)."""

    def __init__(
        self,
        url: str,
        *,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        transports: tuple[str, ...] = ("websocket",),
    ):
        self.url = url
        self.query = dict(query or {})
        self.headers = dict(headers or {})
        self.transports = list(transports)  # ROQ's UI opens a WebSocket at once; others may poll first
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: list[tuple[str, Any]] = []
        self._arrived = asyncio.Condition()
        self._taken: set[int] = set()
        self._refusal: Any = None

        async def catch_all(event: str, data: Any = None, *rest: Any) -> None:
            async with self._arrived:
                self.events.append((event, data))
                self._arrived.notify_all()

        async def connect_error(data: Any) -> None:
            self._refusal = data

        self.client.on("*", catch_all, namespace=NAMESPACE)
        self.client.on("connect_error", connect_error, namespace=NAMESPACE)

    async def connect(self) -> LiveClient:
        query = "&".join(f"{name}={quote(value, safe='')}" for name, value in self.query.items())
        try:
            await self.client.connect(
                f"{self.url}?{query}" if query else self.url,
                headers=self.headers,
                namespaces=[NAMESPACE],
                transports=self.transports,
                socketio_path="socket.io",
                wait_timeout=WAIT_S,
            )
        except socketio.exceptions.ConnectionError as error:
            await self.client.disconnect()
            raise Refused(self._refusal if self._refusal is not None else str(error)) from None
        return self

    async def close(self) -> None:
        await self.client.disconnect()

    async def call(self, event: str, data: Any) -> Any:
        return await self.client.call(event, data, namespace=NAMESPACE, timeout=WAIT_S)

    async def emit(self, event: str, data: Any) -> None:
        await self.client.emit(event, data, namespace=NAMESPACE)

    async def next(self, event: str) -> Any:
        """The first event named ``event`` not returned by ``next`` before (waiting at most WAIT_S).
        :attr:`events` keeps every event, taken or not."""

        def found() -> int | None:
            for index in range(len(self.events)):
                if index not in self._taken and self.events[index][0] == event:
                    return index
            return None

        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: found() is not None), WAIT_S)
            index = found()
            assert index is not None
            self._taken.add(index)
            return self.events[index][1]

    def named(self, event: str) -> list[Any]:
        return [data for name, data in self.events if name == event]

    def exceptions(self) -> list[dict[str, Any]]:
        return [json.loads(data) for data in self.named("exception")]


async def live(server: RoqServer, user_id: str) -> LiveClient:
    """A socket connected as ``user_id`` (its token in the query, as ROQ's UI sends it)."""
    return await LiveClient(server.url, query={"platformtoken": server.token(user_id)}).connect()


def create_user(server: RoqServer, name: str, **extra: Any) -> str:
    user = {
        "reference": name,
        "email": f"{name}@example.com",
        "firstName": name.capitalize(),
        "lastName": "Test",
    }
    answer = server.execute(CREATE_USER, {"user": {**user, **extra}})
    assert "errors" not in answer, answer
    user_id: str = answer["data"]["createUser"]["id"]
    return user_id


def create_conversation(server: RoqServer, owner: str, members: list[str], title: str = "Chat") -> str:
    conversation = {"title": title, "ownerId": owner, "memberIds": members}
    answer = server.execute(CREATE_CONVERSATION, {"conversation": conversation})
    assert "errors" not in answer, answer
    conversation_id: str = answer["data"]["createConversation"]["id"]
    return conversation_id


def create_message(
    server: RoqServer, conversation: str, author: str, body: str, *, as_user: str | None = None
) -> None:
    message = {"conversationId": conversation, "authorId": author, "body": body, "isSystem": as_user is None}
    answer = server.execute(CREATE_MESSAGE, {"message": message}, as_user=as_user)
    assert "errors" not in answer, answer
