"""Worlds are made with the cyclic collector off (their records live until a reset and hold no cycles, so
it would find nothing), and it is back as it was afterwards, whether the world was made or refused."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator

import pytest
from support.collector import Collections, listening

from roqmock import mock as mock_module
from roqmock.api.engine import GraphQLEngine
from roqmock.baseline import Baseline
from roqmock.config import Settings
from roqmock.mock import RoqMock, uncollected
from roqmock.seed import WorldSize, seed_world
from roqmock.state import dump_world, load_world

ENGINE = GraphQLEngine()
SIZE = WorldSize(users=8, conversations=6, messages=120, files=3)


@pytest.fixture
def collections(monkeypatch: pytest.MonkeyPatch) -> Iterator[Collections]:
    heard = Collections()
    monkeypatch.setattr(mock_module, "seed_world", heard.watch(seed_world))
    monkeypatch.setattr(mock_module, "load_world", heard.watch(load_world))
    with listening(heard):
        yield heard


def test_no_collection_runs_while_a_world_is_seeded_loaded_or_reset_to(collections: Collections) -> None:
    seeded = RoqMock(Settings(), baseline=Baseline(seed=3, size=SIZE), engine=ENGINE)
    assert len(seeded.store.world.messages) == 120
    state = dump_world(seeded.store.world)
    loaded = RoqMock(Settings(), baseline=Baseline(state=state), engine=ENGINE)
    assert dump_world(loaded.store.world) == state
    loaded.load_state(state)
    seeded.reset(Baseline(seed=4, size=SIZE))
    assert dump_world(seeded.store.world) != state
    assert collections.while_making == [] and gc.isenabled()


def test_the_collector_is_back_after_a_refused_state(collections: Collections) -> None:
    mock = RoqMock(Settings(), baseline=Baseline(seed=3, size=SIZE), engine=ENGINE)
    state = dump_world(mock.store.world)
    state["messages"][0]["conversationId"] = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(ValueError):
        mock.load_state(state)
    assert collections.while_making == [] and gc.isenabled()


def test_a_collector_the_host_turned_off_stays_off(collections: Collections) -> None:
    gc.disable()
    RoqMock(Settings(), baseline=Baseline(seed=3, size=SIZE), engine=ENGINE)
    assert not gc.isenabled()


def test_worlds_made_in_many_threads_at_once_leave_the_collector_as_it_was(
    collections: Collections,
) -> None:
    """The collector is one switch for the process: however threads making worlds interleave, the last
    to finish puts it back as it was before the first began."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # a thread switch every few instructions: every interleaving, soon

    def make_worlds() -> None:
        for _ in range(10_000):
            with uncollected():
                pass

    try:
        for enabled in (True, False, True, True):
            (gc.enable if enabled else gc.disable)()
            threads = [threading.Thread(target=make_worlds) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert gc.isenabled() is enabled
    finally:
        sys.setswitchinterval(interval)
