"""ChatClient against roqmock, through the plugin's fixtures alone (no conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from roqmock.domain.models import User
from roqmock.testing import Roq, RoqServer, WorldView

from roq_chat import ChatClient, ChatError, Conversation


def _alice(world: WorldView) -> User:
    """The first user with a conversation: in a world from a random seed, user-1 may have none."""
    return next(user for user in world.users if world.conversations_of(user))


@pytest.fixture
def chat(roq: Roq) -> Iterator[ChatClient]:
    """A ChatClient whose requests reach the test's in-process roqmock, without a socket."""
    with ChatClient(roq.base_url, roq.environment_id, roq.api_key, transport=roq.transport) as client:
        yield client


def test_inbox_lists_exactly_the_users_conversations(chat: ChatClient, roq_world: WorldView) -> None:
    alice = roq_world.users[0]

    inbox = chat.inbox(alice.id)

    expected = {conversation.id for conversation in roq_world.conversations_of(alice)}
    assert {conversation.id for conversation in inbox} == expected
    for conversation in inbox:
        assert set(conversation.tags) == set(roq_world.tags_of(conversation.id))


def test_history_of_alices_first_conversation_is_oldest_first(chat: ChatClient, roq_world: WorldView) -> None:
    alice = _alice(roq_world)
    first = roq_world.conversations_of(alice)[0]

    history = chat.history(alice.id, first.id)

    assert [message.id for message in history] == [m.id for m in roq_world.messages_in(first)]
    assert [message.created_at for message in history] == sorted(message.created_at for message in history)


def test_history_keeps_the_latest_messages(chat: ChatClient, roq_world: WorldView) -> None:
    alice = _alice(roq_world)
    first = roq_world.conversations_of(alice)[0]
    for number in range(3):
        chat.send(alice.id, first.id, f"update {number}")

    history = chat.history(alice.id, first.id, limit=2)

    assert [message.body for message in history] == ["update 1", "update 2"]


@pytest.mark.roq(seed=42, users=3, conversations=2, messages=6)
def test_the_marker_shapes_the_world(roq: Roq, chat: ChatClient, roq_world: WorldView) -> None:
    assert roq.seed == 42
    assert len(roq_world.users) == 3
    assert len(roq_world.conversations) == 2
    inboxes = [chat.inbox(user.id) for user in roq_world.users]
    assert {conversation.id for inbox in inboxes for conversation in inbox} == {
        conversation.id for conversation in roq_world.conversations
    }


@pytest.mark.roq(empty=True)
def test_a_conversation_from_scratch(roq: Roq, chat: ChatClient) -> None:
    admin = roq.as_super_admin()
    alice, bob = (
        admin.create_user({"reference": name, "email": f"{name}@example.com"})["createUser"]["id"]
        for name in ("alice", "bob")
    )
    assert chat.inbox(alice) == []

    started = chat.start(alice, "Launch", [bob], tags=["sales"])
    chat.send(bob, started.id, "Ready when you are")
    chat.tag(alice, started.id, ["urgent"])

    assert started == Conversation(started.id, "Launch", is_group=False, tags=("sales",))
    [seen] = chat.inbox(bob)
    assert (seen.id, seen.title, set(seen.tags)) == (started.id, "Launch", {"sales", "urgent"})
    assert [(m.author_id, m.body) for m in chat.history(alice, started.id)] == [(bob, "Ready when you are")]

    chat.delete(alice, started.id)
    assert chat.inbox(alice) == chat.inbox(bob) == []


def test_sending_to_a_conversation_you_are_not_in_is_forbidden(
    chat: ChatClient, roq_world: WorldView
) -> None:
    alice, bob, carol = roq_world.users[:3]
    private = chat.start(alice.id, "Just us", [bob.id])

    with pytest.raises(ChatError) as caught:
        chat.send(carol.id, private.id, "hello?")

    assert (caught.value.status_code, caught.value.error_code) == (403, "FORBIDDEN")
    assert chat.history(alice.id, private.id) == []


