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
from roqmock.domain.models import Conversation, File, FileAssociation, FileCategory, Message, User
from roqmock.domain.permissions import Actor
from roqmock.domain.roles import Role
from roqmock.domain.service import ChatService
from roqmock.domain.specs import role_id
from roqmock.domain.translations import Translation, TranslationKey


class FileLinks(Protocol):
    """The URLs a file's bytes travel by: a presigned upload form and a presigned download URL."""

    def upload_form(self, file: File, max_size: int) -> tuple[str, dict[str, str]]: ...

    def download_url(self, file: File) -> str: ...


@dataclass(slots=True)  # made on every request: a frozen one costs four times as much
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
def _message_file_url(_: None, info: Info, id: str, fileId: str) -> str | None:
    ctx = _ctx(info)
    file = ctx.service.message_file_for_url(ctx.actor, id, fileId)
    return _download_url(ctx, file) or file.url


def _download_url(ctx: RequestContext, file: File) -> str | None:
    """roqmock's signed download URL for ``file``; ``None`` for a file loaded with an outside URL."""
    return ctx.links.download_url(file) if ctx.service.file_download(file) else None


@query.field("users")
def _users(_: None, info: Info, **kwargs: Any) -> Page[User]:
    ctx = _ctx(info)
    return ctx.service.users(ctx.actor, _list_args(kwargs))


@query.field("user")
def _user(_: None, info: Info, id: str) -> User:
    ctx = _ctx(info)
    return ctx.service.user(ctx.actor, id)


@query.field("userProfiles")
def _user_profiles(_: None, info: Info, **kwargs: Any) -> Page[User]:
    ctx = _ctx(info)
    return ctx.service.user_profiles(ctx.actor, _list_args(kwargs))


@query.field("userProfile")
def _user_profile(_: None, info: Info, id: str) -> User:
    ctx = _ctx(info)
    return ctx.service.user_profile(ctx.actor, id)


@query.field("userAccess")
def _user_access(_: None, info: Info) -> dict[str, Any]:
    ctx = _ctx(info)
    return ctx.service.user_access(ctx.actor)


@query.field("translationKeys")
def _translation_keys(
    _: None, info: Info, searchTerm: str | None = None, **kwargs: Any
) -> Page[TranslationKey]:
    ctx = _ctx(info)
    return ctx.service.translation_keys(ctx.actor, _list_args(kwargs), searchTerm)


@query.field("files")
def _files(_: None, info: Info, **kwargs: Any) -> Page[File]:
    ctx = _ctx(info)
    return ctx.service.files(ctx.actor, _list_args(kwargs))


@query.field("file")
def _file(_: None, info: Info, id: str) -> File:
    ctx = _ctx(info)
    return ctx.service.file(ctx.actor, id)


@query.field("fileCategories")
def _file_categories(_: None, info: Info, **kwargs: Any) -> Page[FileCategory]:
    ctx = _ctx(info)
    return ctx.service.file_categories(ctx.actor, _list_args(kwargs))


@query.field("fileCategory")
def _file_category_by_id(_: None, info: Info, id: str) -> FileCategory:
    ctx = _ctx(info)
    return ctx.service.file_category_by_id(ctx.actor, id)


@dataclass(frozen=True, slots=True)
class FileUpload:
    """``FileCreateUploadModel``: the new file's fields, with where and how to post its bytes."""

    file: File
    upload_url: str
    form_fields: dict[str, str]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.file, name)


@mutation.field("createFileUpload")
def _create_file_upload(_: None, info: Info, createFileDto: dict[str, Any]) -> FileUpload:
    ctx = _ctx(info)
    file = ctx.service.create_file_upload(
        ctx.actor,
        name=createFileDto["name"],
        content_type=createFileDto["contentType"],
        category_key=createFileDto["fileCategory"],
    )
    upload_url, form_fields = ctx.links.upload_form(file, ctx.service.file_max_size(file))
    return FileUpload(file, upload_url, form_fields)


