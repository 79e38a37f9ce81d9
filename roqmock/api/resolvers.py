"""Thin resolvers: read the arguments, make one domain call, return domain objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ariadne import MutationType, ObjectType, QueryType, ScalarType
from ariadne.types import SchemaBindable

from roqmock.api.graphql_lines import Info
from roqmock.domain.clock import parse_iso, to_iso
from roqmock.domain.lists import ListArgs, Page
from roqmock.domain.models import Conversation, File, Message, User
from roqmock.domain.permissions import Actor
from roqmock.domain.roles import Role
from roqmock.domain.service import ChatService
from roqmock.domain.specs import role_id


class FileLinks(Protocol):
    """The URLs a file's bytes travel by: a presigned upload form and a presigned download URL."""

    def upload_form(self, file: File, max_size: int) -> tuple[str, dict[str, str]]: ...

    def download_url(self, file: File) -> str: ...


@dataclass(frozen=True, slots=True)
class RequestContext:
    """What every resolver sees: the service, who is calling, and how file URLs are made."""

    service: ChatService
    actor: Actor
    links: FileLinks


def _ctx(info: Info) -> RequestContext:
    context: RequestContext = info.context
    return context


def _list_args(kwargs: Mapping[str, Any]) -> ListArgs:
    return ListArgs(
        filter=kwargs.get("filter"),
        limit=kwargs.get("limit"),
        offset=kwargs.get("offset"),
        order=kwargs.get("order"),
        search=kwargs.get("search"),
    )


# ---------------------------------------------------------------- scalars

date_scalar = ScalarType("Date")


@date_scalar.serializer
def _serialize_date(value: Any) -> str:
    return value if isinstance(value, str) else to_iso(value)


