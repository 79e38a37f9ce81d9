"""The one owner of all state.

A :class:`World` holds every record and the indexes over them; :class:`Store` holds one world plus the clock
and the id source, and ``reset()`` swaps in a fresh world, so no piece of state can be forgotten by it.
Writes go through the world's ``add_*``/``remove_*`` methods, which keep the indexes true.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from roqmock.domain.categories import DEFAULT_FILE_CATEGORIES, CategorySpec, category_record
from roqmock.domain.clock import Clock, IdSource
from roqmock.domain.events import Event
from roqmock.domain.models import (
    Conversation,
    ConversationTag,
    ConversationUser,
    File,
    FileAssociation,
    FileCategory,
    Message,
    Tenant,
    User,
)
from roqmock.domain.roles import DEFAULT_USER_ROLE, Role

Undo = Callable[[], object]
MAX_UNDO = 200_000  # writes remembered for a rewind; past that a reset rebuilds the world instead
# The bytes of every file one world holds, together: an upload or a state past it is refused.
DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024


def natural_key(record: Any) -> tuple[datetime, str]:
    """Creation order: ``createdAt``, then ``id``. Ordered indexes keep their records in it."""
    return (record.created_at, record.id)


def _insert_ordered(records: list[Any], record: Any) -> None:
    # New records come from a clock that only moves forward, so this is an append but for loaded states.
    if records:
        last = records[-1]
        if last.created_at > record.created_at or (
            last.created_at == record.created_at and last.id > record.id
        ):
            bisect.insort(records, record, key=natural_key)
            return
    records.append(record)


def _remove_ordered(records: list[Any], record: Any) -> None:
    if records and records[-1] is record:
        records.pop()
        return
    index = _position(records, record)
    if index is None:
        raise ValueError(f"record {record.id} is not in its index")
    del records[index]


def _discard_ordered(records: list[Any], record: Any) -> None:
    """Remove ``record`` if it is there: undoing a write that may have stopped half-way."""
    index = _position(records, record)
    if index is not None:
        del records[index]


def _insert_if_missing(records: list[Any], record: Any) -> None:
    if _position(records, record) is None:
        _insert_ordered(records, record)


def _position(records: list[Any], record: Any) -> int | None:
    """Where ``record`` itself (not an equal one) is in ``records``, kept in creation order."""
    key = natural_key(record)
    index = bisect.bisect_left(records, key, key=natural_key)
    while index < len(records) and natural_key(records[index]) == key:
        if records[index] is record:
            return index
        index += 1
    return None


@dataclass(slots=True)
class World:
    """Every record of one world (by id; roles by key), with the indexes reads and permission checks use."""

    roles: dict[str, Role] = field(default_factory=dict)
    tenants: dict[str, Tenant] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    members: dict[str, ConversationUser] = field(default_factory=dict)
    tags: dict[str, ConversationTag] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    file_categories: dict[str, FileCategory] = field(default_factory=dict)
    files: dict[str, File] = field(default_factory=dict)
    file_associations: dict[str, FileAssociation] = field(default_factory=dict)
    # The uploaded (or seeded, or loaded) bytes of files, by file id, and their total length.
    file_bytes: dict[str, bytes] = field(default_factory=dict)
    file_bytes_total: int = 0
    # Read state: the users who have read each message, by message id (its author is not listed: an
    # author has read its own message).
    read_by: dict[str, set[str]] = field(default_factory=dict)
    # The users who marked a conversation unread (markConversationAsReadUnread), by conversation id.
    marked_unread: dict[str, set[str]] = field(default_factory=dict)
    # indexes; the lists are in creation order (natural_key)
    conversation_order: list[Conversation] = field(default_factory=list)
    message_order: list[Message] = field(default_factory=list)
    members_by_conversation: dict[str, dict[str, ConversationUser]] = field(default_factory=dict)
    conversations_by_user: dict[str, set[str]] = field(default_factory=dict)
    tags_by_conversation: dict[str, dict[str, ConversationTag]] = field(default_factory=dict)
    messages_by_conversation: dict[str, list[Message]] = field(default_factory=dict)
    messages_by_file: dict[str, list[Message]] = field(default_factory=dict)
    # Every write since checkpoint() leaves here how to take it back; None when not recording.
    undo_log: list[Undo] | None = None
    transactions: int = 0  # atomic blocks open (begin() without its end())
    # Moves on at every atomic block and every rewind: what was read at one version is still true at it.
    version: int = field(default=0, compare=False, repr=False)

    # ------------------------------------------------------------ undo

    def checkpoint(self) -> None:
        """From now on remember every write, so that rewind() can take them all back."""
        self.undo_log = []

    def rewind(self) -> bool:
        """Take back every write since checkpoint(); ``False`` (nothing done) when that is not possible."""
        log = self.undo_log
        if log is None:
            return False
        self.version += 1
        while log:
            log.pop()()
        return True

    def _did(self, undo: Undo) -> None:
        log = self.undo_log
        if log is not None:
            if len(log) >= MAX_UNDO and not self.transactions:
                self.undo_log = None  # too much to take back: a reset rebuilds instead
            else:
                log.append(undo)

    def begin(self) -> tuple[bool, int]:
        """Open an atomic block: all of its writes, or none (:meth:`end` with ``failed`` takes them
        back). Hand what it returns to :meth:`end`."""
        temporary = self.undo_log is None
        if temporary:
            self.undo_log = []
        self.transactions += 1
        self.version += 1
        return temporary, len(self.undo_log)  # type: ignore[arg-type]

    def end(self, opened: tuple[bool, int], *, failed: bool) -> None:
        """Close an atomic block; when it failed, take back what it wrote."""
        temporary, mark = opened
        log: list[Undo] = self.undo_log  # type: ignore[assignment]
        try:
            if failed:
                while len(log) > mark:
                    log.pop()()
        finally:
            self.transactions -= 1
            if temporary or (not self.transactions and len(log) > MAX_UNDO):
                self.undo_log = None

    # ------------------------------------------------------------ writes

    def add_tenant(self, tenant: Tenant) -> None:
        self.version += 1
        self.tenants[tenant.id] = tenant
        self._did(lambda: self.tenants.pop(tenant.id))

    def add_file_category(self, category: FileCategory) -> None:
        self.version += 1
        self.file_categories[category.id] = category
        self._did(lambda: self.file_categories.pop(category.id))

    def add_user(self, user: User) -> None:
        self.version += 1
        self.users[user.id] = user
        self._did(lambda: self.users.pop(user.id))

    def set_role_keys(self, user: User, role_keys: list[str]) -> None:
        self.version += 1
        previous = user.role_keys
        user.role_keys = role_keys
        self._did(lambda: setattr(user, "role_keys", previous))

    def add_conversation(self, conversation: Conversation) -> None:
        self.version += 1
        cid = conversation.id
        fresh = {
            name: cid not in index
            for name, index in (
                ("members", self.members_by_conversation),
                ("tags", self.tags_by_conversation),
                ("messages", self.messages_by_conversation),
            )
        }

        # Registered before the writes, and safe on a write that stopped half-way.
        def undo() -> None:
            if self.conversations.get(cid) is conversation:
                del self.conversations[cid]
            _discard_ordered(self.conversation_order, conversation)
            if fresh["members"]:
                self.members_by_conversation.pop(cid, None)
            if fresh["tags"]:
                self.tags_by_conversation.pop(cid, None)
            if fresh["messages"]:
                self.messages_by_conversation.pop(cid, None)

        self._did(undo)
        self.conversations[cid] = conversation
        _insert_ordered(self.conversation_order, conversation)
        self.members_by_conversation.setdefault(cid, {})
        self.tags_by_conversation.setdefault(cid, {})
        self.messages_by_conversation.setdefault(cid, [])

    def add_member(self, member: ConversationUser) -> None:
        self.version += 1
        self.members[member.id] = member
        self.members_by_conversation[member.conversation_id][member.user_id] = member
        joined = self.conversations_by_user.get(member.user_id)
        if joined is None:
            joined = self.conversations_by_user[member.user_id] = set()
            fresh = True
        else:
            fresh = False
        joined.add(member.conversation_id)

        def undo() -> None:
            del self.members[member.id]
            del self.members_by_conversation[member.conversation_id][member.user_id]
            if fresh:
                del self.conversations_by_user[member.user_id]
            else:
                self.conversations_by_user[member.user_id].discard(member.conversation_id)

        self._did(undo)

    def remove_member(self, member: ConversationUser) -> None:
        """A member leaves (or is removed): its row and the indexes; its messages stay."""
        self.version += 1
        del self.members[member.id]
        del self.members_by_conversation[member.conversation_id][member.user_id]
        self.conversations_by_user[member.user_id].discard(member.conversation_id)

        def undo() -> None:
            self.members[member.id] = member
            self.members_by_conversation[member.conversation_id][member.user_id] = member
            self.conversations_by_user.setdefault(member.user_id, set()).add(member.conversation_id)

        self._did(undo)

    def add_tag(self, tag: ConversationTag) -> None:
        self.version += 1
        self._put_tag(tag)
        self._did(lambda: self._drop_tag(tag))

    def remove_tag(self, tag: ConversationTag) -> None:
        self.version += 1
        self._drop_tag(tag)
        self._did(lambda: self._put_tag(tag))

    def _drop_tag(self, tag: ConversationTag) -> None:
        del self.tags[tag.id]
        del self.tags_by_conversation[tag.conversation_id][tag.tag]

    def _put_tag(self, tag: ConversationTag) -> None:
        self.tags[tag.id] = tag
        self.tags_by_conversation[tag.conversation_id][tag.tag] = tag

    def add_message(self, message: Message) -> None:
        self.version += 1
        if self.undo_log is not None:
            # Registered before the writes, and safe on a write that stopped half-way.
            file_list_existed = message.file_id is not None and message.file_id in self.messages_by_file

            def undo() -> None:
                if self.messages.get(message.id) is message:
                    del self.messages[message.id]
                run = self.messages_by_conversation.get(message.conversation_id)
                if run is not None:
                    _discard_ordered(run, message)
                _discard_ordered(self.message_order, message)
                attached = self.messages_by_file.get(message.file_id) if message.file_id is not None else None
                if attached is not None and message.file_id is not None:
                    if any(m is message for m in attached):
                        attached.remove(message)
                    if not attached and not file_list_existed:
                        del self.messages_by_file[message.file_id]

            self._did(undo)
        self.messages[message.id] = message
        _insert_ordered(self.messages_by_conversation[message.conversation_id], message)
        _insert_ordered(self.message_order, message)
        if message.file_id is not None:
            self.messages_by_file.setdefault(message.file_id, []).append(message)

    def remove_conversation(self, conversation_id: str) -> None:
        """Remove a conversation with its members, tags and messages."""
        self.version += 1
        conversation = self.conversations[conversation_id]
        members = self.members_by_conversation[conversation_id]
        tags = self.tags_by_conversation[conversation_id]
        messages = self.messages_by_conversation[conversation_id]
        # Replaced below by new lists, so these stay as they were.
        files_before = {
            message.file_id: self.messages_by_file[message.file_id]
            for message in messages
            if message.file_id is not None
        }
        message_order = self.message_order

        # Registered before the writes, and safe on a removal that stopped half-way: it puts back
        # everything as it was, whatever had been taken already.
        def undo() -> None:
            self.conversations[conversation_id] = conversation
            _insert_if_missing(self.conversation_order, conversation)
            self.members_by_conversation[conversation_id] = members
            self.tags_by_conversation[conversation_id] = tags
            self.messages_by_conversation[conversation_id] = messages
            for member in members.values():
                self.members[member.id] = member
                self.conversations_by_user.setdefault(member.user_id, set()).add(conversation_id)
            for tag in tags.values():
                self.tags[tag.id] = tag
            for message in messages:
                self.messages[message.id] = message
            self.messages_by_file.update(files_before)
            self.message_order = message_order

        self._did(undo)
        del self.conversations[conversation_id]
        _remove_ordered(self.conversation_order, conversation)
        del self.members_by_conversation[conversation_id]
        del self.tags_by_conversation[conversation_id]
        del self.messages_by_conversation[conversation_id]
        for member in members.values():
            del self.members[member.id]
            self.conversations_by_user[member.user_id].discard(conversation_id)
        for tag in tags.values():
            del self.tags[tag.id]
        for message in messages:
            del self.messages[message.id]
        for file_id in files_before:
            remaining = [m for m in self.messages_by_file[file_id] if m.conversation_id != conversation_id]
            if remaining:
                self.messages_by_file[file_id] = remaining
            else:
                del self.messages_by_file[file_id]
        if messages:
            self.message_order = [m for m in message_order if m.conversation_id != conversation_id]

    def mark_read(self, message_id: str, user_id: str) -> bool:
        """Note that ``user_id`` has read the message; ``False`` if it had already."""
        self.version += 1
        readers = self.read_by.get(message_id)
        if readers is not None and user_id in readers:
            return False
        if readers is None:
            readers = self.read_by[message_id] = set()
            self._did(lambda: self.read_by.pop(message_id, None))
        else:
            self._did(lambda: readers.discard(user_id))
        readers.add(user_id)
        return True

    def set_marked_unread(self, conversation_id: str, user_id: str, unread: bool) -> None:
        """Set or clear ``user_id``'s unread flag on a conversation."""
        self.version += 1
        marked = self.marked_unread.get(conversation_id)
        if (marked is not None and user_id in marked) == unread:
            return
        if marked is None:
            marked = self.marked_unread[conversation_id] = set()
            self._did(lambda: self.marked_unread.pop(conversation_id, None))
        if unread:
            marked.add(user_id)
            self._did(lambda: marked.discard(user_id))
        else:
            marked.discard(user_id)
            self._did(lambda: marked.add(user_id))

    def detach_file(self, message: Message) -> None:
        """The message no longer carries its file (a deleted message keeps none of its content)."""
        self.version += 1
        file_id = message.file_id
        if file_id is None:
            return
        before = self.messages_by_file.get(file_id)
        self.change(message, file_id=None)
        if before is None:
            return
        remaining = [m for m in before if m is not message]
        if remaining:
            self.messages_by_file[file_id] = remaining
        else:
            del self.messages_by_file[file_id]
        self._did(lambda: self.messages_by_file.__setitem__(file_id, before))

    def add_file(self, file: File) -> None:
        self.version += 1
        self.files[file.id] = file
        self._did(lambda: self.files.pop(file.id))

    def change(self, record: Any, **values: Any) -> None:
        """Set attributes of a record in place (a file's status, say): none of them is indexed."""
        self.version += 1
        previous = {name: getattr(record, name) for name in values}
        for name, value in values.items():
            setattr(record, name, value)

        def undo() -> None:
            for name, value in previous.items():
                setattr(record, name, value)

        self._did(undo)

    def remove_file(self, file: File) -> None:
        """Remove a file with its bytes and its associations; the messages it was attached to lose their
        ``fileId`` (a message never names a file that is not there)."""
        self.version += 1
        for association in [a for a in self.file_associations.values() if a.file_id == file.id]:
            self.remove_file_association(association)
        self.remove_file_bytes(file.id)
        attached = self.messages_by_file.get(file.id)
        if attached is not None:
            for message in attached:
                self.change(message, file_id=None)
            del self.messages_by_file[file.id]
            self._did(lambda: self.messages_by_file.__setitem__(file.id, attached))
        del self.files[file.id]
        self._did(lambda: self.files.__setitem__(file.id, file))

    def add_file_association(self, association: FileAssociation) -> None:
        self.version += 1
        self.file_associations[association.id] = association
        self._did(lambda: self.file_associations.pop(association.id))

    def remove_file_association(self, association: FileAssociation) -> None:
        self.version += 1
        del self.file_associations[association.id]
        self._did(lambda: self.file_associations.__setitem__(association.id, association))

    def put_file_bytes(self, file_id: str, data: bytes) -> None:
        """Hold ``data`` as the file's bytes (replacing any it had)."""
        self.version += 1
        previous = self.file_bytes.get(file_id)
        self.file_bytes[file_id] = data
        self.file_bytes_total += len(data) - (len(previous) if previous is not None else 0)
        self._did(lambda: self._restore_file_bytes(file_id, previous))

    def remove_file_bytes(self, file_id: str) -> None:
        self.version += 1
        previous = self.file_bytes.pop(file_id, None)
        if previous is None:
            return
        self.file_bytes_total -= len(previous)
        self._did(lambda: self._restore_file_bytes(file_id, previous))

    def _restore_file_bytes(self, file_id: str, data: bytes | None) -> None:
        current = self.file_bytes.pop(file_id, None)
        if current is not None:
            self.file_bytes_total -= len(current)
        if data is not None:
            self.file_bytes[file_id] = data
            self.file_bytes_total += len(data)

    def holds_id(self, record_id: str) -> bool:
        # Spelt out rather than any() over a tuple: every write asks, and this is a third of the cost.
        return (
            record_id in self.messages
            or record_id in self.members
            or record_id in self.conversations
            or record_id in self.tags
            or record_id in self.users
            or record_id in self.files
            or record_id in self.tenants
            or record_id in self.file_categories
            or record_id in self.file_associations
        )

    def members_of(self, conversation_id: str) -> Iterable[ConversationUser]:
        return self.members_by_conversation.get(conversation_id, {}).values()


