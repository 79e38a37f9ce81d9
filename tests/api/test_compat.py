"""roqmock answers alike on every supported line of its GraphQL libraries (``roqmock/api/compat.py``)."""

from __future__ import annotations

import inspect
from typing import Any

import graphql
import pytest
from graphql import GraphQLEnumType

from roqmock.api.engine import GraphQLEngine, build_schema
from roqmock.api.graphql_lines import GRAPHQL_CORE_3_3
from roqmock.baseline import Baseline
from roqmock.mock import RoqMock
from roqmock.seed import WorldSize

# Introspection sends the whole request to graphql-core, enum variables included (the example).
INTROSPECTION_BESIDE_ENUM = """
query($o: ConversationOrderArgType) {
  __schema { queryType { name } }
  conversations(order: $o) { totalCount data { title } }
}
"""


@pytest.fixture(scope="module", params=[True, False], ids=["plans", "graphql-core"])
def mock(request: pytest.FixtureRequest) -> RoqMock:
    engine = GraphQLEngine(compiled=request.param)
    return RoqMock(baseline=Baseline(seed=3, size=WorldSize()), engine=engine)


def titles(mock: RoqMock, order: str) -> list[str]:
    answer = mock.execute("{ conversations(order: {order: " + order + ", sort: title}) { data { title } } }")
    return [conversation["title"] for conversation in answer["data"]["conversations"]["data"]]


def test_enum_variables_coerced_by_graphql_core_answer(mock: RoqMock) -> None:
    for order in ("ASC", "DESC"):
        status, answer = mock.run(
            {"query": INTROSPECTION_BESIDE_ENUM, "variables": {"o": {"order": order, "sort": "title"}}}, None
        )
        assert status == 200, answer
        assert answer["data"]["__schema"] == {"queryType": {"name": "Query"}}
        page = answer["data"]["conversations"]
        assert [each["title"] for each in page["data"]] == titles(mock, order)
        assert page["totalCount"] == len(mock.store.world.conversations)


def test_a_bad_enum_value_is_graphql_cores_error_not_pythons(mock: RoqMock) -> None:
    status, answer = mock.run(
        {"query": INTROSPECTION_BESIDE_ENUM, "variables": {"o": {"order": "ASCENDING", "sort": "title"}}},
        None,
    )
    assert status == 400
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    message: str = error["message"]
    if GRAPHQL_CORE_3_3:  # graphql-js 17's wording, where 3.2 has graphql-js 16's
        assert message.startswith('Variable "$o" has invalid value at .order: Value "ASCENDING"')
    else:
        assert message.startswith('Variable "$o" got invalid value "ASCENDING" at "o.order"')
    assert '"OrderEnum"' in message
    assert "argument" not in message and "()" not in message  # no Python TypeError leaks through


def enum_types() -> list[GraphQLEnumType]:
    schema = build_schema()
    return [type_ for type_ in schema.type_map.values() if isinstance(type_, GraphQLEnumType)]


# graphql-core 3.2.14 and 3.3 pass ``hide_suggestions``; earlier 3.2 releases pass the value alone.
OPTIONS = (
    [(False,), (True,)]
    if "hide_suggestions" in inspect.signature(GraphQLEnumType.parse_value).parameters
    else [()]
)


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_every_enum_takes_graphql_cores_arguments(options: tuple[bool, ...]) -> None:
    types = enum_types()
    assert any(not type_.name.startswith("__") for type_ in types), "the schema has enums of its own"
    for type_ in types:
        for name, value in type_.values.items():
            assert type_.parse_value(name, *options) == value.value
        with pytest.raises(graphql.GraphQLError) as refused:
            type_.parse_value("NOT_A_VALUE", *options)
        assert type_.name in refused.value.message and "argument" not in refused.value.message


def test_every_enum_still_takes_one_argument() -> None:
    for type_ in enum_types():
        name, value = next(iter(type_.values.items()))
        parsed: Any = type_.parse_value(name)
        assert parsed == value.value
