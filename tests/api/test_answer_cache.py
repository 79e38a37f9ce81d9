"""Kept answers (roqmock/answers.py): a query answered again from the bytes its first call made, while the
world is unchanged, answers exactly as running it again would, and every call still journals, draws
faults and counts permission coverage.

The judge is a twin roqmock that keeps nothing: random runs of reads, writes, resets and loaded states
go to both, and every answer, journal entry and coverage row must agree.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roqmock import documents
from roqmock.answers import AnswerCache, Budget
from roqmock.api.engine import GraphQLEngine
from roqmock.api.rendering import json_bytes
from roqmock.baseline import Baseline
from roqmock.config import Settings
from roqmock.domain.clock import Clock
from roqmock.mock import RoqMock
from roqmock.seed import WorldSize

ENGINE = GraphQLEngine()
SIZE = WorldSize(users=4, conversations=3, messages=12, files=2, tenants=1)
WALL_MS = 1_800_000_000_000
SETTINGS = Settings(token_secret="answer-cache-tests-" + "x" * 32)  # both twins sign URLs alike


def _mock(*, keeps: bool) -> RoqMock:
    mock = RoqMock(SETTINGS, baseline=Baseline(seed=5, size=SIZE), engine=ENGINE)
    mock.wall_ms = lambda: WALL_MS
    if not keeps:
        mock.answers = AnswerCache(max_answers=0)
    return mock


KEEPING, PLAIN = _mock(keeps=True), _mock(keeps=False)
STATE = KEEPING.dump_state()
USERS = [user["id"] for user in STATE["users"] if user["reference"] != "roq-bot"]
CONVERSATIONS = [conversation["id"] for conversation in STATE["conversations"]]
CALLERS = st.sampled_from([None, *USERS])


def _reads() -> st.SearchStrategy[dict[str, Any]]:
    conversation = st.sampled_from(CONVERSATIONS)
    return st.one_of(
        st.builds(
            lambda limit, users: {
                "query": documents.CONVERSATIONS,
                "variables": {"limit": limit, "withUsers": users, "withTags": True},
            },
            st.integers(1, 5),
            st.booleans(),
        ),
        st.builds(
            lambda cid, file: {
                "query": documents.MESSAGES,
                "variables": {"filter": {"conversationId": {"equalTo": cid}}, "withFile": file},
            },
            conversation,
            st.booleans(),
        ),
        st.just({"query": documents.USERS, "variables": {"withRoles": True}}),
        st.just({"query": documents.FILES, "variables": {}}),
        st.just({"query": "{ conversations { totalCount } nope }", "variables": None}),
    )


def _writes() -> st.SearchStrategy[dict[str, Any]]:
    conversation = st.sampled_from(CONVERSATIONS)
    return st.one_of(
        st.builds(
            lambda cid, author, body: {
                "query": documents.CREATE_MESSAGE,
                "variables": {
                    "message": {"conversationId": cid, "authorId": author, "body": body, "isSystem": False}
                },
            },
            conversation,
            st.sampled_from(USERS),
            st.text(min_size=1, max_size=8),
        ),
        st.builds(
            lambda cid, tag: {
                "query": documents.ASSIGN_TAGS,
                "variables": {"conversationId": cid, "tags": [tag]},
            },
            conversation,
            st.sampled_from(["vip", "support"]),
        ),
        st.builds(
            lambda cid: {"query": documents.DELETE_CONVERSATION, "variables": {"id": cid}}, conversation
        ),
    )


STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("call"), CALLERS, _reads()),
        st.tuples(st.just("call"), CALLERS, _writes()),
        st.tuples(st.just("reset"), st.none(), st.none()),
        st.tuples(st.just("load"), st.none(), st.none()),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS)
def test_kept_answers_answer_as_running_again_would(steps: list[tuple[str, Any, Any]]) -> None:
    for mock in (KEEPING, PLAIN):
        mock.reset()
        _pin(mock)
    for kind, caller, body in steps:
        if kind in ("reset", "load"):
            for mock in (KEEPING, PLAIN):
                mock.reset() if kind == "reset" else mock.load_state(STATE)
                _pin(mock)
            continue
        for _ in range(2):  # the second call of a read may be answered from the kept one
            kept = KEEPING.handle(json.loads(json.dumps(body)), caller)
            plain = PLAIN.handle(json.loads(json.dumps(body)), caller)
            assert (kept.status, kept.answer) == (plain.status, plain.answer), body
            if kept.content is not None:
                assert kept.content == json_bytes(plain.answer)
    assert KEEPING.dump_state() == PLAIN.dump_state()
    assert _journal(KEEPING) == _journal(PLAIN)
    assert KEEPING.coverage.rows() == PLAIN.coverage.rows()


def _pin(mock: RoqMock) -> None:
    """The twins' writes get the same timestamps: a virtual clock, where the world's left off."""
    mock.store.clock = Clock(datetime(2030, 1, 1, tzinfo=UTC))


def _journal(mock: RoqMock) -> list[tuple[Any, ...]]:
    return [
        (c.operation, c.caller, c.status, c.error_code, json.dumps(c.variables)) for c in mock.journal.calls()
    ]


# ---------------------------------------------------------------- one behaviour each


@pytest.fixture
def mock() -> RoqMock:
    fresh = _mock(keeps=True)
    fresh.wall_ms = lambda: WALL_MS
    return fresh


CONVERSATIONS_BODY = {"query": documents.CONVERSATIONS, "variables": {"withUsers": True, "withTags": True}}


def test_a_repeated_query_is_answered_from_the_kept_answer(mock: RoqMock) -> None:
    first = mock.handle(dict(CONVERSATIONS_BODY), USERS[0])
    again = mock.handle(dict(CONVERSATIONS_BODY), USERS[0])
    assert mock.answers.hits == 1
    assert again.content == first.content == json_bytes(first.answer)
    assert [call.operation for call in mock.journal.calls()] == ["conversations", "conversations"]


def test_a_write_is_seen_by_the_next_read(mock: RoqMock) -> None:
    member = STATE["conversationUsers"][0]
    body = {
        "query": documents.MESSAGES,
        "variables": {"filter": {"conversationId": {"equalTo": member["conversationId"]}}},
    }
    before = mock.handle(dict(body), None).answer["data"]["messages"]["totalCount"]
    message = {
        "conversationId": member["conversationId"],
        "authorId": member["userId"],
        "body": "new",
        "isSystem": False,
    }
    assert (
        mock.handle({"query": documents.CREATE_MESSAGE, "variables": {"message": message}}, None).status
        == 200
    )
    after = mock.handle(dict(body), None)
    assert after.answer["data"]["messages"]["totalCount"] == before + 1
    mock.reset()
    assert mock.handle(dict(body), None).answer["data"]["messages"]["totalCount"] == before


def test_callers_variables_graphs_and_addresses_get_answers_of_their_own(mock: RoqMock) -> None:
    answers = {json.dumps(mock.handle(dict(CONVERSATIONS_BODY), caller).answer) for caller in [None, *USERS]}
    assert len(answers) > 1  # the super admin and members see different conversations
    assert mock.answers.hits == 0
    mock.handle(dict(CONVERSATIONS_BODY), USERS[0], mutations=frozenset())  # the client graph
    mock.handle(dict(CONVERSATIONS_BODY), USERS[0], base_url="http://elsewhere:1")
    mock.handle({**CONVERSATIONS_BODY, "variables": {"withUsers": False}}, USERS[0])
    assert mock.answers.hits == 0


def test_an_answer_that_read_the_wall_clock_is_never_kept(mock: RoqMock) -> None:
    # A file's url is a presigned download URL: its expiry moves with the clock.
    now = [WALL_MS]
    mock.wall_ms = lambda: now[0]
    body = {"query": documents.FILES, "variables": {}}
    first = mock.handle(dict(body), None)
    now[0] += 60_000
    second = mock.handle(dict(body), None)
    urls = [[f["url"] for f in o.answer["data"]["files"]["data"]] for o in (first, second)]
    assert all(urls) and urls[0] != urls[1]
    assert mock.answers.hits == 0 and second.content is None


def test_mutations_are_never_kept(mock: RoqMock) -> None:
    cid = CONVERSATIONS[0]
    body = {"query": documents.ASSIGN_TAGS, "variables": {"conversationId": cid, "tags": ["x"]}}
    mock.handle(dict(body), None)
    mock.handle(dict(body), None)
    assert mock.answers.hits == 0 and len(mock.answers) == 0


def test_faults_coverage_and_the_journal_apply_to_kept_answers(mock: RoqMock) -> None:
    mock.handle(dict(CONVERSATIONS_BODY), USERS[0])
    decisions = sum(int(str(row["allowed"])) + int(str(row["denied"])) for row in mock.coverage.rows())
    mock.faults.add({"operation": "conversations", "error": {"statusCode": 503}, "count": 1})
    failed = mock.handle(dict(CONVERSATIONS_BODY), USERS[0])
    assert failed.answer["errors"][0]["extensions"]["response"]["statusCode"] == 503
    mock.handle(dict(CONVERSATIONS_BODY), USERS[0])
    assert mock.answers.hits == 1
    counted = sum(int(str(row["allowed"])) + int(str(row["denied"])) for row in mock.coverage.rows())
    assert counted == 2 * decisions  # the kept answer's decisions counted again, the faulted call's not
    assert [call.status for call in mock.journal.calls()] == [200, 200, 200]
    assert [call.error_code for call in mock.journal.calls()][1] is not None


def test_changing_a_returned_answer_changes_no_later_answer(mock: RoqMock) -> None:
    query = documents.CONVERSATIONS
    first = mock.execute(query, {"withTags": True}, as_user=USERS[0])
    second = mock.execute(query, {"withTags": True}, as_user=USERS[0])
    assert mock.answers.hits == 1
    second["data"]["conversations"]["data"].clear()
    assert mock.execute(query, {"withTags": True}, as_user=USERS[0]) == first


def test_kept_answers_are_bounded_by_count_and_bytes() -> None:
    cache = AnswerCache(max_answers=2, max_bytes=10_000)
    mock = _mock(keeps=True)
    mock.answers = cache
    for limit in (1, 2, 3):
        mock.handle({"query": documents.USERS, "variables": {"limit": limit}}, None)
    assert len(cache) == 2
    mock.handle({"query": documents.USERS, "variables": {"limit": 1}}, None)
    assert cache.hits == 0  # the oldest went first
    small = AnswerCache(max_bytes=50)
    mock.answers = small
    mock.handle({"query": documents.USERS, "variables": {}}, None)
    assert len(small) == 0


def test_a_server_and_its_sessions_share_one_budget() -> None:
    body = {"query": documents.USERS, "variables": {"withRoles": True}}
    size = len(json_bytes(_mock(keeps=False).handle(dict(body), None).answer))
    root = _mock(keeps=True)
    root.answers = AnswerCache(budget=Budget(limit=size + size // 2))  # room for one answer
    session = root.session("ci-job-1")
    assert session.answers.budget is root.answers.budget
    root.handle(dict(body), None)
    assert (len(root.answers), root.answers.budget.used) == (1, size)
    session.handle(dict(body), None)
    assert len(session.answers) == 0  # it did not fit beside the root's
    root.reset()
    assert root.answers.budget.used == 0
    session.handle(dict(body), None)
    assert (len(session.answers), root.answers.budget.used) == (1, size)
    root.drop_sessions("ci-job-1")
    assert root.answers.budget.used == 0
