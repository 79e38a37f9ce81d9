"""The message center's write events beyond sending (python-socketio's client): editing and deleting
messages, replies, forwards and mentions, a user's unread flag, and renaming, archiving, leaving and
changing the members of a conversation. Each reaches exactly the members who may read the conversation,
and each refusal is an ``exception`` that changed nothing.

A socket that must hear nothing writes in a conversation of its own last: the server sends each socket
its events in order, so once that message is back, anything sent to it before has arrived. No sleep.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from support.servers import serve
from support.sockets import LiveClient, create_conversation, create_message, create_user, live

from roqmock.testing import RoqServer

MESSAGES = """query($id: ID!) { messages(filter: {conversationId: {equalTo: $id}}) {
  totalCount data { id body fileId } } }"""
DELETED_AT = """query($id: ID!) { messages(filter: {id: {equalTo: $id}}) { data { body deletedAt } } }"""
CONVERSATION = "query($id: ID!) { conversations(filter: {id: {equalTo: $id}}) { data { title archived } } }"


@pytest.fixture(scope="module")
def server() -> Iterator[RoqServer]:
    running = serve()
    yield running
    running.stop()


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def _world(server: RoqServer) -> dict[str, str]:
    """alice, bob, carol and dave; ``pair``: alice and bob one-to-one; ``team``: a group of alice
    (owner), bob and carol; ``solo``: each user's own conversation, for barriers."""
    suffix = uuid.uuid4().hex[:8]
    world = {name: create_user(server, f"{name}{suffix}") for name in ("alice", "bob", "carol", "dave")}
    world["pair"] = create_conversation(server, world["alice"], [world["alice"], world["bob"]], "Pair")
    team = [world["alice"], world["bob"], world["carol"]]
    world["team"] = create_conversation(server, world["alice"], team, "Team")
    for name in ("alice", "bob", "carol", "dave"):
        world[f"{name}Own"] = create_conversation(server, world[name], [world[name]], "Notes")
    return world


def _say(server: RoqServer, world: dict[str, str], conversation: str, author: str, body: str) -> str:
    """A message written by ``author`` (as that user) over GraphQL; its id."""
    create_message(server, world[conversation], world[author], body, as_user=world[author])
    return _id_of(server, world[conversation], body)


def _id_of(server: RoqServer, conversation: str, body: str) -> str:
    answer = server.execute(MESSAGES, {"id": conversation})
    (found,) = [m["id"] for m in answer["data"]["messages"]["data"] if m["body"] == body]
    return str(found)


async def _barrier(client: LiveClient, own: str) -> None:
    """Everything sent to ``client`` before now has arrived."""
    await client.emit("sendMessage", {"conversationId": own, "body": "barrier"})
    while (await client.next("messageReceived"))["body"] != "barrier":
        pass


async def _refused(client: LiveClient, event: str, data: Any) -> dict[str, Any]:
    """The ``exception`` an event gets (the ack carries the same error)."""
    answer = await client.call(event, data)
    told: dict[str, Any] = json.loads(await client.next("exception"))
    assert answer == {"error": told}
    return told


def _heard(client: LiveClient, conversation: str) -> list[tuple[str, Any]]:
    return [
        (e, d) for e, d in client.events if isinstance(d, dict) and d.get("conversationId") == conversation
    ]


def _bodies(server: RoqServer, conversation: str) -> list[str]:
    return [m["body"] for m in server.execute(MESSAGES, {"id": conversation})["data"]["messages"]["data"]]


# ---------------------------------------------------------------- editing and deleting messages


def test_an_edit_reaches_the_members_and_graphql(server: RoqServer) -> None:
    world = _world(server)
    message = _say(server, world, "pair", "alice", "Helo")

    async def scenario() -> None:
        alice, bob, carol = [await live(server, world[n]) for n in ("alice", "bob", "carol")]
        try:
            await alice.emit("editMessage", {"id": message, "body": "Hello"})
            for client in (alice, bob):
                updated = await client.next("messageUpdated")
                assert set(updated) == {"id", "conversationId", "body", "bodyUpdatedAt"}
                assert updated["id"] == message and updated["conversationId"] == world["pair"]
                assert updated["body"] == "Hello" and updated["bodyUpdatedAt"]
            listed = await bob.call(
                "messageList", {"conversationId": world["pair"], "limit": 20, "offset": 0}
            )
            assert listed["data"][0]["body"] == "Hello"
            assert listed["data"][0]["bodyUpdatedAt"] == updated["bodyUpdatedAt"]
            await _barrier(carol, world["carolOwn"])
            assert _heard(carol, world["pair"]) == []
        finally:
            for client in (alice, bob, carol):
                await client.close()

    run(scenario())
    assert _bodies(server, world["pair"]) == ["Hello"]


