"""What each list offers: filter fields, sort fields and search keys, read off the records of one world."""

from __future__ import annotations

import uuid
from typing import Any

from roqmock.domain.lists import FilterField, Kind, ListSpec
from roqmock.domain.models import (
    Conversation,
    ConversationTag,
    ConversationUser,
    File,
    FileCategory,
    Message,
    User,
)
from roqmock.domain.store import World

_ROLE_NAMESPACE = uuid.UUID("8f0c5f36-5a55-4b8e-9b51-5d0f1f2b7c11")


def role_id(key: str) -> str:
    """Roles are configured by key; their ids are derived, so they are stable across resets."""
    return str(uuid.uuid5(_ROLE_NAMESPACE, key))


def conversation_spec(world: World) -> ListSpec[Conversation]:
    def member_rows(conversation: Conversation) -> tuple[ConversationUser, ...]:
        return tuple(world.members_by_conversation.get(conversation.id, {}).values())

    return ListSpec(
        filters={
            "id": FilterField(Kind.ID, lambda c: c.id),
            "ownerId": FilterField(Kind.ID, lambda c: c.owner_id),
            "conversationUserId": FilterField(
                Kind.ID, lambda c: tuple(m.id for m in member_rows(c)), many=True
            ),
            "messageId": FilterField(
                Kind.ID,
                lambda c: tuple(m.id for m in world.messages_by_conversation.get(c.id, ())),
                many=True,
            ),
            "isGroup": FilterField(Kind.BOOLEAN, lambda c: c.is_group),
            "memberId": FilterField(
                Kind.MEMBER_ID, lambda c: tuple(m.user_id for m in member_rows(c)), many=True
            ),
        },
        sorts={
            "archived": lambda c: c.archived,
            "createdAt": lambda c: c.created_at,
            "isGroup": lambda c: c.is_group,
            "title": lambda c: c.title,
            "updatedAt": lambda c: c.updated_at,
        },
        search_keys={"title": lambda c: c.title},
        id_of=lambda c: c.id,
    )


MESSAGE_SPEC: ListSpec[Message] = ListSpec(
    filters={
        "id": FilterField(Kind.ID, lambda m: m.id),
        "conversationId": FilterField(Kind.ID, lambda m: m.conversation_id),
        "conversationUserId": FilterField(Kind.ID, lambda m: m.conversation_user_id),
        "fileId": FilterField(Kind.ID, lambda m: m.file_id),
        "messageStatusId": FilterField(Kind.ID, lambda m: m.message_status_id),
        "body": FilterField(Kind.STRING, lambda m: m.body),
    },
    sorts={
        "id": lambda m: m.id,
        "body": lambda m: m.body,
        "conversationId": lambda m: m.conversation_id,
        "authorId": lambda m: m.author_id,
        "fileId": lambda m: m.file_id,
        "createdAt": lambda m: m.created_at,
        "updatedAt": lambda m: m.updated_at,
    },
    search_keys={"body": lambda m: m.body},
    id_of=lambda m: m.id,
)


def _nested_page_spec() -> ListSpec[Any]:
    """A page nested in a conversation: no arguments, so only the default order applies."""
    return ListSpec(
        filters={}, sorts={"createdAt": lambda r: r.created_at}, search_keys={}, id_of=lambda r: r.id
    )


MEMBER_SPEC: ListSpec[ConversationUser] = _nested_page_spec()
TAG_SPEC: ListSpec[ConversationTag] = _nested_page_spec()