def test_only_the_owner_may_delete(chat: ChatClient, roq_world: WorldView) -> None:
    alice, bob = roq_world.users[:2]
    shared = chat.start(alice.id, "Owned by alice", [bob.id])

    with pytest.raises(ChatError) as caught:
        chat.delete(bob.id, shared.id)

    assert (caught.value.status_code, caught.value.error_code) == (403, "FORBIDDEN")
    assert shared.id in {conversation.id for conversation in chat.inbox(bob.id)}


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "1234", ""])
def test_a_bad_conversation_id_is_a_400(chat: ChatClient, roq_world: WorldView, bad_id: str) -> None:
    alice = roq_world.users[0]

    with pytest.raises(ChatError) as sending:
        chat.send(alice.id, bad_id, "hi")
    with pytest.raises(ChatError) as deleting:
        chat.delete(alice.id, bad_id)

    # A DTO field is validated as a UUID (IS_UUID); an ID! argument is checked before anything (INVALID_UUID).
    assert (sending.value.status_code, sending.value.error_code) == (400, "IS_UUID")
    assert (deleting.value.status_code, deleting.value.error_code) == (400, "INVALID_UUID")


def test_an_unknown_conversation_is_a_404(chat: ChatClient, roq_world: WorldView) -> None:
    with pytest.raises(ChatError) as caught:
        chat.delete(roq_world.users[0].id, str(uuid.uuid4()))

    assert (caught.value.status_code, caught.value.error_code) == (404, "CONVERSATION_NOT_FOUND")


def test_wrong_credentials_are_refused(roq: Roq, roq_world: WorldView) -> None:
    with (
        ChatClient(roq.base_url, roq.environment_id, "wrong-key", transport=roq.transport) as client,
        pytest.raises(ChatError) as caught,
    ):
        client.inbox(roq_world.users[0].id)

    assert (caught.value.status_code, caught.value.error_code) == (401, "INVALID_API_KEY")


def test_send_is_one_createmessage_as_the_author(roq: Roq, chat: ChatClient, roq_world: WorldView) -> None:
    alice = _alice(roq_world)
    first = roq_world.conversations_of(alice)[0]

    chat.send(alice.id, first.id, "See you at ten")

    roq.assert_called(
        "createMessage",
        times=1,
        as_user=alice,
        variables={"message": {"body": "See you at ten", "conversationId": first.id, "isSystem": False}},
    )
    bystander = next(user for user in roq_world.users if user.id != alice.id)
    roq.assert_not_called("createMessage", as_user=bystander)


def test_tokens_are_fetched_once_per_user(roq: Roq, roq_world: WorldView) -> None:
    alice = roq_world.users[0]
    requests: list[str] = []
    recording = _Recording(roq.transport, requests)

    with ChatClient(roq.base_url, roq.environment_id, roq.api_key, transport=recording) as counting:
        for _ in range(3):
            counting.inbox(alice.id)

    assert requests == [
        "/v01/authorize/serviceAccount",
        "/v01/authorize",
        "/v01/server/graphql",
        "/v01/server/graphql",
        "/v01/server/graphql",
    ]


def test_over_real_http(roq_server: RoqServer) -> None:
    world = roq_server.world
    alice = _alice(world)
    first = world.conversations_of(alice)[0]

    with ChatClient(roq_server.url, roq_server.environment_id, roq_server.api_key) as client:
        client.send(alice.id, first.id, "over the wire")
        history = client.history(alice.id, first.id)
        inbox = client.inbox(alice.id)

    assert history[-1].body == "over the wire"
    assert history[-1].author_id == alice.id
    assert first.id in {conversation.id for conversation in inbox}
    roq_server.assert_called(
        "createMessage", times=1, as_user=alice, variables={"message": {"body": "over the wire"}}
    )


class _Recording(httpx.BaseTransport):
    """An httpx transport that notes each request's path before handing it on."""

    def __init__(self, inner: httpx.BaseTransport, paths: list[str]) -> None:
        self._inner = inner
        self._paths = paths

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._paths.append(request.url.path)
        return self._inner.handle_request(request)
