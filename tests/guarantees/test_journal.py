"""The call journal stays bounded by count and by the weight of the variables it keeps.

A public sandbox may be sent 1 MB bodies all day: 10,000 of them kept would be 10 GB. The journal
drops its oldest calls once their variables weigh more than its budget, and always keeps the newest.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from roqmock.journal import DEFAULT_MAX_BYTES, Journal, weight
from roqmock.seed import WorldSize
from roqmock.testing import Roq


def record(journal: Journal, variables: dict[str, Any]) -> None:
    journal.record(
        operation="conversations",
        fields=("conversations",),
        caller="super-admin",
        variables=variables,
        status=200,
        error_code=None,
        duration_ms=1.0,
        timestamp=0.0,
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=200),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    capacity=st.integers(1, 6),
    max_bytes=st.integers(1, 2_000),
    calls=st.lists(st.dictionaries(st.text(max_size=8), json_values, max_size=3), max_size=25),
)
def test_the_journal_keeps_the_newest_calls_within_both_bounds(
    capacity: int, max_bytes: int, calls: list[dict[str, Any]]
) -> None:
    journal = Journal(capacity=capacity, max_bytes=max_bytes)
    for variables in calls:
        record(journal, variables)
    held = journal.calls()
    assert journal.bytes_held == sum(weight(call.variables) for call in held)
    if not calls:
        assert held == []
        return
    # the newest calls, in order, none missing in between
    assert [call.variables for call in held] == calls[len(calls) - len(held) :]
    assert [call.sequence for call in held] == list(range(len(calls) - len(held) + 1, len(calls) + 1))
    assert len(held) <= capacity
    assert len(held) == 1 or journal.bytes_held <= max_bytes
    # and as many as fit: one more of the older calls would break a bound
    if len(held) < len(calls):
        older = weight(calls[len(calls) - len(held) - 1])
        assert len(held) + 1 > capacity or journal.bytes_held + older > max_bytes


OPERATIONS = ("conversations", "createMessage", "sendMessage")
CALLERS = ("super-admin", "user-a", "user-b")
entries = st.tuples(
    st.sampled_from(OPERATIONS),
    st.lists(st.sampled_from(OPERATIONS), max_size=2, unique=True),
    st.sampled_from(CALLERS),
    st.sampled_from([None, "FORBIDDEN"]),
    st.sampled_from(["graphql", "socket"]),
)


@settings(max_examples=100, deadline=None)
@given(
    calls=st.lists(entries, max_size=12),
    operation=st.none() | st.sampled_from(OPERATIONS),
    caller=st.none() | st.sampled_from(CALLERS),
    ok=st.none() | st.booleans(),
    transport=st.none() | st.sampled_from(["graphql", "socket"]),
)
def test_each_filter_of_calls_reads_the_field_it_names(
    calls: list[tuple[str, list[str], str, str | None, str]],
    operation: str | None,
    caller: str | None,
    ok: bool | None,
    transport: str | None,
) -> None:
    # The journal keeps each call as its fields and filters on them before it makes the Calls.
    journal = Journal()
    for index, (name, fields, who, error_code, via) in enumerate(calls):
        journal.record(
            operation=name,
            fields=tuple(fields),
            caller=who,
            variables={"index": index},
            status=200 if error_code is None else 403,
            error_code=error_code,
            duration_ms=float(index),
            timestamp=float(index),
            transport=via,
        )
    expected = [
        call
        for call in journal.calls()
        if (operation is None or call.operation == operation or operation in call.fields)
        and (caller is None or call.caller == caller)
        and (ok is None or call.ok == ok)
        and (transport is None or call.transport == transport)
    ]
    assert journal.calls(operation, caller=caller, ok=ok, transport=transport) == expected
    assert [call.variables["index"] for call in journal.calls()] == list(range(len(calls)))
    assert [(c.operation, list(c.fields), c.caller, c.error_code, c.transport) for c in journal.calls()] == [
        (name, fields, who, error_code, via) for name, fields, who, error_code, via in calls
    ]


def test_weight_counts_the_strings_of_keys_values_and_lists() -> None:
    small = weight({"a": "x"})
    assert weight({"a": "x" * 1001}) == small + 1000
    assert weight({"a" * 101: "x"}) == small + 100
    assert weight({"a": ["x" * 500, "y" * 500]}) > 1000
    assert weight(None) > 0


def test_clear_empties_the_journal_and_its_weight() -> None:
    journal = Journal(max_bytes=10_000)
    record(journal, {"body": "x" * 5_000})
    assert journal.bytes_held > 5_000
    journal.clear()
    assert journal.bytes_held == 0 and len(journal) == 0
    record(journal, {"body": "x" * 5_000})
    assert len(journal) == 1


def test_a_mock_sent_megabyte_variables_keeps_its_journal_under_the_budget() -> None:
    roq = Roq.create(seed=1, size=WorldSize(users=2, conversations=1, messages=1, files=0, tenants=1))
    query = "query Big($ids: [ID!]) { conversations(filter: {id: {valueIn: $ids}}) { totalCount } }"
    big = ["x" * (1024 * 1024)]
    sent = 40  # 40 MB of variables, more than the 32 MB budget
    for _ in range(sent):
        answer = roq.execute(query, {"ids": big})
        assert "errors" in answer or answer["data"]["conversations"]["totalCount"] == 0
    journal = roq.journal
    assert journal.bytes_held <= DEFAULT_MAX_BYTES
    assert 0 < len(journal) < sent
    assert journal.calls()[-1].sequence == sent