def test_edit_refusals_change_nothing(server: RoqServer) -> None:
    world = _world(server)
    message = _say(server, world, "team", "alice", "Original")
    create_message(server, world["team"], world["alice"], "System says")  # a system message
    system = _id_of(server, world["team"], "System says")

    async def scenario() -> list[str]:
        alice, bob, dave = [await live(server, world[n]) for n in ("alice", "bob", "dave")]
        try:
            codes = [
                (await _refused(bob, "editMessage", {"id": message, "body": "mine now"}))["errorCode"],
                (await _refused(dave, "editMessage", {"id": message, "body": "who?"}))["errorCode"],
                (await _refused(alice, "editMessage", {"id": system, "body": "x"}))["errorCode"],
                (await _refused(alice, "editMessage", {"id": "nope", "body": "x"}))["errorCode"],
                (await _refused(alice, "editMessage", {"id": message, "body": 7}))["errorCode"],
                (await _refused(alice, "editMessage", {"id": message, "body": "  "}))["errorCode"],
                (await _refused(alice, "editMessage", {"id": str(uuid.uuid4()), "body": "x"}))["errorCode"],
            ]
            await alice.emit("deleteMessage", {"id": message})
            await alice.next("messageDeleted")
            codes.append((await _refused(alice, "editMessage", {"id": message, "body": "x"}))["errorCode"])
            await _barrier(bob, world["bobOwn"])
            assert bob.named("messageUpdated") == []
            return codes
        finally:
            for client in (alice, bob, dave):
                await client.close()

    assert run(scenario()) == [
        "FORBIDDEN",
        "MESSAGE_NOT_FOUND",
        "SYSTEM_MESSAGE_READ_ONLY",
        "VALIDATION_ERROR",
        "VALIDATION_ERROR",
        "IS_NOT_EMPTY",
        "MESSAGE_NOT_FOUND",
        "MESSAGE_DELETED",
    ]
    assert sorted(_bodies(server, world["team"])) == ["", "System says"]


def test_a_deleted_message_stays_with_an_empty_body_and_its_deletion_time(server: RoqServer) -> None:
    world = _world(server)
    message = _say(server, world, "pair", "alice", "Oops")

    async def scenario() -> None:
        alice, bob = await live(server, world["alice"]), await live(server, world["bob"])
        try:
            assert await bob.call("conversationUnreadCount", {}) == {"unreadCount": 1}
            await alice.emit("deleteMessage", {"id": message})
            for client in (alice, bob):
                deleted = await client.next("messageDeleted")
                assert set(deleted) == {"id", "conversationId", "body", "deletedAt"}
                assert deleted["id"] == message and deleted["conversationId"] == world["pair"]
                assert deleted["body"] == "" and deleted["deletedAt"]
            listed = await bob.call(
                "messageList", {"conversationId": world["pair"], "limit": 20, "offset": 0}
            )
            assert listed["totalCount"] == 1
            assert listed["data"][0]["deletedAt"] == deleted["deletedAt"]
            assert listed["data"][0]["body"] == ""
            # A deleted message is no longer unread.
            assert await bob.call("conversationUnreadCount", {}) == {"unreadCount": 0}
        finally:
            await alice.close()
            await bob.close()

    run(scenario())
    # GraphQL agrees: still listed, emptied, with the deletion time.
    answer = server.execute(DELETED_AT, {"id": message}, as_user=world["bob"])
    assert answer["data"]["messages"]["data"] == [{"body": "", "deletedAt": answer_deleted(answer)}]


def answer_deleted(answer: dict[str, Any]) -> str:
    deleted_at = answer["data"]["messages"]["data"][0]["deletedAt"]
    assert isinstance(deleted_at, str) and deleted_at
    return deleted_at


