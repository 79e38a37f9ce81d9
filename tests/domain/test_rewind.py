"""A reset takes back every write: whatever a test did, the next one starts from the baseline exactly.

The world after ``reset()`` must equal a freshly built baseline (every record and index), and it must go on
the same way too: the next ids and timestamps are those a fresh world would hand out.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.world_snapshot import indexes

from roqmock.api.engine import GraphQLEngine
from roqmock.baseline import Baseline
from roqmock.config import Settings
from roqmock.domain.errors import RoqError
from roqmock.domain.permissions import SUPER_ADMIN
from roqmock.mock import RoqMock
from roqmock.seed import WorldSize
from roqmock.state import dump_world

# The schema is the costly part of a RoqMock: one engine for every mock here, as the roq fixture does.
ENGINE = GraphQLEngine()
BASELINE = Baseline(seed=5, size=WorldSize(users=6, conversations=4, messages=30, files=3))


def _snapshot(mock: RoqMock) -> tuple[dict[str, Any], dict[str, Any]]:
    return dump_world(mock.store.world), indexes(mock.store.world)


def _write(mock: RoqMock, step: tuple[str, int, int]) -> None:
    """One write through the service, picked by index so that any world offers one (failures are fine)."""
    kind, first, second = step
    world, service = mock.store.world, mock.service
    users = sorted(world.users)
    conversations = [c.id for c in world.conversation_order]
    files = sorted(world.files)
    try:
        if kind == "conversation" and len(users) > 1:
            owner = users[first % len(users)]
            others = [users[(first + 1 + n) % len(users)] for n in range(second % 3 + 1)]
            service.create_conversation(
                SUPER_ADMIN, title=f"t{first}", owner_id=owner, member_ids=[owner, *others], tags=["a", "b"]
            )
        elif kind == "message" and conversations:
            conversation = conversations[first % len(conversations)]
            author = next(iter(world.members_by_conversation[conversation]))
            file_id = files[second % len(files)] if files and second % 2 else None
            service.create_message(
                SUPER_ADMIN,
                author_id=author,
                body=f"m{second}",
                conversation_id=conversation,
                is_system=False,
                file_id=file_id,
            )
        elif kind == "delete" and conversations:
            service.delete_conversation(SUPER_ADMIN, conversations[first % len(conversations)])
        elif kind == "tags" and conversations:
            conversation = conversations[first % len(conversations)]
            tags = ["support", "new", f"x{second % 3}"]
            if second % 2:
                service.unassign_tags(SUPER_ADMIN, conversation, tags)
            else:
                service.assign_tags(SUPER_ADMIN, conversation, tags)
        elif kind == "user":
            service.create_user(
                SUPER_ADMIN,
                reference=f"ref-{first}",
                email=f"u{first}@example.com",
                tenant_id=f"00000000-0000-4000-8000-{second:012d}",
            )
        elif kind == "roles" and users:
            user = users[first % len(users)]
            keys = ["user"]
            if second % 2:
                service.unassign_roles(SUPER_ADMIN, user, keys)
            else:
                service.assign_roles(SUPER_ADMIN, user, keys)
    except RoqError:
        pass  # a refused write is part of what a test may do; it must change nothing


steps = st.lists(
    st.tuples(
        st.sampled_from(["conversation", "message", "delete", "tags", "user", "roles"]),
        st.integers(0, 50),
        st.integers(0, 50),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(writes=steps, after=steps)
def test_a_reset_takes_back_any_writes(
    writes: list[tuple[str, int, int]], after: list[tuple[str, int, int]]
) -> None:
    fresh = RoqMock(Settings(), baseline=BASELINE, engine=ENGINE)
    used = RoqMock(Settings(), baseline=BASELINE, engine=ENGINE)
    for step in writes:
        _write(used, step)
    used.reset()
    assert _snapshot(used) == _snapshot(fresh)
    # ...and it goes on as a fresh world would: the same ids and records (timestamps follow the wall clock).
    for step in after:
        _write(used, step)
        _write(fresh, step)
    assert _timeless(dump_world(used.store.world)) == _timeless(dump_world(fresh.store.world))


def _timeless(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k not in ("createdAt", "updatedAt", "optedInAt")}
    if isinstance(value, list):
        return [_timeless(item) for item in value]
    return value


def test_a_reset_after_load_state_rebuilds_the_baseline() -> None:
    mock = RoqMock(Settings(), baseline=BASELINE, engine=ENGINE)
    before = _snapshot(mock)
    mock.load_state({"version": 1})
    assert not mock.store.world.users
    mock.reset()
    assert _snapshot(mock) == before


def test_too_many_writes_to_remember_still_reset() -> None:
    from roqmock.domain import store as store_module

    mock = RoqMock(Settings(), baseline=BASELINE, engine=ENGINE)
    before = _snapshot(mock)
    limit = store_module.MAX_UNDO
    store_module.MAX_UNDO = 5
    try:
        for n in range(10):
            _write(mock, ("message", n, 0))
        assert mock.store.world.undo_log is None
    finally:
        store_module.MAX_UNDO = limit
    mock.reset()
    assert _snapshot(mock) == before
    assert mock.store.world.undo_log == []


def test_a_reset_costs_the_writes_not_the_world() -> None:
    """Counted, not timed: a reset after one write runs one undo, in a world of any size."""
    mock = RoqMock(
        Settings(),
        baseline=Baseline(seed=1, size=WorldSize(users=20, conversations=50, messages=5000)),
        engine=ENGINE,
    )
    _write(mock, ("message", 3, 0))
    log = mock.store.world.undo_log
    assert log is not None and len(log) == 1
    world = mock.store.world
    mock.reset()
    assert mock.store.world is world  # taken back in place, not rebuilt
    assert len(world.messages) == 5000


def test_seeded_worlds_keep_their_indexes_in_creation_order() -> None:
    mock = RoqMock(
        Settings(),
        baseline=Baseline(seed=2, size=WorldSize(users=8, conversations=10, messages=300)),
        engine=ENGINE,
    )
    world = mock.store.world
    key = [(m.created_at, m.id) for m in world.message_order]
    assert key == sorted(key) and len(key) == 300
    assert [(c.created_at, c.id) for c in world.conversation_order] == sorted(
        (c.created_at, c.id) for c in world.conversations.values()
    )
    for run in world.messages_by_conversation.values():
        assert [(m.created_at, m.id) for m in run] == sorted((m.created_at, m.id) for m in run)
    assert world.undo_log == []  # the baseline is marked once built


def test_new_records_never_take_the_id_of_a_loaded_record() -> None:
    """A state exported from the same seed holds the ids the seeded source hands out next."""
    state = RoqMock(Settings(), baseline=BASELINE, engine=ENGINE).dump_state()
    mock = RoqMock(Settings(), baseline=BASELINE, engine=ENGINE)
    mock.load_state(state, as_baseline=True)
    before = {user.id: user.email for user in mock.store.world.users.values()}
    for n in range(3):
        mock.service.create_user(SUPER_ADMIN, reference=f"new-{n}", email=f"new{n}@example.com")
    world = mock.store.world
    assert len(world.users) == len(before) + 3
    assert all(world.users[user_id].email == email for user_id, email in before.items())
    ids = [*world.users, *world.tenants, *world.conversations, *world.members, *world.messages]
    assert len(ids) == len(set(ids))
