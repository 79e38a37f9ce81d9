"""ROQ's message center through python-socketio's client: who may connect, the UI's start-up sequence,
and a message going both ways between the socket and GraphQL."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from support.servers import serve
from support.sockets import (
    LiveClient,
    Refused,
    create_conversation,
    create_message,
    create_user,
    live,
)

from roqmock.testing import RoqServer

MESSAGES = """query($id: ID!) { messages(filter: {conversationId: {equalTo: $id}}) {
  totalCount data { body authorId } } }"""


SECRET = "socket-tests-secret-" + "x" * 32


@pytest.fixture(scope="module")
def server() -> Iterator[RoqServer]:
    running = serve("--token-secret", SECRET)
    yield running
    running.stop()


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def _world(server: RoqServer) -> dict[str, str]:
    alice, bob, carol = (create_user(server, _name(n)) for n in ("alice", "bob", "carol"))
    pair = create_conversation(server, alice, [alice, bob], title="Alice and Bob")
    return {"alice": alice, "bob": bob, "carol": carol, "pair": pair}


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


# ---------------------------------------------------------------- refusals


def _refusal(server: RoqServer, **options: Any) -> Any:
    async def attempt() -> Any:
        client = LiveClient(server.url, **options)
        with pytest.raises(Refused) as refused:
            await client.connect()
        return refused.value.data

    return run(attempt())


def test_a_socket_without_a_token_is_refused(server: RoqServer) -> None:
    data = _refusal(server)
    assert "platformtoken" in str(data)


def _signed(claims: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def _claims(server: RoqServer, user_id: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(server.token(user_id), options={"verify_signature": False})
    return claims


def test_a_forged_token_is_refused(server: RoqServer) -> None:
    claims = _claims(server, create_user(server, _name("forger")))
    forged = _signed(claims, "not-the-secret-but-long-enough-to-sign-with")
    assert "signature" in str(_refusal(server, query={"platformtoken": forged}))


def test_an_expired_token_is_refused(server: RoqServer) -> None:
    claims = _claims(server, create_user(server, _name("late")))
    expired = _signed({**claims, "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600})
    assert "expired" in str(_refusal(server, query={"platformtoken": expired}))


def test_a_service_account_token_is_refused(server: RoqServer) -> None:
    assert "service account" in str(_refusal(server, query={"platformtoken": server.token()}))


def test_a_token_of_another_environment_is_refused(server: RoqServer) -> None:
    # Signed by this server, but for another environment: its world (a session) does not know the user.
    claims = _claims(server, create_user(server, _name("elsewhere")))
    other = _signed({**claims, "roqEnvironmentId": "another-environment"})
    assert "does not exist" in str(_refusal(server, query={"platformtoken": other}))


def test_a_refused_socket_can_connect_with_a_good_token(server: RoqServer) -> None:
    """The refusals above are about the token: the same user's own token connects."""
    alice = create_user(server, _name("good"))

    async def scenario() -> Any:
        client = await live(server, alice)
        try:
            return await client.call("userConnected", {"userId": alice})
        finally:
            await client.close()

    assert run(scenario()) == {"unreadCount": 0}


def test_the_platformtoken_header_is_accepted_for_non_browser_clients(server: RoqServer) -> None:
    alice = create_user(server, _name("header"))

    async def scenario() -> Any:
        client = await LiveClient(server.url, headers={"PlatformToken": server.token(alice)}).connect()
        try:
            return await client.call("userConnected", {"userId": alice})
        finally:
            await client.close()

    assert run(scenario()) == {"unreadCount": 0}


# ---------------------------------------------------------------- the UI's start-up sequence


