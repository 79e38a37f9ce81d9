"""The permission rules and mutations of the chat service, in process, with no GraphQL or HTTP."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roqmock.domain.errors import Forbidden, NotFound, RoqError, ValidationError
from roqmock.domain.lists import ListArgs
from roqmock.domain.permissions import SUPER_ADMIN, Actor, granted_scope
from roqmock.domain.roles import Entity, Operation, Permission, Role, Scope, parse_permission
from roqmock.domain.service import ChatService
from roqmock.domain.store import Store

READ_ALL = Role("auditor", "Auditor", (Permission(Entity.CONVERSATION, Operation.READ, Scope.ALL),))
TENANT_ADMIN = Role(
    "tenant-admin",
    "Tenant admin",
    (
        Permission(Entity.CONVERSATION, Operation.READ, Scope.TENANT),
        Permission(Entity.CONVERSATION, Operation.DELETE, Scope.TENANT),
        Permission(Entity.MESSAGE, Operation.READ, Scope.TENANT),
    ),
)


@pytest.fixture
def service() -> ChatService:
    from roqmock.domain.roles import DEFAULT_USER_ROLE

    roles = {role.key: role for role in (DEFAULT_USER_ROLE, READ_ALL, TENANT_ADMIN)}
    return ChatService(Store(seed=7, roles=roles))


def _user(service: ChatService, name: str, tenant: str | None = None) -> Actor:
    user = service.create_user(SUPER_ADMIN, reference=name, email=f"{name}@example.com", tenant_id=tenant)
    return service.actor_for(user.id)


def _ids(page: object) -> set[str]:
    return {record.id for record in page.data}  # type: ignore[attr-defined]


def test_default_role_sees_only_conversations_it_belongs_to(service: ChatService) -> None:
    alice, bob, carol = (_user(service, name) for name in ("alice", "bob", "carol"))
    assert alice.user_id and bob.user_id and carol.user_id
    ab = service.create_conversation(
        alice, title="ab", owner_id=alice.user_id, member_ids=[alice.user_id, bob.user_id]
    )
    bc = service.create_conversation(
        bob, title="bc", owner_id=bob.user_id, member_ids=[bob.user_id, carol.user_id]
    )
    assert _ids(service.conversations(alice, ListArgs())) == {ab.id}
    assert _ids(service.conversations(bob, ListArgs())) == {ab.id, bc.id}
    page = service.conversations(carol, ListArgs(filter={"id": {"equalTo": ab.id}}))
    assert page.data == [] and page.total_count == 0
    assert service.conversations(SUPER_ADMIN, ListArgs()).total_count == 2


def test_messages_are_visible_only_in_readable_conversations(service: ChatService) -> None:
    alice, bob, carol = (_user(service, name) for name in ("alice", "bob", "carol"))
    assert alice.user_id and bob.user_id
    ab = service.create_conversation(
        alice, title="ab", owner_id=alice.user_id, member_ids=[alice.user_id, bob.user_id]
    )
    service.create_message(alice, author_id=alice.user_id, body="hi", conversation_id=ab.id, is_system=False)
    assert service.messages(bob, ListArgs()).total_count == 1
    assert service.messages(carol, ListArgs()).total_count == 0
    assert service.messages(carol, ListArgs(filter={"conversationId": {"equalTo": ab.id}})).total_count == 0


def test_only_the_owner_may_delete_or_retag_under_own(service: ChatService) -> None:
    alice, bob = _user(service, "alice"), _user(service, "bob")
    assert alice.user_id and bob.user_id
    conversation = service.create_conversation(
        alice, title="t", owner_id=alice.user_id, member_ids=[alice.user_id, bob.user_id]
    )
    with pytest.raises(Forbidden):
        service.delete_conversation(bob, conversation.id)
    with pytest.raises(Forbidden):
        service.assign_tags(bob, conversation.id, ["x"])
    assert service.assign_tags(alice, conversation.id, ["x", "x", "y"])
    assert sorted(service.world.tags_by_conversation[conversation.id]) == ["x", "y"]
    assert service.delete_conversation(alice, conversation.id) == conversation.id
    with pytest.raises(NotFound) as missing:
        service.delete_conversation(alice, conversation.id)
    assert missing.value.error_code == "CONVERSATION_NOT_FOUND"


def test_create_message_needs_the_caller_as_author_and_member(service: ChatService) -> None:
    alice, bob, carol = (_user(service, name) for name in ("alice", "bob", "carol"))
    assert alice.user_id and bob.user_id and carol.user_id
    conversation = service.create_conversation(
        alice, title="t", owner_id=alice.user_id, member_ids=[alice.user_id, bob.user_id]
    )
    with pytest.raises(Forbidden):
        service.create_message(
            bob, author_id=alice.user_id, body="x", conversation_id=conversation.id, is_system=False
        )
    with pytest.raises(Forbidden):
        service.create_message(
            carol, author_id=carol.user_id, body="x", conversation_id=conversation.id, is_system=False
        )
    # The super admin may write as any existing user, a bot included.
    message = service.create_message(
        SUPER_ADMIN, author_id=carol.user_id, body="x", conversation_id=conversation.id, is_system=True
    )
    assert message.conversation_user_id is None
    with pytest.raises(NotFound) as unknown:
        service.create_message(
            SUPER_ADMIN,
            author_id=str(uuid.uuid4()),
            body="x",
            conversation_id=conversation.id,
            is_system=False,
        )
    assert unknown.value.error_code == "USER_NOT_FOUND"


def test_create_conversation_owner_rules(service: ChatService) -> None:
    alice, bob = _user(service, "alice"), _user(service, "bob")
    assert alice.user_id and bob.user_id
    with pytest.raises(Forbidden):
        service.create_conversation(
            alice, title="t", owner_id=bob.user_id, member_ids=[alice.user_id, bob.user_id]
        )
    with pytest.raises(Forbidden):
        service.create_conversation(alice, title="t", owner_id=alice.user_id, member_ids=[bob.user_id])
    with pytest.raises(ValidationError) as bad:
        service.create_conversation(alice, title="t", owner_id=alice.user_id, member_ids=[alice.user_id, "x"])
    assert bad.value.message == "each value in memberIds must be a UUID"
    group = service.create_conversation(
        SUPER_ADMIN,
        title="g",
        owner_id=alice.user_id,
        member_ids=[alice.user_id, bob.user_id, _user(service, "c").user_id or ""],
    )
    assert group.is_group and not group.archived and group.active


def test_a_user_without_roles_is_filtered_not_refused(service: ChatService) -> None:
    alice, bob = _user(service, "alice"), _user(service, "bob")
    assert alice.user_id and bob.user_id
    service.create_conversation(
        alice, title="t", owner_id=alice.user_id, member_ids=[alice.user_id, bob.user_id]
    )
    service.unassign_roles(SUPER_ADMIN, bob.user_id, ["user"])
    page = service.conversations(bob, ListArgs())
    assert page.data == [] and page.total_count == 0
    with pytest.raises(Forbidden):
        service.create_conversation(bob, title="t", owner_id=bob.user_id, member_ids=[bob.user_id])


def test_wider_roles_widen_what_is_seen(service: ChatService) -> None:
    tenant_a, tenant_b = str(uuid.uuid4()), str(uuid.uuid4())
    alice, bob = _user(service, "alice", tenant_a), _user(service, "bob", tenant_a)
    carol, dave = _user(service, "carol", tenant_b), _user(service, "dave", tenant_b)
    assert alice.user_id and bob.user_id and carol.user_id and dave.user_id
    in_a = service.create_conversation(bob, title="a", owner_id=bob.user_id, member_ids=[bob.user_id])
    in_b = service.create_conversation(
        carol, title="b", owner_id=carol.user_id, member_ids=[carol.user_id, dave.user_id]
    )
    assert _ids(service.conversations(alice, ListArgs())) == set()
    service.assign_roles(SUPER_ADMIN, alice.user_id, ["tenant-admin"])
    assert _ids(service.conversations(alice, ListArgs())) == {in_a.id}
    with pytest.raises(Forbidden):
        service.delete_conversation(alice, in_b.id)
    assert service.delete_conversation(alice, in_a.id) == in_a.id
    service.assign_roles(SUPER_ADMIN, alice.user_id, ["auditor"])
    assert _ids(service.conversations(alice, ListArgs())) == {in_b.id}


def test_roles_are_for_the_super_admin_to_assign(service: ChatService) -> None:
    alice = _user(service, "alice")
    assert alice.user_id
    with pytest.raises(Forbidden):
        service.assign_roles(alice, alice.user_id, ["auditor"])
    with pytest.raises(NotFound) as unknown:
        service.assign_roles(SUPER_ADMIN, alice.user_id, ["no-such-role"])
    assert unknown.value.error_code == "ROLE_NOT_FOUND"


def test_granted_scope_takes_the_widest() -> None:
    assert granted_scope([TENANT_ADMIN, READ_ALL], Entity.CONVERSATION, Operation.READ) is Scope.ALL
    assert granted_scope([TENANT_ADMIN], Entity.CONVERSATION, Operation.READ) is Scope.TENANT
    assert granted_scope([TENANT_ADMIN], Entity.CONVERSATION, Operation.UPDATE) is None
    assert granted_scope([], Entity.MESSAGE, Operation.READ) is None


def test_parse_permission() -> None:
    assert parse_permission("Conversation:read:own") == Permission(
        Entity.CONVERSATION, Operation.READ, Scope.OWN
    )
    assert parse_permission("Conversation:create") == Permission(Entity.CONVERSATION, Operation.CREATE)
    for bad in (
        "Conversation",
        "Conversation:read",
        "Conversation:create:all",
        "Chat:read:own",
        "Message:read:some",
    ):
        with pytest.raises(ValueError):
            parse_permission(bad)


def _snapshot(service: ChatService) -> object:
    return copy.deepcopy(service.world)


FAILING_MUTATIONS: dict[str, Callable[[ChatService, Actor, Actor, str], object]] = {
    "conversation-with-unknown-member": lambda s, a, b, c: s.create_conversation(
        SUPER_ADMIN,
        title="t",
        owner_id=a.user_id or "",
        member_ids=[a.user_id or "", str(uuid.uuid4())],
        tags=["x"],
    ),
    "message-to-unknown-conversation": lambda s, a, b, c: s.create_message(
        a, author_id=a.user_id or "", body="x", conversation_id=str(uuid.uuid4()), is_system=False
    ),
    "message-with-unknown-file": lambda s, a, b, c: s.create_message(
        a, author_id=a.user_id or "", body="x", conversation_id=c, is_system=False, file_id=str(uuid.uuid4())
    ),
    "retag-by-non-owner": lambda s, a, b, c: s.assign_tags(b, c, ["new"]),
    "delete-by-non-owner": lambda s, a, b, c: s.delete_conversation(b, c),
    "user-with-duplicate-email": lambda s, a, b, c: s.create_user(
        SUPER_ADMIN, reference="z", email="alice@example.com"
    ),
    "user-with-unknown-role": lambda s, a, b, c: s.create_user(
        SUPER_ADMIN, reference="z", email="z@example.com", roles=["nope"]
    ),
    "roles-with-one-unknown": lambda s, a, b, c: s.assign_roles(
        SUPER_ADMIN, b.user_id or "", ["auditor", "nope"]
    ),
}


@pytest.mark.parametrize("name", sorted(FAILING_MUTATIONS))
def test_a_failed_mutation_changes_nothing(service: ChatService, name: str) -> None:
    alice, bob = _user(service, "alice"), _user(service, "bob")
    assert alice.user_id and bob.user_id
    conversation = service.create_conversation(
        alice, title="t", owner_id=alice.user_id, member_ids=[alice.user_id, bob.user_id], tags=["old"]
    )
    before = _snapshot(service)
    with pytest.raises(RoqError):
        FAILING_MUTATIONS[name](service, alice, bob, conversation.id)
    assert service.world == before


def test_a_user_writing_as_an_unknown_author_is_forbidden_not_told_it_is_unknown(
    service: ChatService,
) -> None:
    alice = _user(service, "alice")
    assert alice.user_id
    conversation = service.create_conversation(
        alice, title="t", owner_id=alice.user_id, member_ids=[alice.user_id]
    )
    with pytest.raises(Forbidden):
        service.create_message(
            alice, author_id=str(uuid.uuid4()), body="x", conversation_id=conversation.id, is_system=False
        )


def test_roles_given_at_creation_add_to_the_default_role(service: ChatService) -> None:
    user = service.create_user(SUPER_ADMIN, reference="r", email="r@example.com", roles=["auditor"])
    assert user.role_keys == ["user", "auditor"]
    bare = service.create_user(SUPER_ADMIN, reference="s", email="s@example.com", roles=[])
    assert bare.role_keys == ["user"]


ROLE_KEYS = ("user", "auditor", "tenant-admin")
TENANT_1, TENANT_2 = str(uuid.UUID(int=1)), str(uuid.UUID(int=2))


@given(
    users=st.lists(
        st.tuples(
            st.lists(st.sampled_from(ROLE_KEYS), unique=True), st.sampled_from([None, TENANT_1, TENANT_2])
        ),
        min_size=2,
        max_size=7,
    ),
    memberships=st.lists(st.lists(st.integers(0, 6), min_size=2, max_size=4, unique=True), max_size=3),
)
@settings(max_examples=60, deadline=None)
def test_member_reads_answers_as_each_member_s_own_read_check(
    users: list[tuple[list[str], str | None]], memberships: list[list[int]]
) -> None:
    """One event's fan-out reads each set of roles once (Rules.member_reads); whoever it asks about, it
    answers as the per-user check: a member the world holds who may read the conversation."""
    from roqmock.domain.roles import DEFAULT_USER_ROLE

    roles = {role.key: role for role in (DEFAULT_USER_ROLE, READ_ALL, TENANT_ADMIN)}
    service = ChatService(Store(seed=3, roles=roles))
    ids = []
    for index, (keys, tenant) in enumerate(users):
        user = service.create_user(
            SUPER_ADMIN, reference=f"u{index}", email=f"u{index}@example.com", roles=keys, tenant_id=tenant
        )
        if "user" not in keys:
            service.unassign_roles(SUPER_ADMIN, user.id, ["user"])
        ids.append(user.id)
    conversations = []
    for members in memberships:
        member_ids = [ids[i % len(ids)] for i in members]
        conversation = service.create_conversation(
            SUPER_ADMIN, title="c", owner_id=member_ids[0], member_ids=member_ids
        )
        conversations.append(conversation.id)
    world = service.world
    rules = service.rules
    asked = [*ids, str(uuid.uuid4())]  # and a user the world does not hold
    for conversation_id in conversations:
        for entity in (Entity.CONVERSATION, Entity.MESSAGE):
            reads = rules.member_reads(conversation_id, entity)
            for user_id in asked + asked:  # each asked twice: the second answer comes from what it read
                user = world.users.get(user_id)
                expected = (
                    user is not None
                    and user_id in world.members_by_conversation[conversation_id]
                    and rules.can_read_conversation(Actor(user.id, user.tenant_id), conversation_id, entity)
                )
                assert reads(user_id) is expected
