"""What differs between the graphql-core lines roqmock supports (3.2 and 3.3), for the execution plans.

The plans (:mod:`roqmock.api.plan`, :mod:`roqmock.api.variables`) reproduce graphql-core's execution, and
graphql-core 3.3 changed the internals they call and some rules they follow. Each adapter below says which
line needs what; the plans call only these, so that they read the same on both lines. Library *bugs* are
worked around in :mod:`roqmock.api.compat`; this module is about the lines' different interfaces and rules.
``tests/api/test_fast_path.py`` proves the plans against the installed line's own ``execute_sync``; remove the
3.2 branches when 3.2 is no longer supported.

graphql-core's signatures differ between the lines, so its modules are used through ``Any`` handles here:
mypy checks this module against whichever line is installed, and the rest of roqmock against this one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLInputType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    ValueNode,
    VariableDefinitionNode,
    version_info,
)
from graphql.pyutils import Path, Undefined

__all__ = [
    "GRAPHQL_CORE_3_3",
    "NO_VARIABLES",
    "OUTPUT_COERCION",
    "RESOLVE_INFO_EXTRAS",
    "Info",
    "ResolveInfo",
    "collect_root_fields",
    "collect_subfields",
    "default_of",
    "finish_errors",
    "get_argument_values",
    "get_variable_values",
    "has_default",
    "input_coercion",
    "literal_value",
    "variable_values_for",
]

if TYPE_CHECKING:
    # The resolve info's type: 3.3's is generic in its context, 3.2's is not.
    Info: TypeAlias = GraphQLResolveInfo[Any]  # type: ignore[type-arg, unused-ignore]
else:
    Info = GraphQLResolveInfo

GRAPHQL_CORE_3_3 = (version_info.major, version_info.minor) >= (3, 3)

_collect: Any = importlib.import_module("graphql.execution.collect_fields")
_values: Any = importlib.import_module("graphql.execution.values")
_utilities: Any = importlib.import_module("graphql.utilities")

# Variable values as the installed line's internals take them: 3.2 a dict of coerced values, 3.3 a
# ``VariableValues(sources, coerced)``. The plans keep the coerced dict for themselves beside it.
LineVariables = Any
VariableValuesFor = Callable[[dict[str, Any], dict[str, Any]], LineVariables]

# graphql-core's ``get_argument_values(definition, node, variables)``; the third argument is line-specific.
get_argument_values: Callable[[Any, FieldNode, LineVariables], dict[str, Any]] = _values.get_argument_values

# The resolve info's constructor, and what 3.3 passes after ``is_awaitable``: no abort signal, and the
# async helpers (plans run synchronous resolvers only, so nothing is ever gathered or tracked).
ResolveInfo: Callable[..., Info] = GraphQLResolveInfo
RESOLVE_INFO_EXTRAS: tuple[Any, ...]

# Leaf output: 3.2 calls ``serialize``, 3.3 ``coerce_output_value`` (and names it in its error message).
OUTPUT_COERCION: str

if GRAPHQL_CORE_3_3:
    _executor: Any = importlib.import_module("graphql.execution.executor")
    _signatures: Any = importlib.import_module("graphql.execution.get_variable_signature")
    _definition: Any = importlib.import_module("graphql.type.definition")
    _coerce_input: Any = importlib.import_module("graphql.utilities.coerce_input_value")

    async def _gather(values: Sequence[Any]) -> list[Any]:
        raise NotImplementedError("compiled plans run synchronous resolvers only")

    def _track(values: Sequence[Any]) -> None:
        raise NotImplementedError("compiled plans run synchronous resolvers only")

    NO_VARIABLES: LineVariables = _values.VariableValues({}, {})
    RESOLVE_INFO_EXTRAS = (None, _definition.GraphQLResolveInfoHelpers(_gather, _track))
    OUTPUT_COERCION = "coerce_output_value"
else:
    NO_VARIABLES = {}
    RESOLVE_INFO_EXTRAS = ()
    OUTPUT_COERCION = "serialize"


def collect_root_fields(
    schema: GraphQLSchema,
    fragments: dict[str, FragmentDefinitionNode],
    variables: LineVariables,
    root_type: GraphQLObjectType,
    operation: OperationDefinitionNode,
) -> dict[str, list[FieldNode]]:
    """graphql-core's ``collect_fields`` for an operation's root: the field nodes by response key.

    3.3 takes the operation and fragment details and returns field details (with ``@defer`` usages and
    fragment variables, which roqmock's schema and parser do not admit); 3.2 takes the selection set.
    """
    if GRAPHQL_CORE_3_3:
        collected = _collect.collect_fields(
            schema, _fragment_details(fragments), variables, root_type, operation
        )
        return _nodes(collected.grouped_field_set)
    fields: dict[str, list[FieldNode]] = _collect.collect_fields(
        schema, fragments, variables, root_type, operation.selection_set
    )
    return fields


def collect_subfields(
    schema: GraphQLSchema,
    fragments: dict[str, FragmentDefinitionNode],
    variables: LineVariables,
    operation: OperationDefinitionNode,
    return_type: GraphQLObjectType,
    nodes: list[FieldNode],
) -> dict[str, list[FieldNode]]:
    """graphql-core's sub-field collection: 3.3's ``collect_subfields``, 3.2's ``collect_sub_fields``."""
    if GRAPHQL_CORE_3_3:
        details = [_collect.FieldDetails(node, None, None) for node in nodes]
        collected = _collect.collect_subfields(
            schema, _fragment_details(fragments), variables, operation, return_type, details
        )
        return _nodes(collected.grouped_field_set)
    fields: dict[str, list[FieldNode]] = _collect.collect_sub_fields(
        schema, fragments, variables, return_type, nodes
    )
    return fields


def _fragment_details(fragments: dict[str, FragmentDefinitionNode]) -> dict[str, Any]:
    return {name: _collect.FragmentDetails(definition, None) for name, definition in fragments.items()}


def _nodes(grouped: dict[str, list[Any]]) -> dict[str, list[FieldNode]]:
    return {key: [details.node for details in group] for key, group in grouped.items()}


def get_variable_values(
    schema: GraphQLSchema, definitions: Collection[VariableDefinitionNode], inputs: dict[str, Any]
) -> tuple[dict[str, Any], LineVariables] | list[GraphQLError]:
    """graphql-core's own variable coercion: (coerced values, the line's form of them), or its errors."""
    result = _values.get_variable_values(schema, definitions, inputs, max_errors=50)
    if isinstance(result, list):
        return result
    if GRAPHQL_CORE_3_3:
        return result.coerced, result
    return result, result


def variable_values_for(
    schema: GraphQLSchema, definitions: Collection[VariableDefinitionNode]
) -> VariableValuesFor:
    """How to give an operation's coerced variables to graphql-core, compiled once per operation.

    3.3 wants each defined variable's signature and raw input beside the coerced values (its
    ``VariableValues``); 3.2 takes the coerced dict itself.
    """
    if not GRAPHQL_CORE_3_3:
        return _coerced_only
    signatures = []
    for definition in definitions:
        signature = _signatures.get_variable_signature(schema, definition)
        if isinstance(signature, GraphQLError):
            return _never  # validation refuses such a document first
        signatures.append((signature.name, signature))
    source = _values.VariableValueSource
    variable_values = _values.VariableValues

    def variable_values_of(inputs: dict[str, Any], coerced: dict[str, Any]) -> LineVariables:
        sources = {name: source(signature, inputs.get(name, Undefined)) for name, signature in signatures}
        return variable_values(sources, coerced)

    return variable_values_of


def _coerced_only(inputs: dict[str, Any], coerced: dict[str, Any]) -> LineVariables:
    return coerced


def _never(inputs: dict[str, Any], coerced: dict[str, Any]) -> LineVariables:
    raise TypeError("variables that are not of an input type")


def input_coercion(leaf_type: Any) -> Callable[[Any], Any]:
    """The method graphql-core coerces a variable's scalar or enum value with (one argument).

    3.2 calls ``parse_value`` (Ariadne's enum patch, repaired in :mod:`roqmock.api.compat`); 3.3 calls
    ``coerce_input_value``, and for enums its own method, not Ariadne's patch.
    """
    method: Callable[[Any], Any] = leaf_type.coerce_input_value if GRAPHQL_CORE_3_3 else leaf_type.parse_value
    return method


def has_default(argument: Any) -> bool:
    """Whether an argument or input field has a default: 3.3 keeps an SDL default in ``default``."""
    if GRAPHQL_CORE_3_3 and argument.default is not None:
        return True
    return argument.default_value is not Undefined


def default_of(input_field: Any) -> Any:
    """The coerced default of an argument or input field, ``Undefined`` when it has none."""
    if GRAPHQL_CORE_3_3:
        return _coerce_input.coerce_default_value(input_field)
    return input_field.default_value


def literal_value(node: ValueNode, type_: GraphQLInputType) -> Any:
    """A constant literal's value (a variable's default): 3.3's ``coerce_input_literal``, 3.2's
    ``value_from_ast``; ``Undefined`` when it does not coerce."""
    if GRAPHQL_CORE_3_3:
        return _utilities.coerce_input_literal(node, type_)
    return _utilities.value_from_ast(node, type_)


def finish_errors(raised: list[tuple[GraphQLError, Path | None]]) -> list[GraphQLError]:
    """The field errors of a run, each with the position it nulled, as the line reports them.

    3.2's ``build_response`` sorts them by location, path and message. 3.3 keeps them in the order
    they happened, and drops one whose position, or an ancestor's, an earlier error already nulled.
    """
    if GRAPHQL_CORE_3_3:
        collected = _executor.CollectedErrors()
        for error, position in raised:
            collected.add(error, position)
        errors: list[GraphQLError] = collected.errors
        return errors
    return sorted(
        (error for error, _ in raised),
        key=lambda error: (error.locations or [], error.path or [], error.message),
    )
