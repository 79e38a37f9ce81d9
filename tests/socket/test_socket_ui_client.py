"""The message center through npm's socket.io-client 4.8, the client ROQ's UI ships, connected with the
UI's own options (``ui_client.js``, ``ui_conversations.js``): every event ROQ's UI sends or hears, and
every kind of refusal. A missing Node or package fails the test; it never skips."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from support.node import run_script
from support.servers import serve
from support.sockets import create_conversation, create_message, create_user

from roqmock.testing import RoqServer

SCRIPT = Path(__file__).resolve().parent / "ui_client.js"


def _run(options: dict[str, Any]) -> dict[str, Any]:
    outcome = run_script(SCRIPT, options)
    seen: dict[str, Any] = outcome["seen"]
    return seen


def test_the_uis_socket_client_chats_through_roqmock(empty_server: RoqServer) -> None:
    server = empty_server
    suffix = uuid.uuid4().hex[:8]
    alice, bob, carol = (create_user(server, f"{name}{suffix}") for name in ("uialice", "uibob", "uicarol"))
    pair = create_conversation(server, alice, [alice, bob], title="UI pair")
    carol_own = create_conversation(server, carol, [carol, bob], title="Carol and Bob")
    create_message(server, pair, bob, "Earlier", as_user=bob)
    forged = jwt.encode(
        jwt.decode(server.token(alice), options={"verify_signature": False}),
        "a-secret-that-is-not-the-servers-one-at-all",
        algorithm="HS256",
    )
    seen = _run(
        {
            "url": server.url,
            "alice": server.token(alice),
            "bob": server.token(bob),
            "carol": server.token(carol),
            "aliceId": alice,
            "bobId": bob,
            "pair": pair,
            "carolOwn": carol_own,
            "forged": forged,
        }
    )
    assert "signature" in seen["refusal"]
    assert seen["userConnected"] == {"unreadCount": 1}
    assert [c["id"] for c in seen["conversationList"]["data"]] == [pair]
    assert seen["messageList"]["data"][0]["body"] == "Earlier"
    for received in (seen["aliceReceived"], seen["bobReceived"]):
        assert received["body"] == "Hello from the UI"
        assert received["authorId"] == alice
        assert received["readBy"] == [alice]
    # Carol heard of her own conversation only (presence events name no conversation).
    assert {conversation for _, conversation in seen["carolHeard"] if conversation} == {carol_own}
    assert seen["exception"]["errorCode"] == "FORBIDDEN"
    assert seen["bobRead"]["memberId"] == bob
    assert seen["bobRead"]["unreadCount"] == 0
    # Bob's own "Earlier" was never unread for him: only Alice's message is newly read.
    assert seen["bobRead"]["messageIds"] == [seen["bobReceived"]["id"]]
    # Editing, replying with a mention, the unread flag, renaming and deleting, through the UI's client.
    mine = seen["aliceReceived"]["id"]
    assert seen["bobUpdated"]["id"] == mine and seen["bobUpdated"]["body"] == "Hello, edited"
    assert seen["bobUpdated"]["bodyUpdatedAt"]
    reply = seen["aliceReply"]
    assert reply["repliedToId"] == mine and reply["repliedTo"]["body"] == "Hello, edited"
    assert reply["repliedTo"]["author"]["fullName"] and reply["forwardFromId"] is None
    assert reply["mentionedIds"] == [alice]
    assert seen["aliceFlagged"] == {"conversationId": pair, "unread": True}
    assert seen["bobRenamed"] == {"conversationId": pair, "title": "Renamed by the UI"}
    assert seen["bobDeleted"]["id"] == mine and seen["bobDeleted"]["deletedAt"]
    assert seen["leaveRefused"]["errorCode"] == "CONVERSATION_NOT_GROUP"


CONVERSATIONS_SCRIPT = Path(__file__).resolve().parent / "ui_conversations.js"
SECRET = "ui-client-tests-secret-" + "x" * 32


@pytest.fixture(scope="module")
def signing_server() -> Iterator[RoqServer]:
    """A server whose token secret the test knows, to sign expired and other-environment tokens."""
    running = serve("--token-secret", SECRET)
    yield running
    running.stop()


def _signed_like(server: RoqServer, user_id: str, **changes: Any) -> str:
    claims = jwt.decode(server.token(user_id), options={"verify_signature": False})
    return jwt.encode({**claims, **changes}, SECRET, algorithm="HS256")


def test_every_other_event_and_refusal_through_the_uis_socket_client(signing_server: RoqServer) -> None:
    """The events ``ui_client.js`` does not send, with the shapes ROQ's UI reads, and each kind of
    refusal at connect and per event, through socket.io-client 4.8."""
    server = signing_server
    suffix = uuid.uuid4().hex[:8]
    names = ("alice", "bob", "carol", "dave")
    ids = dict(zip(names, (create_user(server, f"ui{name}{suffix}") for name in names), strict=True))
    alice, bob, carol, dave = (ids[name] for name in names)
    pair = create_conversation(server, alice, [alice, bob], title="Pair")
    tagged = create_conversation(server, alice, [alice, bob], title="Tagged")
    answer = server.execute(
        'mutation($id: ID!) { assignTagsToConversation(conversationId: $id, tags: ["support"]) }',
        {"id": tagged},
    )
    assert answer == {"data": {"assignTagsToConversation": True}}
    create_message(server, tagged, bob, "Unread for alice", as_user=bob)
    now = int(time.time())
    tokens = {name: server.token(user_id) for name, user_id in ids.items()}
    tokens["expired"] = _signed_like(server, alice, iat=now - 7200, exp=now - 3600)
    tokens["otherEnvironment"] = _signed_like(server, alice, roqEnvironmentId="another-environment")
    tokens["server"] = server.token()  # the service account's, as ROQ's server SDK sends it
    seen: dict[str, Any] = run_script(
        CONVERSATIONS_SCRIPT,
        {
            "url": server.url,
            "serverHeader": server.server_header,
            "tokens": tokens,
            "ids": ids,
            "pair": pair,
            "tagged": tagged,
        },
    )["seen"]

    refusals = seen["refusals"]
    assert "token" in refusals["missing"]["message"].lower()
    assert "expired" in refusals["expired"]["message"]
    assert "does not exist" in refusals["otherEnvironment"]["message"]

    assert seen["userOnline"] == {"id": bob, "isOnline": True}
    assert seen["userList"] == {
        "users": sorted(
            [{"id": alice, "isOnline": True}, {"id": bob, "isOnline": True}], key=lambda user: user["id"]
        )
    }
    # The list: newest activity first, search text on the title, tags, paging with the whole count.
    assert [c["id"] for c in seen["listed"]["data"]] == [tagged, pair]
    assert seen["listed"]["totalCount"] == 2
    assert [c["id"] for c in seen["searched"]["data"]] == [tagged]
    assert [c["id"] for c in seen["byTag"]["data"]] == [tagged]
    assert [c["id"] for c in seen["secondPage"]["data"]] == [pair]
    assert seen["secondPage"]["totalCount"] == 2
    assert seen["unread"] == {"unreadCount": 1}
    assert seen["unreadTagged"] == {"unreadCount": 1}
    details = seen["details"]["conversation"]
    assert details["id"] == pair and details["title"] == "Pair"
    assert sorted(member["id"] for member in details["members"]) == sorted([alice, bob])

    events = seen["events"]
    one_to_one, carols = events["aliceCreated"], events["carolCreated"]
    assert carols["id"] == one_to_one["id"]
    # Each hears it as it may act on it: the owner may update and delete it, the other member not.
    assert (one_to_one["canUpdate"], one_to_one["canDelete"]) == (True, True)
    assert (carols["canUpdate"], carols["canDelete"]) == (False, False)
    assert one_to_one["isGroup"] is False
    assert sorted(member["id"] for member in one_to_one["members"]) == sorted([alice, carol])
    assert events["exists"]["id"] == one_to_one["id"]
    assert events["exists"]["conversation"]["id"] == one_to_one["id"]
    group = events["groupCreated"]
    assert group["isGroup"] is True and group["ownerId"] == alice
    assert events["firstMessage"]["conversationId"] == group["id"]
    assert events["firstMessage"]["authorId"] == alice
    typing = events["typing"]
    assert (typing["conversationId"], typing["userId"], typing["typing"]) == (pair, alice, True)
    assert typing["timestamp"]
    assert events["daveJoined"]["id"] == group["id"]
    assert sorted(events["bobChanged"]["memberIds"]) == sorted([alice, bob, carol, dave])
    assert events["bobQuit"] == {"conversationId": group["id"], "memberIds": [bob]}
    assert events["archived"] == {"conversationId": group["id"]}
    assert group["id"] not in [c["id"] for c in seen["withoutArchived"]["data"]]
    assert group["id"] in [c["id"] for c in seen["withArchived"]["data"]]
    # What server code does over GraphQL reaches the sockets live.
    assert events["system"]["isSystem"] is True and events["system"]["conversationId"] == pair
    assert events["tagged"] == {"conversationId": pair, "tags": ["vip"]}
    assert events["made"]["title"] == "From the server"
    assert events["gone"] == {"conversationId": events["made"]["id"]}

    # Each refused event: ROQ's exception (errorCode, message, variables) and the same as its error ack.
    expected_codes = {
        "notMember": "CONVERSATION_NOT_FOUND",
        "wrongType": "VALIDATION_ERROR",
        "notAnObject": "BAD_REQUEST",
        "alone": "VALIDATION_ERROR",
        "typingElsewhere": "CONVERSATION_NOT_FOUND",
        "notOwner": "FORBIDDEN",
        "unserved": "EVENT_NOT_SERVED",
    }
    for name, code in expected_codes.items():
        refused = refusals[name]
        assert set(refused["exception"]) == {"errorCode", "message", "variables"}, name
        assert refused["exception"]["errorCode"] == code, (name, refused)
        assert refused["ack"] == {"error": refused["exception"]}, name
    assert seen["userOffline"] == {"id": bob, "isOnline": False}
