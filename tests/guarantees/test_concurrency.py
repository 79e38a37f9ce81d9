"""Many writers and readers at once: every message lands exactly once, and every page stays consistent.

Over HTTP, 50 clients (threads, each with its own httpx client and its own user token) each write 100
messages into a few shared conversations of a real ``roqmock serve`` on loopback, while 5 readers page
through ``messages``. In process, threads share one ``Roq.create(...)`` (its clients call ``mock.run``).

Readers page in ``createdAt ASC`` order: roqmock's clock never repeats a millisecond and a request sees
the world whole, so the list only grows at its end, and offset paging while writers run must never show a
message twice or skip one. Afterwards the final state is paged again, in both orders, and counted.
"""

from __future__ import annotations

import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from roqmock import documents
from roqmock.client import HttpSession, RoqClient, RoqHttpError
from roqmock.seed import WorldSize
from roqmock.testing import Roq, RoqServer, start_server

WRITERS = 50
MESSAGES_EACH = 100
READERS = 5
SHARED = 5  # shared conversations, each writer a member of two of them
PAGE = 37  # an odd page size, so pages never line up with anything
DEADLINE_S = 45.0  # the whole HTTP run, writers and readers; the test fails past it

MESSAGES_PAGE = """
query messages($filter: MessageFilterArgType, $limit: Int, $offset: Int, $order: MessageOrderArgType) {
  messages(filter: $filter, limit: $limit, offset: $offset, order: $order) {
    totalCount
    data { id body conversationId authorId createdAt }
  }
}
"""
ASC = {"order": "ASC", "sort": "createdAt"}
DESC = {"order": "DESC", "sort": "createdAt"}

Run = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


# ---------------------------------------------------------------- the plan: who writes what, where


@dataclass
class Plan:
    """Writers, their conversations, and the unique body of every message each one sends."""

    tag: str
    writers: list[str]  # user ids
    shared: list[str] = field(default_factory=list)  # conversation ids
    baseline_messages: int = 0

    def conversations_of(self, writer: int) -> list[str]:
        return [self.shared[writer % SHARED], self.shared[(writer + 1) % SHARED]]

    def body(self, writer: int, sequence: int) -> str:
        return f"{self.tag}|w{writer:02d}|m{sequence:03d}|{uuid.uuid4().hex}"

    def target(self, writer: int, sequence: int) -> str:
        mine = self.conversations_of(writer)
        return mine[sequence % len(mine)]

    def expected_per_conversation(self, messages_each: int) -> Counter[str]:
        counts: Counter[str] = Counter()
        for writer in range(len(self.writers)):
            for sequence in range(messages_each):
                counts[self.target(writer, sequence)] += 1
        return counts


def _create_shared(admin: RoqClient, plan: Plan) -> None:
    """The shared conversations, created by the super admin with every writer that uses them as member."""
    for index in range(SHARED):
        members = [
            user_id
            for writer, user_id in enumerate(plan.writers)
            if index in (writer % SHARED, (writer + 1) % SHARED)
        ]
        created = admin.create_conversation(
            {
                "title": f"{plan.tag} shared {index}",
                "ownerId": members[0],
                "memberIds": members,
                "isGroup": True,
            }
        )
        plan.shared.append(created["createConversation"]["id"])


# ---------------------------------------------------------------- workers


@dataclass
class Outcome:
    """What one worker saw: the statuses of its calls and anything that went wrong."""

    statuses: Counter[int] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)  # writers: the bodies acknowledged
    pages: int = 0  # readers: pages read

    def call(self, run: Run, body: dict[str, Any], what: str) -> dict[str, Any] | None:
        try:
            status, answer = run(body)
        except Exception as error:  # a dropped connection, a timeout: a failure like any other
            self.problems.append(f"{what}: {type(error).__name__}: {error}")
            return None
        self.statuses[status] += 1
        if status != 200 or answer.get("errors") or answer.get("data") is None:
            self.problems.append(f"{what}: HTTP {status}: {str(answer)[:300]}")
            return None
        data: dict[str, Any] = answer["data"]
        return data


def write_messages(run: Run, plan: Plan, writer: int, messages_each: int, outcome: Outcome) -> None:
    author = plan.writers[writer]
    for sequence in range(messages_each):
        body = plan.body(writer, sequence)
        message = {
            "authorId": author,
            "body": body,
            "conversationId": plan.target(writer, sequence),
            "isSystem": False,
        }
        data = outcome.call(
            run, {"query": documents.CREATE_MESSAGE, "variables": {"message": message}}, f"write {body}"
        )
        if data is not None:
            if data.get("createMessage") is not True:
                outcome.problems.append(f"write {body}: createMessage answered {data!r}")
            outcome.bodies.append(body)


