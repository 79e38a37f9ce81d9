"""A saved state of any shape loads or is refused with a StateError naming the record: never another
exception (state.py catches ValueError alone, so a wrong shape must be found, not tripped over)."""

from __future__ import annotations

import copy
from datetime import timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roqmock.baseline import Baseline
from roqmock.domain.roles import DEFAULT_USER_ROLE
from roqmock.mock import RoqMock
from roqmock.seed import WorldSize
from roqmock.state import StateError, load_world

STATE = RoqMock(
    baseline=Baseline(seed=3, size=WorldSize(users=3, conversations=2, messages=4, files=2, tenants=1))
).dump_state()
COLLECTIONS = sorted(name for name, value in STATE.items() if isinstance(value, list) and value)

# Dates near the ends of the calendar, in any offset: one that overflows once in UTC was a 500.
dates = st.builds(
    lambda moment, hours: moment.replace(tzinfo=timezone(timedelta(hours=hours))).isoformat(),
    st.datetimes(),
    st.integers(-23, 23),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30) | dates,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def damaged_states(draw: st.DrawFn) -> dict[str, Any]:
    state = copy.deepcopy(STATE)
    for _ in range(draw(st.integers(1, 3))):
        collection = draw(st.sampled_from(COLLECTIONS))
        records = state[collection]
        if not isinstance(records, list) or not records:
            continue
        index = draw(st.integers(0, len(records) - 1))
        record = records[index]
        if not isinstance(record, dict) or not record:
            continue
        how = draw(st.sampled_from(["field", "record", "drop", "extra"]))
        if how == "field":
            record[draw(st.sampled_from(sorted(record)))] = draw(json_values)
        elif how == "record":
            records[index] = draw(json_values)
        elif how == "drop":
            record.pop(draw(st.sampled_from(sorted(record))))
        else:
            state[collection] = draw(json_values)
    return state


@settings(max_examples=300)
@given(damaged_states())
def test_a_damaged_state_loads_or_is_refused_with_a_state_error(state: dict[str, Any]) -> None:
    try:
        load_world(state, default_roles={DEFAULT_USER_ROLE.key: DEFAULT_USER_ROLE})
    except StateError as error:
        assert str(error)


def test_the_undamaged_state_loads() -> None:
    world = load_world(STATE, default_roles={DEFAULT_USER_ROLE.key: DEFAULT_USER_ROLE})
    assert len(world.users) == len(STATE["users"])


def test_a_file_status_outside_roqs_enum_is_refused() -> None:
    """A status GraphQL cannot answer (FileStatusEnum) is refused at load, not a 500 on each later read."""
    state = copy.deepcopy(STATE)
    state["files"][0]["status"] = "00d9f4ad-53a2-42b6-b3f5-f28807f0cbd4"
    with pytest.raises(StateError, match="status"):
        load_world(state, default_roles={DEFAULT_USER_ROLE.key: DEFAULT_USER_ROLE})
