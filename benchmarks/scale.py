"""What a page of messages costs as the store grows from a thousand to a million messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks import table
from benchmarks.plan import Plan
from benchmarks.table import Row, Section, Target
from benchmarks.timing import median, repeat_ns
from benchmarks.worlds import BUSY_EVERY, MESSAGES_PAGE, GrowingWorld
from roqmock.answers import AnswerCache
from roqmock.api.engine import GraphQLEngine
from roqmock.testing import Roq

TARGET_SIZE = 1_000_000
TARGET_RATIO = 2.0
SHAPES = {
    "admin": "super admin, no filter",
    "member": "member, one busy conversation",
}


def measure(plan: Plan) -> Section:
    grown = GrowingWorld(GraphQLEngine())
    grown.mock.answers = AnswerCache(max_answers=0)  # every call executes: this part measures execution
    roq = Roq(grown.mock)
    admin, member = roq.as_super_admin(), roq.as_user(grown.busy_member_id)
    by_conversation = {"conversationId": {"equalTo": grown.busy_conversation_id}}
    calls: dict[str, Callable[[], Any]] = {
        "admin": lambda: admin.messages(limit=MESSAGES_PAGE),
        "member": lambda: member.messages(filter=by_conversation, limit=MESSAGES_PAGE),
    }
    costs: dict[str, dict[int, float]] = {shape: {} for shape in SHAPES}
    section = Section()
    for size in plan.scale_sizes:
        grown.grow_to(size)
        for shape, call in calls.items():
            page = call()["messages"]
            if len(page["data"]) != MESSAGES_PAGE:
                raise RuntimeError(f"{shape}'s page at {size} messages is not a full page")
            if shape == "admin" and page["totalCount"] != size:
                raise RuntimeError(f"the super admin sees {page['totalCount']} of {size} messages")
            costs[shape][size] = median(repeat_ns(call, runs=plan.scale_runs, budget_s=plan.scale_budget_s))
    smallest = plan.scale_sizes[0]
    for shape, label in SHAPES.items():
        for size, cost in costs[shape].items():
            ratio = cost / costs[shape][smallest]
            key = f"scale.{shape}.{table.count(size)}"
            section.figures |= {f"{key}.ns": cost, f"{key}.ratio": ratio}
            target = None
            if size == TARGET_SIZE:
                target = Target.below(f"≤ {TARGET_RATIO:.2f}x", ratio, TARGET_RATIO)
            section.rows.append(
                Row(
                    "scale",
                    f"messages: {label}, {table.count(size)} stored",
                    table.duration(cost),
                    ""
                    if size == smallest
                    else f"{table.count(smallest)}: {table.duration(costs[shape][smallest])}",
                    table.ratio(ratio),
                    target,
                )
            )
        if TARGET_SIZE not in costs[shape]:
            section.rows.append(
                Row(
                    "scale",
                    f"messages: {label}, {table.count(TARGET_SIZE)} stored",
                    "skipped",
                    target=Target.skipped(f"≤ {TARGET_RATIO:.2f}x", TARGET_RATIO, reason="(--quick)"),
                )
            )
    section.notes.append(
        "scale: one world (seed 1: 100 users, 1,000 conversations by Faker) grown to each size with "
        "messages added through store.world.add_message (ids from store.ids, times from store.clock, "
        f"Faker bodies), every {BUSY_EVERY}th into one busy group conversation; each figure is the median of "
        f"{plan.scale_runs[0]} to {plan.scale_runs[1]} calls through the roq client; ratios against "
        f"{table.count(smallest)} messages"
    )
    return section
