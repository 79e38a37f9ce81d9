"""What a write did, for whoever listens: the domain reports, the transports decide who hears it.

A write appends its events to the store's outbox inside its transaction; a transaction that fails takes
its events back with its writes, so nothing is ever told about a change that did not happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    CONVERSATION_CREATED = "conversationCreated"
    CONVERSATION_DELETED = "conversationDeleted"
    CONVERSATION_TAGS_CHANGED = "conversationTagsChanged"
    MESSAGE_CREATED = "messageCreated"
    MESSAGES_READ = "messagesRead"
    MESSAGE_UPDATED = "messageUpdated"
    MESSAGE_DELETED = "messageDeleted"
    CONVERSATION_UNREAD_CHANGED = "conversationUnreadChanged"
    CONVERSATION_ARCHIVED = "conversationArchived"
    CONVERSATION_RENAMED = "conversationRenamed"
    CONVERSATION_MEMBERS_CHANGED = "conversationMembersChanged"


@dataclass(slots=True)  # one per write: a frozen one costs three times as much to make
class Event:
    """One change: its kind, the conversation it is about, and what else it names.

    ``member_ids`` are the conversation's members when it happened (a deleted conversation has none
    left to read them from); ``message_ids`` the messages a read marked, or the one message edited or
    deleted; ``user_id`` who read them, or whose unread flag changed. A change of members names who
    joined (``added_ids``) and who left or was removed (``removed_ids``).
    """

    kind: Kind
    conversation_id: str
    message_ids: tuple[str, ...] = ()
    user_id: str | None = None
    member_ids: tuple[str, ...] = ()
    added_ids: tuple[str, ...] = ()
    removed_ids: tuple[str, ...] = ()
