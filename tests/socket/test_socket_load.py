"""Fifty sockets writing at once into one group conversation, while server code writes into it over
GraphQL from other threads: every socket hears every message exactly once, in the order GraphQL's
messages() lists them. Bounded in count, and in time only by the suite's generous waits."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from support.sockets import WAIT_S, LiveClient, create_conversation, create_message, create_user, live

from roqmock.testing import RoqServer

CLIENTS = 50
MESSAGES_EACH = 5
GRAPHQL_WRITERS = 4
GRAPHQL_EACH = 10
MESSAGES = """query($id: ID!, $limit: Int!) {
  messages(filter: {conversationId: {equalTo: $id}}, order: {order: "ASC", sort: "createdAt"}, limit: $limit)
  { totalCount data { id body } } }"""


async def _heard(client: LiveClient, count: int) -> list[Any]:
    return [await client.next("messageReceived") for _ in range(count)]


def test_fifty_sockets_writing_at_once_lose_and_duplicate_nothing(empty_server: RoqServer) -> None:
    server = empty_server
    suffix = uuid.uuid4().hex[:6]
    users = [create_user(server, f"load{index}x{suffix}") for index in range(CLIENTS)]
    conversation = create_conversation(server, users[0], users, title=f"Load {suffix}")
    total = CLIENTS * MESSAGES_EACH + GRAPHQL_WRITERS * GRAPHQL_EACH

    def graphql_writer(writer: int) -> None:
        for each in range(GRAPHQL_EACH):
            create_message(server, conversation, users[writer], f"server {writer}/{each}")

    async def scenario() -> list[list[Any]]:
        clients = list(await asyncio.gather(*(live(server, user) for user in users)))
        try:
            # Every client sends its messages as fast as it can, all clients at once, and server code
            # writes over GraphQL (in the server's worker threads) meanwhile.
            await asyncio.gather(
                *(asyncio.to_thread(graphql_writer, writer) for writer in range(GRAPHQL_WRITERS)),
                *(
                    client.emit("sendMessage", {"conversationId": conversation, "body": f"{index}/{each}"})
                    for index, client in enumerate(clients)
                    for each in range(MESSAGES_EACH)
                ),
            )
            heard = await asyncio.wait_for(
                asyncio.gather(*(_heard(client, total) for client in clients)), WAIT_S * 6
            )
            # Nothing more arrives: no duplicate trails behind.
            await asyncio.sleep(0)
            for client in clients:
                assert len(client.named("messageReceived")) == total
                assert client.named("exception") == []
            return list(heard)
        finally:
            await asyncio.gather(*(client.close() for client in clients))

    heard = asyncio.run(scenario())
    listed = server.execute(MESSAGES, {"id": conversation, "limit": total + 10}, as_user=users[0])
    assert "errors" not in listed, listed
    page = listed["data"]["messages"]
    assert page["totalCount"] == total
    order = [message["id"] for message in page["data"]]
    assert sorted(message["body"] for message in page["data"]) == sorted(
        [f"{index}/{each}" for index in range(CLIENTS) for each in range(MESSAGES_EACH)]
        + [f"server {writer}/{each}" for writer in range(GRAPHQL_WRITERS) for each in range(GRAPHQL_EACH)]
    )
    for events in heard:
        assert [event["id"] for event in events] == order
