"""ROQ's chat operations over one store: validate, check the rules, then change the world.

Every mutation validates and checks everything before its first write, so a call that fails changes
nothing. Mutations run under the store's lock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from roqmock.domain.categories import content_type_allowed
from roqmock.domain.clock import is_uuid
from roqmock.domain.coverage import Coverage
from roqmock.domain.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    TooLarge,
    Unauthorized,
    ValidationError,
)
from roqmock.domain.events import Event, Kind
from roqmock.domain.lists import (
    DEFAULT_MAX_LIMIT,
    ListArgs,
    ListSpec,
    Page,
    compile_list,
    run_list,
    run_ordered,
)
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
)
from roqmock.domain.permissions import SUPER_ADMIN, Actor, Rules
from roqmock.domain.roles import DEFAULT_ROLE_KEY, Entity, Operation, Role
from roqmock.domain.specs import (
    FILE_CATEGORY_SPEC,
    MEMBER_SPEC,
    MESSAGE_SPEC,
    TAG_SPEC,
    USER_PROFILE_SPEC,
    USER_SPEC,
    conversation_spec,
    file_spec,
)
from roqmock.domain.store import DEFAULT_MAX_FILE_BYTES, Store, World, natural_key
from roqmock.domain.translations import (
    TRANSLATION_KEY_SPEC,
    TRANSLATION_KEYS,
    TRANSLATION_SPEC,
    Translation,
    TranslationKey,
)

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# The service account's user id when none is given: the creator of the files the super admin uploads.
SERVICE_USER_ID = "00000000-0000-4000-8000-000000000000"


class ChatService:
    """The operations of ROQ's chat API, as the given actor performs them."""

    def __init__(
        self,
        store: Store,
        *,
        max_limit: int = DEFAULT_MAX_LIMIT,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        service_user_id: str = SERVICE_USER_ID,
    ) -> None:
        self.store = store
        self.service_user_id = service_user_id
        self.max_limit = max_limit
        self.max_file_bytes = max_file_bytes  # the bytes of every file of one world, together
        self.coverage = Coverage()
        # Pages nested in a conversation take no arguments: their query is compiled once.
        self._nested_members = compile_list(MEMBER_SPEC, ListArgs(), max_limit=max_limit)
        self._nested_tags = compile_list(TAG_SPEC, ListArgs(), max_limit=max_limit)

    @property
    def world(self) -> World:
        return self.store.world

    @property
    def rules(self) -> Rules:
        return Rules(self.store.world, self.coverage)

    # ------------------------------------------------------------ callers

    def actor_for(self, user_id: str | None) -> Actor:
        """The actor for a token's user (``None``: the super admin). An unknown user is refused."""
        if user_id is None:
            return SUPER_ADMIN
        user = self.world.users.get(user_id)
        if user is None:
            raise Unauthorized("The user of this token does not exist", userId=user_id)
        return Actor(user_id=user.id, tenant_id=user.tenant_id)

    # ------------------------------------------------------------ conversations

    def conversations(self, actor: Actor, args: ListArgs) -> Page[Conversation]:
        rules = self.rules
        rules.note_read(actor, Entity.CONVERSATION)
        readable = rules.readable_conversation_ids(actor)
        world = self.world
        if readable is None:
            runs = [world.conversation_order]
        else:
            mine = (world.conversations[cid] for cid in readable if cid in world.conversations)
            runs = [sorted(mine, key=natural_key)]
        return run_ordered(runs, conversation_spec(world), args, max_limit=self.max_limit)

    def conversation_users(self, conversation: Conversation) -> Page[ConversationUser]:
        return self._nested_members.run(self.world.members_of(conversation.id))

    def conversation_tags(self, conversation: Conversation) -> Page[ConversationTag]:
        return self._nested_tags.run(self.world.tags_by_conversation.get(conversation.id, {}).values())

    def create_conversation(
        self,
        actor: Actor,
        *,
        title: str,
        owner_id: str,
        member_ids: Sequence[str],
        is_group: bool | None = None,
        archived: bool | None = None,
        tags: Sequence[str] | None = None,
    ) -> Conversation:
        _require_uuid_property("ownerId", owner_id)
        _require_uuid_property("memberIds", *member_ids, each=True)
        members = list(dict.fromkeys(member_ids))
        with self.store.transaction():
            self.rules.check_create_conversation(actor, owner_id, members)
            for user_id in [owner_id, *members]:
                self._user(user_id)
            world, store = self.world, self.store
            now = store.clock.now()
            conversation = Conversation(
                id=store.new_id(),
                title=title,
                owner_id=owner_id,
                is_group=is_group if is_group is not None else len(members) > 2,
                archived=bool(archived),
                created_at=now,
                updated_at=now,
            )
            world.add_conversation(conversation)
            for user_id in members:
                joined = store.clock.now()
                world.add_member(ConversationUser(store.new_id(), conversation.id, user_id, joined, joined))
            for tag in dict.fromkeys(tags or ()):
                world.add_tag(ConversationTag(store.new_id(), conversation.id, tag, store.clock.now()))
            store.report(Event(Kind.CONVERSATION_CREATED, conversation.id, member_ids=tuple(members)))
            return conversation

    def delete_conversation(self, actor: Actor, conversation_id: str) -> str:
        with self.store.transaction():
            conversation = self._conversation_to_manage(actor, conversation_id, Operation.DELETE)
            members = tuple(self.world.members_by_conversation[conversation.id])
            self.world.remove_conversation(conversation.id)
            self.store.report(Event(Kind.CONVERSATION_DELETED, conversation.id, member_ids=members))
            return conversation.id

    def assign_tags(self, actor: Actor, conversation_id: str, tags: Sequence[str]) -> bool:
        with self.store.transaction():
            conversation = self._conversation_to_manage(actor, conversation_id, Operation.UPDATE)
            present = self.world.tags_by_conversation[conversation.id]
            added = [tag for tag in dict.fromkeys(tags) if tag not in present]
            for tag in added:
                self.world.add_tag(
                    ConversationTag(self.store.new_id(), conversation.id, tag, self.store.clock.now())
                )
            if added:
                self.store.report(Event(Kind.CONVERSATION_TAGS_CHANGED, conversation.id))
            return True

    def unassign_tags(self, actor: Actor, conversation_id: str, tags: Sequence[str]) -> bool:
        with self.store.transaction():
            conversation = self._conversation_to_manage(actor, conversation_id, Operation.UPDATE)
            present = self.world.tags_by_conversation[conversation.id]
            removed = [tag for tag in dict.fromkeys(tags) if tag in present]
            for tag in removed:
                self.world.remove_tag(present[tag])
            if removed:
                self.store.report(Event(Kind.CONVERSATION_TAGS_CHANGED, conversation.id))
            return True

    # ------------------------------------------------------------ messages

    def messages(self, actor: Actor, args: ListArgs) -> Page[Message]:
        compiled = compile_list(MESSAGE_SPEC, args, max_limit=self.max_limit)
        rules = self.rules
        rules.note_read(actor, Entity.MESSAGE)
        readable = rules.readable_conversation_ids(actor, Entity.MESSAGE)
        world = self.world
        wanted, rest = _one_conversation(args)
        if wanted is not None:
            # The filter names one conversation: read its index only, and the filter need not run there.
            if readable is not None and wanted not in readable:
                return Page([], 0)
            narrowed = compile_list(MESSAGE_SPEC, rest, max_limit=self.max_limit)
            return narrowed.run_ordered([world.messages_by_conversation.get(wanted, [])])
        if readable is None:
            return compiled.run_ordered([world.message_order])
        return compiled.run_ordered([world.messages_by_conversation.get(cid, []) for cid in readable])

    def create_message(
        self,
        actor: Actor,
        *,
        author_id: str,
        body: str,
        conversation_id: str,
        is_system: bool,
        file_id: str | None = None,
        reply_id: str | None = None,
        forward_from_id: str | None = None,
        mentioned_ids: Sequence[str] = (),
    ) -> Message:
        _require_uuid_property("authorId", author_id)
        _require_uuid_property("conversationId", conversation_id)
        if file_id is not None:
            _require_uuid_property("fileId", file_id)
        if reply_id is not None:
            _require_uuid_property("replyId", reply_id)
        if forward_from_id is not None:
            _require_uuid_property("forwardFromId", forward_from_id)
        _require_uuid_property("mentionedIds", *mentioned_ids, each=True)
        with self.store.transaction():
            conversation = self._conversation(conversation_id)
            # A user may write only as itself: any other author is a 403, known or not.
            self.rules.check_create_message(actor, author_id, conversation.id)
            self._user(author_id)
            replied = self._linked_message(actor, conversation, reply_id, forward=False)
            forwarded = self._linked_message(actor, conversation, forward_from_id, forward=True)
            mentioned: tuple[str, ...] = ()
            if mentioned_ids:
                mentioned = tuple(dict.fromkeys(user_id.lower() for user_id in mentioned_ids))
            members = self.world.members_by_conversation[conversation.id]
            for user_id in mentioned:
                if user_id not in members:
                    raise BadRequest(
                        f"mentionedIds: user {user_id} is not a member of the conversation",
                        error_code="MENTIONED_USER_NOT_MEMBER",
                        userId=user_id,
                        conversationId=conversation.id,
                    )
            if file_id is not None:
                attached = self._file(actor, file_id)
                if attached.status != "ready":
                    raise BadRequest(
                        f"File {attached.id} is {attached.status}: only a ready file can be sent",
                        error_code="FILE_NOT_READY",
                        fileId=attached.id,
                        status=attached.status,
                    )
            world, store = self.world, self.store
            member = world.members_by_conversation[conversation.id].get(author_id)
            now = store.clock.now()
            message = Message(
                id=store.new_id(),
                body=body,
                conversation_id=conversation.id,
                author_id=author_id,
                created_at=now,
                updated_at=now,
                is_system=is_system,
                file_id=file_id.lower() if file_id is not None else None,
                conversation_user_id=member.id if member is not None else None,
                replied_to_id=replied.id if replied is not None else None,
                forward_from_id=forwarded.id if forwarded is not None else None,
                mentioned_ids=mentioned,
            )
            world.add_message(message)
            store.report(Event(Kind.MESSAGE_CREATED, conversation.id, message_ids=(message.id,)))
            return message

    def edit_message(self, actor: Actor, message_id: str, body: str) -> Message:
        """A new body for a message, by its author; neither a system message nor a deleted one."""
        _require_not_empty("body", body)
        with self.store.transaction():
            message = self._message_to_change(actor, message_id)
            self.rules.check_edit_message(actor, message)
            if message.is_system:
                raise BadRequest(
                    "A system message cannot be edited", error_code="SYSTEM_MESSAGE_READ_ONLY", id=message.id
                )
            now = self.store.clock.now()
            self.world.change(message, body=body, body_updated_at=now, updated_at=now)
            self.store.report(Event(Kind.MESSAGE_UPDATED, message.conversation_id, message_ids=(message.id,)))
            return message

    def delete_message(self, actor: Actor, message_id: str) -> Message:
        """Delete a message (see :meth:`Rules.check_delete_message`): it stays in its conversation with
        ``deletedAt`` set, an empty body and no file, so the UI can show where it was."""
        with self.store.transaction():
            message = self._message_to_change(actor, message_id)
            self.rules.check_delete_message(actor, message)
            now = self.store.clock.now()
            self.world.detach_file(message)
            self.world.change(message, body="", deleted_at=now, updated_at=now)
            self.store.report(Event(Kind.MESSAGE_DELETED, message.conversation_id, message_ids=(message.id,)))
            return message

    # ------------------------------------------------------------ conversation changes (live chat)

    def rename_conversation(self, actor: Actor, conversation_id: str, title: str) -> Conversation:
        _require_not_empty("title", title)
        with self.store.transaction():
            conversation = self._conversation_to_change(actor, conversation_id)
            self.world.change(conversation, title=title, updated_at=self.store.clock.now())
            self.store.report(Event(Kind.CONVERSATION_RENAMED, conversation.id))
            return conversation

    def archive_conversation(self, actor: Actor, conversation_id: str) -> Conversation:
        """Archive a conversation, for every member (``archived`` is the conversation's)."""
        with self.store.transaction():
            conversation = self._conversation_to_change(actor, conversation_id)
            if not conversation.archived:
                self.world.change(conversation, archived=True, updated_at=self.store.clock.now())
            self.store.report(Event(Kind.CONVERSATION_ARCHIVED, conversation.id))
            return conversation

    def update_conversation_members(
        self, actor: Actor, conversation_id: str, member_ids: Sequence[str]
    ) -> Conversation:
        """Replace a group conversation's members with ``member_ids``: the caller and the owner (when a
        member) stay; a one-to-one conversation keeps its two members."""
        _require_uuid_property("memberIds", *member_ids, each=True)
        wanted = list(dict.fromkeys(user_id.lower() for user_id in member_ids))
        with self.store.transaction():
            conversation = self._conversation_to_change(actor, conversation_id)
            self._require_group(conversation)
            world = self.world
            present = world.members_by_conversation[conversation.id]
            for user_id in wanted:
                self._user(user_id)
            for keeper, why in ((actor.user_id, "the caller"), (conversation.owner_id, "the owner")):
                if keeper is not None and keeper in present and keeper not in wanted:
                    raise BadRequest(
                        f"memberIds must keep {why} ({keeper}); a member leaves with leaveConversation",
                        error_code="MEMBER_MUST_STAY",
                        userId=keeper,
                    )
            added = [user_id for user_id in wanted if user_id not in present]
            removed = [user_id for user_id in present if user_id not in wanted]
            for user_id in removed:
                world.remove_member(present[user_id])
            for user_id in added:
                joined = self.store.clock.now()
                world.add_member(
                    ConversationUser(self.store.new_id(), conversation.id, user_id, joined, joined)
                )
            if added or removed:
                world.change(conversation, updated_at=self.store.clock.now())
                self.store.report(
                    Event(
                        Kind.CONVERSATION_MEMBERS_CHANGED,
                        conversation.id,
                        added_ids=tuple(added),
                        removed_ids=tuple(removed),
                    )
                )
            return conversation

    def leave_conversation(self, actor: Actor, conversation_id: str) -> Conversation:
        """The caller leaves a group conversation it is a member of (no permission needed beyond reading
        it). Its owner does not leave: it would leave the conversation without one."""
        _require_uuid_argument(conversation_id)
        with self.store.transaction():
            conversation = self._conversation(conversation_id)
            user_id = actor.user_id
            world = self.world
            present = world.members_by_conversation[conversation.id]
            if user_id is None or user_id not in present:
                raise NotFound.entity("Conversation", conversation_id)
            self._require_group(conversation)
            if conversation.owner_id == user_id:
                raise BadRequest(
                    "The owner cannot leave its conversation; archive or delete it instead",
                    error_code="OWNER_CANNOT_LEAVE",
                    conversationId=conversation.id,
                )
            world.remove_member(present[user_id])
            world.change(conversation, updated_at=self.store.clock.now())
            self.store.report(
                Event(Kind.CONVERSATION_MEMBERS_CHANGED, conversation.id, removed_ids=(user_id,))
            )
            return conversation

    # ------------------------------------------------------------ read state

    def readers(self, message: Message) -> list[str]:
        """Who has read ``message``: its author first, then its readers in id order."""
        readers = sorted(self.world.read_by.get(message.id, ()))
        author = message.author_id
        return [author, *(r for r in readers if r != author)] if author is not None else readers

    def unread_count(self, user_id: str, conversation_id: str) -> int:
        """Messages of the conversation that ``user_id`` did not write, has not read, and that are
        not deleted."""
        read_by = self.world.read_by
        return sum(
            1
            for message in self.world.messages_by_conversation.get(conversation_id, ())
            if message.author_id != user_id
            and message.deleted_at is None
            and user_id not in read_by.get(message.id, ())
        )

    def mark_read(self, actor: Actor, conversation_id: str, until: datetime) -> list[str]:
        """Mark read, for the calling member, every message of the conversation created up to and
        including ``until``; the ids newly marked, oldest first."""
        _require_uuid_argument(conversation_id)
        with self.store.transaction():
            conversation, user_id = self._read_state_of(actor, conversation_id)
            marked = [
                message.id
                for message in self.world.messages_by_conversation[conversation.id]
                if message.created_at <= until
                and message.author_id != user_id
                and self.world.mark_read(message.id, user_id)
            ]
            if marked:
                self.store.report(
                    Event(Kind.MESSAGES_READ, conversation.id, message_ids=tuple(marked), user_id=user_id)
                )
            return marked

    def _read_state_of(self, actor: Actor, conversation_id: str) -> tuple[Conversation, str]:
        """The conversation and the calling member whose read state a write changes."""
        conversation = self._conversation(conversation_id)
        user_id = actor.user_id
        if user_id is None or user_id not in self.world.members_by_conversation[conversation.id]:
            raise Forbidden(
                "Only members of a conversation have read state in it", conversationId=conversation.id
            )
        return conversation, user_id

    def is_marked_unread(self, user_id: str, conversation_id: str) -> bool:
        return user_id in self.world.marked_unread.get(conversation_id, ())

    def mark_conversation_unread(self, actor: Actor, conversation_id: str, unread: bool) -> bool:
        """Set the caller's own unread flag on a conversation it is a member of (ROQ's UI counts each
        flagged conversation once in its badge, beside the unread messages)."""
        _require_uuid_argument(conversation_id)
        with self.store.transaction():
            conversation, user_id = self._read_state_of(actor, conversation_id)
            self.world.set_marked_unread(conversation.id, user_id, unread)
            self.store.report(Event(Kind.CONVERSATION_UNREAD_CHANGED, conversation.id, user_id=user_id))
            return unread

    def message_file_for_url(self, actor: Actor, message_id: str, file_id: str) -> File:
        """The file ``messageFileUrl`` signs a download of: only for a caller who may read the message."""
        _require_uuid_argument(message_id, file_id)
        self.rules.note_read(actor, Entity.MESSAGE)
        message = self.world.messages.get(message_id.lower())
        if message is None or not self.rules.can_read_conversation(
            actor, message.conversation_id, Entity.MESSAGE
        ):
            raise NotFound.entity("Message", message_id)
        if message.file_id != file_id.lower():
            raise NotFound.entity("File", file_id)
        return self._file(actor, file_id, check_read=False)

    def file_download(self, file: File) -> bool:
        """Whether a file's download is roqmock's own (its bytes are here, or it is ready for them);
        ``False``: a file loaded with an outside ``url`` and no bytes, answered by that URL."""
        return file.id in self.world.file_bytes or file.url is None

    def message_file(self, actor: Actor, message: Message) -> File | None:
        """A message's file, when ``file(id)`` would show it to ``actor``; else ``None``."""
        if message.file_id is None:
            return None
        rules = self.rules
        rules.note_read(actor, Entity.FILE)
        file = self.world.files.get(message.file_id)
        return file if file is not None and rules.can_read_file(actor, file) else None

    # ------------------------------------------------------------ users

    def users(self, actor: Actor, args: ListArgs) -> Page[User]:
        return self._users(actor, args, USER_SPEC)

    def _users(self, actor: Actor, args: ListArgs, spec: ListSpec[User]) -> Page[User]:
        filters = dict(args.filter or {})
        deactivated = filters.pop("withDeactivated", None) or {}
        show_deactivated = deactivated.get("equalTo") is True or deactivated.get("notEqualTo") is False
        rules = self.rules
        rules.note_read(actor, Entity.USER)
        candidates = (
            user
            for user in self.world.users.values()
            if (show_deactivated or user.active) and rules.can_read_user(actor, user)
        )
        narrowed = ListArgs(filters, args.limit, args.offset, args.order, args.search)
        return run_list(candidates, spec, narrowed, max_limit=self.max_limit)

    def user_profiles(self, actor: Actor, args: ListArgs) -> Page[User]:
        """``userProfiles``: the users ``users`` shows ``actor`` (the same rules and deactivated switch),
        with the profile's sorts."""
        return self._users(actor, args, USER_PROFILE_SPEC)

    def user_profile(self, actor: Actor, user_id: str) -> User:
        """``userProfile(id)``: a user ``user(id)`` shows ``actor``; any other is 404 USER_NOT_FOUND."""
        return self.user(actor, user_id)

    def user_access(self, actor: Actor) -> dict[str, Any]:
        """``userAccess``: what the caller's roles let it do, in the shape ROQ's UI reads."""
        return self.rules.user_access(actor)

    def translation_keys(self, actor: Actor, args: ListArgs, search_term: str | None) -> Page[TranslationKey]:
        """``translationKeys``: roqmock's fixed catalogue of ROQ's UI keys (see domain.translations)."""
        needle = (search_term or "").casefold()
        keys = (key for key in TRANSLATION_KEYS if needle in key.key.casefold())
        return run_list(keys, TRANSLATION_KEY_SPEC, args, max_limit=self.max_limit)

    def translations(self, key: TranslationKey, args: ListArgs) -> Page[Translation]:
        return run_list(key.translations, TRANSLATION_SPEC, args, max_limit=self.max_limit)

    def user_for_token(self, user_id: str) -> User:
        """The user a token is asked for (no permission decision: the service account asks)."""
        _require_uuid_argument(user_id)
        return self._user(user_id)

    def user(self, actor: Actor, user_id: str) -> User:
        _require_uuid_argument(user_id)
        self.rules.note_read(actor, Entity.USER)
        user = self._user(user_id)
        if not self.rules.can_read_user(actor, user):
            raise NotFound.entity("User", user_id)
        return user

    def create_user(
        self,
        actor: Actor,
        *,
        reference: str,
        email: str,
        roles: Sequence[str] | None = None,
        tenant_id: str | None = None,
        **profile: Any,
    ) -> User:
        unknown = set(profile) - _USER_PROFILE_FIELDS
        if unknown:
            raise BadRequest(f"unknown user fields: {', '.join(sorted(unknown))}")
        if not _EMAIL.fullmatch(email):
            raise ValidationError(
                "email must be an email", error_code="IS_EMAIL", property="email", value=email
            )
        if tenant_id is not None:
            _require_uuid_property("tenantId", tenant_id)
        with self.store.transaction():
            self.rules.check_super_admin(actor, "createUser", ("User", "create"))
            # Every user gets the default role; roles given are added to it.
            role_keys = list(dict.fromkeys([DEFAULT_ROLE_KEY, *(roles or ())]))
            self._roles(role_keys)
            for user in self.world.users.values():
                if user.email.lower() == email.lower() or user.reference == reference:
                    taken = "email" if user.email.lower() == email.lower() else "reference"
                    raise Conflict(f"A user with this {taken} already exists", property=taken)
            now = self.store.clock.now()
            if tenant_id is not None:
                self._ensure_tenant(tenant_id.lower())
            user = User(
                id=self.store.new_id(),
                reference=reference,
                email=email,
                created_at=now,
                updated_at=now,
                tenant_id=tenant_id.lower() if tenant_id is not None else None,
                role_keys=role_keys,
                **{name: value for name, value in profile.items() if value is not None},
            )
            if user.is_opted_in:
                user.opted_in_at = now
            self.world.add_user(user)
            return user

    def assign_roles(self, actor: Actor, user_id: str, role_keys: Sequence[str]) -> bool:
        with self.store.transaction():
            user = self._user_to_change_roles(actor, user_id, role_keys, "assignRolesToUser")
            added = [key for key in dict.fromkeys(role_keys) if key not in user.role_keys]
            self.world.set_role_keys(user, [*user.role_keys, *added])
            return True

    def unassign_roles(self, actor: Actor, user_id: str, role_keys: Sequence[str]) -> bool:
        with self.store.transaction():
            user = self._user_to_change_roles(actor, user_id, role_keys, "unassignRolesFromUser")
            removed = set(role_keys)
            self.world.set_role_keys(user, [key for key in user.role_keys if key not in removed])
            return True

    def user_roles(self, user: User) -> list[Role]:
        return [self.world.roles[key] for key in user.role_keys if key in self.world.roles]

    def tenant(self, user: User) -> Tenant | None:
        return self.world.tenants.get(user.tenant_id) if user.tenant_id is not None else None

    # ------------------------------------------------------------ files

    def files(self, actor: Actor, args: ListArgs) -> Page[File]:
        rules = self.rules
        rules.note_read(actor, Entity.FILE)
        candidates = (file for file in self.world.files.values() if rules.can_read_file(actor, file))
        return run_list(candidates, file_spec(self.world), args, max_limit=self.max_limit)

    def file(self, actor: Actor, file_id: str) -> File:
        _require_uuid_argument(file_id)
        self.rules.note_read(actor, Entity.FILE)
        return self._file(actor, file_id)

    def file_category(self, file: File) -> FileCategory:
        return self.world.file_categories[file.file_category_id]

    def file_associations(self, actor: Actor, file: File) -> Page[FileAssociation]:
        """A file's links to messages: those ``messages`` would show ``actor``, and only those counted."""
        rules = self.rules
        rules.note_read(actor, Entity.MESSAGE)
        associations = [
            FileAssociation(
                message.id, file.id, "message", message.id, message.created_at, message.updated_at
            )
            for message in self.world.messages_by_file.get(file.id, ())
            if rules.can_read_conversation(actor, message.conversation_id, Entity.MESSAGE)
        ]
        associations += sorted(
            (a for a in self.world.file_associations.values() if a.file_id == file.id), key=natural_key
        )
        return Page(associations, len(associations))

    def association_file(self, association: FileAssociation) -> File:
        return self.world.files[association.file_id]

    # ------------------------------------------------------------ file categories and the upload flow

    def file_categories(self, actor: Actor, args: ListArgs) -> Page[FileCategory]:
        """Every category: they are the environment's configuration, which every caller may read."""
        return run_list(
            self.world.file_categories.values(), FILE_CATEGORY_SPEC, args, max_limit=self.max_limit
        )

    def file_category_by_id(self, actor: Actor, category_id: str) -> FileCategory:
        _require_uuid_argument(category_id)
        category = self.world.file_categories.get(category_id.lower())
        if category is None:
            raise NotFound.entity("FileCategory", category_id)
        return category

    def create_file_upload(self, actor: Actor, *, name: str, content_type: str, category_key: str) -> File:
        """A new file awaiting its bytes (``upload_pending``), created by the caller (the service
        account's user for the super admin)."""
        _require_not_empty("name", name)
        _require_not_empty("contentType", content_type)
        _require_not_empty("fileCategory", category_key)
        with self.store.transaction():
            self.rules.check_create_file(actor)
            category = next((c for c in self.world.file_categories.values() if c.key == category_key), None)
            if category is None:
                raise NotFound(
                    f"File category with key {category_key} not found",
                    error_code="FILE_CATEGORY_WITH_GIVEN_KEY_NOT_FOUND",
                    key=category_key,
                )
            if category.content_types and not content_type_allowed(category.content_types, content_type):
                raise BadRequest(
                    f"Content type {content_type} is not allowed for file category {category.key}",
                    error_code="INVALID_CONTENT_TYPE_FOR_FILE_CATEGORY",
                    contentType=content_type,
                    fileCategory=category.key,
                )
            now = self.store.clock.now()
            file = File(
                id=self.store.new_id(),
                name=name,
                content_type=content_type,
                created_by_user_id=actor.user_id or self.service_user_id,
                file_category_id=category.id,
                created_at=now,
                updated_at=now,
                is_public=category.is_public_by_default,
                status="upload_pending",
            )
            self.world.add_file(file)
            return file

    def file_max_size(self, file: File) -> int:
        """The most bytes an upload for ``file`` may hold: its category's ``maxSize``, within the bound."""
        category = self.world.file_categories.get(file.file_category_id)
        limit = self.max_file_bytes
        if category is not None and category.max_size is not None:
            limit = min(limit, int(category.max_size))
        return limit

    def update_file_status(self, actor: Actor, file_id: str, status: str) -> File:
        if status not in FILE_STATUSES:
            raise ValidationError(
                f"status must be one of {', '.join(sorted(FILE_STATUSES))}",
                error_code="IS_ENUM",
                property="status",
                value=status,
            )
        with self.store.transaction():
            file = self._file_to_manage(actor, file_id, Operation.UPDATE)
            if status == "ready" and file.id not in self.world.file_bytes:
                raise BadRequest(
                    f"File {file.id} cannot be ready: its upload has not completed",
                    error_code="FILE_NOT_COMPLETELY_UPLOADED_STATUS_UPDATE_FAILED",
                    id=file.id,
                )
            self.world.change(file, status=status, updated_at=self.store.clock.now())
            return file

    def update_file(self, actor: Actor, file_id: str, *, name: str | None) -> File:
        if name is not None:
            _require_not_empty("name", name)
        with self.store.transaction():
            file = self._file_to_manage(actor, file_id, Operation.UPDATE)
            if name is not None:
                self.world.change(file, name=name, updated_at=self.store.clock.now())
            return file

    def set_file_public(self, actor: Actor, file_id: str, *, public: bool) -> File:
        with self.store.transaction():
            file = self._file_to_manage(actor, file_id, Operation.UPDATE)
            self.world.change(file, is_public=public, updated_at=self.store.clock.now())
            return file

    def delete_files(self, actor: Actor, file_ids: Sequence[str]) -> list[str]:
        """Delete the named files, all or none: each must exist, be readable and deletable."""
        _require_uuid_argument(*file_ids)
        with self.store.transaction():
            files = [
                self._file_to_manage(actor, file_id, Operation.DELETE) for file_id in dict.fromkeys(file_ids)
            ]
            unique = list({file.id: file for file in files}.values())
            for file in unique:
                self.world.remove_file(file)
            return [file.id for file in unique]

    def create_file_association(
        self, actor: Actor, *, file_id: str, entity_name: str, entity_reference: str
    ) -> FileAssociation:
        _require_not_empty("entityName", entity_name)
        _require_uuid_property("entityReference", entity_reference)
        _require_uuid_property("fileId", file_id)
        with self.store.transaction():
            file = self._file_to_manage(actor, file_id, Operation.UPDATE)
            now = self.store.clock.now()
            association = FileAssociation(
                self.store.new_id(), file.id, entity_name, entity_reference.lower(), now, now
            )
            self.world.add_file_association(association)
            return association

    def delete_file_associations(
        self, actor: Actor, *, ids: Sequence[str] | None, file_ids: Sequence[str] | None
    ) -> list[str]:
        """Delete the associations the filter names (by ``id``, ``fileId`` or both), all or none."""
        _require_uuid_argument(*(ids or ()), *(file_ids or ()))
        if ids is None and file_ids is None:
            return []
        with self.store.transaction():
            world = self.world
            chosen: dict[str, FileAssociation] = {}
            if ids is not None:
                for association_id in ids:
                    association = world.file_associations.get(association_id.lower())
                    if association is None or not self.rules.can_read_file(
                        actor, world.files[association.file_id]
                    ):
                        raise NotFound.entity("FileAssociation", association_id)
                    chosen[association.id] = association
            if file_ids is not None:
                files = {self._file(actor, file_id).id for file_id in file_ids}
                of_files = {a.id: a for a in world.file_associations.values() if a.file_id in files}
                chosen = of_files if ids is None else {key: a for key, a in chosen.items() if key in of_files}
            for file_id in dict.fromkeys(a.file_id for a in chosen.values()):
                self.rules.check_manage_file(actor, world.files[file_id], Operation.UPDATE)
            for association in chosen.values():
                world.remove_file_association(association)
            return list(chosen)

    def file_creator(self, actor: Actor, file: File) -> User | None:
        """A file's creator, when ``user(id)`` would show it to ``actor``; else ``None``."""
        rules = self.rules
        rules.note_read(actor, Entity.USER)
        user = self.world.users.get(file.created_by_user_id)
        return user if user is not None and rules.can_read_user(actor, user) else None

    # ------------------------------------------------------------ file bytes

    def store_upload(self, file_id: str, data: bytes) -> File:
        """Hold the bytes posted for a file that awaits them (the upload form's signature is the
        permission). Its status stays ``upload_pending`` until ``updateFileStatus(ready)``."""
        with self.store.transaction():
            file = self.world.files.get(file_id.lower()) if is_uuid(file_id) else None
            if file is None:
                raise NotFound.entity("File", file_id)
            if file.status != "upload_pending":
                raise Conflict(
                    f"File {file.id} is {file.status}: only a file in upload_pending takes an upload",
                    error_code="FILE_NOT_UPLOAD_PENDING",
                    id=file.id,
                    status=file.status,
                )
            self._check_file_size(file, len(data))
            self.world.put_file_bytes(file.id, data)
            return file

    def file_content(self, file_id: str) -> tuple[File, bytes]:
        """A file and its bytes, for a download whose signed URL is the permission."""
        world = self.world
        key = file_id.lower() if is_uuid(file_id) else None
        file = world.files.get(key) if key is not None else None
        data = world.file_bytes.get(key) if key is not None else None
        if file is None or data is None:
            raise NotFound.entity("File", file_id)
        return file, data

    def _check_file_size(self, file: File, size: int) -> None:
        category = self.world.file_categories.get(file.file_category_id)
        max_size = category.max_size if category is not None else None
        if max_size is not None and size > max_size:
            raise TooLarge(
                f"The file is {size} bytes, over its category's maxSize of {int(max_size)} bytes",
                id=file.id,
                size=size,
                maxSize=int(max_size),
            )
        held = self.world.file_bytes.get(file.id)
        total = self.world.file_bytes_total - (len(held) if held is not None else 0) + size
        if total > self.max_file_bytes:
            raise TooLarge(
                f"The world would hold {total} bytes of files, over its bound of {self.max_file_bytes}",
                id=file.id,
                size=size,
                maxFileBytes=self.max_file_bytes,
            )

    # ------------------------------------------------------------ lookups and checks

    def _conversation_to_manage(
        self, actor: Actor, conversation_id: str, operation: Operation
    ) -> Conversation:
        _require_uuid_argument(conversation_id)
        conversation = self._conversation(conversation_id)
        self.rules.check_manage_conversation(actor, conversation, operation)
        return conversation

    def _conversation_to_change(self, actor: Actor, conversation_id: str) -> Conversation:
        """A conversation the caller may read (else 404) and change as a member (else 403)."""
        _require_uuid_argument(conversation_id)
        conversation = self._conversation(conversation_id)
        if not self.rules.can_read_conversation(actor, conversation.id, Entity.CONVERSATION):
            raise NotFound.entity("Conversation", conversation_id)
        self.rules.check_change_conversation(actor, conversation)
        return conversation

    def _require_group(self, conversation: Conversation) -> None:
        if not conversation.is_group:
            raise BadRequest(
                "A one-to-one conversation keeps its two members: start a group conversation instead",
                error_code="CONVERSATION_NOT_GROUP",
                conversationId=conversation.id,
            )

    def _message_to_change(self, actor: Actor, message_id: str) -> Message:
        """A message the caller may read (else 404), not deleted (else 400)."""
        _require_uuid_argument(message_id)
        message = self._readable_message(actor, message_id)
        if message is None:
            raise NotFound.entity("Message", message_id)
        if message.deleted_at is not None:
            raise BadRequest("The message is deleted", error_code="MESSAGE_DELETED", id=message.id)
        return message

    def _readable_message(self, actor: Actor, message_id: str) -> Message | None:
        message = self.world.messages.get(message_id.lower())
        if message is None or not self.rules.can_read_conversation(
            actor, message.conversation_id, Entity.MESSAGE
        ):
            return None
        return message

    def _linked_message(
        self, actor: Actor, conversation: Conversation, message_id: str | None, *, forward: bool
    ) -> Message | None:
        """The message a new one replies to (in the same conversation) or forwards (any the caller may
        read, not deleted)."""
        if message_id is None:
            return None
        name = "forwardFromId" if forward else "replyId"
        message = self._readable_message(actor, message_id)
        if message is None:
            raise NotFound(
                f"{name}: message {message_id} not found", error_code="MESSAGE_NOT_FOUND", id=message_id
            )
        if not forward and message.conversation_id != conversation.id:
            raise BadRequest(
                f"replyId: message {message.id} is not in conversation {conversation.id}",
                error_code="REPLIED_MESSAGE_NOT_IN_CONVERSATION",
                id=message.id,
            )
        if forward and message.deleted_at is not None:
            raise BadRequest(
                "forwardFromId: a deleted message cannot be forwarded", error_code="MESSAGE_DELETED"
            )
        return message

    def _user_to_change_roles(
        self, actor: Actor, user_id: str, role_keys: Sequence[str], operation: str
    ) -> User:
        _require_uuid_argument(user_id)
        self.rules.check_super_admin(actor, operation, ("Role", "assign"))
        user = self._user(user_id)
        self._roles(role_keys)
        return user

    def _conversation(self, conversation_id: str) -> Conversation:
        conversation = self.world.conversations.get(conversation_id.lower())
        if conversation is None:
            raise NotFound.entity("Conversation", conversation_id)
        return conversation

    def _user(self, user_id: str) -> User:
        user = self.world.users.get(user_id.lower())
        if user is None:
            raise NotFound.entity("User", user_id)
        return user

    def _file(self, actor: Actor, file_id: str, *, check_read: bool = True) -> File:
        file = self.world.files.get(file_id.lower())
        if file is None or (check_read and not self.rules.can_read_file(actor, file)):
            raise NotFound.entity("File", file_id)
        return file

    def _file_to_manage(self, actor: Actor, file_id: str, operation: Operation) -> File:
        """A file the caller may read (else 404 FILE_NOT_FOUND) and change (else 403)."""
        _require_uuid_argument(file_id)
        self.rules.note_read(actor, Entity.FILE)
        file = self._file(actor, file_id)
        self.rules.check_manage_file(actor, file, operation)
        return file

    def _roles(self, role_keys: Iterable[str]) -> None:
        for key in role_keys:
            if key not in self.world.roles:
                raise NotFound(f"Role with key {key} not found", error_code="ROLE_NOT_FOUND", key=key)

    def _ensure_tenant(self, tenant_id: str) -> Tenant:
        tenant = self.world.tenants.get(tenant_id)
        if tenant is None:
            now = self.store.clock.now()
            tenant = Tenant(id=tenant_id, name=f"Tenant {tenant_id[:8]}", created_at=now, updated_at=now)
            self.world.add_tenant(tenant)
        return tenant


