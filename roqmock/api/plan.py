"""Compiled execution plans: graphql-core's execution, specialised once per cached document.

graphql-core re-collects fields, rebuilds resolve infos and paths and dispatches on types for every field
of every object. A plan does that work once per (document, operation, values of the variables that
``@skip``/``@include`` read): field collection is graphql-core's own ``collect_fields``, run at compile
time, and each field becomes a :class:`Step` that knows how to resolve and complete itself. Running a plan
follows graphql-core's rules to the letter (error locations and paths, null propagation, serial mutations,
error order) and calls the same resolvers and serializers, so its answers are graphql-core's answers;
``tests/api/test_fast_path.py`` checks that claim with Hypothesis. Where graphql-core's lines (3.2, 3.3)
differ, plans follow the installed one through :mod:`roqmock.api.graphql_lines`.

What a plan does not cover (introspection, an ambiguous operation, variables that do not coerce, a null
directive argument) returns ``None`` before anything runs, and the engine hands the request to graphql-core.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    is_leaf_type,
    located_error,
    visit,
)
from graphql.language import Visitor
from graphql.pyutils import Path, Undefined, inspect, is_awaitable, is_iterable

from roqmock.api.graphql_lines import (
    NO_VARIABLES,
    OUTPUT_COERCION,
    RESOLVE_INFO_EXTRAS,
    Info,
    LineVariables,
    ResolveInfo,
    VariableValuesFor,
    collect_root_fields,
    collect_subfields,
    finish_errors,
    get_argument_values,
    get_variable_values,
    has_default,
    variable_values_for,
)
from roqmock.api.variables import VariablesCoercer, compile_variables

Completer = Callable[["_Run", Any, Path], Any]

MAX_VARIANTS = 64  # plans kept per document: one per combination of @skip/@include values
_DATE_CACHE_SIZE = 200_000


class Unsupported(Exception):
    """The document uses something plans do not cover: graphql-core runs it."""


@dataclass(slots=True)  # made on every request: a frozen one costs four times as much
class PlanResult:
    """A plan's answer: its data, and the errors of the fields it nulled."""

    data: dict[str, Any] | None
    errors: list[GraphQLError]


@dataclass(slots=True, eq=False)
class Step:
    """One response key of one selection set: how to resolve the field and complete its value."""

    key: str
    name: str
    nodes: list[FieldNode]
    parent: GraphQLObjectType
    definition: GraphQLField | None  # None for __typename
    resolver: Callable[..., Any] | None  # None: read the record's attribute
    attribute: str
    arguments: dict[str, Any] | None  # None: coerce per call (the arguments use variables)
    non_null: bool
    complete: Completer = field(repr=False)
    # A leaf read straight off the record whose serializer is the identity for this Python type.
    identity: type | None = None
    memo: dict[Any, Any] | None = None  # a leaf serializer's results by value (Date)
    # Arguments that are each a bare variable: (argument, variable, argument is Non-Null).
    passed: tuple[tuple[str, str, bool], ...] | None = None
    memo_type: type | None = None


@dataclass(slots=True)
class ObjectPlan:
    """The steps that answer one selection set on one object type."""

    type_name: str
    steps: list[Step]


@dataclass(slots=True)
class Plan:
    """One operation of a document, compiled into steps for given directive values."""

    operation: OperationDefinitionNode
    root: ObjectPlan
    serial: bool
    fragments: dict[str, FragmentDefinitionNode]

    def run(self, schema: GraphQLSchema, variables: Variables, context: Any) -> PlanResult:
        state = _Run(schema, self, variables, context)
        try:
            data: dict[str, Any] | None = state.object(self.root, None, None)
        except GraphQLError as error:
            state.errors.append((error, None))
            data = None
        return PlanResult(data, finish_errors(state.errors) if state.errors else [])