USER_SPEC: ListSpec[User] = ListSpec(
    filters={
        "id": FilterField(Kind.ID, lambda u: u.id),
        "active": FilterField(Kind.BOOLEAN, lambda u: u.active),
        "email": FilterField(Kind.STRING, lambda u: u.email),
        "firstName": FilterField(Kind.STRING, lambda u: u.first_name),
        "lastName": FilterField(Kind.STRING, lambda u: u.last_name),
        "locale": FilterField(Kind.STRING, lambda u: u.locale),
        "phone": FilterField(Kind.STRING, lambda u: u.phone),
        "reference": FilterField(Kind.STRING, lambda u: u.reference),
        "timezone": FilterField(Kind.STRING, lambda u: u.timezone),
        "tenantId": FilterField(Kind.ID, lambda u: u.tenant_id),
        "roleId": FilterField(Kind.ID, lambda u: tuple(role_id(key) for key in u.role_keys), many=True),
        "roleKey": FilterField(Kind.STRING, lambda u: tuple(u.role_keys), many=True),
        "optedInAt": FilterField(Kind.DATE, lambda u: u.opted_in_at),
        "search": FilterField(Kind.TEXT, lambda u: (u.first_name, u.last_name, u.email)),
        # roqmock has no user groups: every user is in none (a filter on groups matches as on NULL).
        "userGroupId": FilterField(Kind.GROUP_ID, lambda u: (), many=True),
    },
    sorts={
        "active": lambda u: u.active,
        "createdAt": lambda u: u.created_at,
        "email": lambda u: u.email,
        "firstName": lambda u: u.first_name,
        "lastName": lambda u: u.last_name,
        "locale": lambda u: u.locale,
        "phone": lambda u: u.phone,
        "timezone": lambda u: u.timezone,
        "updatedAt": lambda u: u.updated_at,
    },
    search_keys={
        "email": lambda u: u.email,
        "firstName": lambda u: u.first_name,
        "lastName": lambda u: u.last_name,
        "locale": lambda u: u.locale,
        "phone": lambda u: u.phone,
        "timezone": lambda u: u.timezone,
    },
    id_of=lambda u: u.id,
)


def file_spec(world: World) -> ListSpec[File]:
    def category_key(file: File) -> str | None:
        category = world.file_categories.get(file.file_category_id)
        return category.key if category is not None else None

    def links(file: File) -> tuple[tuple[str, str], ...]:
        """(entityName, entityReference) of each message it is attached to and each association."""
        messages = tuple(("message", m.id) for m in world.messages_by_file.get(file.id, ()))
        if not world.file_associations:
            return messages
        made = tuple(
            (a.entity_name, a.entity_reference)
            for a in world.file_associations.values()
            if a.file_id == file.id
        )
        return messages + made

    return ListSpec(
        filters={
            "id": FilterField(Kind.ID, lambda f: f.id),
            "name": FilterField(Kind.STRING, lambda f: f.name),
            "contentType": FilterField(Kind.STRING, lambda f: f.content_type),
            "createdAt": FilterField(Kind.DATE, lambda f: f.created_at),
            "createdByUserId": FilterField(Kind.ID, lambda f: f.created_by_user_id),
            "fileCategory": FilterField(Kind.STRING, category_key),
            "isPublic": FilterField(Kind.BOOLEAN, lambda f: f.is_public),
            "status": FilterField(Kind.ENUM, lambda f: f.status),
            "entityName": FilterField(Kind.STRING, lambda f: tuple(name for name, _ in links(f)), many=True),
            "entityReferences": FilterField(
                Kind.STRING, lambda f: tuple(reference for _, reference in links(f)), many=True
            ),
        },
        sorts={
            "contentType": lambda f: f.content_type,
            "createdAt": lambda f: f.created_at,
            "isPublic": lambda f: f.is_public,
            "name": lambda f: f.name,
            "status": lambda f: f.status,
            "updatedAt": lambda f: f.updated_at,
        },
        search_keys={"contentType": lambda f: f.content_type, "name": lambda f: f.name},
        id_of=lambda f: f.id,
    )


FILE_CATEGORY_SPEC: ListSpec[FileCategory] = ListSpec(
    filters={
        "id": FilterField(Kind.ID, lambda c: c.id),
        "key": FilterField(Kind.STRING, lambda c: c.key),
        "name": FilterField(Kind.STRING, lambda c: c.name),
        "maxSize": FilterField(Kind.NUMBER, lambda c: c.max_size),
    },
    sorts={
        "createdAt": lambda c: c.created_at,
        "key": lambda c: c.key,
        "maxSize": lambda c: c.max_size,
        "name": lambda c: c.name,
        "updatedAt": lambda c: c.updated_at,
    },
    search_keys={"key": lambda c: c.key, "name": lambda c: c.name},
    id_of=lambda c: c.id,
)


# ``userProfiles``: the users' list with the profile's four sorts (and createdAt, the default order).
USER_PROFILE_SPEC: ListSpec[User] = ListSpec(
    filters=USER_SPEC.filters,
    sorts={
        name: USER_SPEC.sorts[name] for name in ("createdAt", "firstName", "lastName", "locale", "timezone")
    },
    search_keys=USER_SPEC.search_keys,
    id_of=USER_SPEC.id_of,
)
