"""In-process latency: the SDK's documents through the ``roq`` fixture's client, against graphql-core's
plain execution of the same pre-parsed document on the same data (the floor).

The client's path is everything a test pays: the client, ``RoqMock.run`` (lock, faults, journal), the
engine's document cache and execution, the answer's rendering. The floor is only
``graphql.execute_sync(mock.engine.schema, document, ...)`` with roqmock's resolvers: what any server on
graphql-core would pay at least, without parsing or validating. It stays that even when roqmock gets a
faster path of its own, because ``mock.engine.schema`` remains the executable graphql-core schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import graphql

from benchmarks import table, worlds
from benchmarks.plan import Plan
from benchmarks.table import Row, Section, Target
from benchmarks.timing import batch_ns, batch_size, median
from roqmock.answers import AnswerCache
from roqmock.api.engine import GraphQLEngine
from roqmock.api.resolvers import RequestContext
from roqmock.config import IN_PROCESS_URL, Settings
from roqmock.mock import Links, RoqMock
from roqmock.testing import Roq

# Issue 15: every SDK document at most 0.3x graphql-core's execute of it, conversations at most 0.1x.
DOCUMENT_TARGET = 0.3
CONVERSATIONS_TARGET = 0.1
LABELS = {
    "conversations": "conversations: member's 20, withUsers+withTags",
    "messages": "messages: member's 50 of one conversation",
    "createMessage": "createMessage",
}


def floor_call(mock: RoqMock, operation: worlds.Operation) -> Callable[[], Any]:
    """graphql-core's execution of the operation's pre-parsed document, as the operation's caller."""
    body = operation.body()
    document = graphql.parse(body["query"])
    variables = body["variables"]
    schema, service, user_id = mock.engine.schema, mock.service, operation.user_id

    def call() -> Any:
        context = RequestContext(service, service.actor_for(user_id), Links(Settings(), IN_PROCESS_URL))
        result = graphql.execute_sync(schema, document, context_value=context, variable_values=variables)
        if result.errors:
            raise RuntimeError(f"the floor's {operation.name} failed: {result.errors}")
        return result.data

    return call


def client_call(roq: Roq, operation: worlds.Operation) -> Callable[[], Any]:
    client = roq.as_user(operation.user_id)
    return lambda: operation.invoke(client)


def measure(plan: Plan) -> Section:
    engine = GraphQLEngine()
    roq = Roq(worlds.bench_mock(engine))
    # The same reads with nothing kept: what a query costs when the world changed since its last call.
    executing = Roq(worlds.bench_mock(engine))
    executing.mock.answers = AnswerCache(max_answers=0)
    # createMessage's floor writes to a twin world, so that both sides write the same number of messages.
    twin = worlds.bench_mock(engine)
    section = Section()
    for operation in worlds.operations(worlds.callers(roq.mock.store.world)):
        variants = [("", roq)] if operation.writes else [("", roq), (".executed", executing)]
        for suffix, kit in variants:
            ours, floors = _side_by_side(plan, client_call(kit, operation), _floor(operation, kit, twin))
            ratio = median([mine / theirs for mine, theirs in zip(ours, floors, strict=True)])
            key = f"inprocess.{operation.name}{suffix}"
            section.figures |= {
                f"{key}.roqmock_ns": median(ours),
                f"{key}.floor_ns": median(floors),
                f"{key}.ratio": ratio,
            }
            target = None
            if not suffix:
                bound = CONVERSATIONS_TARGET if operation.name == "conversations" else DOCUMENT_TARGET
                target = Target.below(f"≤ {bound:.2f}x", ratio, bound)
            label = LABELS[operation.name] + (" (executed: nothing kept)" if suffix else "")
            section.rows.append(
                Row(
                    "in-process",
                    label,
                    table.duration(median(ours)),
                    f"graphql-core {table.duration(median(floors))}",
                    table.ratio(ratio),
                    target,
                )
            )
    section.notes.append(
        f"in-process: median of {plan.runs} runs, each the mean of a ~{plan.batch_ms:g} ms batch of calls, "
        "the collector paused; roqmock through Roq.as_user(...) (the roq fixture's client) against "
        "graphql.execute_sync of the same pre-parsed document and variables on the same data; the ratio is "
        "the median of per-run ratios; a read called again on an unchanged world is answered from its kept "
        "answer (docs/performance.md), and its row marked executed keeps nothing"
    )
    return section


def _floor(operation: worlds.Operation, kit: Roq, twin: RoqMock) -> Callable[[], Any]:
    floor = floor_call(twin if operation.writes else kit.mock, operation)
    if not operation.writes and client_call(kit, operation)() != floor():
        raise RuntimeError(f"roqmock and the floor answer {operation.name} differently")
    return floor


def _side_by_side(
    plan: Plan, client: Callable[[], Any], floor: Callable[[], Any]
) -> tuple[list[float], list[float]]:
    count = batch_size(client, plan.batch_ms)
    batch_size(floor, plan.batch_ms)  # the floor's warm-up
    ours: list[float] = []
    floors: list[float] = []
    for run in range(plan.runs):
        # Side by side, in turns: whoever goes first in one run goes second in the next.
        pair = [(ours, client), (floors, floor)]
        for samples, call in pair if run % 2 == 0 else reversed(pair):
            samples.append(batch_ns(call, count))
    return ours, floors
