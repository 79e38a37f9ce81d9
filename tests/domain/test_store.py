"""The store's reset, clock, ids and indexes, and seeded worlds."""

from __future__ import annotations

import random
import re
import uuid
import warnings
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roqmock import seed
from roqmock.domain import clock as clock_module
from roqmock.domain.clock import Clock, IdSource, is_uuid, parse_iso, to_iso, truncate
from roqmock.domain.permissions import SUPER_ADMIN
from roqmock.domain.service import ChatService
from roqmock.domain.store import Store, World
from roqmock.seed import WorldSize, seed_world


def test_the_clock_never_repeats_a_timestamp() -> None:
    frozen = datetime(2025, 1, 1, tzinfo=UTC)
    clock = Clock(now=lambda: frozen)
    stamps = [clock.now() for _ in range(1000)]
    assert len(set(stamps)) == 1000
    assert stamps == sorted(stamps)
    assert stamps[0] == frozen


@given(st.integers(min_value=0, max_value=2**32 * 1000 - 1))
def test_the_wall_clock_is_the_millisecond_it_reads_exactly(milliseconds: int) -> None:
    """Each write's timestamp is the wall clock's millisecond, read through a float: never a microsecond
    off (which would show in ROQ's ISO strings and in ordering), until the year 2106."""
    nanoseconds = milliseconds * 1_000_000 + 999_999
    with mock.patch.object(clock_module, "_time_ns", return_value=nanoseconds):
        stamp = Clock().now()
    assert stamp == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=milliseconds)
    assert stamp.tzinfo is UTC


def test_the_wall_clock_follows_the_system_clock() -> None:
    before = datetime.now(UTC)
    stamp = Clock().now()
    after = datetime.now(UTC)
    assert truncate(before) <= stamp <= after and stamp.microsecond % 1000 == 0


def test_the_clock_stays_after_observed_moments() -> None:
    clock = Clock(now=lambda: datetime(2025, 1, 1, tzinfo=UTC))
    later = datetime(2030, 1, 1, tzinfo=UTC)
    clock.observe(later)
    assert clock.now() > later


def test_a_virtual_clock_is_reproducible() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    assert [Clock(start).now() for _ in range(3)] == [start] * 3
    clock = Clock(start)
    assert [to_iso(clock.now()) for _ in range(2)] == ["2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.001Z"]


def test_ids_are_uuids_from_a_seedable_source() -> None:
    first, second = IdSource(42), IdSource(42)
    ids = [first.new() for _ in range(50)]
    assert ids == [second.new() for _ in range(50)]
    assert all(is_uuid(value) for value in ids)
    assert len(set(ids)) == 50
    assert IdSource(43).new() != ids[0]


def test_ids_are_uuid4s_drawn_128_bits_at_a_time_from_the_seeded_random() -> None:
    """The ids a seed gives are fixed (exported states and users' snapshots hold them): each is
    ``uuid.UUID(int=getrandbits(128), version=4)`` of ``random.Random(seed)``, in order."""
    source, reference = IdSource("7/root"), random.Random("7/root")
    for _ in range(3 * IdSource.BLOCK + 5):
        assert source.new() == str(uuid.UUID(int=reference.getrandbits(128), version=4))


@given(before=st.integers(0, 3 * IdSource.BLOCK), drawn=st.integers(1, 3 * IdSource.BLOCK))
def test_an_id_source_put_back_hands_out_the_same_ids_again(before: int, drawn: int) -> None:
    source = IdSource(11)
    for _ in range(before):
        source.new()
    mark = source.snapshot()
    expected = [source.new() for _ in range(drawn)]
    source.restore(mark)
    assert source.snapshot() == mark
    assert [source.new() for _ in range(drawn)] == expected


def test_iso_round_trip() -> None:
    moment = parse_iso("2024-05-06T07:08:09.123Z")
    assert to_iso(moment) == "2024-05-06T07:08:09.123Z"
    assert parse_iso("2024-05-06") == datetime(2024, 5, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-13-01", "x"]
)
def test_a_date_out_of_range_or_malformed_is_a_value_error(text: str) -> None:
    """Dates in range locally but not in UTC overflowed as OverflowError: a 500 wherever a date is read."""
    with pytest.raises(ValueError):
        parse_iso(text)


def test_reset_forgets_everything_and_restarts_ids() -> None:
    store = Store(seed=3)
    service = ChatService(store)
    first_id = store.ids.new()
    store.reset()
    user = service.create_user(SUPER_ADMIN, reference="a", email="a@example.com")
    assert user.id == first_id
    service.create_conversation(SUPER_ADMIN, title="t", owner_id=user.id, member_ids=[user.id])
    store.reset()
    fresh = World(roles=dict(store.role_definitions))
    store.add_categories(fresh)  # every world, even an empty one, holds the file categories
    assert store.world == fresh
    assert {c.key for c in fresh.file_categories.values()} == {
        "CHAT_FILES",
        "USER_FILES",
        "USER_AVATAR_FILES",
    }