@dataclass(slots=True)  # made on every request: a frozen one costs four times as much
class Variables:
    """A request's coerced variables: as a dict for the plan, and in the form graphql-core's line takes."""

    coerced: dict[str, Any]
    line: LineVariables


@dataclass(frozen=True, slots=True)
class _Operation:
    """What running one operation of a document needs, whatever the variables: learnt on its first call."""

    definition: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    directive_variables: tuple[str, ...]  # the ones it defines: its plans are specialised to their values
    coercer: VariablesCoercer | None
    line_form: VariableValuesFor


@dataclass(slots=True)
class DocumentPlans:
    """The plans of one document, by operation and directive values; compiled on first use."""

    document: DocumentNode
    directive_variables: tuple[str, ...]
    variants: dict[tuple[Any, ...], Plan | None] = field(default_factory=dict)
    operations: dict[str | None, _Operation | None] = field(default_factory=dict)

    @classmethod
    def of(cls, document: DocumentNode) -> DocumentPlans:
        return cls(document, _directive_variables(document))

    def execute(
        self,
        schema: GraphQLSchema,
        operation_name: str | None,
        raw_variables: dict[str, Any] | None,
        context: Any,
        memos: dict[str, dict[Any, Any]],
    ) -> PlanResult | None:
        """The answer, or ``None`` when graphql-core must run the request (nothing has run then)."""
        if operation_name in self.operations:
            operation = self.operations[operation_name]
        else:
            operation = self._operation(schema, operation_name)
        if operation is None:
            return None
        variables = self._coerce(schema, operation, raw_variables or {})
        if variables is None:
            return None
        values: tuple[Any, ...] = ()
        if operation.directive_variables:
            coerced = variables.coerced
            values = tuple(coerced.get(name, Undefined) for name in operation.directive_variables)
            if any(not isinstance(value, bool) for value in values):
                return None
        key = (operation_name, values)
        if key in self.variants:
            plan = self.variants[key]
        else:
            definition, fragments = operation.definition, operation.fragments
            try:
                plan = _Compiler(schema, definition, fragments, variables.line, memos).plan()
            except Unsupported:
                plan = None
            if len(self.variants) < MAX_VARIANTS:
                self.variants[key] = plan
        if plan is None:
            return None
        return plan.run(schema, variables, context)

    def _operation(self, schema: GraphQLSchema, operation_name: str | None) -> _Operation | None:
        definition, fragments = _pick_operation(self.document, operation_name)
        operation = None
        if definition is not None:
            definitions = definition.variable_definitions or ()
            # An operation defines every variable it uses (validation saw to it): only its own count.
            # graphql-core 3.3's parser leaves an absent list None, 3.2's an empty tuple.
            defined = {variable.variable.name.value for variable in definitions}
            operation = _Operation(
                definition,
                fragments,
                tuple(name for name in self.directive_variables if name in defined),
                compile_variables(schema, definitions),
                variable_values_for(schema, definitions),
            )
        if len(self.operations) < MAX_VARIANTS:
            self.operations[operation_name] = operation
        return operation

    @staticmethod
    def _coerce(
        schema: GraphQLSchema, operation: _Operation, raw_variables: dict[str, Any]
    ) -> Variables | None:
        """The coerced variables; ``None`` when they do not coerce (graphql-core then reports why)."""
        coercer = operation.coercer
        coerced = coercer(raw_variables) if coercer is not None else None
        if coerced is not None:
            return Variables(coerced, operation.line_form(raw_variables, coerced))
        definitions = operation.definition.variable_definitions or ()
        variables = get_variable_values(schema, definitions, raw_variables)
        return None if isinstance(variables, list) else Variables(*variables)


# ---------------------------------------------------------------- running


