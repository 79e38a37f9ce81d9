"""The vocabulary of ROQ's roles: entities, operations, scopes, permissions, roles, and their JSON.

It imports nothing else from the domain, so the permission rules, their coverage, the store, saved states
and the CLI can all speak it without importing one another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "DEFAULT_ROLE_KEY",
    "DEFAULT_USER_ROLE",
    "NO_PERMISSION",
    "SUPER_ADMIN_SCOPE",
    "Entity",
    "Operation",
    "Permission",
    "Role",
    "Scope",
    "parse_permission",
    "permission_text",
    "role_from_json",
    "role_json",
    "rule_name",
]


class Entity(StrEnum):
    CONVERSATION = "Conversation"
    MESSAGE = "Message"
    USER = "User"
    FILE = "File"


class Operation(StrEnum):
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"


class Scope(StrEnum):
    OWN = "own"
    TENANT = "tenant"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class Permission:
    """One operation on one entity, within a scope (create has none)."""

    entity: Entity
    operation: Operation
    scope: Scope | None = None  # create has no scope


@dataclass(frozen=True, slots=True)
class Role:
    """A role users hold, and the permissions it grants."""

    key: str
    name: str
    permissions: tuple[Permission, ...] = ()
    description: str | None = None
    is_system_managed: bool = False


DEFAULT_ROLE_KEY = "user"

# ROQ's documented example role: start conversations, see and manage your own, read their messages;
# upload files and manage the ones you uploaded.
DEFAULT_USER_ROLE = Role(
    key=DEFAULT_ROLE_KEY,
    name="User",
    description="Every new user: chat in the conversations they belong to",
    is_system_managed=True,
    permissions=(
        Permission(Entity.CONVERSATION, Operation.CREATE),
        Permission(Entity.CONVERSATION, Operation.READ, Scope.OWN),
        Permission(Entity.CONVERSATION, Operation.UPDATE, Scope.OWN),
        Permission(Entity.CONVERSATION, Operation.DELETE, Scope.OWN),
        Permission(Entity.MESSAGE, Operation.READ, Scope.OWN),
        Permission(Entity.USER, Operation.READ, Scope.TENANT),
        Permission(Entity.FILE, Operation.CREATE),
        Permission(Entity.FILE, Operation.READ, Scope.OWN),
        Permission(Entity.FILE, Operation.UPDATE, Scope.OWN),
        Permission(Entity.FILE, Operation.DELETE, Scope.OWN),
    ),
)

# Permission coverage names a rule Entity:operation:scope, with two scopes more than roles grant.
SUPER_ADMIN_SCOPE = "super-admin"
NO_PERMISSION = "none"


def rule_name(entity: Entity | str, operation: Operation | str, scope: Scope | str | None) -> str:
    key = (entity, operation, scope)
    name = _RULE_NAMES.get(key)
    if name is None:
        name = _rule_name(entity, operation, scope)
        if len(_RULE_NAMES) < 4096:  # the rules are few; a bound all the same
            _RULE_NAMES[key] = name
    return name


_RULE_NAMES: dict[tuple[Any, Any, Any], str] = {}


def _rule_name(entity: Entity | str, operation: Operation | str, scope: Scope | str | None) -> str:
    entity_name = entity.value if isinstance(entity, Entity) else entity
    operation_name = operation.value if isinstance(operation, Operation) else operation
    if scope is None:
        return f"{entity_name}:{operation_name}"
    return f"{entity_name}:{operation_name}:{scope.value if isinstance(scope, Scope) else scope}"


def parse_permission(text: str) -> Permission:
    """Read ``"Conversation:read:own"`` (or ``"Conversation:create"``) from configuration."""
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise ValueError(f"a permission is Entity:operation[:scope], not {text!r}")
    entity, operation = Entity(parts[0]), Operation(parts[1])
    scope = Scope(parts[2]) if len(parts) == 3 else None
    if (operation is Operation.CREATE) != (scope is None):
        raise ValueError(f"{text!r}: create takes no scope, every other operation needs one")
    return Permission(entity, operation, scope)


def permission_text(permission: Permission) -> str:
    return rule_name(permission.entity, permission.operation, permission.scope)


_FIELDS: tuple[tuple[str, type], ...] = (
    ("name", str),
    ("description", str),
    ("isSystemManaged", bool),
)


def role_from_json(key: str, spec: Any) -> Role:
    """A role from its JSON (``{"name", "description", "isSystemManaged", "permissions"}``, each
    optional); a ``ValueError`` says what is wrong with it."""
    if not isinstance(spec, Mapping):
        raise ValueError("a role must be a JSON object")
    for field, kind in _FIELDS:
        if spec.get(field) is not None and not isinstance(spec[field], kind):
            raise ValueError(f"{field} must be {kind.__name__} or null, not {spec[field]!r}")
    permissions = spec.get("permissions") or []
    if not isinstance(permissions, list) or not all(isinstance(text, str) for text in permissions):
        raise ValueError("permissions must be a list of strings such as 'Conversation:read:own'")
    return Role(
        key=key,
        name=spec.get("name") or key,
        description=spec.get("description"),
        is_system_managed=bool(spec.get("isSystemManaged") or False),
        permissions=tuple(parse_permission(text) for text in permissions),
    )


def role_json(role: Role) -> dict[str, Any]:
    """A role as saved states hold it (with its key), read back by :func:`role_from_json`."""
    return {
        "key": role.key,
        "name": role.name,
        "description": role.description,
        "isSystemManaged": role.is_system_managed,
        "permissions": [permission_text(permission) for permission in role.permissions],
    }
