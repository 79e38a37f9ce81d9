"""Hypothesis strategies for testing code that calls ROQ's chat API.

Valid inputs are valid against a given world (``roq.world`` or ``roq_world``): a conversation input owned by
a real user with real members, a message by a member. Deliberately invalid ones (bad uuids, negative
pages, non-members, forged authors) test a client's error handling. Every strategy takes keyword-only
options and rejects bad ones at once with ``InvalidArgument``.

``RoqStateMachine`` drives a client and roqmock side by side in a stateful test.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from roqmock.domain.categories import DEFAULT_FILE_CATEGORIES, content_type_allowed
from roqmock.domain.models import Conversation, FileCategory, User
from roqmock.domain.specs import MESSAGE_SPEC
from roqmock.seed import TAGS, WorldSize
from roqmock.testing import Roq, WorldView

__all__ = [
    "RoqStateMachine",
    "bad_uuids",
    "conversation_filters",
    "conversation_inputs",
    "conversation_orders",
    "file_inputs",
    "file_inputs_with_bad_content_types",
    "file_inputs_with_unknown_categories",
    "forged_author_message_inputs",
    "message_filters",
    "message_inputs",
    "message_orders",
    "negative_pages",
    "non_member_message_inputs",
    "pages",
    "searches",
    "tags",
    "user_inputs",
    "uuids",
    "worlds",
]

# ---------------------------------------------------------------- small pieces


def _check_int(name: str, value: object, *, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InvalidArgument(f"{name}={value!r} must be an integer of at least {minimum}")
    return value


def _check_world(world: object) -> WorldView:
    if not isinstance(world, WorldView):
        raise InvalidArgument(
            f"world must be a WorldView (roq.world or roq_world), not {type(world).__name__}"
        )
    return world


def _people(world: WorldView, *, minimum: int = 1) -> list[User]:
    people = world.users
    if len(people) < minimum:
        raise InvalidArgument(f"the world has {len(people)} users; this strategy needs at least {minimum}")
    return people


def uuids() -> st.SearchStrategy[str]:
    """Canonical lower-case UUID4 strings."""
    return st.uuids(version=4).map(str)


def bad_uuids() -> st.SearchStrategy[str]:
    """Strings that are not UUIDs: ROQ answers 400 (``IS_UUID`` in filters, ``INVALID_UUID`` for ``ID!``)."""
    near_misses = uuids().flatmap(
        lambda value: st.sampled_from(
            [value[:-1], value + "0", value.replace("-", ""), "{" + value + "}", value[:8] + "_" + value[9:]]
        )
    )
    junk = st.text(alphabet=string.ascii_letters + string.digits + "-_ ", max_size=40)
    return st.one_of(near_misses, junk, st.just(""), st.just("not-a-uuid"))


def tags(*, vocabulary: Sequence[str] = TAGS, max_size: int = 4) -> st.SearchStrategy[list[str]]:
    """Lists of distinct tags drawn from ``vocabulary``."""
    _check_int("max_size", max_size)
    if not vocabulary:
        raise InvalidArgument("vocabulary must not be empty")
    return st.lists(st.sampled_from(list(vocabulary)), unique=True, max_size=max_size)


_NAMES = st.text(alphabet=string.ascii_letters, min_size=1, max_size=12)


def user_inputs(*, tenant_ids: Sequence[str] = ()) -> st.SearchStrategy[dict[str, Any]]:
    """``UserCreateDto`` values with unique references and emails."""
    if not all(isinstance(tenant_id, str) for tenant_id in tenant_ids):
        raise InvalidArgument("tenant_ids must be strings")
    tenants: st.SearchStrategy[str | None] = st.sampled_from(list(tenant_ids)) if tenant_ids else st.none()
    return st.builds(
        lambda key, first, last, locale, tenant_id: {
            "reference": f"ref-{key}",
            "email": f"{first.lower()}.{key[:8]}@example.com",
            "firstName": first,
            "lastName": last,
            "locale": locale,
            **({"tenantId": tenant_id} if tenant_id else {}),
        },
        uuids(),
        _NAMES,
        _NAMES,
        st.sampled_from(["en-US", "de-DE", "fr-FR"]),
        tenants,
    )


# ---------------------------------------------------------------- chat inputs


# ---------------------------------------------------------------- files

# Content types by family, for files a category may or may not take.
_CONTENT_TYPES = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "video/mp4",
    "audio/mpeg",
    "text/plain",
    "text/csv",
    "application/pdf",
    "application/json",
    "font/woff2",
    "model/gltf+json",
    "message/rfc822",
)
_FILE_NAME = st.text(alphabet=string.ascii_letters + string.digits + "-_ .", min_size=1, max_size=40).filter(
    lambda name: name.strip() != ""
)


def _category(world: WorldView | None, key: str) -> FileCategory | tuple[str, ...]:
    """The category ``key`` of ``world``, or its default content types when no world is given."""
    if world is not None:
        _check_world(world)
        for category in world.file_categories:
            if category.key == key:
                return category
        raise InvalidArgument(f"the world has no file category {key!r}")
    if key not in DEFAULT_FILE_CATEGORIES:
        raise InvalidArgument(f"{key!r} is not a default file category: pass the world that has it")
    return DEFAULT_FILE_CATEGORIES[key].content_types


def _patterns(world: WorldView | None, category: str) -> tuple[str, ...]:
    found = _category(world, category)
    return tuple(found.content_types) if isinstance(found, FileCategory) else found


def file_inputs(
    *, category: str = "CHAT_FILES", world: WorldView | None = None
) -> st.SearchStrategy[dict[str, str]]:
    """A ``FileCreateDto`` that ``createFileUpload`` takes for ``category`` (in ``world``, or by the
    default categories): a name and a content type the category allows."""
    patterns = _patterns(world, category)
    allowed = [t for t in _CONTENT_TYPES if content_type_allowed(patterns, t)]
    exact = [p for p in patterns if "*" not in p]
    choices = sorted(set(allowed + exact))
    if not choices:
        raise InvalidArgument(f"category {category!r} allows none of the content types these strategies know")
    return st.fixed_dictionaries(
        {"name": _FILE_NAME, "contentType": st.sampled_from(choices), "fileCategory": st.just(category)}
    )


def file_inputs_with_bad_content_types(
    *, category: str = "USER_AVATAR_FILES", world: WorldView | None = None
) -> st.SearchStrategy[dict[str, str]]:
    """A ``FileCreateDto`` whose content type ``category`` refuses (INVALID_CONTENT_TYPE_FOR_FILE_CATEGORY):
    a known type of another family, or text that is no content type at all."""
    patterns = _patterns(world, category)
    refused = [t for t in _CONTENT_TYPES if not content_type_allowed(patterns, t)]
    malformed = st.sampled_from(["png", "image", "/png", "image/", "text plain"])
    bad = st.one_of(st.sampled_from(refused), malformed) if refused else malformed
    return st.fixed_dictionaries({"name": _FILE_NAME, "contentType": bad, "fileCategory": st.just(category)})


def file_inputs_with_unknown_categories(
    world: WorldView | None = None,
) -> st.SearchStrategy[dict[str, str]]:
    """A ``FileCreateDto`` naming a category key no category has (FILE_CATEGORY_WITH_GIVEN_KEY_NOT_FOUND)."""
    keys = (
        {c.key for c in _check_world(world).file_categories}
        if world is not None
        else set(DEFAULT_FILE_CATEGORIES)
    )
    unknown = st.text(alphabet=string.ascii_uppercase + "_", min_size=1, max_size=30).filter(
        lambda key: key not in keys
    )
    return st.fixed_dictionaries(
        {"name": _FILE_NAME, "contentType": st.sampled_from(_CONTENT_TYPES), "fileCategory": unknown}
    )


def conversation_inputs(
    world: WorldView, *, owner: User | str | None = None, min_members: int = 1, max_members: int = 5
) -> st.SearchStrategy[dict[str, Any]]:
    """``ConversationCreateDto`` values valid for the owner's own token: the owner among the members."""
    world = _check_world(world)
    _check_int("min_members", min_members, minimum=1)
    _check_int("max_members", max_members, minimum=min_members)
    people = _people(world, minimum=min_members)
    chosen_owner: User | None = None
    if owner is not None:
        owner_id = owner if isinstance(owner, str) else owner.id
        chosen_owner = next((user for user in people if owner_id in (user.id, user.reference)), None)
        if chosen_owner is None:
            raise InvalidArgument(
                f"owner {owner_id!r} is not one of the world's people (the seeded bot has no roles)"
            )
    owners = st.just(chosen_owner) if chosen_owner is not None else st.sampled_from(people)

    def for_owner(chosen: User) -> st.SearchStrategy[dict[str, Any]]:
        others = [user for user in people if user.id != chosen.id]
        members = (
            st.lists(
                st.sampled_from(others),
                unique_by=lambda u: u.id,
                min_size=min_members - 1,
                max_size=max_members - 1,
            )
            if others
            else st.just([])
        )
        return st.builds(
            lambda title, more, tag_list, is_group, archived: {
                "title": title,
                "ownerId": chosen.id,
                "memberIds": [chosen.id, *(user.id for user in more)],
                "tags": tag_list,
                **({"isGroup": is_group} if is_group is not None else {}),
                **({"archived": archived} if archived is not None else {}),
            },
            st.text(min_size=1, max_size=40),
            members,
            tags(),
            st.none() | st.booleans(),
            st.none() | st.booleans(),
        )

    return owners.flatmap(for_owner)


