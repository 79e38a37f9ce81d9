"""The one owner of all state.

A :class:`World` holds every record and the indexes over them; :class:`Store` holds one world plus the clock
and the id source, and ``reset()`` swaps in a fresh world, so no piece of state can be forgotten by it.
Writes go through the world's ``add_*``/``remove_*`` methods, which keep the indexes true.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from roqmock.domain.clock import Clock, IdSource
from roqmock.domain.models import (
    Conversation,
    ConversationTag,
    ConversationUser,
    File,
    FileCategory,
    Message,
    Tenant,
    User,
)
from roqmock.domain.permissions import DEFAULT_USER_ROLE, Role


@dataclass(slots=True)
class World:
    roles: dict[str, Role] = field(default_factory=dict)
    tenants: dict[str, Tenant] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    members: dict[str, ConversationUser] = field(default_factory=dict)
    tags: dict[str, ConversationTag] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    file_categories: dict[str, FileCategory] = field(default_factory=dict)
    files: dict[str, File] = field(default_factory=dict)
    # indexes
    members_by_conversation: dict[str, dict[str, ConversationUser]] = field(default_factory=dict)
    conversations_by_user: dict[str, set[str]] = field(default_factory=dict)
    tags_by_conversation: dict[str, dict[str, ConversationTag]] = field(default_factory=dict)
    messages_by_conversation: dict[str, list[Message]] = field(default_factory=dict)
    messages_by_file: dict[str, list[Message]] = field(default_factory=dict)

    def add_user(self, user: User) -> None:
        self.users[user.id] = user

    def add_conversation(self, conversation: Conversation) -> None:
        self.conversations[conversation.id] = conversation
        self.members_by_conversation.setdefault(conversation.id, {})
        self.tags_by_conversation.setdefault(conversation.id, {})
        self.messages_by_conversation.setdefault(conversation.id, [])

    def add_member(self, member: ConversationUser) -> None:
        self.members[member.id] = member
        self.members_by_conversation[member.conversation_id][member.user_id] = member
        self.conversations_by_user.setdefault(member.user_id, set()).add(member.conversation_id)

    def add_tag(self, tag: ConversationTag) -> None:
        self.tags[tag.id] = tag
        self.tags_by_conversation[tag.conversation_id][tag.tag] = tag

    def remove_tag(self, tag: ConversationTag) -> None:
        del self.tags[tag.id]
        del self.tags_by_conversation[tag.conversation_id][tag.tag]

    def add_message(self, message: Message) -> None:
        self.messages[message.id] = message
        # Timestamps only grow, so appending keeps each conversation's list in creation order.
        self.messages_by_conversation[message.conversation_id].append(message)
        if message.file_id is not None:
            self.messages_by_file.setdefault(message.file_id, []).append(message)

    def remove_conversation(self, conversation_id: str) -> None:
        """Remove a conversation with its members, tags and messages."""
        del self.conversations[conversation_id]
        for member in self.members_by_conversation.pop(conversation_id).values():
            del self.members[member.id]
            self.conversations_by_user[member.user_id].discard(conversation_id)
        for tag in self.tags_by_conversation.pop(conversation_id).values():
            del self.tags[tag.id]
        for message in self.messages_by_conversation.pop(conversation_id):
            del self.messages[message.id]
            if message.file_id is not None:
                attached = self.messages_by_file[message.file_id]
                attached.remove(message)
                if not attached:
                    del self.messages_by_file[message.file_id]

    def add_file(self, file: File) -> None:
        self.files[file.id] = file

    def members_of(self, conversation_id: str) -> Iterable[ConversationUser]:
        return self.members_by_conversation.get(conversation_id, {}).values()


class Store:
    """Owns the world, the clock and the ids. ``reset()`` starts a new, empty world."""

    def __init__(
        self,
        *,
        seed: int | None = None,
        roles: Mapping[str, Role] | None = None,
        clock_start: datetime | None = None,
    ) -> None:
        self.seed = seed
        self._roles = dict(roles) if roles is not None else {DEFAULT_USER_ROLE.key: DEFAULT_USER_ROLE}
        self._clock_start = clock_start
        # Mutations hold this lock so that in-process use from several threads stays consistent.
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.world = World(roles=dict(self._roles))
            self.clock = Clock(self._clock_start)
            self.ids = IdSource(self.seed)

    def replace_world(self, world: World, *, latest: datetime | None = None) -> None:
        """Swap in a world built elsewhere (a loaded state); the clock continues after ``latest``."""
        with self.lock:
            self.world = world
            self.clock = Clock(self._clock_start)
            self.ids = IdSource(self.seed)
            if latest is not None:
                self.clock.observe(latest)

    def adopt(self, other: Store) -> None:
        """Take over another store's world, clock and ids: a new world built aside, swapped in at once."""
        with self.lock:
            self.seed = other.seed
            self.world, self.clock, self.ids = other.world, other.clock, other.ids

    @property
    def role_definitions(self) -> Mapping[str, Role]:
        return self._roles
