"""roqmock's Hypothesis strategies: valid inputs are accepted, invalid ones refused as ROQ refuses them.

Each property runs against roqmock itself (the ``roq`` fixture, reset before every example so that examples
stay independent), with few examples and no deadline: these tests check the strategies, not roqmock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import run_state_machine_as_test

from roqmock.client import RoqHttpError
from roqmock.domain.clock import is_uuid
from roqmock.domain.lists import DEFAULT_MAX_LIMIT
from roqmock.domain.models import User
from roqmock.seed import WorldSize
from roqmock.strategies import (
    RoqStateMachine,
    bad_uuids,
    conversation_filters,
    conversation_inputs,
    conversation_orders,
    forged_author_message_inputs,
    message_filters,
    message_inputs,
    message_orders,
    negative_pages,
    non_member_message_inputs,
    pages,
    searches,
    tags,
    user_inputs,
    uuids,
    worlds,
)
from roqmock.testing import Roq, WorldView

WITH_ROQ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PURE = settings(max_examples=50, deadline=None)


def refusal(call: Callable[[], Any]) -> tuple[int, str]:
    """``(status_code, error_code)`` of the error ``call`` raises."""
    with pytest.raises(RoqHttpError) as refused:
        call()
    return refused.value.status_code, refused.value.error_code


def fresh(roq: Roq) -> WorldView:
    """Back to the test's seeded world, so that every example starts from the same one."""
    roq.reset()
    return roq.world


# ---------------------------------------------------------------- valid inputs are accepted


@WITH_ROQ
@given(data=st.data())
def test_message_inputs_are_accepted(roq: Roq, data: st.DataObject) -> None:
    world = fresh(roq)
    message = data.draw(message_inputs(world), label="message")
    assert message["authorId"] in {u.id for u in world.members_of(message["conversationId"])}
    assert roq.as_user(message["authorId"]).create_message(message) == {"createMessage": True}
    assert roq.world.messages_in(message["conversationId"])[-1].body == message["body"]
    roq.assert_called("createMessage", times=1, as_user=message["authorId"], ok=True)


@WITH_ROQ
@given(data=st.data())
def test_message_inputs_honour_author_and_conversation(roq: Roq, data: st.DataObject) -> None:
    world = fresh(roq)
    conversation = data.draw(st.sampled_from(world.conversations), label="conversation")
    author = data.draw(st.sampled_from(world.members_of(conversation)), label="author")
    message = data.draw(message_inputs(world, author=author, conversation=conversation.id), label="message")
    assert (message["authorId"], message["conversationId"]) == (author.id, conversation.id)
    roq.as_user(author).create_message(message)


@WITH_ROQ
@given(data=st.data())
def test_conversation_inputs_are_accepted(roq: Roq, data: st.DataObject) -> None:
    world = fresh(roq)
    dto = data.draw(conversation_inputs(world), label="conversation")
    created = roq.as_user(dto["ownerId"]).create_conversation(dto)["createConversation"]
    assert (created["title"], created["ownerId"]) == (dto["title"], dto["ownerId"])
    assert created["archived"] is dto.get("archived", False)
    after = roq.world
    assert {u.id for u in after.members_of(created["id"])} == set(dto["memberIds"])
    assert set(after.tags_of(created["id"])) == set(dto["tags"])


@WITH_ROQ
@given(data=st.data())
def test_conversation_inputs_honour_owner_and_member_counts(roq: Roq, data: st.DataObject) -> None:
    world = fresh(roq)
    owner = data.draw(st.sampled_from(world.users), label="owner")
    by_id = data.draw(st.booleans(), label="owner given by id")
    dto = data.draw(
        conversation_inputs(world, owner=owner.id if by_id else owner, min_members=2, max_members=3),
        label="conversation",
    )
    assert dto["ownerId"] == owner.id
    assert owner.id in dto["memberIds"]
    assert 2 <= len(dto["memberIds"]) <= 3
    assert len(set(dto["memberIds"])) == len(dto["memberIds"])
    roq.as_user(owner).create_conversation(dto)