def test_the_start_up_sequence_answers_what_the_ui_reads(server: RoqServer) -> None:
    world = _world(server)
    create_message(server, world["pair"], world["bob"], "Hello Alice", as_user=world["bob"])

    async def scenario() -> None:
        alice = await live(server, world["alice"])
        try:
            assert await alice.call("userConnected", {"userId": world["alice"]}) == {"unreadCount": 1}
            users = await alice.call("userList", {"userId": world["alice"]})
            assert {"id": world["bob"], "isOnline": False} in users["users"]
            listed = await alice.call(
                "conversationList", {"includeArchived": True, "limit": 6, "offset": 0, "filter": ""}
            )
            assert listed["totalCount"] == 1
            conversation = listed["data"][0]
            assert conversation["id"] == world["pair"]
            assert conversation["unreadCount"] == 1
            assert set(conversation["memberIds"]) == {world["alice"], world["bob"]}
            assert all(member["active"] is True and member["fullName"] for member in conversation["members"])
            assert conversation["lastMessage"]["body"] == "Hello Alice"
            assert conversation["lastMessageTimestamp"] == conversation["lastMessage"]["createdAt"]
            assert await alice.call("conversationUnreadCount", {}) == {"unreadCount": 1}
            details = await alice.call("conversationDetails", {"conversationId": world["pair"]})
            assert details["conversation"]["id"] == world["pair"]
            messages = await alice.call(
                "messageList", {"limit": 20, "offset": 0, "conversationId": world["pair"]}
            )
            assert messages["totalCount"] == 1
            message = messages["data"][0]
            assert message["readBy"] == [world["bob"]]
            assert message["forwardFromId"] is None and message["type"] == "text"
            assert message["author"]["fullName"]
            await alice.emit(
                "markAsReadUnreadMessages",
                {"conversationId": world["pair"], "lastTimestamp": message["createdAt"]},
            )
            read = await alice.next("messagesRead")
            assert read == {
                "messageIds": [message["id"]],
                "conversationId": world["pair"],
                "memberId": world["alice"],
                "unreadCount": 0,
            }
            assert await alice.call("conversationUnreadCount", {}) == {"unreadCount": 0}
        finally:
            await alice.close()

    run(scenario())


def test_the_list_filters_by_text_and_pages(server: RoqServer) -> None:
    world = _world(server)
    create_conversation(server, world["alice"], [world["alice"], world["carol"]], title="Quarterly numbers")

    async def scenario() -> None:
        alice = await live(server, world["alice"])
        try:
            found = await alice.call("conversationList", {"limit": 6, "offset": 0, "filter": "quarterly"})
            assert [c["title"] for c in found["data"]] == ["Quarterly numbers"]
            first = await alice.call("conversationList", {"limit": 1, "offset": 0, "filter": ""})
            second = await alice.call("conversationList", {"limit": 1, "offset": 1, "filter": ""})
            assert first["totalCount"] == second["totalCount"] == 2
            assert first["data"][0]["title"] == "Quarterly numbers"  # the latest activity first
            assert second["data"][0]["id"] == world["pair"]
        finally:
            await alice.close()

    run(scenario())


# ---------------------------------------------------------------- one world, every door


def test_a_sent_message_reaches_exactly_the_members_and_is_in_graphql(server: RoqServer) -> None:
    world = _world(server)
    elsewhere = create_conversation(server, world["carol"], [world["carol"], world["bob"]])

    async def scenario() -> None:
        alice, bob, carol = [await live(server, world[name]) for name in ("alice", "bob", "carol")]
        try:
            await alice.emit(
                "sendMessage", {"body": "Hi Bob", "conversationId": world["pair"], "type": "text"}
            )
            for client in (alice, bob):  # the sender too: ROQ's UI shows its message only from here
                received = await client.next("messageReceived")
                assert received["body"] == "Hi Bob"
                assert received["authorId"] == world["alice"]
                assert received["readBy"] == [world["alice"]]
                assert received["conversationTags"] == []
            # Carol hears of her own conversation, and of nothing before it.
            await carol.emit("sendMessage", {"body": "Hi", "conversationId": elsewhere})
            assert (await carol.next("messageReceived"))["conversationId"] == elsewhere
            assert [d["conversationId"] for d in carol.named("messageReceived")] == [elsewhere]
        finally:
            for client in (alice, bob, carol):
                await client.close()

    run(scenario())
    answer = server.execute(MESSAGES, {"id": world["pair"]}, as_user=world["bob"])
    assert answer["data"]["messages"]["data"] == [{"body": "Hi Bob", "authorId": world["alice"]}]


