"""Who may do what: ROQ's roles, permissions and scopes, in one place.

* The super admin (a service-account token) may do everything, from the server side only.
* A user acts through roles. A role grants permissions ``(entity, operation, scope)``; a new role grants
  nothing. The widest scope granted by any of the user's roles applies: ``all`` > ``tenant`` > ``own``.
* Read ``own``: conversations the caller is a member of, and their messages. ``tenant``: conversations
  with a member in the caller's tenant (a caller without a tenant sees its own only). ``all``: every one.
* Update (tags) and delete ``own``: the caller owns the conversation; ``tenant``: its owner is in the
  caller's tenant; ``all``: any. A conversation that exists but may not be touched is 403, never 404.
* Lists are filtered, never refused; ``totalCount`` counts only what the caller may see.
* ``createConversation`` by a user needs Conversation create; ``ownerId`` must be the caller and be among
  ``memberIds``. ``createMessage`` by a user needs ``authorId`` to be the caller, and the caller a member.
* Live chat (the message center): editing a message is for its author; deleting one for its author, or
  for a caller granted Message delete (``own``: its own messages; ``tenant``: its author is in the
  caller's tenant; ``all``: any). Renaming, archiving and changing the members of a conversation is
  Conversation update (as for tags), and for members of it only. Each also needs the message or
  conversation to be readable, else it is 404.
* Users: read with the caller's User read scope (``own``: itself; ``tenant``: its tenant; ``all``).
  Files: read ``own`` means files the caller created, public files, and files attached to messages it
  may read. Creating users and (un)assigning roles is for the super admin.
* Files: ``createFileUpload`` needs File create. Update (status, name, public/private, associations) and
  delete ``own``: the caller created the file; ``tenant``: its creator is in the caller's tenant; ``all``:
  any. A file the caller may read but not change is 403; one it may not read is 404 (FILE_NOT_FOUND).
* ``userAccess`` (what ROQ's UI asks before it shows the chat) is read off the same roles: see
  :meth:`Rules.user_access`.
* A record read through a nested field (a file's creator, a message's file, a file's associations) goes
  through the same rule as its root field, and shows as ``null`` or not at all where that field hides it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from roqmock.domain.errors import Forbidden
from roqmock.domain.roles import (
    NO_PERMISSION,
    SUPER_ADMIN_SCOPE,
    Entity,
    Operation,
    Role,
    Scope,
    permission_text,
    rule_name,
)

if TYPE_CHECKING:
    from roqmock.domain.coverage import Coverage
    from roqmock.domain.models import Conversation, File, Message, User
    from roqmock.domain.store import World


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is calling: the super admin, or one user with its tenant and roles."""

    user_id: str | None = None
    tenant_id: str | None = None

    @property
    def is_super_admin(self) -> bool:
        return self.user_id is None


SUPER_ADMIN = Actor()

_BREADTH = {Scope.OWN: 0, Scope.TENANT: 1, Scope.ALL: 2}

# The resources ROQ's UI checks in ``userAccess.platform`` and the entity each is granted by.
_UI_RESOURCES: Mapping[str, Entity | None] = {
    "conversation": Entity.CONVERSATION,
    "file": Entity.FILE,
    "userProfile": Entity.USER,
    "userInvite": None,
}


def granted_scope(roles: Iterable[Role], entity: Entity, operation: Operation) -> Scope | None:
    """The widest scope the roles grant for ``(entity, operation)``; ``None`` when none does."""
    best: Scope | None = None
    for role in roles:
        for permission in role.permissions:
            if permission.entity is entity and permission.operation is operation:
                scope = permission.scope or Scope.ALL
                if best is None or _BREADTH[scope] > _BREADTH[best]:
                    best = scope
    return best