@WITH_ROQ
@given(data=st.data())
def test_user_inputs_are_accepted_by_the_super_admin(roq: Roq, data: st.DataObject) -> None:
    world = fresh(roq)
    tenant_ids = sorted({u.tenant_id for u in world.users if u.tenant_id})
    strategy = (
        user_inputs(tenant_ids=tenant_ids) if data.draw(st.booleans(), label="tenants") else user_inputs()
    )
    dto = data.draw(strategy, label="user")
    created = roq.as_super_admin().create_user(dto)["createUser"]
    assert (created["reference"], created["email"]) == (dto["reference"], dto["email"])
    assert created["tenantId"] == dto.get("tenantId", created["tenantId"])
    assert roq.world.user(dto["email"]).id == created["id"]


@settings(max_examples=25, deadline=None)
@given(worlds(max_users=5, max_conversations=3, max_messages=10))
def test_worlds_are_roqmocks_with_at_least_two_users(roq: Roq) -> None:
    assert isinstance(roq, Roq)
    world = roq.world
    assert 2 <= len(world.users) <= 5
    assert len(world.conversations) <= 3
    assert len(world.messages) <= 10
    for user in world.users:
        page = roq.as_user(user).conversations()["conversations"]
        assert page["totalCount"] == len(world.conversations_of(user))


@settings(max_examples=25, deadline=None)
@given(worlds(max_users=3, max_conversations=1, max_messages=0, seeds=st.just(9)))
def test_worlds_take_their_seeds_from_the_given_strategy(roq: Roq) -> None:
    assert roq.seed == 9


# ---------------------------------------------------------------- invalid inputs are refused


@WITH_ROQ
@given(data=st.data())
def test_forged_author_messages_are_forbidden(roq: Roq, data: st.DataObject) -> None:
    world = fresh(roq)
    caller, message = data.draw(forged_author_message_inputs(world), label="caller, message")
    members = {u.id for u in world.members_of(message["conversationId"])}
    assert caller.id in members and message["authorId"] in members - {caller.id}
    assert refusal(lambda: roq.as_user(caller).create_message(message)) == (403, "FORBIDDEN")
    assert len(roq.world.messages) == len(world.messages)


@WITH_ROQ
@given(data=st.data())
def test_non_member_messages_are_forbidden(roq: Roq, data: st.DataObject) -> None:
    world = fresh(roq)
    caller, message = data.draw(non_member_message_inputs(world), label="caller, message")
    assert message["authorId"] == caller.id
    assert caller.id not in {u.id for u in world.members_of(message["conversationId"])}
    assert refusal(lambda: roq.as_user(caller).create_message(message)) == (403, "FORBIDDEN")
    assert len(roq.world.messages) == len(world.messages)


@PURE
@given(bad_uuids())
def test_bad_uuids_are_not_uuids(value: str) -> None:
    assert not is_uuid(value)


@PURE
@given(uuids())
def test_uuids_are_uuids(value: str) -> None:
    assert is_uuid(value)


@WITH_ROQ
@given(value=bad_uuids())
def test_bad_uuids_are_refused_with_400(roq: Roq, value: str) -> None:
    client = roq.as_user(roq.world.users[0])
    assert refusal(lambda: client.delete_conversation(value)) == (400, "INVALID_UUID")
    assert refusal(lambda: client.conversations(filter={"id": {"equalTo": value}})) == (400, "IS_UUID")
    assert refusal(lambda: client.conversations(filter={"ownerId": {"valueIn": [value]}})) == (400, "IS_UUID")
    assert refusal(lambda: client.messages(filter={"conversationId": {"notEqualTo": value}})) == (
        400,
        "IS_UUID",
    )


