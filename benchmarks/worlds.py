"""The worlds the benchmark measures, who calls, and the SDK's requests.

The in-process and HTTP parts share one seeded world, big enough for the SDK's usual pages: a member of
about thirty conversations reads 20 of them, and a conversation with more than 50 messages gives a full
page. The scale part grows a seeded world of 100 users and 1,000 conversations to a million messages.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from roqmock.api.engine import GraphQLEngine
from roqmock.baseline import Baseline
from roqmock.client import RoqClient
from roqmock.config import Settings
from roqmock.domain.models import Message
from roqmock.domain.store import Store, World
from roqmock.mock import RoqMock
from roqmock.seed import WorldSize, seed_world

SEED = 1
# `roqmock serve --seed 1 --users 20 --conversations 200 --messages 10000 --files 20 --tenants 2`
BENCH_SIZE = WorldSize(users=20, conversations=200, messages=10_000, files=20, tenants=2)
CONVERSATIONS_PAGE = 20
MESSAGES_PAGE = 50
USERS_PAGE = 20
NEW_MESSAGE_BODY = "**Heads up**: the release branch is green again, merging it now. _Thanks all_"


def bench_mock(engine: GraphQLEngine | None = None) -> RoqMock:
    return RoqMock(Settings(), baseline=Baseline(seed=SEED, size=BENCH_SIZE), engine=engine)


def serve_arguments() -> list[str]:
    """The ``roqmock serve`` flags that seed the same world as :func:`bench_mock`, ids included."""
    size = BENCH_SIZE
    return [
        *("--seed", str(SEED), "--users", str(size.users), "--conversations", str(size.conversations)),
        *("--messages", str(size.messages), "--files", str(size.files), "--tenants", str(size.tenants)),
    ]


@dataclass(frozen=True, slots=True)
class Callers:
    reader_id: str  # the member of the most conversations: reads a page of them
    conversation_id: str  # the conversation with the most messages
    member_id: str  # its owner: reads its messages and writes to it


def callers(world: World) -> Callers:
    reader_id = max(
        sorted(world.conversations_by_user), key=lambda user: len(world.conversations_by_user[user])
    )
    busiest = max(
        sorted(world.messages_by_conversation), key=lambda cid: len(world.messages_by_conversation[cid])
    )
    if len(world.conversations_by_user[reader_id]) < CONVERSATIONS_PAGE:
        raise ValueError(f"no user of this world is in {CONVERSATIONS_PAGE} conversations")
    if len(world.messages_by_conversation[busiest]) < MESSAGES_PAGE:
        raise ValueError(f"no conversation of this world has {MESSAGES_PAGE} messages")
    return Callers(reader_id, busiest, world.conversations[busiest].owner_id)


@dataclass(frozen=True, slots=True)
class Operation:
    """One SDK call as one user: what the in-process client runs, and the body it sends."""

    name: str
    user_id: str
    invoke: Callable[[RoqClient], Any]
    writes: bool = False
    super_admin: bool = False  # called with the service account's token, not ``user_id``'s

    @property
    def caller(self) -> str | None:
        """Whose token the call carries: ``None`` for the super admin."""
        return None if self.super_admin else self.user_id

    def body(self) -> dict[str, Any]:
        """The exact request body the client sends for this call (``query``, ``variables``)."""
        sent: list[dict[str, Any]] = []

        def record(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            sent.append(body)
            return 200, {"data": {}}

        self.invoke(RoqClient(record, user_id=self.caller))
        return sent[0]


def operations(who: Callers) -> list[Operation]:
    """ROQ's SDK documents: conversations with users and tags, a page of messages, sending a message."""
    message = {
        "authorId": who.member_id,
        "body": NEW_MESSAGE_BODY,
        "conversationId": who.conversation_id,
        "isSystem": False,
    }
    by_conversation = {"conversationId": {"equalTo": who.conversation_id}}
    return [
        Operation(
            "conversations",
            who.reader_id,
            lambda client: client.conversations(with_users=True, with_tags=True, limit=CONVERSATIONS_PAGE),
        ),
        Operation(
            "messages",
            who.member_id,
            lambda client: client.messages(filter=by_conversation, limit=MESSAGES_PAGE),
        ),
        Operation("createMessage", who.member_id, lambda client: client.create_message(message), writes=True),
    ]