def _one_conversation(args: ListArgs) -> tuple[str | None, ListArgs]:
    """The conversation ``conversationId: {equalTo}`` names, and the arguments without that operator."""
    filters = args.filter or {}
    id_filter = filters.get("conversationId")
    wanted = id_filter.get("equalTo") if isinstance(id_filter, Mapping) else None
    if not isinstance(wanted, str) or not is_uuid(wanted):
        return None, args
    assert isinstance(id_filter, Mapping)
    others = {operator: operand for operator, operand in id_filter.items() if operator != "equalTo"}
    rest = {name: value for name, value in filters.items() if name != "conversationId"}
    if others:
        rest["conversationId"] = others
    return wanted.lower(), ListArgs(rest, args.limit, args.offset, args.order, args.search)


_USER_PROFILE_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "active",
        "phone",
        "locale",
        "timezone",
        "avatar_url",
        "custom_data",
        "is_opted_in",
        "two_factor_enabled",
    }
)


def _require_uuid_argument(*values: str) -> None:
    for value in values:
        if not is_uuid(value):
            raise BadRequest(
                "Provided argument should have been a valid uuid", error_code="INVALID_UUID", value=value
            )


def _require_not_empty(name: str, value: str) -> None:
    if not value.strip():
        raise ValidationError(
            f"{name} should not be empty", error_code="IS_NOT_EMPTY", property=name, value=value
        )


def _require_uuid_property(name: str, *values: str, each: bool = False) -> None:
    for value in values:
        if not is_uuid(value):
            message = f"each value in {name} must be a UUID" if each else f"{name} must be a UUID"
            raise ValidationError(message, error_code="IS_UUID", property=name, value=value)