@WITH_ROQ
@given(page=negative_pages())
def test_negative_pages_are_refused_with_400(roq: Roq, page: dict[str, int]) -> None:
    assert min(page.values()) < 0
    client = roq.as_user(roq.world.users[0])
    assert refusal(lambda: client.conversations(**page))[0] == 400
    assert refusal(lambda: client.messages(**page))[0] == 400


# ---------------------------------------------------------------- list arguments are never refused


def _page_size(page: Mapping[str, Any], total: int) -> int:
    """What a page holds of ``total`` matches: ``limit`` missing, 0 or above the maximum is the maximum."""
    limit = page.get("limit") or DEFAULT_MAX_LIMIT
    return max(0, min(limit, DEFAULT_MAX_LIMIT, total - page.get("offset", 0)))


def _caller(roq: Roq, data: st.DataObject) -> Any:
    who: User | None = data.draw(st.none() | st.sampled_from(roq.world.users), label="caller (None: admin)")
    return roq.as_super_admin() if who is None else roq.as_user(who)


@WITH_ROQ
@given(data=st.data())
def test_conversation_list_arguments_are_accepted(roq: Roq, data: st.DataObject) -> None:
    world = roq.world
    filters = data.draw(st.sampled_from([conversation_filters(world), conversation_filters()]))
    arguments = {
        "filter": data.draw(filters, label="filter"),
        "order": data.draw(st.none() | conversation_orders(), label="order"),
        "search": data.draw(st.none() | searches(kind="conversation"), label="search"),
        **data.draw(pages(), label="page"),
    }
    answer = _caller(roq, data).conversations(**arguments)["conversations"]
    assert len(answer["data"]) == _page_size(arguments, answer["totalCount"])


@WITH_ROQ
@given(data=st.data())
def test_message_list_arguments_are_accepted(roq: Roq, data: st.DataObject) -> None:
    world = roq.world
    filters = data.draw(st.sampled_from([message_filters(world), message_filters()]))
    arguments = {
        "filter": data.draw(filters, label="filter"),
        "order": data.draw(st.none() | message_orders(), label="order"),
        "search": data.draw(st.none() | searches(kind="message"), label="search"),
        **data.draw(pages(), label="page"),
    }
    answer = _caller(roq, data).messages(**arguments)["messages"]
    assert len(answer["data"]) == _page_size(arguments, answer["totalCount"])


@WITH_ROQ
@given(data=st.data())
def test_list_answers_have_no_errors(roq: Roq, data: st.DataObject) -> None:
    """The same, on the raw answer: no ``errors`` key at all, as the HTTP endpoint gives it."""
    world = roq.world
    variables = {
        "filter": data.draw(conversation_filters(world), label="filter"),
        "order": data.draw(conversation_orders(), label="order"),
        "search": data.draw(searches(), label="search"),
        **data.draw(pages(), label="page"),
    }
    query = (
        "query($filter: ConversationFilterArgType, $order: ConversationOrderArgType, "
        "$search: ConversationSearchArgType, $limit: Int, $offset: Int) "
        "{ conversations(filter: $filter, order: $order, search: $search, limit: $limit, offset: $offset) "
        "{ totalCount data { id } } }"
    )
    answer = roq.execute(query, variables, as_user=data.draw(st.sampled_from(world.users)))
    assert "errors" not in answer, answer


@PURE
@given(pages(max_limit=5, max_offset=3))
def test_pages_stay_within_their_bounds(page: dict[str, int]) -> None:
    assert set(page) <= {"limit", "offset"}
    assert 0 <= page.get("limit", 0) <= 5
    assert 0 <= page.get("offset", 0) <= 3


@PURE
@given(tags(max_size=3))
def test_tags_are_distinct_and_from_the_vocabulary(drawn: list[str]) -> None:
    assert len(drawn) == len(set(drawn)) <= 3


# ---------------------------------------------------------------- bad options are refused at once