def test_deleting_a_conversation_cleans_every_index() -> None:
    store = Store(seed=1)
    seed_world(store, seed=1, size=WorldSize(users=4, conversations=3, messages=30, files=3))
    service = ChatService(store)
    world = store.world
    for conversation_id in list(world.conversations):
        service.delete_conversation(SUPER_ADMIN, conversation_id)
    assert world.conversations == {} and world.members == {} and world.tags == {} and world.messages == {}
    assert world.members_by_conversation == {} and world.tags_by_conversation == {}
    assert world.messages_by_conversation == {} and world.messages_by_file == {}
    assert all(not ids for ids in world.conversations_by_user.values())


def test_messages_are_indexed_by_conversation_in_creation_order() -> None:
    store = Store(seed=2)
    seed_world(store, seed=2, size=WorldSize(users=5, conversations=4, messages=60))
    world = store.world
    assert sum(len(messages) for messages in world.messages_by_conversation.values()) == len(world.messages)
    for conversation_id, messages in world.messages_by_conversation.items():
        assert all(message.conversation_id == conversation_id for message in messages)
        assert [m.created_at for m in messages] == sorted(m.created_at for m in messages)


def test_same_seed_same_world() -> None:
    worlds = []
    for _ in range(2):
        store = Store(seed=11)
        seed_world(store, seed=11, size=WorldSize(users=7, conversations=6, messages=50, files=4))
        worlds.append(store.world)
    assert worlds[0] == worlds[1]
    other = Store(seed=12)
    seed_world(other, seed=12, size=WorldSize(users=7, conversations=6, messages=50, files=4))
    assert other.world != worlds[0]


# The methods a world draws from Faker (roqmock/seed.py).
FAKER_METHODS = (
    "company",
    "first_name",
    "last_name",
    "free_email_domain",
    "phone_number",
    "timezone",
    "word",
    "sentence",
    "paragraph",
)


def test_the_faker_providers_a_world_loads_answer_as_all_of_fakers_do() -> None:
    """Seeding loads only the providers it draws from: in every locale Faker has, each method it calls is
    the same provider's as with all of them loaded, and a world comes out the same."""
    from faker import Faker
    from faker.config import AVAILABLE_LOCALES, PROVIDERS

    for locale in AVAILABLE_LOCALES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # Faker's own: "fr_QC locale is deprecated"
            everything, these = Faker(locale), Faker(locale, providers=list(seed.FAKER_PROVIDERS))
        for method in FAKER_METHODS:
            # Some locales have no phone numbers with all providers either (en_PH): such a world fails alike.
            assert hasattr(these, method) is hasattr(everything, method), (locale, method)
            if hasattr(everything, method):
                provider = type(getattr(everything, method).__self__)
                assert type(getattr(these, method).__self__) is provider, (locale, method)
    size = WorldSize(users=9, conversations=6, messages=80, files=6, tenants=3)
    for locale in ("en_US", "de_DE", "ja_JP", "fr_FR", "pt_BR"):
        worlds = []
        for providers in (seed.FAKER_PROVIDERS, tuple(PROVIDERS)):  # these, then all of Faker's
            store = Store(seed=5)
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(seed, "FAKER_PROVIDERS", providers)
                seed_world(store, seed=5, size=size, locale=locale)
            worlds.append(store.world)
        assert worlds[0] == worlds[1], locale


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    users=st.integers(2, 12),
    conversations=st.integers(1, 8),
    messages=st.integers(1, 120),
)
def test_seeded_system_messages_name_only_members_of_their_conversation(
    seed: int, users: int, conversations: int, messages: int
) -> None:
    store = Store(seed=seed)
    size = WorldSize(users=users, conversations=conversations, messages=messages, files=0, tenants=1)
    seed_world(store, seed=seed, size=size)
    world = store.world
    for message in world.messages.values():
        if not message.is_system:
            continue
        member_ids = world.members_by_conversation[message.conversation_id]
        names = {world.users[user_id].first_name or "" for user_id in member_ids}
        strangers = {user.first_name or "" for user in world.users.values()} - names
        words = set(re.findall(r"[^\W_]+", message.body))
        assert words & names and not words & strangers, message.body


def test_new_writes_come_after_the_seeded_world() -> None:
    store = Store(seed=5)
    seed_world(store, seed=5)
    newest = max(message.created_at for message in store.world.messages.values())
    assert store.clock.now() > newest