@pytest.mark.parametrize("transports", [("polling",), ("polling", "websocket")], ids=["polling", "upgrade"])
def test_messages_arrive_in_order_over_long_polling_and_its_upgrade(
    server: RoqServer, transports: tuple[str, ...]
) -> None:
    """Engine.IO's long polling (and the upgrade from it to a WebSocket) drains the same per-socket queue
    as a WebSocket's writer: every message arrives, once, in the order it was sent."""
    world = _world(server)
    bodies = [f"message {index}" for index in range(12)]

    async def scenario() -> list[str]:
        token = {"platformtoken": server.token(world["bob"])}
        bob = await LiveClient(server.url, query=token, transports=transports).connect()
        try:
            for body in bodies[:6]:  # a burst: one poll's answer carries several
                create_message(server, world["pair"], world["alice"], body, as_user=world["alice"])
            for body in bodies[6:]:  # one at a time, each to a poll that waits
                await asyncio.sleep(0.05)
                create_message(server, world["pair"], world["alice"], body, as_user=world["alice"])
            for _ in bodies:
                await bob.next("messageReceived")
            await asyncio.sleep(0.2)  # nothing more arrives
            assert bob.client.transport() == transports[-1]
            return [data["body"] for data in bob.named("messageReceived")]
        finally:
            await bob.close()

    assert run(scenario()) == bodies


def test_a_graphql_message_arrives_live(server: RoqServer) -> None:
    world = _world(server)

    async def scenario() -> None:
        bob = await live(server, world["bob"])
        try:
            await asyncio.to_thread(create_message, server, world["pair"], world["alice"], "System notice")
            received = await bob.next("messageReceived")
            assert received["body"] == "System notice"
            assert received["isSystem"] is True
        finally:
            await bob.close()

    run(scenario())


def test_a_graphql_conversation_arrives_live(server: RoqServer) -> None:
    world = _world(server)

    async def scenario() -> None:
        bob = await live(server, world["bob"])
        try:
            created = await asyncio.to_thread(
                create_conversation, server, world["carol"], [world["carol"], world["bob"]], "From the server"
            )
            conversation = await bob.next("conversationCreated")
            assert conversation["id"] == created
            assert conversation["title"] == "From the server"
            assert conversation["ownerId"] == world["carol"]
        finally:
            await bob.close()

    run(scenario())


def test_create_conversation_and_an_existing_one_to_one(server: RoqServer) -> None:
    world = _world(server)

    async def scenario() -> None:
        alice, carol = await live(server, world["alice"]), await live(server, world["carol"])
        try:
            await alice.emit(
                "createConversation", {"title": "Chat", "memberIds": [world["carol"], world["alice"]]}
            )
            created = await alice.next("conversationCreated")
            assert created["ownerId"] == world["alice"]
            assert (await carol.next("conversationCreated"))["id"] == created["id"]
            await alice.emit(
                "createConversation", {"title": "Chat", "memberIds": [world["carol"], world["alice"]]}
            )
            exists = await alice.next("conversationExists")
            assert exists["id"] == created["id"] == exists["conversation"]["id"]
        finally:
            await alice.close()
            await carol.close()

    run(scenario())


def test_a_conversation_without_another_member_is_refused(server: RoqServer) -> None:
    """ROQ's UI shows a one-to-one as its other member (``members[0]`` once it drops the user): a
    conversation of the user alone would break its list, so it is never made."""
    world = _world(server)
    conversations = "query($id: ID!) { conversations(filter: {memberId: {equalTo: $id}}) { totalCount } }"

    async def scenario() -> None:
        carol = await live(server, world["carol"])
        try:
            for members in ([], [world["carol"]], [world["carol"].upper()]):
                for extra in ({}, {"isGroup": True}):
                    data = {"title": "Me", "memberIds": members, **extra}
                    answer = await carol.call("createConversation", data)
                    assert answer["error"]["errorCode"] == "VALIDATION_ERROR", (data, answer)
                    assert answer["error"]["variables"]["property"] == "memberIds"
            assert carol.named("conversationCreated") == []
        finally:
            await carol.close()

    run(scenario())
    answer = server.execute(conversations, {"id": world["carol"]})
    assert answer["data"]["conversations"]["totalCount"] == 0