class _Run:
    __slots__ = ("context", "errors", "plan", "schema", "variables")

    def __init__(self, schema: GraphQLSchema, plan: Plan, variables: Variables, context: Any) -> None:
        self.schema = schema
        self.plan = plan
        self.variables = variables
        self.context = context
        # Each field error with the position it nulled (graphql_lines.finish_errors reports them).
        self.errors: list[tuple[GraphQLError, Path | None]] = []

    def object(self, plan: ObjectPlan, source: Any, path: Path | None) -> dict[str, Any]:
        result: dict[str, Any] = {}
        is_mapping = _is_mapping(type(source))
        for step in plan.steps:
            identity = step.identity
            if identity is not None:
                value = source.get(step.name) if is_mapping else getattr(source, step.attribute, None)
                kind = type(value)
                if kind is identity:
                    result[step.key] = value
                    continue
                memo = step.memo
                if memo is not None and kind is step.memo_type:
                    serialized = memo.get(value)
                    if serialized is not None:
                        result[step.key] = serialized
                        continue
            result[step.key] = self.field(step, source, path)
        return result

    def field(self, step: Step, source: Any, parent_path: Path | None) -> Any:
        path = Path(parent_path, step.key, step.parent.name)
        try:
            if step.definition is None:
                value: Any = step.parent.name
            elif step.resolver is None:
                is_mapping = isinstance(source, Mapping)
                value = source.get(step.name) if is_mapping else getattr(source, step.attribute, None)
            else:
                arguments = step.arguments
                if arguments is None:
                    arguments = self._arguments(step)
                value = step.resolver(source, self._info(step, path), **arguments)
            return step.complete(self, value, path)
        except Exception as raw_error:
            error = located_error(raw_error, step.nodes, path.as_list())
            if step.non_null:
                raise error from None
            self.errors.append((error, path))
            return None

    def _arguments(self, step: Step) -> dict[str, Any]:
        variables = self.variables.coerced
        if step.passed is not None:
            # Each argument a bare variable that was given: graphql-core would pass its value as is.
            arguments = {}
            for argument, variable, non_null in step.passed:
                value = variables.get(variable, Undefined)
                if value is Undefined or (value is None and non_null):
                    break
                arguments[argument] = value
            else:
                return arguments
        assert step.definition is not None
        return get_argument_values(step.definition, step.nodes[0], self.variables.line)

    def _info(self, step: Step, path: Path) -> Info:
        assert step.definition is not None
        return ResolveInfo(
            step.name,
            step.nodes,
            step.definition.type,
            step.parent,
            path,
            self.schema,
            self.plan.fragments,
            None,
            self.plan.operation,
            self.variables.line,
            self.context,
            is_awaitable,
            *RESOLVE_INFO_EXTRAS,
        )


# ---------------------------------------------------------------- compiling