class Store:
    """Owns the world, the clock and the ids. ``reset()`` starts a new, empty world.

    ``checkpoint()`` marks the current world, clock and ids; ``rewind()`` returns to that mark by taking
    back the writes made since, so its cost is that of the writes, not of the world.
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        roles: Mapping[str, Role] | None = None,
        clock_start: datetime | None = None,
        file_categories: Mapping[str, CategorySpec] | None = None,
    ) -> None:
        self.seed = seed
        self._roles = dict(roles) if roles is not None else {DEFAULT_USER_ROLE.key: DEFAULT_USER_ROLE}
        self._categories = dict(file_categories if file_categories is not None else DEFAULT_FILE_CATEGORIES)
        self._clock_start = clock_start
        # Mutations hold this lock so that in-process use from several threads stays consistent.
        self.lock = threading.RLock()
        self._mark: tuple[World, datetime, tuple[Any, int]] | None = None
        # What the writes since the last take_events() did, for the transports to tell.
        self.outbox: list[Event] = []
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.world = World(roles=dict(self._roles))
            self.outbox = []
            self.add_categories(self.world)
            self.clock = Clock(self._clock_start)
            self.ids = IdSource(self.seed)

    def replace_world(self, world: World, *, latest: datetime | None = None) -> None:
        """Swap in a world built elsewhere (a loaded state); the clock continues after ``latest``."""
        with self.lock:
            self.add_categories(world)
            self.world = world
            self.outbox = []
            self.clock = Clock(self._clock_start)
            self.ids = IdSource(self.seed)
            if latest is not None:
                self.clock.observe(latest)

    def add_categories(self, world: World) -> None:
        """Give ``world`` each configured file category its key does not name yet (a loaded state may
        hold its own, which it keeps)."""
        present = {category.key for category in world.file_categories.values()}
        for spec in self._categories.values():
            if spec.key not in present:
                record = category_record(spec)
                if record.id not in world.file_categories:
                    world.file_categories[record.id] = record

    def adopt(self, other: Store) -> None:
        """Take over another store's world, clock and ids: a new world built aside, swapped in at once."""
        with self.lock:
            self.seed = other.seed
            self.world, self.clock, self.ids = other.world, other.clock, other.ids
            self.outbox = []
            self._mark = other._mark

    def transaction(self) -> Transaction:
        """One mutation: under the lock, and all of its writes or none (clock and ids go back too)."""
        return Transaction(self)

    def report(self, event: Event) -> None:
        """Note what a write did; a failed transaction takes it back with the write."""
        self.outbox.append(event)

    def take_events(self) -> list[Event]:
        """The events reported since the last call, oldest first."""
        with self.lock:
            events, self.outbox = self.outbox, []
            return events

    def new_id(self) -> str:
        """A new record id. Ids come from the seeded source, but a loaded state may hold the ones it
        hands out next (a state exported from the same seed does): those are skipped."""
        candidate = self.ids.new()
        while self.world.holds_id(candidate):
            candidate = self.ids.new()
        return candidate

    def checkpoint(self) -> None:
        with self.lock:
            self.world.checkpoint()
            self._mark = (self.world, self.clock.snapshot(), self.ids.snapshot())

    def rewind(self) -> bool:
        """Back to the checkpoint; ``False``, with nothing changed, when the world is not the marked one."""
        with self.lock:
            mark = self._mark
            if mark is None or mark[0] is not self.world or not self.world.rewind():
                return False
            self.clock.restore(mark[1])
            self.ids.restore(mark[2])
            self.outbox = []
            return True

    @property
    def role_definitions(self) -> Mapping[str, Role]:
        return self._roles


class Transaction:
    """:meth:`Store.transaction`: a plain context manager, as every mutation opens one."""

    __slots__ = ("_ids", "_moment", "_opened", "_outbox", "_store", "_world")

    def __init__(self, store: Store) -> None:
        self._store = store

    def __enter__(self) -> None:
        store = self._store
        store.lock.acquire()
        try:
            self._world = store.world
            self._moment = store.clock.snapshot()
            self._ids = store.ids.snapshot()
            self._outbox = len(store.outbox)
            self._opened = self._world.begin()
        except BaseException:
            store.lock.release()
            raise

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        store = self._store
        failed = kind is not None
        try:
            try:
                self._world.end(self._opened, failed=failed)
            finally:
                if failed:
                    store.clock.restore(self._moment)
                    store.ids.restore(self._ids)
                    del store.outbox[self._outbox :]
        finally:
            store.lock.release()
