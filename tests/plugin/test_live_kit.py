"""The live chat in the test kit, alike on both fixtures: ``kit.socket(user)`` (a connected socket with
bounded waits), ``assert_emitted``/``emitted`` (what the message center sent to whom), socket events in
the journal, socket faults, and sessions."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from support.inner_pytest import UNRELATED_PLUGINS_OFF

from roqmock import Roq, RoqHttpError, RoqKit, RoqServer
from roqmock.live import Emission
from roqmock.live_kit import InProcessSocket, LiveSocket, NetworkSocket, SocketRefused, SocketTimeout

pytest_plugins = ["pytester"]

QUICK = 0.3  # seconds: the bound of a wait that must fail (nothing will ever come)


@pytest.fixture(params=["roq", "roq_server"])
def kit(request: pytest.FixtureRequest) -> RoqKit:
    value: RoqKit = request.getfixturevalue(request.param)
    return value


def _user(kit: RoqKit, name: str) -> str:
    tag = uuid.uuid4().hex[:8]
    user = {"reference": f"{name}-{tag}", "email": f"{name}-{tag}@example.com", "firstName": name.title()}
    user_id: str = kit.as_super_admin().create_user(user)["createUser"]["id"]
    return user_id


def _pair(kit: RoqKit) -> tuple[str, str, str]:
    """Two new users and their conversation: ``(alice, bob, conversation)``."""
    alice, bob = _user(kit, "alice"), _user(kit, "bob")
    conversation = {"title": "Alice and Bob", "ownerId": alice, "memberIds": [alice, bob]}
    conversation_id: str = kit.as_super_admin().create_conversation(conversation)["createConversation"]["id"]
    return alice, bob, conversation_id


def _say(kit: RoqKit, author: str, conversation: str, body: str) -> None:
    message = {"authorId": author, "body": body, "conversationId": conversation, "isSystem": False}
    kit.as_user(author).create_message(message)


def test_a_socket_hears_a_graphql_message_live(kit: RoqKit) -> None:
    alice, bob, conversation = _pair(kit)
    with kit.socket(bob) as socket:
        assert isinstance(socket, LiveSocket)
        ack = socket.emit("userConnected", {"userId": bob})
        assert isinstance(ack, dict) and isinstance(ack["unreadCount"], int)
        _say(kit, alice, conversation, "hello bob")
        received = socket.wait_for("messageReceived")
        assert (received["body"], received["authorId"], received["conversationId"]) == (
            "hello bob",
            alice,
            conversation,
        )
        assert ("messageReceived", received) in socket.events
    (emission,) = kit.assert_emitted("messageReceived", to=bob, body="hello bob", conversationId=conversation)
    assert isinstance(emission, Emission) and (emission.event, emission.to) == ("messageReceived", bob)


def test_what_the_sender_sends_reaches_the_other_member(kit: RoqKit) -> None:
    alice, bob, conversation = _pair(kit)
    with kit.socket(alice) as sender, kit.socket(bob) as other:
        sender.emit("sendMessage", {"conversationId": conversation, "body": "over the socket"})
        assert (
            other.wait_for("messageReceived", lambda m: m["body"] == "over the socket")["authorId"] == alice
        )
        # ROQ's UI inserts nothing itself: the sender hears its own message too.
        assert sender.receive("messageReceived")[1]["body"] == "over the socket"
    kit.assert_emitted("messageReceived", to=alice, body="over the socket")
    kit.assert_emitted("messageReceived", to=bob, body="over the socket")
    assert sorted(e.to for e in kit.emitted("messageReceived")) == sorted([alice, bob])


def test_assert_emitted_fails_saying_what_was_emitted(kit: RoqKit) -> None:
    alice, bob, conversation = _pair(kit)
    carol = _user(kit, "carol")
    with kit.socket(bob) as socket:
        _say(kit, alice, conversation, "the real body")
        socket.wait_for("messageReceived")
    with pytest.raises(AssertionError) as wrong_body:
        kit.assert_emitted("messageReceived", to=bob, body="another body")
    text = str(wrong_body.value)
    assert f'expected messageReceived to {bob} with {{"body": "another body"}}' in text
    assert '{"body": "the real body"}' in text  # what was emitted instead
    with pytest.raises(AssertionError, match=f"expected messageReceived to {carol}"):
        kit.assert_emitted("messageReceived", to=carol)  # not a member: never told
    with pytest.raises(AssertionError, match=r"1 time\(s\)"):
        kit.assert_emitted("messageReceived", to=bob, times=2)
    assert len(kit.assert_emitted("messageReceived", to=bob, times=1)) == 1
    assert kit.emitted("messageReceived", to=carol) == []


def test_a_wait_that_ends_empty_handed_lists_what_did_arrive(kit: RoqKit) -> None:
    alice, bob, conversation = _pair(kit)
    with kit.socket(bob) as socket:
        with pytest.raises(SocketTimeout, match="nothing arrived"):
            socket.receive(timeout=QUICK)
        _say(kit, alice, conversation, "something else")
        socket.wait_for("messageReceived")
        with pytest.raises(
            AssertionError, match=r"(?s)no conversationCreated.*messageReceived.*something else"
        ):
            socket.wait_for("conversationCreated", timeout=QUICK)
        with pytest.raises(TimeoutError):
            socket.wait_for("messageReceived", lambda m: m["body"] == "never", timeout=QUICK)


def test_a_refused_socket_says_why(roq: Roq, roq_server: RoqServer) -> None:
    for opened in (
        lambda token: InProcessSocket(roq.mock, token, "someone", timeout=5),
        lambda token: NetworkSocket(roq_server.url, token, "someone", timeout=5),
    ):
        with pytest.raises(SocketRefused) as refused:
            opened("forged")
        assert refused.value.data == {
            "message": "The token is malformed",
            "errorCode": "UNAUTHORIZED_EXCEPTION",
        }


def test_client_events_are_journaled_beside_graphql_calls(kit: RoqKit) -> None:
    alice, _, conversation = _pair(kit)
    with kit.socket(alice) as socket:
        socket.emit("sendMessage", {"conversationId": conversation, "body": "journaled"})
        answer = socket.emit("sendMessage", {"conversationId": "not-a-uuid", "body": "refused"})
        assert answer["error"]["errorCode"] == "VALIDATION_ERROR"
    (sent,) = kit.assert_called(
        "sendMessage", times=1, as_user=alice, variables={"body": "journaled"}, ok=True, transport="socket"
    )
    assert (sent.transport, sent.caller, sent.status) == ("socket", alice, 200)
    (refused,) = kit.calls("sendMessage", ok=False)
    assert (refused.error_code, refused.transport) == ("VALIDATION_ERROR", "socket")
    assert [call.transport for call in kit.calls("createConversation")] == ["graphql"]
    assert kit.calls("createConversation", transport="socket") == []
    kit.assert_not_called("sendMessage", transport="graphql")


def test_sockets_lists_who_is_connected_until_closed(kit: RoqKit) -> None:
    alice, bob, _ = _pair(kit)
    first, second = kit.socket(alice), kit.socket(bob)
    listed = {entry["userId"]: entry for entry in kit.sockets()}
    assert {alice, bob} <= set(listed)
    assert listed[alice]["email"].startswith("alice-") and listed[alice]["session"] is None
    first.close()
    assert alice not in {entry["userId"] for entry in kit.sockets()}
    with pytest.raises(RuntimeError, match="closed"):
        first.emit("userList", {"userId": alice})
    kit.close_sockets()
    assert second.closed and bob not in {entry["userId"] for entry in kit.sockets()}


def test_a_reset_clears_what_was_emitted(kit: RoqKit) -> None:
    alice, bob, conversation = _pair(kit)
    with kit.socket(bob) as socket:
        _say(kit, alice, conversation, "before the reset")
        socket.wait_for("messageReceived")
    assert kit.emitted()
    kit.reset()
    assert kit.emitted() == []


def test_an_in_process_socket_dropped_by_a_reset_says_so(roq: Roq) -> None:
    """A reset drops every socket of the world (docs/chat-api.md, Limits and resets): an in-process socket
    then refuses to emit, as a network one does, instead of answering every event with ``None``."""
    bob = _user(roq, "bob")
    socket = roq.socket(bob)
    assert isinstance(socket, InProcessSocket)
    assert "unreadCount" in socket.emit("conversationUnreadCount", {})
    roq.reset()
    with pytest.raises(RuntimeError, match="dropped"):
        socket.emit("conversationUnreadCount", {})
    assert socket.closed


def test_a_session_socket_acts_and_hears_in_its_session(kit: RoqKit) -> None:
    session = kit.session(f"live-{uuid.uuid4().hex[:6]}")
    alice, bob, conversation = _pair(session)
    with session.socket(bob) as socket:
        _say(session, alice, conversation, "in the session")
        assert socket.wait_for("messageReceived")["body"] == "in the session"
        socket.emit("sendMessage", {"conversationId": conversation, "body": "from the session's socket"})
        socket.wait_for("messageReceived", lambda m: m["body"] == "from the session's socket")
        assert [entry["session"] for entry in session.sockets()] == [session.sockets()[0]["session"]]
        assert session.sockets()[0]["session"] is not None
        assert bob not in {entry["userId"] for entry in kit.sockets()}
    session.assert_emitted("messageReceived", to=bob, body="in the session")
    session.assert_called("sendMessage", as_user=bob, transport="socket")
    assert kit.emitted() == [] and kit.calls("sendMessage") == []
    # The session's users live in the session alone: the default world does not know bob.
    with pytest.raises(RoqHttpError, match="USER_NOT_FOUND"):
        kit.socket(bob)


def test_a_fault_drops_one_server_event_for_one_user(kit: RoqKit) -> None:
    alice, bob, conversation = _pair(kit)
    fault = kit.add_fault(event="messageReceived", user=bob, drop=True, count=1)
    assert (fault["event"], fault["user"], fault["drop"], fault["direction"]) == (
        "messageReceived",
        bob,
        True,
        "toClient",
    )
    with kit.socket(alice) as sender, kit.socket(bob) as socket:
        _say(kit, alice, conversation, "dropped")
        _say(kit, alice, conversation, "delivered")
        assert socket.wait_for("messageReceived")["body"] == "delivered"  # the first never came
        sender.wait_for("messageReceived", lambda m: m["body"] == "delivered")
        assert [m["body"] for m in sender.named("messageReceived")] == ["dropped", "delivered"]
    assert [e.payload["body"] for e in kit.emitted("messageReceived", to=bob)] == ["delivered"]
    assert kit.faults()[0]["hits"] == 1 and kit.faults()[0]["remaining"] == 0


def test_a_fault_delays_a_server_event(kit: RoqKit) -> None:
    alice, bob, conversation = _pair(kit)
    kit.add_fault(event="messageReceived", latencyMs=150, count=1)
    with kit.socket(bob) as socket:
        _say(kit, alice, conversation, "late")
        assert socket.wait_for("messageReceived")["body"] == "late"
    (emission,) = kit.emitted("messageReceived", to=bob)
    assert emission.delay_ms == 150
    assert kit.faults()[0]["hits"] == 1


def test_a_fault_refuses_a_client_event(kit: RoqKit) -> None:
    alice, _, conversation = _pair(kit)
    error: dict[str, Any] = {"statusCode": 503, "errorCode": "SERVICE_DOWN", "message": "down for a bit"}
    kit.add_fault(event="sendMessage", direction="fromClient", user=alice, error=error, count=1)
    with kit.socket(alice) as socket:
        answer = socket.emit("sendMessage", {"conversationId": conversation, "body": "refused"})
        assert answer["error"]["errorCode"] == "SERVICE_DOWN"
        assert json.loads(socket.wait_for("exception")) == answer["error"]
        socket.emit("sendMessage", {"conversationId": conversation, "body": "accepted"})
        socket.wait_for("messageReceived", lambda m: m["body"] == "accepted")
    assert [(c.error_code, c.variables["body"]) for c in kit.calls("sendMessage")] == [
        ("SERVICE_DOWN", "refused"),
        (None, "accepted"),
    ]
    kit.assert_emitted("exception", to=alice, errorCode="SERVICE_DOWN", message="down for a bit")
    assert "refused" not in {m.body for m in kit.world.messages}


def test_the_fixtures_close_the_sockets_they_gave(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_leaves_sockets_open(roq, roq_server):
            for kit in (roq, roq_server, roq.session("s"), roq_server.session("s")):
                kit.socket(kit.world.users[0])
            assert len(roq.sockets()) == len(roq_server.sockets()) == 1

        def test_finds_none(roq, roq_server):
            assert roq.sockets() == [] and roq_server.sockets() == []
            assert roq.session("s").sockets() == [] and roq_server.session("s").sockets() == []
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "-n", "0", *UNRELATED_PLUGINS_OFF)
    result.assert_outcomes(passed=2)