class _Compiler:
    def __init__(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: dict[str, FragmentDefinitionNode],
        variables: LineVariables,
        memos: dict[str, dict[Any, Any]],
    ) -> None:
        self.schema = schema
        self.operation = operation
        self.fragments = fragments
        self.variables = variables
        self.memos = memos

    def plan(self) -> Plan:
        operation = self.operation
        if operation.operation is OperationType.SUBSCRIPTION:
            raise Unsupported("subscriptions")
        root_type = self.schema.get_root_type(operation.operation)
        if root_type is None:
            raise Unsupported("no root type")
        fields = collect_root_fields(self.schema, self.fragments, self.variables, root_type, operation)
        return Plan(
            operation,
            self._object(root_type, fields),
            serial=operation.operation is OperationType.MUTATION,
            fragments=self.fragments,
        )

    def _object(self, type_: GraphQLObjectType, fields: dict[str, list[FieldNode]]) -> ObjectPlan:
        return ObjectPlan(type_.name, [self._step(type_, key, nodes) for key, nodes in fields.items()])

    def _step(self, parent: GraphQLObjectType, key: str, nodes: list[FieldNode]) -> Step:
        name = nodes[0].name.value
        if name == "__typename":
            typename = self._leaf(self.schema.type_map["String"], True, "")
            return Step(
                key=key,
                name=name,
                nodes=nodes,
                parent=parent,
                definition=None,
                resolver=None,
                attribute="",
                arguments={},
                non_null=True,
                complete=typename,
            )
        if name.startswith("__"):
            raise Unsupported("introspection")
        definition = parent.fields[name]
        resolver = definition.resolve
        if resolver is None:
            raise Unsupported(f"{parent.name}.{name} has no resolver")
        attribute: str | None = getattr(resolver, "roqmock_attribute", None)
        return_type = definition.type
        step = Step(
            key=key,
            name=name,
            nodes=nodes,
            parent=parent,
            definition=definition,
            resolver=None if attribute is not None else resolver,
            attribute=attribute or name,
            arguments=self._static_arguments(definition, nodes[0]),
            non_null=isinstance(return_type, GraphQLNonNull),
            complete=self._completer(return_type, nodes, parent, name),
        )
        if step.arguments is None:
            step.passed = _passed_variables(definition, nodes[0])
        leaf = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        if attribute is not None and step.arguments is not None and is_leaf_type(leaf):
            # The record's attribute is read in the object loop, and when its serializer would return
            # it unchanged (or has returned for it before) the general path is skipped.
            leaf_name = getattr(leaf, "name", "")
            step.identity = _IDENTITY_TYPES.get(leaf_name, _Never)
            if leaf_name == "Date":
                step.memo, step.memo_type = self.memos.setdefault("Date", {}), datetime
        return step

    def _static_arguments(self, definition: GraphQLField, node: FieldNode) -> dict[str, Any] | None:
        if not definition.args:
            return {}
        uses_variables = False

        class FindVariables(Visitor):
            def enter_variable(self, *_: Any) -> None:
                nonlocal uses_variables
                uses_variables = True

        for argument in node.arguments or ():
            visit(argument, FindVariables())
        if uses_variables:
            return None
        try:
            return get_argument_values(definition, node, NO_VARIABLES)
        except Exception:
            return None  # let the call raise it, located at the field, as graphql-core does

    def _completer(
        self, type_: GraphQLOutputType, nodes: list[FieldNode], parent: GraphQLObjectType, name: str
    ) -> Completer:
        """graphql-core's complete_value for one type, with Non-Null folded into the inner completer."""
        non_null = isinstance(type_, GraphQLNonNull)
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        null_message = f"Cannot return null for non-nullable field {parent.name}.{name}."
        if isinstance(inner, GraphQLList):
            return self._list(inner, nodes, parent, name, non_null, null_message)
        if is_leaf_type(inner):
            return self._leaf(inner, non_null, null_message)
        if isinstance(inner, GraphQLObjectType):
            sub_fields = collect_subfields(
                self.schema, self.fragments, self.variables, self.operation, inner, nodes
            )
            sub_plan = self._object(inner, sub_fields)

            def complete_object(run: _Run, value: Any, path: Path) -> Any:
                if value is None or value is Undefined:
                    if non_null:
                        raise TypeError(null_message)
                    return None
                if isinstance(value, Exception):
                    raise value
                return run.object(sub_plan, value, path)

            return complete_object
        raise Unsupported(f"abstract type {inner}")

    def _list(
        self,
        type_: GraphQLList[Any],
        nodes: list[FieldNode],
        parent: GraphQLObjectType,
        name: str,
        non_null: bool,
        null_message: str,
    ) -> Completer:
        item_type = type_.of_type
        item = self._completer(item_type, nodes, parent, name)
        item_non_null = isinstance(item_type, GraphQLNonNull)
        not_iterable = f"Expected Iterable, but did not find one for field '{parent.name}.{name}'."

        def complete_list(run: _Run, value: Any, path: Path) -> Any:
            if value is None or value is Undefined:
                if non_null:
                    raise TypeError(null_message)
                return None
            if isinstance(value, Exception):
                raise value
            if not is_iterable(value):
                raise GraphQLError(not_iterable)
            completed: list[Any] = []
            append = completed.append
            for index, element in enumerate(value):
                element_path = Path(path, index, None)
                try:
                    append(item(run, element, element_path))
                except Exception as raw_error:
                    error = located_error(raw_error, nodes, element_path.as_list())
                    if item_non_null:
                        raise error from None
                    run.errors.append((error, element_path))
                    append(None)
            return completed

        return complete_list

    def _leaf(self, type_: Any, non_null: bool = True, null_message: str = "") -> Completer:
        serialize = getattr(type_, OUTPUT_COERCION)
        memo = self.memos.setdefault(type_.name, {}) if type_.name == "Date" else None

        def complete_leaf(run: _Run, value: Any, path: Path) -> Any:
            if value is None or value is Undefined:
                if non_null:
                    raise TypeError(null_message)
                return None
            if isinstance(value, Exception):
                raise value
            serialized = serialize(value)
            if serialized is Undefined or serialized is None:
                raise TypeError(
                    f"Expected `{inspect(type_)}.{OUTPUT_COERCION}({inspect(value)})`"
                    f" to return non-nullable value, returned: {inspect(serialized)}"
                )
            if memo is not None and type(value) is datetime:
                if len(memo) >= _DATE_CACHE_SIZE:
                    memo.clear()
                memo[value] = serialized
            return integral_floats(serialized)

        return complete_leaf


