"""Read state (who read which message, unread counts) is domain state: written atomically, taken back by
a reset, and reported as events only for writes that happened."""

from __future__ import annotations

from datetime import timedelta

import pytest

from roqmock.api.engine import GraphQLEngine
from roqmock.baseline import Baseline
from roqmock.domain.errors import Forbidden, RoqError
from roqmock.domain.events import Event, Kind
from roqmock.domain.permissions import SUPER_ADMIN, Actor
from roqmock.mock import RoqMock
from roqmock.seed import WorldSize

ENGINE = GraphQLEngine()


def _mock() -> tuple[RoqMock, str, str, str, str]:
    """A world of two members (alice, bob) in one conversation, and an outsider (carol)."""
    mock = RoqMock(
        baseline=Baseline(seed=3, size=WorldSize(users=0, conversations=0, messages=0)), engine=ENGINE
    )
    service = mock.service
    alice, bob, carol = (
        service.create_user(SUPER_ADMIN, reference=name, email=f"{name}@example.com").id
        for name in ("alice", "bob", "carol")
    )
    conversation = service.create_conversation(
        SUPER_ADMIN, title="Pair", owner_id=alice, member_ids=[alice, bob]
    ).id
    mock.store.take_events()
    mock.store.checkpoint()
    return mock, alice, bob, carol, conversation


def test_unread_counts_and_marking_read_up_to_and_including_a_moment() -> None:
    mock, alice, bob, _, conversation = _mock()
    service = mock.service
    first, second, third = (
        service.create_message(
            SUPER_ADMIN, author_id=alice, body=b, conversation_id=conversation, is_system=False
        )
        for b in ("one", "two", "three")
    )
    assert service.unread_count(bob, conversation) == 3
    assert service.unread_count(alice, conversation) == 0  # an author has read its own messages
    marked = service.mark_read(Actor(bob), conversation, second.created_at)
    assert marked == [first.id, second.id]
    assert service.readers(second) == [alice, bob]
    assert service.readers(third) == [alice]
    assert service.unread_count(bob, conversation) == 1
    assert service.mark_read(Actor(bob), conversation, second.created_at) == []  # already read
    assert service.mark_read(Actor(bob), conversation, third.created_at + timedelta(days=1)) == [third.id]


def test_only_members_have_read_state() -> None:
    mock, alice, _, carol, conversation = _mock()
    mock.service.create_message(
        SUPER_ADMIN, author_id=alice, body="hi", conversation_id=conversation, is_system=False
    )
    with pytest.raises(Forbidden):
        mock.service.mark_read(Actor(carol), conversation, mock.store.clock.now())


def test_a_reset_takes_read_state_back() -> None:
    mock, alice, bob, _, conversation = _mock()
    message = mock.service.create_message(
        SUPER_ADMIN, author_id=alice, body="hi", conversation_id=conversation, is_system=False
    )
    mock.store.checkpoint()
    mock.service.mark_read(Actor(bob), conversation, message.created_at)
    assert mock.service.unread_count(bob, conversation) == 0
    mock.reset()
    assert mock.service.unread_count(bob, conversation) == 1
    assert mock.store.world.read_by == {}


def test_writes_report_events_and_a_failed_write_reports_none() -> None:
    mock, alice, bob, carol, conversation = _mock()
    message = mock.service.create_message(
        Actor(alice), author_id=alice, body="hi", conversation_id=conversation, is_system=False
    )
    with pytest.raises(RoqError):
        mock.service.create_message(
            Actor(carol), author_id=carol, body="no", conversation_id=conversation, is_system=False
        )
    mock.service.mark_read(Actor(bob), conversation, message.created_at)
    mock.service.delete_conversation(SUPER_ADMIN, conversation)
    assert mock.store.take_events() == [
        Event(Kind.MESSAGE_CREATED, conversation, message_ids=(message.id,)),
        Event(Kind.MESSAGES_READ, conversation, message_ids=(message.id,), user_id=bob),
        Event(Kind.CONVERSATION_DELETED, conversation, member_ids=(alice, bob)),
    ]
    assert mock.store.take_events() == []


def test_observers_hear_graphql_writes_once() -> None:
    mock, alice, _, _, conversation = _mock()
    heard: list[Event] = []
    mock.observers.append(lambda _, events: heard.extend(events))
    mutation = "mutation($m: MessageCreateDto!) { createMessage(message: $m) }"
    message = {"authorId": alice, "body": "from a bot", "conversationId": conversation, "isSystem": True}
    assert mock.execute(mutation, {"m": message}) == {"data": {"createMessage": True}}
    assert [event.kind for event in heard] == [Kind.MESSAGE_CREATED]
    assert mock.execute(mutation, {"m": {**message, "conversationId": alice}})["errors"]
    assert len(heard) == 1
