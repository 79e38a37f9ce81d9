"""No socket ever learns of a conversation its user may not read: a property over small worlds.

Each example builds a few users and conversations of random members on a real server, connects every
user, runs random writes from both doors (over the socket: sendMessage, markAsReadUnreadMessages, editing
and deleting messages, marking unread, renaming, archiving, leaving and removing members; over GraphQL:
createMessage and createConversation), then checks every event each socket received: only about
conversations its user was a member of, and nothing about one after being told it left or was removed.

Every user also has a conversation of its own, where it finally writes: the server sends each socket its
events in order, so once that message is back, every event sent to it before has arrived. No sleep.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.servers import serve
from support.sockets import LiveClient, create_conversation, create_message, create_user, live

from roqmock.testing import RoqServer

USERS = 3


@pytest.fixture(scope="module")
def server() -> Iterator[RoqServer]:
    running = serve()
    yield running
    running.stop()


memberships = st.lists(st.sets(st.integers(0, USERS - 1), min_size=1), min_size=1, max_size=3)
actions = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "socket",
                "graphql",
                "read",
                "create",
                "edit",
                "delete",
                "unread",
                "rename",
                "archive",
                "leave",
                "kick",
            ]
        ),
        st.integers(0, 9),
        st.integers(0, 9),
    ),
    max_size=8,
)


def _about(data: Any) -> set[str]:
    """The conversations an event's payload names."""
    if not isinstance(data, dict):
        return set()
    named = {data[key] for key in ("conversationId",) if isinstance(data.get(key), str)}
    if "memberIds" in data and isinstance(data.get("id"), str):
        named.add(data["id"])  # a conversation itself
    if isinstance(data.get("conversation"), dict):
        named.add(data["conversation"]["id"])
    return named


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(memberships=memberships, actions=actions)
def test_no_socket_hears_of_a_conversation_it_may_not_read(
    server: RoqServer, memberships: list[set[int]], actions: list[tuple[str, int, int]]
) -> None:
    suffix = uuid.uuid4().hex[:8]
    users = [create_user(server, f"p{index}{suffix}") for index in range(USERS)]
    own = [create_conversation(server, user, [user], title="Notes") for user in users]
    conversations = []
    members: dict[str, set[str]] = {}  # everyone who was ever a member
    current: dict[str, set[str]] = {}  # the members now
    owners: dict[str, str] = {}
    # A group of everyone first, so that leaving and removing members (groups only) can happen.
    for chosen in [set(range(USERS)), *memberships]:
        ids = [users[index] for index in sorted(chosen)]
        conversation = create_conversation(server, ids[0], ids)
        conversations.append(conversation)
        members[conversation] = set(ids)
        current[conversation] = set(ids)
        owners[conversation] = ids[0]
    for user, conversation in zip(users, own, strict=True):
        members[conversation] = {user}

    async def scenario() -> list[LiveClient]:
        sockets = [await live(server, user) for user in users]
        try:
            for kind, first, second in actions:
                user = users[first % USERS]
                conversation = conversations[second % len(conversations)]
                client = sockets[first % USERS]
                if kind == "socket":
                    await client.emit("sendMessage", {"conversationId": conversation, "body": "hi"})
                elif kind == "graphql":
                    author = sorted(members[conversation])[0]
                    await asyncio.to_thread(create_message, server, conversation, author, "from the server")
                elif kind == "read":
                    await client.emit(
                        "markAsReadUnreadMessages",
                        {"conversationId": conversation, "lastTimestamp": "2999-01-01T00:00:00.000Z"},
                    )
                elif kind == "create":
                    pair = sorted({user, users[second % USERS]})
                    created = await asyncio.to_thread(create_conversation, server, pair[0], pair, "New")
                    members[created] = set(pair)
                elif kind in ("edit", "delete"):
                    mine = [
                        data["id"]
                        for event, data in client.events
                        if event == "messageReceived"
                        and data["authorId"] == user
                        and data["body"] != "barrier"
                    ]
                    if mine:
                        payload = {"id": mine[-1], "body": "edited"}
                        await client.emit("editMessage" if kind == "edit" else "deleteMessage", payload)
                elif kind == "unread":
                    flag = {"conversationId": conversation, "userId": user, "unread": second % 2 == 0}
                    await client.emit("markConversationAsReadUnread", flag)
                elif kind == "rename":
                    await client.emit(
                        "renameConversation", {"conversationId": conversation, "title": "Renamed"}
                    )
                elif kind == "archive":
                    await client.emit("archiveConversation", {"conversationId": conversation})
                elif kind == "leave":
                    if await client.call("leaveConversation", {"conversationId": conversation}) is None:
                        current[conversation].discard(user)
                else:  # the owner removes a member
                    owner = owners[conversation]
                    target = users[first % USERS]
                    keep = sorted(current[conversation] - {target})
                    change = {"conversationId": conversation, "memberIds": keep}
                    answer = await sockets[users.index(owner)].call("updateConversationMembers", change)
                    if answer is None:
                        current[conversation] = set(keep)
            for client, conversation in zip(sockets, own, strict=True):
                await client.emit("sendMessage", {"conversationId": conversation, "body": "barrier"})
                while (await client.next("messageReceived"))["body"] != "barrier":
                    pass
        finally:
            for client in sockets:
                await client.close()
        return sockets

    sockets = asyncio.run(scenario())
    for user, client in zip(users, sockets, strict=True):
        served = [e for e in client.exceptions() if e["errorCode"] == "EVENT_NOT_SERVED"]
        assert served == [], served  # every event the test sends is one roqmock serves
        gone: set[str] = set()  # conversations the user was told it left or was removed from
        for event, data in client.events:
            for conversation in _about(data):
                assert user in members.get(conversation, set()), (event, data)
                assert conversation not in gone, ("heard after leaving", event, data)
            if event == "memberQuitConversation":
                gone.add(data["conversationId"])
        for conversation in members:
            if user in members[conversation] - current.get(conversation, members[conversation]):
                assert conversation in gone, ("removed without being told", conversation)
