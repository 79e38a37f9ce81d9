"""Variable coercion compiled per operation: graphql-core's ``get_variable_values`` for well-formed input.

graphql-core walks each variable's type afresh on every request. :func:`compile_variables` walks it once
and returns a function that coerces a request's variables the same way, calling the same method of every
scalar and enum (``parse_value`` on graphql-core 3.2, ``coerce_input_value`` on 3.3). At the first sign of
input graphql-core would refuse (a missing required value, an unknown field, a scalar that does not parse)
it returns ``None``, and the caller asks graphql-core, whose errors are then exactly graphql-core's.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    VariableDefinitionNode,
    assert_input_type,
    is_input_type,
    is_leaf_type,
    type_from_ast,
)
from graphql.pyutils import Undefined, is_iterable

from roqmock.api.graphql_lines import default_of, input_coercion, literal_value

Coercer = Callable[[Any], Any]
VariablesCoercer = Callable[[dict[str, Any]], dict[str, Any] | None]


class _Refused(Exception):
    """graphql-core would report an error here: let it."""


def compile_variables(
    schema: GraphQLSchema, definitions: Collection[VariableDefinitionNode]
) -> VariablesCoercer | None:
    """A coercer for these variable definitions, or ``None`` when graphql-core must always do it."""
    plan: list[tuple[str, Coercer, bool, Any]] = []
    memo: dict[str, Coercer] = {}
    for definition in definitions:
        name = definition.variable.name.value
        type_ = type_from_ast(schema, definition.type)
        if type_ is None or not is_input_type(type_):
            return None
        input_type = assert_input_type(type_)
        default: Any = Undefined
        if definition.default_value is not None:
            default = literal_value(definition.default_value, input_type)
            if default is Undefined:
                return None
        plan.append((name, _coercer(input_type, memo), isinstance(input_type, GraphQLNonNull), default))

    def coerce(inputs: dict[str, Any]) -> dict[str, Any] | None:
        coerced: dict[str, Any] = {}
        try:
            for name, coerce_value, non_null, default in plan:
                if name not in inputs:
                    if default is not Undefined:
                        coerced[name] = default
                    elif non_null:
                        return None
                    continue
                value = inputs[name]
                if value is None and non_null:
                    return None
                coerced[name] = coerce_value(value)
        except _Refused:
            return None
        return coerced

    return coerce


def _coercer(type_: GraphQLInputType, memo: dict[str, Coercer]) -> Coercer:
    if isinstance(type_, GraphQLNonNull):
        inner = _coercer(type_.of_type, memo)

        def coerce_non_null(value: Any) -> Any:
            if value is None or value is Undefined:
                raise _Refused
            return inner(value)

        return coerce_non_null
    if isinstance(type_, GraphQLList):
        item = _coercer(type_.of_type, memo)

        def coerce_list(value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            if is_iterable(value):
                return [item(element) for element in value]
            return [item(value)]

        return coerce_list
    if isinstance(type_, GraphQLInputObjectType):
        known = memo.get(type_.name)
        return known if known is not None else _object_coercer(type_, memo)
    if is_leaf_type(type_):
        parse_value = input_coercion(type_)

        def coerce_leaf(value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            try:
                parsed = parse_value(value)
            except Exception:
                raise _Refused from None
            if parsed is Undefined:
                raise _Refused
            return parsed

        return coerce_leaf
    raise TypeError(f"not an input type: {type_}")


def _object_coercer(type_: GraphQLInputObjectType, memo: dict[str, Coercer]) -> Coercer:
    if getattr(type_, "is_one_of", False):

        def refuse(value: Any) -> Any:
            raise _Refused

        return refuse
    fields: list[tuple[str, str, Coercer, bool, Any]] = []
    known = frozenset(type_.fields)
    out_type = type_.out_type

    def coerce_object(value: Any) -> Any:
        if value is None or value is Undefined:
            return None
        if not isinstance(value, dict):
            raise _Refused
        coerced: dict[str, Any] = {}
        for name, out_name, coerce_field, non_null, default in fields:
            field_value = value.get(name, Undefined)
            if field_value is Undefined:
                if default is not Undefined:
                    coerced[out_name] = default
                elif non_null:
                    raise _Refused
                continue
            coerced[out_name] = coerce_field(field_value)
        if not known.issuperset(value):
            raise _Refused
        return out_type(coerced)

    # Registered before its fields are compiled, so that a type that refers to itself finds it.
    memo[type_.name] = coerce_object
    for name, field in type_.fields.items():
        non_null = isinstance(field.type, GraphQLNonNull)
        fields.append((name, field.out_name or name, _coercer(field.type, memo), non_null, default_of(field)))
    return coerce_object