def _passed_variables(definition: GraphQLField, node: FieldNode) -> tuple[tuple[str, str, bool], ...] | None:
    """When every argument given is a bare ``$variable`` and the others have no default: which ones."""
    given = {argument.name.value: argument.value for argument in node.arguments or ()}
    passed = []
    for name, argument in definition.args.items():
        value = given.get(name)
        if value is None:
            if has_default(argument) or isinstance(argument.type, GraphQLNonNull):
                return None
            continue
        if not isinstance(value, VariableNode):
            return None
        passed.append(
            (argument.out_name or name, value.name.value, isinstance(argument.type, GraphQLNonNull))
        )
    return tuple(passed)


def _is_mapping(kind: type) -> bool:
    known = _MAPPING_TYPES.get(kind)
    if known is None:
        known = _MAPPING_TYPES[kind] = issubclass(kind, Mapping)
    return known


_MAPPING_TYPES: dict[type, bool] = {}


class _Never:
    """A type no value has: the leaf always takes the general path."""


# Leaf types whose serializer returns a value of this Python type unchanged (Date: an ISO string as is).
_IDENTITY_TYPES: Mapping[str, type] = {"String": str, "ID": str, "Boolean": bool, "Date": str}


def integral_floats(value: Any) -> Any:
    """Render a whole Float as JavaScript does (``3``, not ``3.0``): ROQ's totalCount is a Float."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {key: integral_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [integral_floats(item) for item in value]
    return value


def _pick_operation(
    document: DocumentNode, operation_name: str | None
) -> tuple[OperationDefinitionNode | None, dict[str, FragmentDefinitionNode]]:
    """The operation graphql-core would run (``None`` when it would refuse), and the fragments."""
    operation: OperationDefinitionNode | None = None
    fragments: dict[str, FragmentDefinitionNode] = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            if operation_name is None:
                if operation is not None:
                    return None, fragments
                operation = definition
            elif definition.name and definition.name.value == operation_name:
                operation = definition
        elif isinstance(definition, FragmentDefinitionNode):
            fragments[definition.name.value] = definition
    return operation, fragments


def _directive_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables any directive reads: a plan is specialised to their values."""
    names: dict[str, None] = {}

    class FindDirectiveVariables(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            for argument in node.arguments or ():
                if isinstance(argument.value, VariableNode):
                    names[argument.value.name.value] = None

    visit(document, FindDirectiveVariables())
    return tuple(names)