def test_the_uis_forward_of_a_reply_is_sent(server: RoqServer) -> None:
    """ROQ's UI forwards a message with its own ``replyId`` copied in (chat-provider.js,
    ``forwardMessage``: ``{body, mentionedIds: [], replyId: m.repliedToId, type, fileId, forwardFromId:
    m.id, conversationId}``): forwarding a reply to another conversation must work, as a forward."""
    world = _world(server)
    other = create_conversation(server, world["alice"], [world["alice"], world["carol"]], title="Other")

    async def scenario() -> None:
        alice = await live(server, world["alice"])
        try:
            text = {"conversationId": world["pair"], "type": "text"}
            await alice.emit("sendMessage", {**text, "body": "first"})
            first = await alice.next("messageReceived")
            await alice.emit("sendMessage", {**text, "body": "a reply", "replyId": first["id"]})
            replied = await alice.next("messageReceived")
            assert replied["repliedToId"] == first["id"]
            forward = {
                "body": replied["body"],
                "mentionedIds": [],
                "replyId": replied["repliedToId"],
                "type": replied["type"],
                "fileId": replied["fileId"],
                "forwardFromId": replied["id"],
                "conversationId": other,
            }
            await alice.emit("sendMessage", forward)
            forwarded = await alice.next("messageReceived")
            assert alice.exceptions() == []
            assert (forwarded["conversationId"], forwarded["forwardFromId"]) == (other, replied["id"])
            assert (forwarded["repliedToId"], forwarded["repliedTo"]) == (None, None)
            # Any other reply still has to be in the conversation.
            await alice.emit("sendMessage", {**forward, "replyId": replied["id"]})
            told = json.loads(await alice.next("exception"))
            assert told["errorCode"] == "REPLIED_MESSAGE_NOT_IN_CONVERSATION"
        finally:
            await alice.close()

    run(scenario())


def test_typing_is_relayed_to_the_other_members(server: RoqServer) -> None:
    world = _world(server)

    async def scenario() -> None:
        alice, bob = await live(server, world["alice"]), await live(server, world["bob"])
        try:
            await alice.emit(
                "userTyping", {"conversationId": world["pair"], "userId": world["alice"], "typing": True}
            )
            typing = await bob.next("userTyping")
            assert typing["userId"] == world["alice"] and typing["typing"] is True
            assert typing["conversationId"] == world["pair"] and typing["timestamp"]
        finally:
            await alice.close()
            await bob.close()

    run(scenario())


def test_presence_reaches_the_contacts(server: RoqServer) -> None:
    world = _world(server)

    async def scenario() -> None:
        alice = await live(server, world["alice"])
        try:
            bob = await live(server, world["bob"])
            assert await alice.next("userOnline") == {"id": world["bob"], "isOnline": True}
            users = await alice.call("userList", {"userId": world["alice"]})
            assert {"id": world["bob"], "isOnline": True} in users["users"]
            await bob.close()
            assert await alice.next("userOffline") == {"id": world["bob"], "isOnline": False}
        finally:
            await alice.close()

    run(scenario())


# ---------------------------------------------------------------- refusals of events


def test_a_non_member_learns_nothing_and_gets_an_exception_string(server: RoqServer) -> None:
    world = _world(server)

    async def scenario() -> None:
        carol = await live(server, world["carol"])
        try:
            answer = await carol.call(
                "messageList", {"conversationId": world["pair"], "limit": 20, "offset": 0}
            )
            assert answer["error"]["errorCode"] == "CONVERSATION_NOT_FOUND"
            await carol.emit("sendMessage", {"body": "let me in", "conversationId": world["pair"]})
            await carol.emit("userTyping", {"conversationId": world["pair"], "typing": True})
            codes = [json.loads(await carol.next("exception"))["errorCode"] for _ in range(3)]
            # GraphQL's own answers: a write to a conversation one is not in is 403, a read of it 404.
            assert codes == ["CONVERSATION_NOT_FOUND", "FORBIDDEN", "CONVERSATION_NOT_FOUND"]
        finally:
            await carol.close()

    run(scenario())
    answer = server.execute(MESSAGES, {"id": world["pair"]})
    assert answer["data"]["messages"]["totalCount"] == 0