@mutation.field("updateFileStatus")
def _update_file_status(_: None, info: Info, id: str, status: str) -> File:
    ctx = _ctx(info)
    return ctx.service.update_file_status(ctx.actor, id, status)


@mutation.field("updateFile")
def _update_file(_: None, info: Info, id: str, updateFileDto: dict[str, Any]) -> File:
    ctx = _ctx(info)
    return ctx.service.update_file(ctx.actor, id, name=updateFileDto.get("name"))


@mutation.field("makeFilePublic")
def _make_file_public(_: None, info: Info, id: str) -> File:
    ctx = _ctx(info)
    return ctx.service.set_file_public(ctx.actor, id, public=True)


@mutation.field("makeFilePrivate")
def _make_file_private(_: None, info: Info, id: str) -> File:
    ctx = _ctx(info)
    return ctx.service.set_file_public(ctx.actor, id, public=False)


def _bulk_ids(operators: Mapping[str, Any] | None) -> list[str] | None:
    """``{equalTo, valueIn}`` as the ids it names; ``None`` when it names none."""
    if not operators:
        return None
    ids = [operators["equalTo"]] if operators.get("equalTo") is not None else []
    return ids + list(operators.get("valueIn") or [])


@mutation.field("deleteFiles")
def _delete_files(_: None, info: Info, filter: dict[str, Any] | None = None) -> list[str]:
    ctx = _ctx(info)
    return ctx.service.delete_files(ctx.actor, _bulk_ids((filter or {}).get("id")) or [])


@mutation.field("createFileAssociation")
def _create_file_association(
    _: None, info: Info, createFileAssociationDto: dict[str, Any]
) -> FileAssociation:
    ctx = _ctx(info)
    dto = createFileAssociationDto
    return ctx.service.create_file_association(
        ctx.actor,
        file_id=dto["fileId"],
        entity_name=dto["entityName"],
        entity_reference=dto["entityReference"],
    )


@mutation.field("deleteFileAssociations")
def _delete_file_associations(_: None, info: Info, filter: dict[str, Any]) -> list[str]:
    ctx = _ctx(info)
    return ctx.service.delete_file_associations(
        ctx.actor, ids=_bulk_ids(filter.get("id")), file_ids=_bulk_ids(filter.get("fileId"))
    )


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


profile_type = ObjectType("UserProfileModel")


@profile_type.field("connectedProviders")
def _connected_providers(user: User, info: Info) -> list[Any]:
    return []  # roqmock's users sign in with no outside identity provider


translation_key_type = ObjectType("TranslationKeyModel")


@translation_key_type.field("translations")
def _translations(key: TranslationKey, info: Info, **kwargs: Any) -> Page[Translation]:
    return _ctx(info).service.translations(key, _list_args(kwargs))


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


@file_type.field("url")
def _file_url(file: File, info: Info) -> str | None:
    """A ready file's download URL (signed, expiring); ``null`` before it is ready."""
    if file.status != "ready":
        return None
    ctx = _ctx(info)
    return _download_url(ctx, file) or file.url


@file_type.field("fileAssociations")
def _file_associations(file: File, info: Info) -> Page[Any]:
    ctx = _ctx(info)
    return ctx.service.file_associations(ctx.actor, file)


upload_type = ObjectType("FileCreateUploadModel")


@upload_type.field("fileCategory")
def _upload_category(upload: FileUpload, info: Info) -> Any:
    return _ctx(info).service.file_category(upload.file)


association_type = ObjectType("FileAssociationModel")


@association_type.field("file")
def _association_file(association: FileAssociation, info: Info) -> File:
    return _ctx(info).service.association_file(association)


category_type = ObjectType("FileCategoryModel")


@category_type.field("fileCategoryContentGroups")
def _category_content_groups(category: FileCategory, info: Info) -> Page[Any]:
    return Page([], 0)


BINDABLES: list[SchemaBindable] = [
    date_scalar,
    json_scalar,
    query,
    mutation,
    conversation_type,
    message_type,
    user_type,
    profile_type,
    translation_key_type,
    role_type,
    file_type,
    upload_type,
    association_type,
    category_type,
]
