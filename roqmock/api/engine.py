"""The executable schema and one entry point that runs a GraphQL request end to end.

``GraphQLEngine.run`` takes a request body and a context and returns ``(http_status, json_body)``:
parse and validation errors are 400s, and anything raised while executing is rendered by
:mod:`roqmock.api.errors`. Parsed and validated documents are cached by their text.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ariadne import make_executable_schema
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationRule,
    execute_sync,
    parse,
    specified_rules,
    validate,
)

from roqmock.api.compat import repair_enum_parse_value
from roqmock.api.cost import DEFAULT_MAX_COST, DEFAULT_MAX_DEPTH, document_cost
from roqmock.api.errors import format_graphql_error, request_error
from roqmock.api.graphql_lines import Info
from roqmock.api.plan import DocumentPlans, integral_floats
from roqmock.api.resolvers import BINDABLES, RequestContext
from roqmock.domain.errors import BadRequest, Forbidden
from roqmock.domain.models import attribute_name
from roqmock.sdl import load_sdl

# The mutations ROQ's UI sends to the client graph with a user's token: its file components' calls.
CLIENT_GRAPH_MUTATIONS = frozenset(
    {"createFileUpload", "updateFileStatus", "deleteFiles", "updateFile", "makeFilePublic", "makeFilePrivate"}
)
MAX_TOKENS = 10_000  # graphql-core stops parsing past this: the SDK's documents are a few hundred tokens


def build_schema() -> GraphQLSchema:
    schema = make_executable_schema(load_sdl(), *BINDABLES)
    repair_enum_parse_value(schema)
    _bind_snake_case_attributes(schema)
    return schema


def _bind_snake_case_attributes(schema: GraphQLSchema) -> None:
    """Fields without a resolver read the record's attribute of the same name in snake case."""
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, definition in type_.fields.items():
            if definition.resolve is None:
                definition.resolve = _attribute_resolver(attribute_name(name))


def _attribute_resolver(attribute: str) -> Any:
    def resolve(source: Any, info: Info) -> Any:
        if isinstance(source, Mapping):
            return source.get(info.field_name)
        return getattr(source, attribute, None)

    resolve.roqmock_attribute = attribute  # type: ignore[attr-defined]  # plans read the attribute directly
    return resolve


def depth_limit_rule(max_depth: int) -> type[ValidationRule]:
    """ROQ's framework limits query depth: ``data`` levels and introspection do not count."""

    class DepthLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            fragments = {
                definition.name.value: definition
                for definition in self.context.document.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }
            depth = _depth(node.selection_set, fragments, set())
            if depth > max_depth:
                name = node.name.value if node.name else "anonymous"
                self.report_error(
                    GraphQLError(
                        f"Operation '{name}' has depth {depth}, over the maximum of {max_depth}", node
                    )
                )

    return DepthLimit


def _depth(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    visiting: set[str],
) -> int:
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue
            counted = 0 if selection.name.value == "data" else 1
            deepest = max(deepest, counted + _depth(selection.selection_set, fragments, visiting))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments, visiting))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in visiting:
                inner = _depth(fragments[name].selection_set, fragments, visiting | {name})
                deepest = max(deepest, inner)
    return deepest


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    """A query text parsed and validated once: its document, or the 400 body that refuses it."""

    document: DocumentNode | None
    errors: dict[str, Any] | None  # a ready 400 body when the text does not parse or validate
    plans: DocumentPlans | None = None
    # By operation name: the operation a request picks (as _operation does) and its root fields.
    operations: dict[str | None, tuple[OperationDefinitionNode | None, tuple[str, ...]]] = field(
        default_factory=dict
    )

    def operation(self, name: str | None) -> tuple[OperationDefinitionNode | None, tuple[str, ...]]:
        known = self.operations.get(name)
        if known is None:
            assert self.document is not None
            operation = _operation(self.document, name)
            known = (operation, _root_fields(operation))
            if len(self.operations) < 64:
                self.operations[name] = known
        return known