def test_bad_payloads_get_a_validation_exception(server: RoqServer) -> None:
    world = _world(server)

    async def scenario() -> None:
        alice = await live(server, world["alice"])
        try:
            for event, data in (
                ("conversationList", "not an object"),
                ("conversationList", {"limit": -1}),
                ("messageList", {"conversationId": "nope"}),
            ):
                answer = await alice.call(event, data)
                assert answer["error"]["errorCode"] in ("BAD_REQUEST", "VALIDATION_ERROR"), (event, answer)
            await alice.emit(
                "markAsReadUnreadMessages", {"conversationId": world["pair"], "lastTimestamp": "soon"}
            )
            # Each refusal is also told as ROQ's exception event, in order.
            told = [json.loads(await alice.next("exception")) for _ in range(4)]
            assert told[-1]["variables"]["property"] == "lastTimestamp"
            assert told[0]["message"] == "conversationList takes an object"
        finally:
            await alice.close()

    run(scenario())


def test_wrong_typed_optional_fields_are_refused_never_ignored(server: RoqServer) -> None:
    world = _world(server)
    pair = world["pair"]
    send = {"conversationId": pair, "body": "should not be written"}

    async def scenario() -> None:
        alice = await live(server, world["alice"])
        try:
            for event, data, field in (
                ("sendMessage", {**send, "fileId": 1}, "fileId"),
                ("sendMessage", {**send, "type": "text", "fileId": str(uuid.uuid4())}, "fileId"),
                ("sendMessage", {**send, "isSystem": "yes"}, "isSystem"),
                ("sendMessage", {**send, "authorId": {}}, "authorId"),
                ("sendMessage", {**send, "authorId": ""}, "authorId"),
                ("conversationList", {"includeArchived": "yes"}, "includeArchived"),
                ("conversationList", {"includeDeactivated": 1}, "includeDeactivated"),
                ("messageList", {"conversationId": pair, "filter": 1}, "filter"),
                ("userTyping", {"conversationId": pair, "typing": "yes"}, "typing"),
            ):
                answer = await alice.call(event, data)
                assert answer["error"]["errorCode"] in ("VALIDATION_ERROR", "IS_UUID"), (event, data, answer)
                assert answer["error"]["variables"]["property"] == field, (event, data, answer)
            for event, data in (
                ("userList", {"userId": world["bob"]}),
                ("userTyping", {"conversationId": pair, "userId": world["bob"], "typing": True}),
            ):
                answer = await alice.call(event, data)
                assert answer["error"]["errorCode"] == "FORBIDDEN", (event, data, answer)
        finally:
            await alice.close()

    run(scenario())
    assert server.execute(MESSAGES, {"id": pair})["data"]["messages"]["totalCount"] == 0


def test_an_empty_message_or_title_is_refused_as_an_edit_or_rename_to_one_is(server: RoqServer) -> None:
    world = _world(server)
    pair = world["pair"]

    async def scenario() -> None:
        alice = await live(server, world["alice"])
        try:
            for event, data, field in (
                ("sendMessage", {"conversationId": pair, "body": ""}, "body"),
                ("sendMessage", {"conversationId": pair, "body": "  \n ", "type": "text"}, "body"),
                ("createConversation", {"title": "", "memberIds": [world["bob"]], "isGroup": True}, "title"),
                ("createConversation", {"title": " ", "memberIds": [world["carol"]]}, "title"),
                ("renameConversation", {"conversationId": pair, "title": " "}, "title"),
            ):
                answer = await alice.call(event, data)
                assert answer["error"]["errorCode"] == "IS_NOT_EMPTY", (event, data, answer)
                assert answer["error"]["variables"]["property"] == field
            assert alice.named("conversationCreated") == [] and alice.named("messageReceived") == []
        finally:
            await alice.close()

    run(scenario())
    assert server.execute(MESSAGES, {"id": pair})["data"]["messages"]["totalCount"] == 0


def test_an_event_roqmock_does_not_serve_is_told_not_dropped(server: RoqServer) -> None:
    world = _world(server)

    async def scenario() -> None:
        alice = await live(server, world["alice"])
        try:
            answer = await alice.call("pinConversation", {"conversationId": world["pair"]})
            assert answer["error"]["errorCode"] == "EVENT_NOT_SERVED"
            told = json.loads(await alice.next("exception"))
            assert told["variables"] == {"event": "pinConversation"}
        finally:
            await alice.close()

    run(scenario())
