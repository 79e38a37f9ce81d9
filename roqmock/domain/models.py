"""The records roqmock stores. Field names follow ROQ's schema, in snake case."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

_WORD_START = re.compile(r"(?<!^)(?=[A-Z])")


def attribute_name(field_name: str) -> str:
    """The record attribute that holds ROQ's field: ``createdAt`` is ``created_at``."""
    return _WORD_START.sub("_", field_name).lower()


def field_name(attribute: str) -> str:
    """ROQ's name for a record attribute: ``created_at`` is ``createdAt``."""
    head, *rest = attribute.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass(slots=True)
class Tenant:
    """A tenant: a group of users (ROQ's TenantModel)."""

    id: str
    name: str
    created_at: datetime
    updated_at: datetime
    reference: str | None = None
    is_default: bool = False


@dataclass(slots=True)
class User:
    """A user of the environment (ROQ's UserModel)."""

    id: str
    reference: str
    email: str
    created_at: datetime
    updated_at: datetime
    first_name: str | None = None
    last_name: str | None = None
    active: bool = True
    phone: str | None = None
    locale: str | None = None
    timezone: str | None = None
    avatar_url: str | None = None
    custom_data: dict[str, Any] | None = None
    tenant_id: str | None = None
    is_opted_in: bool = False
    opted_in_at: datetime | None = None
    synced: bool = True
    two_factor_enabled: bool = False
    role_keys: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Conversation:
    """A chat conversation, one-to-one or a group (ROQ's ConversationModel)."""

    id: str
    title: str
    owner_id: str
    is_group: bool
    archived: bool
    created_at: datetime
    updated_at: datetime
    active: bool = True


@dataclass(slots=True)
class ConversationUser:
    """A member of a conversation: one row per (conversation, user)."""

    id: str
    conversation_id: str
    user_id: str
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class ConversationTag:
    """One tag a conversation carries."""

    id: str
    conversation_id: str
    tag: str
    created_at: datetime


@dataclass(slots=True)
class Message:
    """A message in a conversation, a user's or the system's (ROQ's MessageModel)."""

    id: str
    body: str
    conversation_id: str
    author_id: str | None
    created_at: datetime
    updated_at: datetime
    is_system: bool = False
    file_id: str | None = None
    conversation_user_id: str | None = None
    message_status_id: str | None = None
    deleted_at: datetime | None = None
    # When its body was last edited (ROQ's UI marks the message "updated"); None: never edited.
    body_updated_at: datetime | None = None
    # The message it answers (same conversation), the one it forwards (any the author could read),
    # and the members it mentions.
    replied_to_id: str | None = None
    forward_from_id: str | None = None
    mentioned_ids: tuple[str, ...] = ()  # a tuple: seeded messages share the one empty one


@dataclass(slots=True)
class FileCategory:
    """A category files are uploaded into, with its size and content-type limits (ROQ's FileCategoryModel)."""

    id: str
    key: str
    name: str
    created_at: datetime
    updated_at: datetime
    is_public_by_default: bool = False
    max_size: float | None = None
    # The content types a file of the category may have: exact ("image/png") or a family ("image/*").
    content_types: list[str] = field(default_factory=list)


# ROQ's FileStatusEnum: what a file's status may be.
FILE_STATUSES = frozenset({"cancelled", "error", "processing", "ready", "upload_pending"})


@dataclass(slots=True)
class File:
    """A file's record: its name, type, category, owner and upload status (ROQ's FileModel)."""

    id: str
    name: str
    content_type: str
    created_by_user_id: str
    file_category_id: str
    created_at: datetime
    updated_at: datetime
    is_public: bool = False
    status: str = "ready"
    url: str | None = None


@dataclass(slots=True)
class FileAssociation:
    """A file linked to a record of another entity (``createFileAssociation``)."""

    id: str
    file_id: str
    entity_name: str
    entity_reference: str
    created_at: datetime
    updated_at: datetime
