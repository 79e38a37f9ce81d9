"""Where a createMessage call's time goes, layer by layer: ``python -m benchmarks.layers``.

Each layer of the in-process path is called alone on the same data (``RoqMock.handle`` with the SDK's
body, then ``GraphQLEngine.run``, ``DocumentPlans.execute``, ``Plan.run``, the resolver and the domain's
``ChatService.create_message``), in alternating batches, so that a layer's own time is its figure less the
next one's. It explains a figure of the table (docs/performance.md, "What is not met yet"); it holds no
target.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql.pyutils import Path

from benchmarks import worlds
from benchmarks.timing import batch_ns
from roqmock.api.plan import Plan, _Run
from roqmock.api.resolvers import RequestContext
from roqmock.mock import RoqMock

LAYERS = (
    ("`RoqMock.handle`", "lock, document, caller, faults, journal, events"),
    ("`GraphQLEngine.run`", "body, document cache, result"),
    ("`DocumentPlans.execute`", "variables coerced, plan picked"),
    ("`Plan.run`", "path, resolve info, leaf"),
    ("the `createMessage` resolver", "its arguments"),
    ("`ChatService.create_message`", "checks, transaction, id, clock, indexes, event"),
)


@dataclass(frozen=True, slots=True)
class Layer:
    name: str
    what: str
    ns: float  # the median time of one call through this layer
    own_ns: float  # less the layer below it


def calls() -> tuple[RoqMock, list[Callable[[], Any]]]:
    """The benchmark's world, and one call per layer of :data:`LAYERS` into it, outermost first, each
    writing one message."""
    mock = worlds.bench_mock()
    operation = next(op for op in worlds.operations(worlds.callers(mock.store.world)) if op.writes)
    body = operation.body()
    message = body["variables"]["message"]
    engine, service = mock.engine, mock.service
    actor = service.actor_for(operation.user_id)
    context = RequestContext(service, actor, mock._links(None))
    engine.run(body, context)  # the document prepared, its plan compiled
    plans = engine.prepare(body["query"]).plans
    assert plans is not None
    picked = plans.operations[None]
    assert picked is not None
    variables = plans._coerce(engine.schema, picked, body["variables"])
    assert variables is not None
    plan = next(p for p in plans.variants.values() if p is not None)
    assert isinstance(plan, Plan)
    step = plan.root.steps[0]
    run = _Run(engine.schema, plan, variables, context)
    info = run._info(step, Path(None, step.key, step.parent.name))
    arguments = run._arguments(step)
    assert step.resolver is not None
    resolver = step.resolver
    return mock, [
        lambda: mock.handle(body, operation.user_id),
        lambda: engine.run(body, context),
        lambda: plans.execute(engine.schema, None, body["variables"], context, engine._memos),
        lambda: plan.run(engine.schema, variables, context),
        lambda: resolver(None, info, **arguments),
        lambda: service.create_message(
            actor,
            author_id=message["authorId"],
            body=message["body"],
            conversation_id=message["conversationId"],
            is_system=message["isSystem"],
        ),
    ]


def measure(*, rounds: int = 15, batch: int = 1_000) -> list[Layer]:
    _, layers = calls()
    for call in layers:
        batch_ns(call, batch // 3 or 1)  # warm
    samples: list[list[float]] = [[] for _ in layers]
    for _ in range(rounds):
        for index, call in enumerate(layers):
            samples[index].append(batch_ns(call, batch))
    medians = [statistics.median(figures) for figures in samples]
    return [
        Layer(name, what, ns, ns - (medians[index + 1] if index + 1 < len(medians) else 0.0))
        for index, ((name, what), ns) in enumerate(zip(LAYERS, medians, strict=True))
    ]


def table(layers: list[Layer]) -> str:
    lines = ["| layer | µs | of which its own |", "| --- | --- | --- |"]
    lines += [f"| {it.name} ({it.what}) | {it.ns / 1000:.1f} | {it.own_ns / 1000:.1f} |" for it in layers]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.layers", description=__doc__)
    parser.add_argument("--rounds", type=int, default=15, help="alternating rounds (default 15)")
    parser.add_argument("--batch", type=int, default=1_000, help="calls per batch (default 1000)")
    args = parser.parse_args(argv)
    print(table(measure(rounds=args.rounds, batch=args.batch)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
