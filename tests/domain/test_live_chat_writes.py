"""The live chat's writes in the domain: who may edit, delete, rename, archive and change members; each
is all or nothing, taken back by a rewind and a reset; read state, unread flags and the new message
fields survive a saved state."""

from __future__ import annotations

import pytest

from roqmock.api.engine import GraphQLEngine
from roqmock.baseline import Baseline
from roqmock.config import Settings
from roqmock.domain.errors import BadRequest, Forbidden, NotFound, RoqError
from roqmock.domain.events import Event, Kind
from roqmock.domain.permissions import SUPER_ADMIN, Actor
from roqmock.domain.roles import DEFAULT_USER_ROLE, Entity, Operation, Permission, Role, Scope
from roqmock.mock import RoqMock
from roqmock.seed import WorldSize
from roqmock.state import StateError, dump_world, load_world

ENGINE = GraphQLEngine()
MODERATOR = Role(
    key="moderator",
    name="Moderator",
    permissions=(*DEFAULT_USER_ROLE.permissions, Permission(Entity.MESSAGE, Operation.DELETE, Scope.ALL)),
)
ROLES = {DEFAULT_USER_ROLE.key: DEFAULT_USER_ROLE, MODERATOR.key: MODERATOR}


def _mock() -> tuple[RoqMock, dict[str, str]]:
    """alice (owner), bob and carol in a group; alice and bob in a one-to-one; mod, a moderator in the
    group too; dave outside."""
    mock = RoqMock(
        Settings(roles=ROLES),
        baseline=Baseline(seed=3, size=WorldSize(users=0, conversations=0, messages=0)),
        engine=ENGINE,
    )
    service = mock.service
    ids = {
        name: service.create_user(SUPER_ADMIN, reference=name, email=f"{name}@example.com").id
        for name in ("alice", "bob", "carol", "dave", "mod")
    }
    service.assign_roles(SUPER_ADMIN, ids["mod"], ["moderator"])
    group = [ids["alice"], ids["bob"], ids["carol"], ids["mod"]]
    ids["group"] = service.create_conversation(
        SUPER_ADMIN, title="Group", owner_id=ids["alice"], member_ids=group, is_group=True
    ).id
    ids["pair"] = service.create_conversation(
        SUPER_ADMIN, title="Pair", owner_id=ids["alice"], member_ids=[ids["alice"], ids["bob"]]
    ).id
    mock.store.take_events()
    return mock, ids


def _say(mock: RoqMock, ids: dict[str, str], author: str, body: str, where: str = "group") -> str:
    return mock.service.create_message(
        Actor(ids[author]), author_id=ids[author], body=body, conversation_id=ids[where], is_system=False
    ).id


def test_only_the_author_edits_and_the_author_or_a_moderator_deletes() -> None:
    mock, ids = _mock()
    service = mock.service
    message = _say(mock, ids, "alice", "hello")
    for who in ("bob", "mod"):
        with pytest.raises(Forbidden):
            service.edit_message(Actor(ids[who]), message, "changed")
    with pytest.raises(NotFound):
        service.edit_message(Actor(ids["dave"]), message, "changed")
    with pytest.raises(Forbidden):
        service.delete_message(Actor(ids["bob"]), message)
    edited = service.edit_message(Actor(ids["alice"]), message, "hello!")
    assert edited.body == "hello!" and edited.body_updated_at is not None
    deleted = service.delete_message(Actor(ids["mod"]), message)  # Message:delete:all
    assert deleted.body == "" and deleted.deleted_at is not None
    with pytest.raises(BadRequest):
        service.delete_message(Actor(ids["alice"]), message)  # already deleted
    own = _say(mock, ids, "bob", "mine")
    assert service.delete_message(Actor(ids["bob"]), own).deleted_at is not None
    assert [event.kind for event in mock.store.take_events()] == [
        Kind.MESSAGE_CREATED,
        Kind.MESSAGE_UPDATED,
        Kind.MESSAGE_DELETED,
        Kind.MESSAGE_CREATED,
        Kind.MESSAGE_DELETED,
    ]


def test_a_deleted_file_message_lets_go_of_its_file() -> None:
    mock, ids = _mock()
    service = mock.service
    alice = Actor(ids["alice"])
    file = service.create_file_upload(
        alice, name="a.txt", content_type="text/plain", category_key="CHAT_FILES"
    )
    service.store_upload(file.id, b"hi")
    service.update_file_status(alice, file.id, "ready")
    message = service.create_message(
        alice,
        author_id=ids["alice"],
        body="a.txt",
        conversation_id=ids["group"],
        is_system=False,
        file_id=file.id,
    )
    assert service.rules.can_read_file(Actor(ids["bob"]), file)
    service.delete_message(alice, message.id)
    assert message.file_id is None
    assert not service.rules.can_read_file(Actor(ids["bob"]), file)


