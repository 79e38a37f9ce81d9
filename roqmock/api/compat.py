"""Where roqmock works around its GraphQL libraries, so that every supported line answers alike.

One place, each work-around with the versions it is for and the test that keeps it honest
(``tests/api/test_compat.py``); remove one when no supported version needs it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLEnumType, GraphQLSchema

__all__ = ["repair_enum_parse_value"]


def repair_enum_parse_value(schema: GraphQLSchema) -> None:
    """Let every enum's ``parse_value`` take graphql-core's ``hide_suggestions`` argument again.

    Ariadne (0.26 to 1.1.1 at least) replaces each enum type's ``parse_value`` with a function of one
    argument, to let already converted Python values through. graphql-core 3.2.14 and 3.3 call an enum's
    ``parse_value(value, hide_suggestions)``, so every enum variable that graphql-core coerces itself failed
    with a Python ``TypeError`` in a 400. The wrapper keeps Ariadne's pass-through and hands graphql-core's
    argument on to graphql-core's own method.
    """
    for type_ in schema.type_map.values():
        if isinstance(type_, GraphQLEnumType) and "parse_value" in vars(type_):
            type_.parse_value = _with_options(type_, vars(type_)["parse_value"])  # type: ignore[method-assign]


def _with_options(type_: GraphQLEnumType, patched: Callable[[Any], Any]) -> Callable[..., Any]:
    def parse_value(value: Any, *options: Any) -> Any:
        if options and options[0]:
            # Suggestions hidden: only graphql-core's own method words its error that way.
            return GraphQLEnumType.parse_value(type_, value, *options)
        return patched(value)

    parse_value.roqmock_repaired = True  # type: ignore[attr-defined]  # applied once, whatever calls it
    return parse_value