class GraphQLEngine:
    """Runs requests; with ``compiled`` (the default) through plans, else through graphql-core alone."""

    def __init__(
        self,
        *,
        max_depth: int = DEFAULT_MAX_DEPTH,
        max_cost: int = DEFAULT_MAX_COST,
        cache_size: int = 512,
        compiled: bool = True,
    ) -> None:
        self.schema = build_schema()
        self.max_depth = max_depth
        self.max_cost = max_cost
        self.compiled = compiled
        # How many requests each path answered: plans, or graphql-core when a plan does not cover one.
        self.plan_stats: Counter[str] = Counter()
        self._memos: dict[str, dict[Any, Any]] = {}
        self._rules = (*specified_rules, depth_limit_rule(max_depth))
        self._cache: OrderedDict[str, PreparedDocument] = OrderedDict()
        self._cache_size = cache_size

    def prepare(self, query: str) -> PreparedDocument:
        prepared = self._cache.get(query)
        if prepared is not None:
            self._cache.move_to_end(query)
            return prepared
        try:
            document = parse(query, max_tokens=MAX_TOKENS)
        except GraphQLError as error:
            prepared = PreparedDocument(None, request_error([error], 400, "GRAPHQL_PARSE_FAILED"))
        except RecursionError:
            nested = GraphQLError("Syntax Error: the document is nested too deeply.")
            prepared = PreparedDocument(None, request_error([nested], 400, "GRAPHQL_PARSE_FAILED"))
        else:
            name, cost = document_cost(document)
            if cost > self.max_cost:
                # Priced before validation, which alone can take seconds on an alias or fragment bomb.
                over = GraphQLError(
                    f"Operation '{name}' selects {cost} fields, over the maximum of {self.max_cost}"
                )
                errors = [over]
            else:
                errors = validate(self.schema, document, self._rules)
            if errors:
                prepared = PreparedDocument(document, request_error(errors, 400, "GRAPHQL_VALIDATION_FAILED"))
            else:
                prepared = PreparedDocument(document, None, DocumentPlans.of(document))
        self._cache[query] = prepared
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return prepared

    def root_fields(self, body: Any) -> tuple[str, ...]:
        """The root fields a request body selects; none when it does not parse."""
        return self.selection(body)[0]

    def selection(self, body: Any) -> tuple[tuple[str, ...], bool]:
        """The root fields a request body selects (none when it does not parse), and whether it is a query
        that parses and validates (it would write nothing)."""
        if not isinstance(body, Mapping) or not isinstance(body.get("query"), str):
            return (), False
        prepared = self.prepare(body["query"])
        if prepared.document is None:
            return (), False
        operation_name = body.get("operationName")
        operation, fields = prepared.operation(operation_name if isinstance(operation_name, str) else None)
        return fields, prepared.errors is None and _is_query(operation)

    def run(
        self, body: Any, context: RequestContext, *, mutations: frozenset[str] | None = None
    ) -> EngineResult:
        """Run one request; with ``mutations``, only queries and those mutations run (the client graph)."""
        query, variables, operation_name = _read_body(body)
        prepared = self.prepare(query)
        if prepared.errors is not None or prepared.document is None:
            return EngineResult(400, prepared.errors or {}, (), variables or {})
        operation, fields = prepared.operation(operation_name)
        if mutations is not None and (
            operation is None
            or operation.operation is OperationType.SUBSCRIPTION
            or (operation.operation is OperationType.MUTATION and not (fields and set(fields) <= mutations))
        ):
            raise Forbidden(
                "Only queries and the file mutations (" + ", ".join(sorted(mutations)) + ") may be sent "
                "to the client graph",
                operationName=operation_name,
            )
        if self.compiled and prepared.plans is not None:
            planned = prepared.plans.execute(self.schema, operation_name, variables, context, self._memos)
            if planned is not None:
                self.plan_stats["compiled"] += 1
                answer_: dict[str, Any] = {}
                if planned.errors:
                    answer_["errors"] = [format_graphql_error(error) for error in planned.errors]
                answer_["data"] = planned.data
                return EngineResult(200, answer_, fields, variables or {}, _is_query(operation))
        self.plan_stats["fallback"] += 1
        result = execute_sync(
            self.schema,
            prepared.document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
        )
        if result.data is None and result.errors and all(error.path is None for error in result.errors):
            # Variables that do not coerce, or an operation that cannot be chosen: nothing ran.
            # ROQ answers a bad variable like any other failed validation.
            body_ = request_error(list(result.errors), 400, "GRAPHQL_VALIDATION_FAILED")
            return EngineResult(400, body_, fields, variables or {})
        answer: dict[str, Any] = {}
        if result.errors:
            answer["errors"] = [format_graphql_error(error) for error in result.errors]
        answer["data"] = integral_floats(result.data)
        return EngineResult(200, answer, fields, variables or {}, _is_query(operation))


@dataclass(slots=True)  # made on every request: a frozen one costs four times as much
class EngineResult:
    """One request's answer, with what the journal records of it."""

    status: int
    body: dict[str, Any]
    fields: tuple[str, ...]  # the root fields the operation selected
    variables: dict[str, Any]
    query: bool = False  # a query ran (it wrote nothing)


def _is_query(operation: OperationDefinitionNode | None) -> bool:
    return operation is not None and operation.operation is OperationType.QUERY


def _read_body(body: Any) -> tuple[str, dict[str, Any] | None, str | None]:
    if not isinstance(body, Mapping):
        raise BadRequest("The request body must be a JSON object with a query", error_code="BAD_REQUEST")
    query, variables, operation_name = body.get("query"), body.get("variables"), body.get("operationName")
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("The request body has no query", error_code="BAD_REQUEST")
    if variables is not None and not isinstance(variables, Mapping):
        raise BadRequest("variables must be a JSON object", error_code="BAD_REQUEST")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("operationName must be a string", error_code="BAD_REQUEST")
    return query, dict(variables) if variables is not None else None, operation_name


def _operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for operation in operations:
        if operation_name is None or (operation.name is not None and operation.name.value == operation_name):
            return operation
    return None


def _root_fields(operation: OperationDefinitionNode | None) -> tuple[str, ...]:
    if operation is None:
        return ()
    return tuple(
        selection.name.value
        for selection in operation.selection_set.selections
        if isinstance(selection, FieldNode) and not selection.name.value.startswith("__")
    )