def test_delete_refusals_change_nothing(server: RoqServer) -> None:
    world = _world(server)
    message = _say(server, world, "team", "alice", "Keep me")

    async def scenario() -> list[str]:
        bob, dave = await live(server, world["bob"]), await live(server, world["dave"])
        try:
            return [
                (await _refused(bob, "deleteMessage", {"id": message}))["errorCode"],
                (await _refused(dave, "deleteMessage", {"id": message}))["errorCode"],
                (await _refused(bob, "deleteMessage", {"id": 12}))["errorCode"],
            ]
        finally:
            await bob.close()
            await dave.close()

    assert run(scenario()) == ["FORBIDDEN", "MESSAGE_NOT_FOUND", "VALIDATION_ERROR"]
    assert _bodies(server, world["team"]) == ["Keep me"]


# ---------------------------------------------------------------- replies, forwards, mentions


def test_replies_forwards_and_mentions(server: RoqServer) -> None:
    world = _world(server)
    question = _say(server, world, "pair", "alice", "Lunch?")
    in_team = _say(server, world, "team", "carol", "Menu attached")
    private = create_conversation(server, world["alice"], [world["alice"], world["dave"]], "Private")
    world["private"] = private
    secret = _say(server, world, "private", "dave", "Between us")

    async def scenario() -> None:
        alice, bob = await live(server, world["alice"]), await live(server, world["bob"])
        try:
            await bob.emit(
                "sendMessage",
                {
                    "conversationId": world["pair"],
                    "body": "Yes!",
                    "replyId": question,
                    "mentionedIds": [world["alice"]],
                },
            )
            reply = await alice.next("messageReceived")
            assert reply["repliedToId"] == question
            assert reply["repliedTo"]["id"] == question and reply["repliedTo"]["body"] == "Lunch?"
            assert reply["repliedTo"]["author"]["fullName"] and reply["repliedTo"]["deletedAt"] is None
            assert (
                "forwardFromId" in reply and reply["forwardFromId"] is None and reply["forwardFrom"] is None
            )
            assert reply["mentionedIds"] == [world["alice"]]
            # Bob is in the team: he sees what was forwarded from it.
            await alice.emit(
                "sendMessage", {"conversationId": world["pair"], "body": "Menu", "forwardFromId": in_team}
            )
            forward = await bob.next("messageReceived")
            while forward["body"] != "Menu":
                forward = await bob.next("messageReceived")
            assert forward["forwardFromId"] == in_team
            assert forward["forwardFrom"]["body"] == "Menu attached"
            # Bob is not in alice and dave's conversation: only the forward's id, none of the original.
            await alice.emit(
                "sendMessage", {"conversationId": world["pair"], "body": "FYI", "forwardFromId": secret}
            )
            forward = await bob.next("messageReceived")
            while forward["body"] != "FYI":
                forward = await bob.next("messageReceived")
            assert forward["forwardFromId"] == secret and forward["forwardFrom"] is None
            assert private not in json.dumps(bob.events)
            # Alice may read the original: she sees it, live (one event, two views of it) and listed.
            heard = await alice.next("messageReceived")
            while heard["body"] != "FYI":
                heard = await alice.next("messageReceived")
            assert heard["forwardFrom"]["body"] == "Between us"
            listed = await alice.call(
                "messageList", {"conversationId": world["pair"], "limit": 20, "offset": 0}
            )
            by_body = {m["body"]: m for m in listed["data"]}
            assert by_body["FYI"]["forwardFrom"]["body"] == "Between us"
            assert by_body["Yes!"]["repliedTo"]["id"] == question
        finally:
            await alice.close()
            await bob.close()

    run(scenario())


