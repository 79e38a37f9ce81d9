"""The message center through npm's socket.io-client 4.8, the client ROQ's UI ships, connected with the
UI's own options (``ui_client.js``). A missing Node or package fails the test; it never skips."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import jwt
from support.node import run_script
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