def test_conversation_changes_are_for_members_with_update_and_one_to_ones_keep_their_pair() -> None:
    mock, ids = _mock()
    service = mock.service
    with pytest.raises(Forbidden):
        service.rename_conversation(Actor(ids["bob"]), ids["group"], "Mine")  # not the owner
    with pytest.raises(NotFound):
        service.archive_conversation(Actor(ids["dave"]), ids["group"])  # cannot read it
    with pytest.raises(BadRequest, match="one-to-one"):
        service.update_conversation_members(Actor(ids["alice"]), ids["pair"], [ids["alice"], ids["carol"]])
    with pytest.raises(BadRequest, match="one-to-one"):
        service.leave_conversation(Actor(ids["bob"]), ids["pair"])
    with pytest.raises(BadRequest, match="owner"):
        service.leave_conversation(Actor(ids["alice"]), ids["group"])
    assert service.rename_conversation(Actor(ids["alice"]), ids["group"], "Crew").title == "Crew"
    assert service.archive_conversation(Actor(ids["alice"]), ids["group"]).archived is True


def test_a_failed_member_change_changes_nothing_and_a_good_one_reports_who_came_and_went() -> None:
    mock, ids = _mock()
    service, world = mock.service, mock.store.world
    before = set(world.members_by_conversation[ids["group"]])
    unknown = "5b0c8a2e-3f44-4c1a-9a0e-0d3f3c1d2e4f"
    with pytest.raises(NotFound):
        service.update_conversation_members(
            Actor(ids["alice"]), ids["group"], [ids["alice"], ids["dave"], unknown]
        )
    assert set(world.members_by_conversation[ids["group"]]) == before
    assert ids["group"] not in world.conversations_by_user.get(ids["dave"], set())
    assert mock.store.take_events() == []
    service.update_conversation_members(
        Actor(ids["alice"]), ids["group"], [ids["alice"], ids["bob"], ids["mod"], ids["dave"]]
    )
    service.leave_conversation(Actor(ids["bob"]), ids["group"])
    assert mock.store.take_events() == [
        Event(
            Kind.CONVERSATION_MEMBERS_CHANGED,
            ids["group"],
            added_ids=(ids["dave"],),
            removed_ids=(ids["carol"],),
        ),
        Event(Kind.CONVERSATION_MEMBERS_CHANGED, ids["group"], removed_ids=(ids["bob"],)),
    ]
    assert set(world.members_by_conversation[ids["group"]]) == {ids["alice"], ids["mod"], ids["dave"]}
    assert ids["group"] not in world.conversations_by_user[ids["carol"]]


def test_replies_forwards_and_mentions_are_checked_before_anything_is_written() -> None:
    mock, ids = _mock()
    service = mock.service
    in_pair = _say(mock, ids, "alice", "in the pair", where="pair")
    in_group = _say(mock, ids, "carol", "in the group")
    carol = Actor(ids["carol"])
    count = len(mock.store.world.messages)

    def send(**extra: object) -> None:
        service.create_message(
            carol,
            author_id=ids["carol"],
            body="x",
            conversation_id=ids["group"],
            is_system=False,
            **extra,  # type: ignore[arg-type]
        )

    with pytest.raises(NotFound):
        send(reply_id=in_pair)  # carol may not read the pair
    with pytest.raises(NotFound):
        send(forward_from_id=in_pair)
    with pytest.raises(BadRequest, match="not in conversation"):
        service.create_message(  # alice may read it, but it is in another conversation
            Actor(ids["alice"]),
            author_id=ids["alice"],
            body="x",
            conversation_id=ids["group"],
            is_system=False,
            reply_id=in_pair,
        )
    with pytest.raises(BadRequest):
        send(mentioned_ids=[ids["dave"]])  # not a member
    assert len(mock.store.world.messages) == count
    reply = service.create_message(
        carol,
        author_id=ids["carol"],
        body="re",
        conversation_id=ids["group"],
        is_system=False,
        reply_id=in_group,
        mentioned_ids=[ids["alice"].upper(), ids["alice"]],
    )
    assert reply.replied_to_id == in_group and reply.mentioned_ids == (ids["alice"],)