def test_reply_forward_and_mention_refusals_send_nothing(server: RoqServer) -> None:
    world = _world(server)
    in_pair = _say(server, world, "pair", "alice", "In the pair")
    in_team = _say(server, world, "team", "alice", "In the team")

    async def scenario() -> list[str]:
        bob, carol = await live(server, world["bob"]), await live(server, world["carol"])
        try:
            pair = world["pair"]
            refusals = [
                (bob, {"conversationId": pair, "body": "x", "replyId": in_team}),
                (bob, {"conversationId": pair, "body": "x", "replyId": str(uuid.uuid4())}),
                (bob, {"conversationId": pair, "body": "x", "replyId": "nope"}),
                (carol, {"conversationId": world["team"], "body": "x", "forwardFromId": in_pair}),
                (bob, {"conversationId": pair, "body": "x", "mentionedIds": [world["carol"]]}),
                (bob, {"conversationId": pair, "body": "x", "mentionedIds": ["nope"]}),
                (bob, {"conversationId": pair, "body": "x", "mentionedIds": world["alice"]}),
            ]
            return [(await _refused(client, "sendMessage", data))["errorCode"] for client, data in refusals]
        finally:
            await bob.close()
            await carol.close()

    assert run(scenario()) == [
        "REPLIED_MESSAGE_NOT_IN_CONVERSATION",
        "MESSAGE_NOT_FOUND",
        "VALIDATION_ERROR",
        "MESSAGE_NOT_FOUND",
        "MENTIONED_USER_NOT_MEMBER",
        "VALIDATION_ERROR",
        "VALIDATION_ERROR",
    ]
    assert _bodies(server, world["pair"]) == ["In the pair"]
    assert _bodies(server, world["team"]) == ["In the team"]


# ---------------------------------------------------------------- a user's unread flag


def test_marking_a_conversation_unread_is_the_users_own(server: RoqServer) -> None:
    world = _world(server)
    flag = {"conversationId": world["pair"], "userId": world["alice"]}

    async def scenario() -> None:
        alice, bob = await live(server, world["alice"]), await live(server, world["bob"])
        try:
            await alice.emit("markConversationAsReadUnread", {**flag, "unread": True})
            assert await alice.next("conversationUpdated") == {
                "conversationId": world["pair"],
                "unread": True,
            }
            details = await alice.call("conversationDetails", {"conversationId": world["pair"]})
            assert details["conversation"]["unread"] is True
            # The badge counts a flagged conversation once.
            assert await alice.call("conversationUnreadCount", {}) == {"unreadCount": 1}
            theirs = await bob.call("conversationDetails", {"conversationId": world["pair"]})
            assert theirs["conversation"]["unread"] is False
            await alice.emit("markConversationAsReadUnread", {**flag, "unread": False})
            assert await alice.next("conversationUpdated") == {
                "conversationId": world["pair"],
                "unread": False,
            }
            assert await alice.call("conversationUnreadCount", {}) == {"unreadCount": 0}
            await _barrier(bob, world["bobOwn"])
            assert bob.named("conversationUpdated") == []
        finally:
            await alice.close()
            await bob.close()

    run(scenario())


def test_unread_flag_refusals(server: RoqServer) -> None:
    world = _world(server)

    async def scenario() -> list[str]:
        alice, carol = await live(server, world["alice"]), await live(server, world["carol"])
        try:
            pair = world["pair"]
            codes = [
                (await _refused(alice, "markConversationAsReadUnread", data))["errorCode"]
                for data in (
                    {"conversationId": pair, "userId": world["bob"], "unread": True},
                    {"conversationId": pair, "userId": world["alice"], "unread": "yes"},
                    {"conversationId": "nope", "userId": world["alice"], "unread": True},
                )
            ]
            stranger = {"conversationId": pair, "userId": world["carol"], "unread": True}
            codes.append((await _refused(carol, "markConversationAsReadUnread", stranger))["errorCode"])
            details = await alice.call("conversationDetails", {"conversationId": pair})
            assert details["conversation"]["unread"] is False
            return codes
        finally:
            await alice.close()
            await carol.close()

    assert run(scenario()) == ["FORBIDDEN", "VALIDATION_ERROR", "VALIDATION_ERROR", "CONVERSATION_NOT_FOUND"]


# ---------------------------------------------------------------- rename, archive


def test_rename_and_archive_reach_every_member(server: RoqServer) -> None:
    world = _world(server)

    async def scenario() -> None:
        clients = [await live(server, world[n]) for n in ("alice", "bob", "carol", "dave")]
        alice, *_, dave = clients
        try:
            await alice.emit("renameConversation", {"conversationId": world["team"], "title": "Crew"})
            for client in clients[:3]:
                renamed = await client.next("conversationTitleChanged")
                assert renamed == {"conversationId": world["team"], "title": "Crew"}
            await alice.emit("archiveConversation", {"conversationId": world["team"]})
            for client in clients[:3]:
                assert await client.next("conversationArchived") == {"conversationId": world["team"]}
            listed = await alice.call("conversationList", {"limit": 6, "offset": 0, "filter": ""})
            assert world["team"] not in [c["id"] for c in listed["data"]]
            await _barrier(dave, world["daveOwn"])
            assert _heard(dave, world["team"]) == []
        finally:
            for client in clients:
                await client.close()

    run(scenario())
    answer = server.execute(CONVERSATION, {"id": world["team"]})
    assert answer["data"]["conversations"]["data"][0] == {"title": "Crew", "archived": True}