BAD_OPTIONS: dict[str, Callable[[WorldView], object]] = {
    "pages(max_limit=0)": lambda world: pages(max_limit=0),
    "pages(max_offset=-1)": lambda world: pages(max_offset=-1),
    "pages(max_limit=True)": lambda world: pages(max_limit=True),
    "conversation_inputs(min_members=0)": lambda world: conversation_inputs(world, min_members=0),
    "conversation_inputs(max<min)": lambda world: conversation_inputs(world, min_members=3, max_members=2),
    "conversation_inputs(more members than users)": lambda world: conversation_inputs(
        world, min_members=len(world.users) + 1, max_members=len(world.users) + 1
    ),
    "conversation_inputs('not a world')": lambda world: conversation_inputs("not a world"),  # type: ignore[arg-type]
    "conversation_inputs(owner unknown)": lambda world: conversation_inputs(world, owner="nobody"),
    "message_inputs('not a world')": lambda world: message_inputs("not a world"),  # type: ignore[arg-type]
    "message_inputs(author unknown)": lambda world: message_inputs(world, author="nobody"),
    "message_inputs(conversation unknown)": lambda world: message_inputs(world, conversation="nope"),
    "non_member_message_inputs('x')": lambda world: non_member_message_inputs("x"),  # type: ignore[arg-type]
    "forged_author_message_inputs('x')": lambda world: forged_author_message_inputs("x"),  # type: ignore[arg-type]
    "conversation_filters('x')": lambda world: conversation_filters("x"),  # type: ignore[arg-type]
    "message_filters('x')": lambda world: message_filters("x"),  # type: ignore[arg-type]
    "searches(kind='x')": lambda world: searches(kind="x"),
    "tags(vocabulary=[])": lambda world: tags(vocabulary=[]),
    "tags(max_size=-1)": lambda world: tags(max_size=-1),
    "user_inputs(tenant_ids=[1])": lambda world: user_inputs(tenant_ids=[1]),  # type: ignore[list-item]
    "worlds(max_users=1)": lambda world: worlds(max_users=1),
    "worlds(max_conversations=-1)": lambda world: worlds(max_conversations=-1),
    "worlds(max_messages=-1)": lambda world: worlds(max_messages=-1),
    "worlds(seeds=5)": lambda world: worlds(seeds=5),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("make", list(BAD_OPTIONS.values()), ids=list(BAD_OPTIONS))
def test_bad_options_raise_invalid_argument_at_once(roq: Roq, make: Callable[[WorldView], object]) -> None:
    # At once: when the strategy is made, not when an example is drawn from it.
    with pytest.raises(InvalidArgument):
        make(roq.world)


@pytest.mark.parametrize(
    "make",
    [message_inputs, non_member_message_inputs, forged_author_message_inputs],
    ids=["message_inputs", "non_member_message_inputs", "forged_author_message_inputs"],
)
def test_worlds_without_conversations_are_refused_at_once(make: Callable[[WorldView], object]) -> None:
    with pytest.raises(InvalidArgument):
        make(Roq.create(seed=1, size=WorldSize(users=3, conversations=0, messages=0)).world)


# ---------------------------------------------------------------- the state machine


class SmallRoqStateMachine(RoqStateMachine):
    world_seed = 3


TestRoqStateMachine = SmallRoqStateMachine.TestCase
TestRoqStateMachine.settings = settings(max_examples=5, stateful_step_count=8, deadline=None)


class DropsAConversation(RoqStateMachine):
    """A client with a bug: its conversation list loses one conversation."""

    def visible_conversation_ids(self, user: User) -> set[str]:
        return set(sorted(super().visible_conversation_ids(user))[1:])


def test_state_machine_catches_a_client_that_drops_a_conversation() -> None:
    with pytest.raises(AssertionError, match="sees the wrong conversations"):
        run_state_machine_as_test(
            DropsAConversation,
            settings=settings(
                max_examples=5, stateful_step_count=5, deadline=None, report_multiple_bugs=False
            ),
        )
