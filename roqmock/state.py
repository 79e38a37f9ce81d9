"""A world as JSON and back: for ``GET``/``PUT /__roqmock/state``, scenario files and the pytest plugin.

Records are written with ROQ's field names (camel case) and ISO timestamps; roles by key with their
permissions as ``"Entity:operation[:scope]"``; ``roqmock export`` adds the world's ``seed``. A file's
bytes, up to :data:`MAX_STATE_FILE_BYTES` a file, ride in its record as ``contentBase64``; a larger
file is written without them (it keeps its metadata, and downloads answer 404). Read state rides beside
the records: ``messageReads`` (who read which message) and ``conversationsMarkedUnread`` (a member's own
unread flag on a conversation). ``load_world``
checks references (a member of an unknown conversation, say) and raises :class:`StateError` naming the
first bad one, so a bad scenario never loads half.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import datetime
from typing import Any, TypeVar

from roqmock.domain.clock import is_uuid, parse_iso, to_iso
from roqmock.domain.models import (
    FILE_STATUSES,
    Conversation,
    ConversationTag,
    ConversationUser,
    File,
    FileAssociation,
    FileCategory,
    Message,
    Tenant,
    User,
    attribute_name,
    field_name,
)
from roqmock.domain.roles import Role, role_from_json, role_json
from roqmock.domain.store import World, natural_key

FORMAT_VERSION = 1
MAX_STATE_FILE_BYTES = 1024 * 1024  # a file's bytes ride in a state up to this size
CONTENT_FIELD = "contentBase64"
# Read state: who has read which message, and who marked which conversation unread.
READS = "messageReads"
MARKED_UNREAD = "conversationsMarkedUnread"
R = TypeVar("R")

_COLLECTIONS: tuple[tuple[str, type[Any]], ...] = (
    ("tenants", Tenant),
    ("users", User),
    ("fileCategories", FileCategory),
    ("files", File),
    ("fileAssociations", FileAssociation),
    ("conversations", Conversation),
    ("conversationUsers", ConversationUser),
    ("conversationTags", ConversationTag),
    ("messages", Message),
)


class StateError(ValueError):
    """A state that cannot load; ``collection`` and ``record_id`` say where, when one record is at fault."""

    def __init__(self, message: str, *, collection: str | None = None, record_id: str | None = None) -> None:
        super().__init__(message)
        self.collection = collection
        self.record_id = record_id


def _record_json(record: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if isinstance(value, datetime):
            value = to_iso(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[field_name(field.name)] = value
    return out


def dump_world(world: World, *, seed: int | None = None) -> dict[str, Any]:
    """The whole world as plain JSON-ready data, with the seed it was made from when one is given."""
    # In creation order, so a dump does not depend on the order writes (or their undoing) happened in.
    records: dict[str, list[Any]] = {
        "tenants": sorted(world.tenants.values(), key=natural_key),
        "users": sorted(world.users.values(), key=natural_key),
        "fileCategories": sorted(world.file_categories.values(), key=natural_key),
        "files": sorted(world.files.values(), key=natural_key),
        "fileAssociations": sorted(world.file_associations.values(), key=natural_key),
        "conversations": list(world.conversation_order),
        "conversationUsers": sorted(world.members.values(), key=natural_key),
        "conversationTags": sorted(world.tags.values(), key=natural_key),
        "messages": list(world.message_order),
    }
    data: dict[str, Any] = {"version": FORMAT_VERSION}
    if seed is not None:
        data["seed"] = seed
    data["roles"] = [role_json(role) for role in world.roles.values()]
    for name, items in records.items():
        data[name] = [_record_json(item) for item in items]
    for record in data["files"]:
        content = world.file_bytes.get(record["id"])
        if content is not None and len(content) <= MAX_STATE_FILE_BYTES:
            record[CONTENT_FIELD] = base64.b64encode(content).decode("ascii")
    data[READS] = [
        {"messageId": message.id, "userId": user_id}
        for message in world.message_order
        for user_id in sorted(world.read_by.get(message.id, ()))
        if user_id in world.users
    ]
    data[MARKED_UNREAD] = [
        {"conversationId": conversation.id, "userId": user_id}
        for conversation in world.conversation_order
        for user_id in sorted(world.marked_unread.get(conversation.id, ()))
        if user_id in world.members_by_conversation.get(conversation.id, {})
    ]
    return data


def load_world(
    data: Mapping[str, Any],
    *,
    default_roles: Mapping[str, Role],
    max_file_bytes: int | None = None,
    creators: Collection[str] = (),
) -> World:
    """A new world from :func:`dump_world`'s format; raises :class:`StateError` on anything inconsistent
    (file bytes past ``max_file_bytes`` together, too). ``creators`` may create files without being users
    (the service account)."""
    with _blame(None, None):
        return _load_world(
            data, default_roles=default_roles, max_file_bytes=max_file_bytes, creators=creators
        )


def state_seed(data: Any) -> int | None:
    """The seed a state was made from (``roqmock export`` writes it), ``None`` when it has none."""
    seed = data.get("seed") if isinstance(data, Mapping) else None
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else None


@contextlib.contextmanager
def _blame(collection: str | None, record_id: Any) -> Iterator[None]:
    """Any error inside becomes a :class:`StateError` naming the record at fault."""
    where = {"collection": collection, "record_id": record_id if isinstance(record_id, str) else None}
    try:
        yield
    except StateError:
        raise
    except ValueError as error:
        raise StateError(str(error), **where) from None


def _load_world(
    data: Mapping[str, Any],
    *,
    default_roles: Mapping[str, Role],
    max_file_bytes: int | None,
    creators: Collection[str],
) -> World:
    if not isinstance(data, Mapping):
        raise ValueError("a state must be a JSON object")
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise ValueError(f"state version {version!r} is not supported (expected {FORMAT_VERSION})")
    unknown = (
        set(data) - {"version", "seed", "roles", READS, MARKED_UNREAD} - {name for name, _ in _COLLECTIONS}
    )
    if unknown:
        raise ValueError(f"unknown state keys: {', '.join(sorted(unknown))}")
    if data.get("seed") is not None and (state_seed(data) is None or data["seed"] < 0):
        raise ValueError(f"seed must be a non-negative integer or null, not {data['seed']!r}")
    world = World(roles=dict(default_roles))
    for raw in _list(data, "roles"):
        key = _required(raw, "key", str, "roles")
        try:
            world.roles[key] = role_from_json(key, raw)
        except ValueError as error:
            raise ValueError(f"roles: role {key!r}: {error}") from None
    loaders: dict[str, Callable[[Any], None]] = {
        "tenants": world.add_tenant,
        "users": world.add_user,
        "fileCategories": world.add_file_category,
        "files": world.add_file,
        "fileAssociations": world.add_file_association,
        "conversations": world.add_conversation,
        "conversationUsers": world.add_member,
        "conversationTags": world.add_tag,
        "messages": world.add_message,
    }
    for name, model in _COLLECTIONS:
        records = []
        contents: dict[str, bytes] = {}
        for raw in _list(data, name):
            with _blame(name, raw.get("id")):
                if name == "files" and CONTENT_FIELD in raw:
                    raw = dict(raw)
                    contents[str(raw.get("id"))] = _content(raw.pop(CONTENT_FIELD))
                records.append(_record(model, raw, name))
        if name == "messages":
            records.sort(key=lambda message: (message.created_at, message.id))
        for record in records:
            with _blame(name, record.id):
                _check_references(world, name, record, creators)
                loaders[name](record)
                if record.id in contents:
                    world.put_file_bytes(record.id, contents[record.id])
    for raw in _list(data, READS):
        message_id = _required(raw, "messageId", str, READS)
        user_id = _required(raw, "userId", str, READS)
        if message_id not in world.messages or user_id not in world.users:
            raise StateError(f"{READS}: {user_id} read unknown message {message_id}", collection=READS)
        world.mark_read(message_id, user_id)
    for raw in _list(data, MARKED_UNREAD):
        conversation_id = _required(raw, "conversationId", str, MARKED_UNREAD)
        user_id = _required(raw, "userId", str, MARKED_UNREAD)
        if user_id not in world.members_by_conversation.get(conversation_id, {}):
            raise StateError(
                f"{MARKED_UNREAD}: {user_id} is not a member of conversation {conversation_id}",
                collection=MARKED_UNREAD,
            )
        world.set_marked_unread(conversation_id, user_id, True)
    if max_file_bytes is not None and world.file_bytes_total > max_file_bytes:
        raise ValueError(
            f"files: their bytes ({world.file_bytes_total}) are over a world's bound of {max_file_bytes}"
        )
    return world


def _content(value: Any) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"files: {CONTENT_FIELD} must be base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"files: {CONTENT_FIELD} is not valid base64") from None


def latest_moment(world: World) -> datetime | None:
    """The newest timestamp in a world, so that the clock can continue after it."""
    moments = [
        record.created_at
        for collection in (
            world.users,
            world.conversations,
            world.members,
            world.tags,
            world.messages,
            world.files,
            world.file_associations,
        )
        for record in collection.values()
    ]
    return max(moments, default=None)


def _list(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
        raise ValueError(f"{key} must be a list of objects")
    return items


def _required(raw: Mapping[str, Any], key: str, kind: type[R], where: str) -> R:
    value = raw.get(key)
    if not isinstance(value, kind):
        raise ValueError(f"{where}: {key} is required and must be a {kind.__name__}")
    return value


_DATE_FIELDS = frozenset({"created_at", "updated_at", "opted_in_at", "deleted_at", "body_updated_at"})
_TUPLE_FIELDS = frozenset({"mentioned_ids"})  # JSON arrays, held as tuples


def _record(model: type[R], raw: Mapping[str, Any], where: str) -> R:
    fields = {field.name: field for field in dataclasses.fields(model)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = attribute_name(key)
        if name not in fields:
            raise ValueError(f"{where}: unknown field {key!r}")
        if value is not None and name in _DATE_FIELDS:
            try:
                if not isinstance(value, str):
                    raise ValueError(value)
                value = parse_iso(value)
            except ValueError:
                raise ValueError(f"{where}: {key} must be an ISO-8601 date, not {value!r}") from None
        if isinstance(value, list) and name in _TUPLE_FIELDS:
            value = tuple(value)
        values[name] = value
    if "id" in fields and not is_uuid(values.get("id")):
        raise ValueError(f"{where}: id {values.get('id')!r} is not a UUID")
    try:
        record = model(**values)
    except TypeError as error:
        raise ValueError(f"{where}: {error}") from None
    for name, kinds in _field_kinds(typing.cast(type, model)).items():
        value = getattr(record, name)
        if (kinds and not isinstance(value, kinds)) or (isinstance(value, bool) and bool not in kinds):
            expected = " or ".join("null" if kind is type(None) else kind.__name__ for kind in kinds)
            raise ValueError(f"{where}: {field_name(name)} must be {expected}, not {value!r}")
    return record


@functools.cache
def _field_kinds(model: type) -> dict[str, tuple[type, ...]]:
    """The Python types each field of a record may hold (``str | None`` gives ``(str, NoneType)``)."""
    kinds: dict[str, tuple[type, ...]] = {}
    for name, hint in typing.get_type_hints(model).items():
        options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        resolved = tuple(typing.get_origin(option) or option for option in options)
        if float in resolved:
            resolved = (*resolved, int)
        kinds[name] = tuple(kind for kind in resolved if isinstance(kind, type))
    return kinds


def _check_references(world: World, name: str, record: Any, creators: Collection[str] = ()) -> None:
    def need(collection: Mapping[str, Any], key: str | None, what: str) -> None:
        if key is not None and key not in collection:
            raise ValueError(f"{name}: {record.id} refers to unknown {what} {key}")

    if name == "users":
        need(world.tenants, record.tenant_id, "tenant")
    elif name == "files":
        if record.status not in FILE_STATUSES:
            raise ValueError(
                f"files: {record.id} has status {record.status!r}, not one of {sorted(FILE_STATUSES)}"
            )
        if record.created_by_user_id not in creators:
            need(world.users, record.created_by_user_id, "user")
        need(world.file_categories, record.file_category_id, "file category")
    elif name == "fileAssociations":
        need(world.files, record.file_id, "file")
    elif name == "conversations":
        need(world.users, record.owner_id, "user")
    elif name == "conversationUsers":
        need(world.conversations, record.conversation_id, "conversation")
        need(world.users, record.user_id, "user")
    elif name == "conversationTags":
        need(world.conversations, record.conversation_id, "conversation")
    elif name == "messages":
        need(world.conversations, record.conversation_id, "conversation")
        need(world.users, record.author_id, "user")
        need(world.files, record.file_id, "file")
        need(world.members, record.conversation_user_id, "conversation user")
        for user_id in record.mentioned_ids:
            if not isinstance(user_id, str):
                raise ValueError(f"messages: {record.id} mentions {user_id!r}, not a user id")
            need(world.users, user_id, "user")