def test_rename_and_archive_refusals(server: RoqServer) -> None:
    world = _world(server)

    async def scenario() -> list[str]:
        alice, bob, dave = [await live(server, world[n]) for n in ("alice", "bob", "dave")]
        try:
            team = world["team"]
            return [
                (await _refused(bob, "renameConversation", {"conversationId": team, "title": "Mine"}))[
                    "errorCode"
                ],
                (await _refused(bob, "archiveConversation", {"conversationId": team}))["errorCode"],
                (await _refused(dave, "renameConversation", {"conversationId": team, "title": "x"}))[
                    "errorCode"
                ],
                (await _refused(alice, "renameConversation", {"conversationId": team, "title": " "}))[
                    "errorCode"
                ],
                (await _refused(alice, "renameConversation", {"conversationId": team, "title": None}))[
                    "errorCode"
                ],
                (await _refused(alice, "archiveConversation", {"conversationId": 5}))["errorCode"],
            ]
        finally:
            for client in (alice, bob, dave):
                await client.close()

    assert run(scenario()) == [
        "FORBIDDEN",
        "FORBIDDEN",
        "CONVERSATION_NOT_FOUND",
        "IS_NOT_EMPTY",
        "VALIDATION_ERROR",
        "VALIDATION_ERROR",
    ]
    answer = server.execute(CONVERSATION, {"id": world["team"]})
    assert answer["data"]["conversations"]["data"][0] == {"title": "Team", "archived": False}


# ---------------------------------------------------------------- leaving, changing members


def test_leaving_tells_the_leaver_and_the_others_and_then_the_leaver_hears_nothing(
    server: RoqServer,
) -> None:
    world = _world(server)

    async def scenario() -> None:
        alice, bob, carol = [await live(server, world[n]) for n in ("alice", "bob", "carol")]
        try:
            await bob.emit("leaveConversation", {"conversationId": world["team"]})
            left = await bob.next("memberQuitConversation")
            assert left == {"conversationId": world["team"], "memberIds": [world["bob"]]}
            for client in (alice, carol):
                changed = await client.next("conversationMembersChanged")
                assert changed["conversationId"] == world["team"]
                assert sorted(changed["memberIds"]) == sorted([world["alice"], world["carol"]])
                assert sorted(m["id"] for m in changed["members"]) == sorted(changed["memberIds"])
            await alice.emit("sendMessage", {"conversationId": world["team"], "body": "Bye Bob"})
            await carol.next("messageReceived")
            await _barrier(bob, world["bobOwn"])
            assert [e for e, _ in _heard(bob, world["team"])] == ["memberQuitConversation"]
            told = await _refused(bob, "messageList", {"conversationId": world["team"]})
            assert told["errorCode"] == "CONVERSATION_NOT_FOUND"
        finally:
            for client in (alice, bob, carol):
                await client.close()

    run(scenario())


def test_leave_refusals(server: RoqServer) -> None:
    world = _world(server)

    async def scenario() -> list[str]:
        alice, bob, dave = [await live(server, world[n]) for n in ("alice", "bob", "dave")]
        try:
            return [
                (await _refused(bob, "leaveConversation", {"conversationId": world["pair"]}))["errorCode"],
                (await _refused(alice, "leaveConversation", {"conversationId": world["team"]}))["errorCode"],
                (await _refused(dave, "leaveConversation", {"conversationId": world["team"]}))["errorCode"],
                (await _refused(dave, "leaveConversation", {}))["errorCode"],
            ]
        finally:
            for client in (alice, bob, dave):
                await client.close()

    assert run(scenario()) == [
        "CONVERSATION_NOT_GROUP",
        "OWNER_CANNOT_LEAVE",
        "CONVERSATION_NOT_FOUND",
        "VALIDATION_ERROR",
    ]