class Rules:
    """The permission rules, read against one world's roles and memberships."""

    def __init__(self, world: World, coverage: Coverage | None = None) -> None:
        self.world = world
        self.coverage = coverage

    def _decide(
        self,
        actor: Actor,
        entity: Entity | str,
        operation: Operation | str,
        scope: Scope | str | None,
        *,
        allowed: bool,
    ) -> bool:
        """Count the decision for permission coverage, and pass it on."""
        if self.coverage is not None:
            if actor.is_super_admin:
                scope = SUPER_ADMIN_SCOPE
            elif scope is None and operation != Operation.CREATE:
                scope = NO_PERMISSION
            self.coverage.record(rule_name(entity, operation, scope), allowed=allowed)
        return allowed

    def note_read(self, actor: Actor, entity: Entity) -> Scope | None:
        """A read (a list or one record) goes through ``entity``'s read scope; count it once per call."""
        scope = self.scope(actor, entity, Operation.READ)
        self._decide(actor, entity, Operation.READ, scope, allowed=scope is not None)
        return scope

    def roles_of(self, actor: Actor) -> list[Role]:
        user = self.world.users.get(actor.user_id or "")
        if user is None:
            return []
        roles: Mapping[str, Role] = self.world.roles
        return [roles[key] for key in user.role_keys if key in roles]

    def scope(self, actor: Actor, entity: Entity, operation: Operation) -> Scope | None:
        if actor.is_super_admin:
            return Scope.ALL
        return granted_scope(self.roles_of(actor), entity, operation)

    # -- what ROQ's UI is told

    def user_access(self, actor: Actor) -> dict[str, Any]:
        """``userAccess``: ``platform`` answers, for each resource ROQ's UI checks, whether the caller may
        read, create, update and delete it (``hasAccess(resource, operation)`` reads these booleans);
        ``project`` is empty (roqmock has no project resources); ``access`` lists the caller's roles and
        granted permissions as roqmock's configuration spells them (``Conversation:read:own``).

        ``conversation`` and ``file`` follow their entities; ``userProfile`` read follows User read, and
        its other operations are false (roqmock changes no profile); ``userInvite`` is all false (roqmock
        sends no invites). The super admin is granted everything."""

        def granted(entity: Entity | None, operation: Operation) -> bool:
            return entity is not None and self.scope(actor, entity, operation) is not None

        platform = {
            resource: {
                operation.value: granted(entity, operation)
                and (resource != "userProfile" or operation is Operation.READ)
                for operation in Operation
            }
            for resource, entity in _UI_RESOURCES.items()
        }
        if actor.is_super_admin:
            roles: list[str] = []
            permissions = [
                rule_name(entity, operation, None if operation is Operation.CREATE else Scope.ALL)
                for entity in Entity
                for operation in Operation
            ]
        else:
            held = self.roles_of(actor)
            roles = [role.key for role in held]
            permissions = sorted({permission_text(p) for role in held for p in role.permissions})
        return {
            "access": {"superAdmin": actor.is_super_admin, "roles": roles, "permissions": permissions},
            "platform": platform,
            "project": {},
        }

    # -- conversations

    def readable_conversation_ids(
        self, actor: Actor, entity: Entity = Entity.CONVERSATION
    ) -> set[str] | None:
        """Ids of the conversations ``actor`` may read through ``entity``; ``None`` means all of them."""
        scope = self.scope(actor, entity, Operation.READ)
        if scope is Scope.ALL:
            return None
        if scope is None:
            return set()
        own = set(self.world.conversations_by_user.get(actor.user_id or "", ()))
        if scope is Scope.OWN or actor.tenant_id is None:
            return own
        colleagues = {user.id for user in self.world.users.values() if user.tenant_id == actor.tenant_id}
        for user_id in colleagues:
            own.update(self.world.conversations_by_user.get(user_id, ()))
        return own

    def can_read_conversation(self, actor: Actor, conversation_id: str, entity: Entity) -> bool:
        """One conversation of :meth:`readable_conversation_ids`, read off its members alone. For a member
        only its roles decide: :meth:`member_reads` relies on it."""
        scope = self.scope(actor, entity, Operation.READ)
        if scope is Scope.ALL or scope is None:
            return scope is Scope.ALL
        members = self.world.members_by_conversation.get(conversation_id, {})
        if actor.user_id in members:
            return True
        if scope is Scope.OWN or actor.tenant_id is None:
            return False
        users = self.world.users
        return any(
            (user := users.get(user_id)) is not None and user.tenant_id == actor.tenant_id
            for user_id in members
        )

    def member_reads(self, conversation_id: str, entity: Entity) -> Callable[[str], bool]:
        """Whether a user is a member of the conversation who may read it through ``entity`` (a user the
        world holds, and :meth:`can_read_conversation`): for one event told to many sockets, so each set of
        roles is read once. For a member only its roles decide; use it while the world does not change."""
        members = self.world.members_by_conversation.get(conversation_id, {})
        users = self.world.users
        by_roles: dict[tuple[str, ...], bool] = {}

        def reads(user_id: str) -> bool:
            user = users.get(user_id) if user_id in members else None
            if user is None:
                return False
            roles = tuple(user.role_keys)
            allowed = by_roles.get(roles)
            if allowed is None:
                actor = Actor(user.id, user.tenant_id)
                allowed = by_roles[roles] = self.can_read_conversation(actor, conversation_id, entity)
            return allowed

        return reads

    def check_manage_conversation(
        self, actor: Actor, conversation: Conversation, operation: Operation
    ) -> None:
        """Update (tags) and delete: the owner under ``own``, the owner's tenant under ``tenant``."""
        scope = self.scope(actor, Entity.CONVERSATION, operation)
        allowed = scope is Scope.ALL or (scope is Scope.OWN and conversation.owner_id == actor.user_id)
        if scope is Scope.TENANT:
            owner = self.world.users.get(conversation.owner_id)
            allowed = conversation.owner_id == actor.user_id or (
                owner is not None and actor.tenant_id is not None and owner.tenant_id == actor.tenant_id
            )
        if not self._decide(actor, Entity.CONVERSATION, operation, scope, allowed=allowed):
            raise _forbidden(Entity.CONVERSATION, operation, conversationId=conversation.id)

    def check_create_conversation(self, actor: Actor, owner_id: str, member_ids: Iterable[str]) -> None:
        granted = actor.is_super_admin or self.scope(actor, Entity.CONVERSATION, Operation.CREATE) is not None
        error: Forbidden | None = None
        if not granted:
            error = _forbidden(Entity.CONVERSATION, Operation.CREATE)
        elif not actor.is_super_admin and owner_id != actor.user_id:
            error = Forbidden("ownerId must be the calling user", ownerId=owner_id)
        elif not actor.is_super_admin and owner_id not in set(member_ids):
            error = Forbidden("the owner must be among memberIds", ownerId=owner_id)
        scope = None if granted else NO_PERMISSION
        self._decide(actor, Entity.CONVERSATION, Operation.CREATE, scope, allowed=error is None)
        if error is not None:
            raise error

    # -- messages

    def check_create_message(self, actor: Actor, author_id: str, conversation_id: str) -> None:
        error: Forbidden | None = None
        if actor.is_super_admin:
            pass
        elif author_id != actor.user_id:
            error = Forbidden("authorId must be the calling user", authorId=author_id)
        elif actor.user_id not in self.world.members_by_conversation.get(conversation_id, {}):
            error = Forbidden(
                "Only members of a conversation may write to it", conversationId=conversation_id
            )
        self._decide(actor, Entity.MESSAGE, Operation.CREATE, "member-author", allowed=error is None)
        if error is not None:
            raise error

    def check_edit_message(self, actor: Actor, message: Message) -> None:
        allowed = actor.is_super_admin or (actor.user_id is not None and message.author_id == actor.user_id)
        if not self._decide(actor, Entity.MESSAGE, Operation.UPDATE, "author", allowed=allowed):
            raise Forbidden("Only its author may edit a message", messageId=message.id)

    def check_delete_message(self, actor: Actor, message: Message) -> None:
        """The author, or a role granting Message delete: ``own`` its own, ``tenant`` its tenant's
        authors', ``all`` any."""
        if actor.user_id is not None and message.author_id == actor.user_id:
            self._decide(actor, Entity.MESSAGE, Operation.DELETE, "author", allowed=True)
            return
        scope = self.scope(actor, Entity.MESSAGE, Operation.DELETE)
        allowed = scope is Scope.ALL
        if scope is Scope.TENANT:
            author = self.world.users.get(message.author_id or "")
            allowed = (
                author is not None and actor.tenant_id is not None and author.tenant_id == actor.tenant_id
            )
        if not self._decide(actor, Entity.MESSAGE, Operation.DELETE, scope, allowed=allowed):
            raise _forbidden(Entity.MESSAGE, Operation.DELETE, messageId=message.id)

    def check_change_conversation(self, actor: Actor, conversation: Conversation) -> None:
        """Rename, archive, change members: Conversation update, and a member of it."""
        if not actor.is_super_admin and actor.user_id not in self.world.members_by_conversation.get(
            conversation.id, {}
        ):
            self._decide(actor, Entity.CONVERSATION, Operation.UPDATE, "member", allowed=False)
            raise Forbidden("Only members of a conversation may change it", conversationId=conversation.id)
        self.check_manage_conversation(actor, conversation, Operation.UPDATE)

    # -- users and files

    def can_read_user(self, actor: Actor, user: User) -> bool:
        scope = self.scope(actor, Entity.USER, Operation.READ)
        if scope is Scope.ALL:
            return True
        if user.id == actor.user_id:
            return scope is not None
        return scope is Scope.TENANT and actor.tenant_id is not None and user.tenant_id == actor.tenant_id

    def can_read_file(self, actor: Actor, file: File) -> bool:
        scope = self.scope(actor, Entity.FILE, Operation.READ)
        if scope is Scope.ALL:
            return True
        if scope is None:
            return False
        if file.is_public or file.created_by_user_id == actor.user_id:
            return True
        if scope is Scope.TENANT:
            creator = self.world.users.get(file.created_by_user_id)
            if creator is not None and actor.tenant_id is not None and creator.tenant_id == actor.tenant_id:
                return True
        return any(
            self.can_read_conversation(actor, message.conversation_id, Entity.MESSAGE)
            for message in self.world.messages_by_file.get(file.id, ())
        )

    def check_create_file(self, actor: Actor) -> None:
        granted = actor.is_super_admin or self.scope(actor, Entity.FILE, Operation.CREATE) is not None
        self._decide(
            actor, Entity.FILE, Operation.CREATE, None if granted else NO_PERMISSION, allowed=granted
        )
        if not granted:
            raise _forbidden(Entity.FILE, Operation.CREATE)

    def check_manage_file(self, actor: Actor, file: File, operation: Operation) -> None:
        """Update and delete: the creator under ``own``, the creator's tenant under ``tenant``."""
        scope = self.scope(actor, Entity.FILE, operation)
        allowed = scope is Scope.ALL or (scope is not None and file.created_by_user_id == actor.user_id)
        if scope is Scope.TENANT and not allowed:
            creator = self.world.users.get(file.created_by_user_id)
            allowed = (
                creator is not None and actor.tenant_id is not None and creator.tenant_id == actor.tenant_id
            )
        if not self._decide(actor, Entity.FILE, operation, scope, allowed=allowed):
            raise _forbidden(Entity.FILE, operation, fileId=file.id)

    def check_super_admin(self, actor: Actor, operation: str, rule: tuple[str, str]) -> None:
        allowed = self._decide(actor, rule[0], rule[1], SUPER_ADMIN_SCOPE, allowed=actor.is_super_admin)
        if not allowed:
            raise Forbidden(f"{operation} is for the server's service account only", operation=operation)


def _forbidden(entity: Entity, operation: Operation, **variables: str) -> Forbidden:
    return Forbidden(
        f"You are not allowed to {operation.value} this {entity.value.lower()}",
        entity=entity.value,
        operation=operation.value,
        **variables,
    )