@date_scalar.value_parser
def _parse_date(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("Date must be an ISO-8601 string")
    return parse_iso(value)


json_scalar = ScalarType("JsonObject")


@json_scalar.value_parser
def _parse_json_object(value: Any) -> Any:
    if not isinstance(value, dict):
        raise ValueError("JsonObject must be an object")
    return value


# ---------------------------------------------------------------- roots

query = QueryType()
mutation = MutationType()


@query.field("conversations")
def _conversations(_: None, info: Info, **kwargs: Any) -> Page[Conversation]:
    ctx = _ctx(info)
    return ctx.service.conversations(ctx.actor, _list_args(kwargs))


@query.field("messages")
def _messages(_: None, info: Info, **kwargs: Any) -> Page[Message]:
    ctx = _ctx(info)
    return ctx.service.messages(ctx.actor, _list_args(kwargs))


@query.field("messageFileUrl")
def _message_file_url(_: None, info: Info, id: str, fileId: str) -> str:
    ctx = _ctx(info)
    return ctx.service.message_file_url(ctx.actor, id, fileId)


@query.field("users")
def _users(_: None, info: Info, **kwargs: Any) -> Page[User]:
    ctx = _ctx(info)
    return ctx.service.users(ctx.actor, _list_args(kwargs))


@query.field("user")
def _user(_: None, info: Info, id: str) -> User:
    ctx = _ctx(info)
    return ctx.service.user(ctx.actor, id)


@query.field("files")
def _files(_: None, info: Info, **kwargs: Any) -> Page[File]:
    ctx = _ctx(info)
    return ctx.service.files(ctx.actor, _list_args(kwargs))


@query.field("file")
def _file(_: None, info: Info, id: str) -> File:
    ctx = _ctx(info)
    return ctx.service.file(ctx.actor, id)


@mutation.field("createConversation")
def _create_conversation(_: None, info: Info, conversation: dict[str, Any]) -> Conversation:
    ctx = _ctx(info)
    return ctx.service.create_conversation(
        ctx.actor,
        title=conversation["title"],
        owner_id=conversation["ownerId"],
        member_ids=conversation["memberIds"],
        is_group=conversation.get("isGroup"),
        archived=conversation.get("archived"),
        tags=conversation.get("tags"),
    )


@mutation.field("deleteConversation")
def _delete_conversation(_: None, info: Info, id: str) -> str:
    ctx = _ctx(info)
    return ctx.service.delete_conversation(ctx.actor, id)


@mutation.field("assignTagsToConversation")
def _assign_tags(_: None, info: Info, conversationId: str, tags: list[str]) -> bool:
    ctx = _ctx(info)
    return ctx.service.assign_tags(ctx.actor, conversationId, tags)


@mutation.field("unassignTagsFromConversation")
def _unassign_tags(_: None, info: Info, conversationId: str, tags: list[str]) -> bool:
    ctx = _ctx(info)
    return ctx.service.unassign_tags(ctx.actor, conversationId, tags)


@mutation.field("createMessage")
def _create_message(_: None, info: Info, message: dict[str, Any]) -> bool:
    ctx = _ctx(info)
    ctx.service.create_message(
        ctx.actor,
        author_id=message["authorId"],
        body=message["body"],
        conversation_id=message["conversationId"],
        is_system=message["isSystem"],
        file_id=message.get("fileId"),
    )
    return True


_USER_INPUT_NAMES = {
    "firstName": "first_name",
    "lastName": "last_name",
    "active": "active",
    "phone": "phone",
    "locale": "locale",
    "timezone": "timezone",
    "avatarUrl": "avatar_url",
    "customData": "custom_data",
    "isOptedIn": "is_opted_in",
    "twoFactorEnabled": "two_factor_enabled",
}


@mutation.field("createUser")
def _create_user(_: None, info: Info, user: dict[str, Any]) -> User:
    ctx = _ctx(info)
    profile = {_USER_INPUT_NAMES[name]: value for name, value in user.items() if name in _USER_INPUT_NAMES}
    return ctx.service.create_user(
        ctx.actor,
        reference=user["reference"],
        email=user["email"],
        roles=user.get("roles"),
        tenant_id=user.get("tenantId"),
        **profile,
    )


@mutation.field("assignRolesToUser")
def _assign_roles(_: None, info: Info, roleKeys: list[str], userId: str) -> bool:
    ctx = _ctx(info)
    return ctx.service.assign_roles(ctx.actor, userId, roleKeys)


@mutation.field("unassignRolesFromUser")
def _unassign_roles(_: None, info: Info, roleKeys: list[str], userId: str) -> bool:
    ctx = _ctx(info)
    return ctx.service.unassign_roles(ctx.actor, userId, roleKeys)


# ---------------------------------------------------------------- nested fields

conversation_type = ObjectType("ConversationModel")


@conversation_type.field("users")
def _conversation_users(conversation: Conversation, info: Info) -> Page[Any]:
    return _ctx(info).service.conversation_users(conversation)


@conversation_type.field("tags")
def _conversation_tags(conversation: Conversation, info: Info) -> Page[Any]:
    return _ctx(info).service.conversation_tags(conversation)


message_type = ObjectType("MessageModel")


@message_type.field("file")
def _message_file(message: Message, info: Info) -> File | None:
    ctx = _ctx(info)
    return ctx.service.message_file(ctx.actor, message)


user_type = ObjectType("UserModel")


@user_type.field("tenant")
def _user_tenant(user: User, info: Info) -> Any:
    return _ctx(info).service.tenant(user)


@user_type.field("roles")
def _user_roles(user: User, info: Info) -> Page[Role]:
    roles = _ctx(info).service.user_roles(user)
    return Page(roles, len(roles))


@user_type.field("userGroups")
def _user_groups(user: User, info: Info) -> Page[Any]:
    return Page([], 0)


role_type = ObjectType("RoleModel")


@role_type.field("id")
def _role_id(role: Role, info: Info) -> str:
    return role_id(role.key)


@role_type.field("reference")
def _role_reference(role: Role, info: Info) -> str:
    return role.key


file_type = ObjectType("FileModel")


@file_type.field("fileCategory")
def _file_category(file: File, info: Info) -> Any:
    return _ctx(info).service.file_category(file)


@file_type.field("createdByUser")
def _file_creator(file: File, info: Info) -> User | None:
    ctx = _ctx(info)
    return ctx.service.file_creator(ctx.actor, file)


@file_type.field("fileAssociations")
def _file_associations(file: File, info: Info) -> Page[Any]:
    ctx = _ctx(info)
    return ctx.service.file_associations(ctx.actor, file)


BINDABLES: list[SchemaBindable] = [
    date_scalar,
    json_scalar,
    query,
    mutation,
    conversation_type,
    message_type,
    user_type,
    role_type,
    file_type,
]