def test_changing_members_tells_who_stays_joins_and_goes(server: RoqServer) -> None:
    world = _world(server)
    new_members = [world["alice"], world["bob"], world["dave"]]

    async def scenario() -> None:
        alice, bob, carol, dave = [await live(server, world[n]) for n in ("alice", "bob", "carol", "dave")]
        try:
            await alice.emit(
                "updateConversationMembers", {"conversationId": world["team"], "memberIds": new_members}
            )
            for client in (alice, bob):
                changed = await client.next("conversationMembersChanged")
                assert changed["conversationId"] == world["team"]
                assert sorted(changed["memberIds"]) == sorted(new_members)
                assert sorted(m["id"] for m in changed["members"]) == sorted(new_members)
            assert await carol.next("memberQuitConversation") == {
                "conversationId": world["team"],
                "memberIds": [world["carol"]],
            }
            joined = await dave.next("conversationCreated")
            assert joined["id"] == world["team"] and sorted(joined["memberIds"]) == sorted(new_members)
            await alice.emit("sendMessage", {"conversationId": world["team"], "body": "Welcome Dave"})
            assert (await dave.next("messageReceived"))["body"] == "Welcome Dave"
            await _barrier(carol, world["carolOwn"])
            assert [e for e, _ in _heard(carol, world["team"])] == ["memberQuitConversation"]
        finally:
            for client in (alice, bob, carol, dave):
                await client.close()

    run(scenario())


def test_member_change_refusals_change_nothing(server: RoqServer) -> None:
    world = _world(server)
    team = world["team"]
    members = [world["alice"], world["bob"], world["carol"]]

    async def scenario() -> list[str]:
        alice, bob = await live(server, world["alice"]), await live(server, world["bob"])
        try:
            refusals = [
                (bob, {"conversationId": team, "memberIds": [world["bob"], world["alice"]]}),
                (
                    alice,
                    {
                        "conversationId": world["pair"],
                        "memberIds": [world["alice"], world["bob"], world["dave"]],
                    },
                ),
                (alice, {"conversationId": team, "memberIds": [world["bob"], world["carol"]]}),
                (alice, {"conversationId": team, "memberIds": [*members, str(uuid.uuid4())]}),
                (alice, {"conversationId": team, "memberIds": [*members, "nope"]}),
                (alice, {"conversationId": team, "memberIds": world["dave"]}),
            ]
            codes = [(await _refused(c, "updateConversationMembers", d))["errorCode"] for c, d in refusals]
            details = await alice.call("conversationDetails", {"conversationId": team})
            assert sorted(details["conversation"]["memberIds"]) == sorted(members)
            await _barrier(bob, world["bobOwn"])
            assert bob.named("conversationMembersChanged") == []
            return codes
        finally:
            await alice.close()
            await bob.close()

    assert run(scenario()) == [
        "FORBIDDEN",
        "CONVERSATION_NOT_GROUP",
        "MEMBER_MUST_STAY",
        "USER_NOT_FOUND",
        "VALIDATION_ERROR",
        "VALIDATION_ERROR",
    ]


# ---------------------------------------------------------------- GraphQL writes, told live

DELETE_CONVERSATION = "mutation($id: ID!) { deleteConversation(id: $id) }"
ASSIGN_TAGS = (
    "mutation($id: ID!, $tags: [String!]!) { assignTagsToConversation(conversationId: $id, tags: $tags) }"
)


def test_graphql_tag_changes_and_deletions_reach_the_members_live(server: RoqServer) -> None:
    world = _world(server)

    async def scenario() -> None:
        bob, dave = await live(server, world["bob"]), await live(server, world["dave"])
        try:
            answer = await asyncio.to_thread(
                server.execute, ASSIGN_TAGS, {"id": world["team"], "tags": ["vip"]}
            )
            assert "errors" not in answer
            assert await bob.next("conversationUpdated") == {"conversationId": world["team"], "tags": ["vip"]}
            answer = await asyncio.to_thread(server.execute, DELETE_CONVERSATION, {"id": world["team"]})
            assert "errors" not in answer
            assert await bob.next("conversationArchived") == {"conversationId": world["team"]}
            await _barrier(dave, world["daveOwn"])
            assert _heard(dave, world["team"]) == []
        finally:
            await bob.close()
            await dave.close()

    run(scenario())