def _key(message: dict[str, Any]) -> tuple[str, str]:
    # createdAt is ISO 8601 with milliseconds and a Z: it orders as text does.
    return (message["createdAt"], message["id"])


def read_pages(
    run: Run,
    filter_: dict[str, Any] | None,
    done: threading.Event,
    outcome: Outcome,
    seen: list[dict[str, Any]],
) -> None:
    """Page forward in createdAt ASC while the writers run, then drain what is left.

    The list only grows at its end, so the concatenated pages must be strictly increasing, with no
    duplicates; the final check compares them with the final list, which shows holes.
    """
    last_total = 0
    finishing = False
    while True:
        writers_done = done.is_set()
        variables = {
            "limit": PAGE,
            "offset": len(seen),
            "order": ASC,
            **({"filter": filter_} if filter_ else {}),
        }
        data = outcome.call(run, {"query": MESSAGES_PAGE, "variables": variables}, f"read at {len(seen)}")
        if data is None:
            return
        outcome.pages += 1
        page = data["messages"]
        rows, total = page["data"], page["totalCount"]
        if total < last_total:
            outcome.problems.append(f"totalCount went down from {last_total} to {total}")
        last_total = total
        if total < len(seen) + len(rows):
            outcome.problems.append(f"totalCount {total} < offset {len(seen)} + {len(rows)} rows")
        for row in rows:
            if seen and _key(row) <= _key(seen[-1]):
                outcome.problems.append(
                    f"out of order or repeated at {len(seen)}: {row['id']} after {seen[-1]['id']}"
                )
            seen.append(row)
        if len(rows) < PAGE:
            if finishing:
                return
            if writers_done:
                finishing = True  # one more read after the writers stopped: nothing may be left
            else:
                time.sleep(0.005)  # caught up: let the writers get ahead


def read_default_order(run: Run, done: threading.Event, outcome: Outcome) -> None:
    """The newest first (the default order), first page only: sorted, no duplicates, totals only grow."""
    last_total = 0
    while not done.is_set():
        data = outcome.call(run, {"query": MESSAGES_PAGE, "variables": {"limit": PAGE}}, "read newest")
        if data is None:
            return
        outcome.pages += 1
        page = data["messages"]
        keys = [_key(row) for row in page["data"]]
        if keys != sorted(set(keys), reverse=True):
            outcome.problems.append("a newest-first page is not strictly descending")
        if page["totalCount"] < last_total:
            outcome.problems.append(f"totalCount went down from {last_total} to {page['totalCount']}")
        last_total = page["totalCount"]
        time.sleep(0.005)


# ---------------------------------------------------------------- the checks


