"""A world's records and every index, in a form that compares by content and order.

Shared by the tests that a world comes back exactly: after a reset (``domain/test_rewind.py``) and after a
failed mutation (``guarantees/test_atomicity.py``).
"""

from __future__ import annotations

from typing import Any

from roqmock.domain.store import World

RECORD_TABLES = (
    "tenants",
    "users",
    "file_categories",
    "files",
    "file_associations",
    "conversations",
    "members",
    "tags",
    "messages",
)


def indexes(world: World, *, empty_user_sets: bool = True) -> dict[str, Any]:
    """Every table's keys (a dump reads conversations and messages off their ordered indexes, so it does
    not see those tables), and every index. ``empty_user_sets=False`` leaves out users in no conversation."""
    return {
        **{name: sorted(getattr(world, name)) for name in RECORD_TABLES},
        "conversation_order": [c.id for c in world.conversation_order],
        "message_order": [m.id for m in world.message_order],
        "members_by_conversation": {
            k: sorted((user_id, row.id) for user_id, row in v.items())
            for k, v in sorted(world.members_by_conversation.items())
        },
        "conversations_by_user": {
            k: sorted(v) for k, v in sorted(world.conversations_by_user.items()) if v or empty_user_sets
        },
        "tags_by_conversation": {
            k: sorted((tag, row.id) for tag, row in v.items())
            for k, v in sorted(world.tags_by_conversation.items())
        },
        "messages_by_conversation": {
            k: [m.id for m in v] for k, v in sorted(world.messages_by_conversation.items())
        },
        "messages_by_file": {k: [m.id for m in v] for k, v in sorted(world.messages_by_file.items())},
        "role_keys": {u.id: list(u.role_keys) for u in world.users.values()},
        "file_bytes": {k: len(v) for k, v in sorted(world.file_bytes.items())},
        "file_bytes_total": world.file_bytes_total,
    }
