"""Seeding a big world, resetting after a test, and the memory one stored message costs."""

from __future__ import annotations

import gc
import time
import tracemalloc

from benchmarks import table
from benchmarks.plan import Plan
from benchmarks.table import Row, Section, Target
from benchmarks.timing import median, repeat_ns
from benchmarks.worlds import NEW_MESSAGE_BODY
from roqmock.api.engine import GraphQLEngine
from roqmock.baseline import Baseline
from roqmock.config import Settings
from roqmock.mock import RoqMock
from roqmock.seed import DEMO, WorldSize
from roqmock.testing import Roq

SEED = 1
SEED_SIZE = WorldSize(users=100, conversations=1_000, messages=100_000)
SEEDING_TARGET_S = 1.0
RESET_TARGET_NS = 1e6
MEMORY_TARGET_BYTES = 1024.0


def seeded(size: WorldSize, engine: GraphQLEngine) -> RoqMock:
    return RoqMock(Settings(), baseline=Baseline(seed=SEED, size=size), engine=engine)


def measure(plan: Plan) -> Section:
    # The schema is built once and shared, as the roq fixture shares it: seeding is the world alone.
    engine = GraphQLEngine()
    section = Section()
    seconds: list[float] = []
    big: RoqMock | None = None
    for _ in range(plan.seed_runs):
        big = None
        gc.collect()
        started = time.perf_counter_ns()
        big = seeded(SEED_SIZE, engine)
        seconds.append((time.perf_counter_ns() - started) / 1e9)
    assert big is not None
    seeding_s = median(seconds)
    section.figures["seed.seeding_s"] = seeding_s
    section.rows.append(
        Row(
            "seed",
            "seeding 100 users, 1k conversations, 100k messages",
            f"{seeding_s:.2f} s",
            target=Target.below(f"≤ {SEEDING_TARGET_S:g} s", seeding_s, SEEDING_TARGET_S),
        )
    )

    for label, key, roq in (
        ("demo world", "demo", Roq(seeded(DEMO, engine))),
        ("100k messages", "large", Roq(big)),
    ):
        reset_ns = median(reset_samples(roq, plan))
        section.figures[f"seed.reset_{key}_ns"] = reset_ns
        section.rows.append(
            Row(
                "seed",
                f"reset after a test wrote a message, {label}",
                table.duration(reset_ns),
                target=Target.below("≤ 1 ms", reset_ns, RESET_TARGET_NS),
            )
        )
    del big

    shared = bytes_per_message(plan.memory_messages, engine)
    own = bytes_per_message(plan.memory_messages, engine, own_bodies=True)
    section.figures["seed.memory_bytes_per_message"] = shared
    section.figures["seed.memory_bytes_per_message_own_body"] = own
    section.rows += [
        Row(
            "seed",
            "memory per message, seeded world",
            table.size(shared),
            target=Target.below("≤ 1 KB", shared, MEMORY_TARGET_BYTES),
        ),
        Row("seed", "memory per message, each with its own body", table.size(own)),
    ]
    section.notes += [
        f"seeding: median of {plan.seed_runs} RoqMock(Settings(), baseline=Baseline(seed=1, size=...)) "
        "with the schema already built; reset: median of Roq.reset() calls, each after a test that wrote "
        f"one message through roq.as_user(...).create_message; {plan.reset_runs[0]} at least, up to "
        f"{plan.reset_runs[1]} or {plan.reset_budget_s:g} s",
        f"memory: tracemalloc's traced bytes of a seeded world of {table.count(plan.memory_messages)} and "
        f"of {table.count(2 * plan.memory_messages)} messages (100 users, 1,000 conversations each), the "
        f"difference divided by {table.count(plan.memory_messages)}: everything a message adds, record, "
        "body, id, timestamps and indexes, with the world's fixed costs cancelled out; seeded messages may "
        "share body strings, so the second figure gives every message a copy of its own, as a message "
        "written through the API has",
    ]
    return section


def reset_samples(roq: Roq, plan: Plan) -> list[int]:
    """``roq.reset()`` timed, each after a "test" that sent one message through the client."""
    world = roq.mock.store.world
    conversation = min(world.conversations.values(), key=lambda c: (c.created_at, c.id))  # owned by a member
    author = conversation.owner_id
    message = {
        "authorId": author,
        "body": NEW_MESSAGE_BODY,
        "conversationId": conversation.id,
        "isSystem": False,
    }
    client = roq.as_user(author)
    before = len(world.messages)

    def a_test() -> None:
        client.create_message(message)
        if len(roq.mock.store.world.messages) != before + 1:
            raise RuntimeError("the test's message was not stored")

    samples = repeat_ns(roq.reset, runs=plan.reset_runs, budget_s=plan.reset_budget_s, before=a_test)
    if len(roq.mock.store.world.messages) != before:
        raise RuntimeError("reset did not take the test's message back")
    return samples


def bytes_per_message(messages: int, engine: GraphQLEngine, *, own_bodies: bool = False) -> float:
    """Traced bytes a world of ``2n`` messages holds beyond a world of ``n``, divided by ``n``.

    With ``own_bodies`` every message gets a private copy of its body before the world is weighed.
    """
    seeded(WorldSize(users=10, conversations=10, messages=100), engine)  # Faker's lazy tables, loaded once
    held: list[int] = []
    tracemalloc.start()
    try:
        for count in (messages, 2 * messages):
            gc.collect()
            start = tracemalloc.get_traced_memory()[0]
            mock = seeded(WorldSize(users=100, conversations=1_000, messages=count), engine)
            if own_bodies:
                for message in mock.store.world.messages.values():
                    message.body = (message.body + "\0")[:-1]  # a new string, equal to the old
            gc.collect()
            held.append(tracemalloc.get_traced_memory()[0] - start)
            del mock
    finally:
        tracemalloc.stop()
    return (held[1] - held[0]) / messages