def page_all(
    run: Run, order: dict[str, str], filter_: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Every message (matching ``filter_``), page by page with offset/limit; and the totalCount."""
    rows: list[dict[str, Any]] = []
    totals = set()
    while True:
        variables = {
            "limit": PAGE,
            "offset": len(rows),
            "order": order,
            **({"filter": filter_} if filter_ else {}),
        }
        status, answer = run({"query": MESSAGES_PAGE, "variables": variables})
        assert status == 200 and "errors" not in answer, answer
        page = answer["data"]["messages"]
        totals.add(page["totalCount"])
        rows += page["data"]
        if len(page["data"]) < PAGE:
            break
    assert len(totals) == 1, f"totalCount changed while paging a quiet world: {totals}"
    return rows, totals.pop()


def check_final_state(
    admin: Run,
    plan: Plan,
    outcomes: list[Outcome],
    messages_each: int,
    reader_views: list[tuple[Run, Any, list[Any]]],
) -> None:
    problems = [problem for outcome in outcomes for problem in outcome.problems]
    assert not problems, f"{len(problems)} problems, first ones: {problems[:10]}"
    statuses = sum((outcome.statuses for outcome in outcomes), Counter())
    assert set(statuses) == {200}, f"statuses: {dict(statuses)}"

    written = [body for outcome in outcomes for body in outcome.bodies]
    assert len(written) == len(set(written)) == len(plan.writers) * messages_each

    expected_total = plan.baseline_messages + len(written)
    ascending, total = page_all(admin, ASC)
    descending, total_desc = page_all(admin, DESC)
    for rows, count in ((ascending, total), (descending, total_desc)):
        ids = [row["id"] for row in rows]
        assert count == expected_total, f"totalCount {count}, expected {expected_total}"
        assert len(ids) == len(set(ids)) == expected_total, "paging the final state repeats or skips"
    assert [row["id"] for row in ascending] == [row["id"] for row in reversed(descending)]
    assert [_key(row) for row in ascending] == sorted({_key(row) for row in ascending})

    stored = Counter(row["body"] for row in ascending if row["body"].startswith(plan.tag))
    assert set(stored) == set(written), "stored bodies differ from acknowledged ones"
    duplicated = [body for body, times in stored.items() if times != 1]
    assert not duplicated, f"stored more than once: {duplicated[:5]}"

    expected = plan.expected_per_conversation(messages_each)
    by_conversation = Counter(row["conversationId"] for row in ascending if row["body"].startswith(plan.tag))
    assert by_conversation == expected
    for conversation_id, count in expected.items():
        rows, listed = page_all(admin, ASC, {"conversationId": {"equalTo": conversation_id}})
        assert listed == len(rows) == count
        writers_there = {row["authorId"] for row in rows}
        assert writers_there <= set(plan.writers)

    for run, filter_, seen in reader_views:
        final, _ = page_all(run, ASC, filter_)
        assert [row["id"] for row in seen] == [row["id"] for row in final], "a reader's pages had holes"


# ---------------------------------------------------------------- over HTTP


def _session(http: httpx.Client, server: RoqServer) -> HttpSession:
    return HttpSession(server.url, environment_id=server.environment_id, api_key=server.api_key, http=http)


@pytest.fixture(scope="module")
def server() -> Iterator[RoqServer]:
    running = start_server(
        seed=11, size=WorldSize(users=WRITERS, conversations=3, messages=30, files=0, tenants=2)
    )
    yield running
    running.stop()


def test_concurrent_http_writers_and_readers(server: RoqServer) -> None:
    started = time.monotonic()
    people = server.world.users
    assert len(people) >= WRITERS
    plan = Plan(tag=f"http-{uuid.uuid4().hex[:8]}", writers=[user.id for user in people[:WRITERS]])
    _create_shared(server.as_super_admin(), plan)
    plan.baseline_messages = len(server.world.messages)
    cleared = httpx.delete(
        f"{server.url}/__roqmock/requests",
        headers={"roq-platform-server-authorization": server.server_header},
    )
    assert cleared.status_code == 200, cleared.text

    done = threading.Event()
    outcomes = [Outcome() for _ in range(WRITERS + READERS)]
    clients = [httpx.Client(base_url=server.url, timeout=30) for _ in range(WRITERS + READERS)]
    reader_views: list[tuple[Run, Any, list[Any]]] = []
    try:
        writers = []
        for index in range(WRITERS):

            def write(index: int = index) -> None:
                session = _session(clients[index], server)
                try:
                    session.token(plan.writers[index])
                except (httpx.HTTPError, RoqHttpError) as error:
                    outcomes[index].problems.append(f"token for writer {index}: {error}")
                    return
                run = session.runner(plan.writers[index])
                write_messages(run, plan, index, MESSAGES_EACH, outcomes[index])

            writers.append(threading.Thread(target=write, name=f"writer-{index}"))

        # Readers: the super admin over everything, members over their conversations (one through the
        # one-conversation fast path), and one reading the newest page over and over.
        reader_specs: list[tuple[str | None, dict[str, Any] | None, bool]] = [
            (None, None, False),
            (plan.writers[0], None, False),
            (plan.writers[1], {"conversationId": {"equalTo": plan.shared[1]}}, False),
            (None, {"conversationId": {"valueIn": plan.shared[2:4]}}, False),
            (plan.writers[3], None, True),
        ]
        readers = []
        for offset, (user_id, filter_, newest) in enumerate(reader_specs):
            index = WRITERS + offset
            session = _session(clients[index], server)
            session.token(user_id)  # fetched here, before the readers start
            run = session.runner(user_id)
            seen: list[dict[str, Any]] = []
            if newest:
                reader = threading.Thread(
                    target=read_default_order, args=(run, done, outcomes[index]), name=f"reader-{offset}"
                )
            else:
                reader_views.append((run, filter_, seen))
                reader = threading.Thread(
                    target=read_pages,
                    args=(run, filter_, done, outcomes[index], seen),
                    name=f"reader-{offset}",
                )
            readers.append(reader)

        for thread in [*readers, *writers]:
            thread.start()
        for thread in writers:
            thread.join(timeout=max(0.1, DEADLINE_S - (time.monotonic() - started)))
        done.set()
        for thread in readers:
            thread.join(timeout=max(0.1, DEADLINE_S - (time.monotonic() - started)))
        stuck = [thread.name for thread in [*writers, *readers] if thread.is_alive()]
        assert not stuck, f"still running after {DEADLINE_S} s: {stuck}"

        admin = _session(clients[0], server).runner(None)
        check_final_state(admin, plan, outcomes, MESSAGES_EACH, reader_views)
        assert all(outcome.pages > 0 for outcome in outcomes[WRITERS:]), "a reader never read"

        health = httpx.get(f"{server.url}/__roqmock/health").json()
        assert health["messages"] == plan.baseline_messages + WRITERS * MESSAGES_EACH
        failed = server.calls(ok=False)
        assert failed == [], f"the journal recorded failed calls: {failed[:3]}"
        journal = server.calls()
        if len(journal) < 10_000:  # the journal keeps the last 10,000 calls only
            server.assert_called("createMessage", times=WRITERS * MESSAGES_EACH, ok=True)
    finally:
        done.set()
        for client in clients:
            client.close()
    assert time.monotonic() - started < 60


# ---------------------------------------------------------------- in process


IN_PROCESS_WRITERS = 12
IN_PROCESS_MESSAGES = 100


def _in_process_runner(roq: Roq, user_id: str | None) -> Run:
    return lambda body: roq.mock.run(body, user_id)


def test_concurrent_in_process_writers_and_readers() -> None:
    """Threads sharing one in-process roqmock: the same guarantees as over HTTP."""
    roq = Roq.create(
        seed=3, size=WorldSize(users=IN_PROCESS_WRITERS, conversations=2, messages=20, files=0, tenants=1)
    )
    plan = Plan(tag=f"inproc-{uuid.uuid4().hex[:8]}", writers=[user.id for user in roq.world.users])
    assert len(plan.writers) == IN_PROCESS_WRITERS
    _create_shared(roq.as_super_admin(), plan)
    plan.baseline_messages = len(roq.world.messages)

    done = threading.Event()
    outcomes = [Outcome() for _ in range(IN_PROCESS_WRITERS + 3)]
    writers = [
        threading.Thread(
            target=write_messages,
            args=(_in_process_runner(roq, user_id), plan, index, IN_PROCESS_MESSAGES, outcomes[index]),
        )
        for index, user_id in enumerate(plan.writers)
    ]
    reader_views: list[tuple[Run, Any, list[Any]]] = []
    readers = []
    for offset, (user_id, filter_) in enumerate(
        [(None, None), (plan.writers[2], {"conversationId": {"equalTo": plan.shared[2]}})]
    ):
        run, seen = _in_process_runner(roq, user_id), []
        reader_views.append((run, filter_, seen))
        readers.append(
            threading.Thread(
                target=read_pages, args=(run, filter_, done, outcomes[IN_PROCESS_WRITERS + offset], seen)
            )
        )
    readers.append(
        threading.Thread(
            target=read_default_order,
            args=(_in_process_runner(roq, plan.writers[4]), done, outcomes[IN_PROCESS_WRITERS + 2]),
        )
    )
    # A switch interval far below the default makes threads interleave inside requests, not between them.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        for thread in [*readers, *writers]:
            thread.start()
        for thread in writers:
            thread.join(timeout=30)
        done.set()
        for thread in readers:
            thread.join(timeout=30)
    finally:
        sys.setswitchinterval(interval)
        done.set()
    assert not any(thread.is_alive() for thread in [*writers, *readers])
    check_final_state(_in_process_runner(roq, None), plan, outcomes, IN_PROCESS_MESSAGES, reader_views)
    assert len(roq.world.messages) == plan.baseline_messages + IN_PROCESS_WRITERS * IN_PROCESS_MESSAGES
    roq.assert_called("createMessage", times=IN_PROCESS_WRITERS * IN_PROCESS_MESSAGES, ok=True)
    assert roq.journal.calls(ok=False) == []


def test_concurrent_in_process_clients_raise_nothing() -> None:
    """The SDK-shaped client over one shared roqmock: many threads, no RoqHttpError."""
    roq = Roq.create(seed=4, size=WorldSize(users=6, conversations=2, messages=10, files=0, tenants=1))
    plan = Plan(tag=f"sdk-{uuid.uuid4().hex[:8]}", writers=[user.id for user in roq.world.users])
    _create_shared(roq.as_super_admin(), plan)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        client = roq.as_user(plan.writers[index])
        try:
            for sequence in range(50):
                client.create_message(
                    {
                        "authorId": plan.writers[index],
                        "body": plan.body(index, sequence),
                        "conversationId": plan.target(index, sequence),
                        "isSystem": False,
                    }
                )
                client.conversations(with_users=True, with_tags=True, limit=5)
        except RoqHttpError as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(len(plan.writers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    expected = plan.expected_per_conversation(50)
    for conversation_id, count in expected.items():
        assert len(roq.world.messages_in(conversation_id)) == count