def _conversations_with_members(world: WorldView) -> list[tuple[Conversation, list[User]]]:
    pairs = [(conversation, world.members_of(conversation)) for conversation in world.conversations]
    pairs = [(conversation, members) for conversation, members in pairs if members]
    if not pairs:
        raise InvalidArgument("the world has no conversation with members")
    return pairs


_BODIES = st.one_of(
    st.text(min_size=1, max_size=200),
    st.builds(lambda a, b: f"**{a}** {b}", _NAMES, st.text(max_size=50)),
    st.lists(_NAMES, min_size=1, max_size=4).map(lambda items: "\n".join(f"- {item}" for item in items)),
)


def message_inputs(
    world: WorldView, *, author: User | str | None = None, conversation: Conversation | str | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """``MessageCreateDto`` values a member may send with its own token."""
    world = _check_world(world)
    pairs = _conversations_with_members(world)
    if conversation is not None:
        wanted = conversation if isinstance(conversation, str) else conversation.id
        pairs = [pair for pair in pairs if pair[0].id == wanted]
        if not pairs:
            raise InvalidArgument(f"no conversation {wanted!r} with members in this world")
    if author is not None:
        author_id = author if isinstance(author, str) else author.id
        pairs = [(c, [u for u in members if u.id == author_id]) for c, members in pairs]
        pairs = [(c, members) for c, members in pairs if members]
    if not pairs:
        raise InvalidArgument("no conversation in the world has that author as a member")
    return st.sampled_from(pairs).flatmap(
        lambda pair: st.builds(
            lambda who, body: {
                "authorId": who.id,
                "body": body,
                "conversationId": pair[0].id,
                "isSystem": False,
            },
            st.sampled_from(pair[1]),
            _BODIES,
        )
    )


def _message_by(
    caller: User, author: User, conversation: Conversation
) -> st.SearchStrategy[tuple[User, dict[str, Any]]]:
    """``(caller, message)`` with ``author`` as the message's ``authorId`` in ``conversation``."""
    return _BODIES.map(
        lambda body: (
            caller,
            {"authorId": author.id, "body": body, "conversationId": conversation.id, "isSystem": False},
        )
    )


def non_member_message_inputs(world: WorldView) -> st.SearchStrategy[tuple[User, dict[str, Any]]]:
    """``(caller, message)``: the caller writes as itself to a conversation it is not in (ROQ: 403)."""
    world = _check_world(world)
    people = _people(world)
    pairs = []
    for conversation, members in _conversations_with_members(world):
        outsiders = [user for user in people if user.id not in {m.id for m in members}]
        pairs += [(user, conversation) for user in outsiders]
    if not pairs:
        raise InvalidArgument("every user is a member of every conversation: there is no outsider")
    return st.sampled_from(pairs).flatmap(lambda pair: _message_by(pair[0], pair[0], pair[1]))


def forged_author_message_inputs(world: WorldView) -> st.SearchStrategy[tuple[User, dict[str, Any]]]:
    """``(caller, message)``: a member writes with another member as ``authorId`` (ROQ: 403)."""
    world = _check_world(world)
    pairs = [
        (caller, forged, conversation)
        for conversation, members in _conversations_with_members(world)
        for caller in members
        for forged in members
        if caller.id != forged.id
    ]
    if not pairs:
        raise InvalidArgument("no conversation has two members")
    return st.sampled_from(pairs).flatmap(lambda triple: _message_by(*triple))


# ---------------------------------------------------------------- list arguments


def _id_filter(ids: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    operand = ids | st.none()
    return st.fixed_dictionaries(
        {},
        optional={
            "equalTo": operand,
            "notEqualTo": operand,
            "valueIn": st.lists(ids, max_size=3),
            "valueNotIn": st.lists(ids, max_size=3),
        },
    )


def _known_or_random(values: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(values) | uuids() if values else uuids()


def conversation_filters(world: WorldView | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """``ConversationFilterArgType`` values; with a world, ids are mostly ones that exist in it."""
    if world is not None:
        world = _check_world(world)
    conversation_ids = _known_or_random([c.id for c in world.conversations] if world else [])
    user_ids = _known_or_random([u.id for u in world.users] if world else [])
    return st.fixed_dictionaries(
        {},
        optional={
            "id": _id_filter(conversation_ids),
            "ownerId": _id_filter(user_ids),
            "isGroup": st.fixed_dictionaries(
                {}, optional={"equalTo": st.booleans(), "notEqualTo": st.booleans()}
            ),
            "memberId": st.fixed_dictionaries({"equalTo": user_ids}),
        },
    )


def message_filters(world: WorldView | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """``MessageFilterArgType`` values, with SQL ``like``/``iLike`` patterns on the body."""
    if world is not None:
        world = _check_world(world)
    conversation_ids = _known_or_random([c.id for c in world.conversations] if world else [])
    words = st.text(alphabet=string.ascii_letters + " ", max_size=6)
    pattern = st.builds(lambda a, b: f"%{a}%{b}", words, words)
    return st.fixed_dictionaries(
        {},
        optional={
            "conversationId": _id_filter(conversation_ids),
            "fileId": st.just({"equalTo": None}) | st.just({"notEqualTo": None}),
            "body": st.fixed_dictionaries({}, optional={"like": pattern, "iLike": pattern}),
        },
    )


def conversation_orders() -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries(
        {
            "order": st.sampled_from(["ASC", "DESC"]),
            "sort": st.sampled_from(["archived", "createdAt", "isGroup", "title", "updatedAt"]),
        }
    )


def message_orders() -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries(
        {"order": st.sampled_from(["ASC", "DESC"]), "sort": st.sampled_from(sorted(MESSAGE_SPEC.sorts))}
    )


def pages(*, max_limit: int = 1000, max_offset: int = 50) -> st.SearchStrategy[dict[str, int]]:
    """``{limit?, offset?}`` within bounds (``limit`` 0 and missing both mean the maximum)."""
    _check_int("max_limit", max_limit, minimum=1)
    _check_int("max_offset", max_offset)
    return st.fixed_dictionaries(
        {},
        optional={
            "limit": st.integers(min_value=0, max_value=max_limit),
            "offset": st.integers(min_value=0, max_value=max_offset),
        },
    )


def negative_pages() -> st.SearchStrategy[dict[str, int]]:
    """Pages ROQ refuses with a 400: a negative ``limit`` or ``offset``."""
    negative = st.integers(max_value=-1, min_value=-(2**31))
    return st.one_of(
        st.fixed_dictionaries({"limit": negative}, optional={"offset": st.integers(0, 10)}),
        st.fixed_dictionaries({"offset": negative}, optional={"limit": st.integers(0, 10)}),
    )


def searches(*, kind: str = "conversation") -> st.SearchStrategy[dict[str, str]]:
    """``{key, value}`` search arguments: ``title`` for conversations, ``body`` for messages."""
    keys = {"conversation": "title", "message": "body"}
    if kind not in keys:
        raise InvalidArgument(f"kind must be one of {sorted(keys)}, not {kind!r}")
    return st.fixed_dictionaries({"key": st.just(keys[kind]), "value": st.text(max_size=5)})


# ---------------------------------------------------------------- whole worlds


def worlds(
    *,
    max_users: int = 8,
    max_conversations: int = 6,
    max_messages: int = 40,
    seeds: st.SearchStrategy[int] | None = None,
) -> st.SearchStrategy[Roq]:
    """In-process roqmocks on seeded worlds of random size (at least two users)."""
    _check_int("max_users", max_users, minimum=2)
    _check_int("max_conversations", max_conversations)
    _check_int("max_messages", max_messages)
    if seeds is not None and not isinstance(seeds, st.SearchStrategy):
        raise InvalidArgument(f"seeds must be a strategy of integers, not {seeds!r}")
    sizes = st.builds(
        WorldSize,
        users=st.integers(2, max_users),
        conversations=st.integers(0, max_conversations),
        messages=st.integers(0, max_messages),
        files=st.integers(0, 3),
        tenants=st.integers(0, 2),
    )
    return st.builds(
        lambda seed, size: Roq.create(seed=seed, size=size),
        seeds if seeds is not None else st.integers(0, 2**32 - 1),
        sizes,
    )


# ---------------------------------------------------------------- stateful


class RoqStateMachine(RuleBasedStateMachine):
    """Drive a client and roqmock side by side: start conversations, write, tag, delete, and check views.

    Subclass it and override the client hooks (``create_conversation`` ... ``message_count``) to go through
    your own client, pointed at ``self.roq`` (``self.roq.transport``, ``self.roq.base_url``). The default
    hooks use roqmock's own client. After every step the machine checks that what each user sees through
    the hooks equals a plain model of the chat, and that roqmock's world agrees with it.
    """

    world_seed: int = 0
    world_size: WorldSize = WorldSize(users=4, conversations=2, messages=4, files=0, tenants=1)

    def __init__(self) -> None:
        super().__init__()
        self.roq = Roq.create(seed=self.world_seed, size=self.world_size)
        world = self.roq.world
        self.people = world.users
        self.members: dict[str, set[str]] = {
            c.id: {u.id for u in world.members_of(c)} for c in world.conversations
        }
        self.owners: dict[str, str] = {c.id: c.owner_id for c in world.conversations}
        self.message_counts: dict[str, int] = {c.id: len(world.messages_in(c)) for c in world.conversations}
        self.tag_sets: dict[str, set[str]] = {c.id: set(world.tags_of(c)) for c in world.conversations}

    # -- client hooks: override these with your client

    def create_conversation(self, user: User, conversation: dict[str, Any]) -> str:
        created = self.roq.as_user(user).create_conversation(conversation)
        return str(created["createConversation"]["id"])

    def create_message(self, user: User, message: dict[str, Any]) -> None:
        self.roq.as_user(user).create_message(message)

    def assign_tags(self, user: User, conversation_id: str, tag_list: list[str]) -> None:
        self.roq.as_user(user).assign_tags_to_conversation(conversation_id, tag_list)

    def delete_conversation(self, user: User, conversation_id: str) -> None:
        self.roq.as_user(user).delete_conversation(conversation_id)

    def visible_conversation_ids(self, user: User) -> set[str]:
        page = self.roq.as_user(user).conversations()["conversations"]
        return {conversation["id"] for conversation in page["data"]}

    def message_count(self, user: User, conversation_id: str) -> int:
        page = self.roq.as_user(user).messages(
            filter={"conversationId": {"equalTo": conversation_id}}, limit=1
        )
        return int(page["messages"]["totalCount"])

    # -- rules

    @rule(data=st.data())
    def start_conversation(self, data: st.DataObject) -> None:
        owner = data.draw(st.sampled_from(self.people), label="owner")
        dto = data.draw(conversation_inputs(self.roq.world, owner=owner, max_members=3), label="conversation")
        conversation_id = self.create_conversation(owner, dto)
        self.members[conversation_id] = set(dto["memberIds"])
        self.owners[conversation_id] = owner.id
        self.message_counts[conversation_id] = 0
        self.tag_sets[conversation_id] = set(dto.get("tags") or ())

    @precondition(lambda self: any(self.members.values()))
    @rule(data=st.data())
    def write(self, data: st.DataObject) -> None:
        conversation_id = data.draw(st.sampled_from(sorted(c for c, m in self.members.items() if m)))
        author = data.draw(st.sampled_from([u for u in self.people if u.id in self.members[conversation_id]]))
        body = data.draw(_BODIES, label="body")
        self.create_message(
            author,
            {"authorId": author.id, "body": body, "conversationId": conversation_id, "isSystem": False},
        )
        self.message_counts[conversation_id] += 1

    @precondition(lambda self: bool(self.owners))
    @rule(data=st.data())
    def tag(self, data: st.DataObject) -> None:
        conversation_id = data.draw(st.sampled_from(sorted(self.owners)))
        owner = next(u for u in self.people if u.id == self.owners[conversation_id])
        new_tags = data.draw(tags(max_size=2), label="tags")
        self.assign_tags(owner, conversation_id, new_tags)
        self.tag_sets[conversation_id] |= set(new_tags)

    @precondition(lambda self: bool(self.owners))
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        conversation_id = data.draw(st.sampled_from(sorted(self.owners)))
        owner = next(u for u in self.people if u.id == self.owners[conversation_id])
        self.delete_conversation(owner, conversation_id)
        for table in (self.members, self.owners, self.message_counts, self.tag_sets):
            del table[conversation_id]

    # -- what must always hold

    @invariant()
    def each_user_sees_exactly_their_conversations(self) -> None:
        for user in self.people:
            expected = {c for c, members in self.members.items() if user.id in members}
            assert self.visible_conversation_ids(user) == expected, (
                f"{user.reference} sees the wrong conversations"
            )

    @invariant()
    def message_counts_agree(self) -> None:
        for conversation_id, members in self.members.items():
            reader = next((u for u in self.people if u.id in members), None)
            if reader is not None:
                assert self.message_count(reader, conversation_id) == self.message_counts[conversation_id]

    @invariant()
    def roqmock_agrees_with_the_model(self) -> None:
        world = self.roq.world
        assert {c.id for c in world.conversations} == set(self.members)
        for conversation in world.conversations:
            assert {u.id for u in world.members_of(conversation)} == self.members[conversation.id]
            assert set(world.tags_of(conversation)) == self.tag_sets[conversation.id]