def http_operations(who: Callers) -> list[Operation]:
    """The HTTP part's workloads: the SDK documents of :func:`operations`, the SDK's ``users`` page (with
    tenant and roles) as the reader, and the same messages page as the super admin (the service account);
    the writes last, so that every read sees the world as seeded."""
    by_conversation = {"conversationId": {"equalTo": who.conversation_id}}
    extra = [
        Operation(
            "users",
            who.reader_id,
            lambda client: client.users(with_tenant=True, with_roles=True, limit=USERS_PAGE),
        ),
        Operation(
            "messagesAsSuperAdmin",
            who.member_id,
            lambda client: client.messages(filter=by_conversation, limit=MESSAGES_PAGE),
            super_admin=True,
        ),
    ]
    return sorted([*operations(who), *extra], key=lambda operation: operation.writes)


# ---------------------------------------------------------------- a million messages

SCALE_SIZE = WorldSize(users=100, conversations=1_000, messages=0, files=0, tenants=2)
BUSY_EVERY = 20  # every 20th message goes to one conversation: a full page of 50 even at 1,000 messages
BODY_POOL = 5_000


class GrowingWorld:
    """A seeded world (100 users, 1,000 conversations, Faker names, titles and tags) that grows by
    messages added straight to the store, as roqmock's own writes add them: ids from ``store.ids``, times
    from ``store.clock``, authored by a member, bodies drawn from Faker-made messages of another seeded
    world. Seeding a million messages with Faker would take minutes; this takes seconds. One conversation
    (a group) receives every ``BUSY_EVERY``-th message, the rest are spread evenly over all of them.
    """

    def __init__(self, engine: GraphQLEngine | None = None, seed: int = SEED) -> None:
        self.mock = RoqMock(Settings(), baseline=Baseline(seed=seed, size=SCALE_SIZE), engine=engine)
        world = self.mock.store.world
        conversations = sorted(world.conversations.values(), key=lambda c: (c.created_at, c.id))
        busy = next(c for c in conversations if c.is_group)
        self.busy_conversation_id = busy.id
        self.busy_member_id = busy.owner_id
        self._conversation_ids = [conversation.id for conversation in conversations]
        self._members = {
            cid: [(row.user_id, row.id) for row in world.members_of(cid)] for cid in self._conversation_ids
        }
        self._bodies = body_pool(seed)
        self._random = random.Random(seed)

    @property
    def size(self) -> int:
        return len(self.mock.store.world.messages)

    def grow_to(self, total: int) -> None:
        store, rng = self.mock.store, self._random
        world, ids, clock = store.world, store.ids, store.clock
        bodies, conversation_ids, members = self._bodies, self._conversation_ids, self._members
        for index in range(len(world.messages), total):
            busy = index % BUSY_EVERY == 0
            conversation_id = self.busy_conversation_id if busy else rng.choice(conversation_ids)
            author_id, member_row_id = rng.choice(members[conversation_id])
            when = clock.now()
            world.add_message(
                Message(
                    id=ids.new(),
                    body=bodies[index % len(bodies)],
                    conversation_id=conversation_id,
                    author_id=author_id,
                    created_at=when,
                    updated_at=when,
                    conversation_user_id=member_row_id,
                )
            )


def body_pool(seed: int) -> list[str]:
    """Message bodies as roqmock's seeding writes them (markdown, lists, links, system notes)."""
    store = Store(seed=seed)
    seed_world(store, seed=seed, size=WorldSize(users=10, conversations=10, messages=BODY_POOL, files=0))
    return [message.body for message in store.world.messages.values()]