def test_a_rewind_and_a_reset_take_back_every_live_chat_write() -> None:
    mock, ids = _mock()
    service, store = mock.service, mock.store
    message = _say(mock, ids, "alice", "hello")
    store.checkpoint()
    before = dump_world(store.world)
    alice = Actor(ids["alice"])
    service.edit_message(alice, message, "edited")
    service.delete_message(alice, message)
    service.mark_conversation_unread(Actor(ids["bob"]), ids["group"], True)
    service.mark_read(Actor(ids["bob"]), ids["group"], store.clock.now())
    service.rename_conversation(alice, ids["group"], "Crew")
    service.update_conversation_members(alice, ids["group"], [ids["alice"], ids["bob"], ids["dave"]])
    service.leave_conversation(Actor(ids["bob"]), ids["group"])
    service.archive_conversation(alice, ids["group"])
    assert store.rewind()
    assert dump_world(store.world) == before
    assert store.world.marked_unread.get(ids["group"], set()) == set()
    service.mark_conversation_unread(Actor(ids["bob"]), ids["group"], True)
    mock.reset()
    assert mock.store.world.marked_unread == {} and mock.store.world.read_by == {}


def test_a_saved_state_keeps_read_state_unread_flags_and_message_links() -> None:
    mock, ids = _mock()
    service, store = mock.service, mock.store
    first = _say(mock, ids, "alice", "first")
    reply = service.create_message(
        Actor(ids["bob"]),
        author_id=ids["bob"],
        body="re",
        conversation_id=ids["group"],
        is_system=False,
        reply_id=first,
        forward_from_id=first,
        mentioned_ids=[ids["alice"]],
    ).id
    service.edit_message(Actor(ids["bob"]), reply, "re!")
    service.mark_read(Actor(ids["carol"]), ids["group"], store.clock.now())
    service.mark_conversation_unread(Actor(ids["bob"]), ids["pair"], True)
    state = mock.dump_state()
    assert {"messageId": first, "userId": ids["carol"]} in state["messageReads"]
    assert state["conversationsMarkedUnread"] == [{"conversationId": ids["pair"], "userId": ids["bob"]}]
    loaded = load_world(state, default_roles=ROLES)
    assert dump_world(loaded) == state
    again = RoqMock(Settings(roles=ROLES), engine=ENGINE)
    again.load_state(state)
    assert again.service.readers(again.store.world.messages[first]) == [ids["alice"], ids["carol"]]
    assert again.service.is_marked_unread(ids["bob"], ids["pair"])
    kept = again.store.world.messages[reply]
    assert (kept.replied_to_id, kept.forward_from_id, kept.mentioned_ids) == (first, first, (ids["alice"],))
    assert kept.body_updated_at is not None


@pytest.mark.parametrize(
    ("key", "entry"),
    [
        ("messageReads", {"messageId": "5b0c8a2e-3f44-4c1a-9a0e-0d3f3c1d2e4f", "userId": "alice"}),
        ("conversationsMarkedUnread", {"conversationId": "pair", "userId": "dave"}),
        ("messageReads", {"messageId": 3}),
        ("conversationsMarkedUnread", "not an object"),
        ("mentionedIds", ["5b0c8a2e-3f44-4c1a-9a0e-0d3f3c1d2e4f"]),
        ("mentionedIds", [7]),
    ],
)
def test_a_state_with_bad_read_state_is_refused(key: str, entry: object) -> None:
    mock, ids = _mock()
    _say(mock, ids, "alice", "hello")
    state = mock.dump_state()
    if key == "mentionedIds":
        state["messages"][0]["mentionedIds"] = entry
        with pytest.raises(StateError, match=r"mention|unknown user"):
            load_world(state, default_roles=ROLES)
        return
    if isinstance(entry, dict):
        entry = {
            name: ids.get(value, value) if isinstance(value, str) else value for name, value in entry.items()
        }
    state[key] = [entry]
    with pytest.raises(StateError):
        load_world(state, default_roles=ROLES)


def test_a_failed_write_reports_nothing() -> None:
    mock, ids = _mock()
    with pytest.raises(RoqError):
        mock.service.mark_conversation_unread(Actor(ids["dave"]), ids["group"], True)
    with pytest.raises(RoqError):
        mock.service.rename_conversation(Actor(ids["alice"]), ids["group"], "   ")
    assert mock.store.take_events() == []
    assert mock.store.world.conversations[ids["group"]].title == "Group"
