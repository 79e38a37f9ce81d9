"""What every answer of roqmock must look like, whatever was asked: the checks of ``test_fuzz.py``.

Two shapes (``roqmock/api/errors.py``): on the graphs (``/v01/server/graphql``, ``/v01/graphql``) a GraphQL
envelope whose errors carry ROQ's ``extensions = {code, response: {statusCode, message, error, errorCode,
variables}}``; everywhere else NestJS's ``{statusCode, message, error, errorCode, variables}`` for an error.
On top of that a GraphQL ``data`` must conform to the schema and to the document that asked for it.
Each check returns a list of problems (empty: fine), so a failing test can say everything that is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    build_schema,
    parse,
)

from roqmock.sdl import load_sdl

GRAPH_PATHS = frozenset({"/v01/server/graphql", "/v01/graphql"})

# Every status roqmock answers on purpose (README, Errors; the limits: 413, 415, 431; sessions: 429).
EXPECTED_STATUSES = frozenset({200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 415, 429, 431})

# Timestamps are ISO-8601 strings with milliseconds, in UTC (README: "Where ROQ's sources are silent").
ISO_MILLIS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")

# The one INTERNAL_ERROR the README documents as deliberate: MessageModel.deletedAt is non-null in ROQ's
# schema, yet a live message has none. Any other 5xx-coded error is a bug.
DOCUMENTED_INTERNAL_ERROR = "MessageModel.deletedAt"

SCHEMA: GraphQLSchema = build_schema(load_sdl())


def graph_path(raw_path: str) -> bool:
    """Whether roqmock answers ``raw_path`` (as sent, percent-encoded or not) with a GraphQL envelope."""
    return (unquote(raw_path).rstrip("/") or "/") in GRAPH_PATHS


# ---------------------------------------------------------------- ROQ's error envelope


def roq_error_problems(error: Any, *, where: str, http_status: int | None = None) -> list[str]:
    """Problems with one GraphQL error: ``extensions.code`` and ``extensions.response`` as ROQ gives them.

    ``http_status``: the HTTP status, which an error refused before execution carries too.
    """
    if not isinstance(error, dict):
        return [f"{where} is not an object: {error!r}"]
    problems = []
    if not isinstance(error.get("message"), str):
        problems.append(f"{where}.message is not a string")
    extensions = error.get("extensions")
    if not isinstance(extensions, dict):
        return [*problems, f"{where} has no extensions object"]
    response = extensions.get("response")
    code = extensions.get("code")
    if not isinstance(code, str) or not code:
        problems.append(f"{where}.extensions.code is missing")
    if not isinstance(response, dict):
        return [*problems, f"{where}.extensions.response is missing"]
    problems += nest_error_problems(response, where=f"{where}.extensions.response")
    status = response.get("statusCode")
    if isinstance(status, int) and isinstance(code, str):
        phrase = _phrase(status)
        expected = response.get("errorCode") if status == 400 else phrase.upper().replace(" ", "_")
        if code != expected:
            problems.append(f"{where}.extensions.code is {code!r}; for a {status} ROQ says {expected!r}")
    if http_status is not None and http_status != 200 and status != http_status:
        problems.append(f"{where} says statusCode {status!r}, but the answer's status is {http_status}")
    if isinstance(status, int) and status >= 500:
        reason = str((response.get("variables") or {}).get("reason", ""))
        if DOCUMENTED_INTERNAL_ERROR not in reason:
            problems.append(f"{where} is a server error ({status} {response.get('errorCode')}): {reason!r}")
    return problems


def nest_error_problems(body: Any, *, where: str = "body", http_status: int | None = None) -> list[str]:
    """Problems with a NestJS-like error object ``{statusCode, message, error, errorCode, variables}``."""
    if not isinstance(body, dict):
        return [f"{where} is not an object: {_short(body)}"]
    problems = []
    status = body.get("statusCode")
    if not isinstance(status, int) or isinstance(status, bool):
        problems.append(f"{where}.statusCode is not an integer: {status!r}")
    elif http_status is not None and status != http_status:
        problems.append(f"{where}.statusCode is {status}, but the answer's status is {http_status}")
    for name in ("errorCode", "message", "error"):
        if not isinstance(body.get(name), str) or not body.get(name):
            problems.append(f"{where}.{name} is not a non-empty string: {body.get(name)!r}")
    if "variables" in body and not isinstance(body["variables"], dict):
        problems.append(f"{where}.variables is not an object")
    return problems


def graphql_envelope_problems(status: int, body: Any) -> list[str]:
    """Problems with a graph's answer: ``data`` on a 200, ROQ's envelope on every error."""
    if not isinstance(body, dict):
        return [f"a GraphQL answer is not a JSON object: {_short(body)}"]
    problems = []
    unknown = set(body) - {"data", "errors", "extensions"}
    if unknown:
        problems.append(f"a GraphQL answer has keys outside the spec: {sorted(unknown)}")
    errors = body.get("errors")
    if status == 200 and "data" not in body:
        problems.append("a 200 answer has no data")
    if status != 200 and not errors:
        problems.append(f"a {status} answer has no errors")
    if "errors" in body:
        if not isinstance(errors, list) or not errors:
            problems.append(f"errors is not a non-empty list: {_short(errors)}")
        else:
            for index, error in enumerate(errors):
                problems += roq_error_problems(error, where=f"errors[{index}]", http_status=status)
    if status == 200 and body.get("data") is not None and not isinstance(body.get("data"), dict):
        problems.append(f"data is neither null nor an object: {_short(body.get('data'))}")
    return problems


def answer_problems(method: str, raw_path: str, status: int, content_type: str, content: bytes) -> list[str]:
    """Problems with any answer of roqmock: its status, and its body in ROQ's shape for its path."""
    problems = []
    if status not in EXPECTED_STATUSES:
        problems.append(f"status {status} is not one roqmock answers on purpose")
    if status == 204:
        return problems
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type != "application/json":
        # Only pages are not JSON: the explorer on the graphs, the sandbox and its assets, all on GET.
        if not (200 <= status < 300 and method == "GET" and media_type.startswith("text/")):
            problems.append(f"a {status} answer to {method} is {content_type!r}, not JSON: {content[:200]!r}")
        return problems
    try:
        body = strict_json(content)
    except ValueError as error:
        return [*problems, f"the answer says JSON but is not ({error}): {content[:200]!r}"]
    if graph_path(raw_path):
        problems += graphql_envelope_problems(status, body)
    elif status >= 400:
        problems += nest_error_problems(body, http_status=status)
    return problems


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(content: bytes | str) -> Any:
    """JSON as a strict parser (JavaScript's JSON.parse, ROQ's SDK) reads it: no NaN, no Infinity."""
    return json.loads(content, parse_constant=_no_constant)


def refused(status: int, content: bytes, raw_path: str, request_body: bytes | None = None) -> bool:
    """Whether an answer refused the request outright: a 4xx, or a graph's 200 whose one operation failed.

    A graph's 200 with ``data: null`` counts only for a document with a single root field: of two
    mutations in one document the first may have written before the second failed, as at ROQ.
    """
    if 400 <= status < 500:
        return True
    if status != 200 or not graph_path(raw_path):
        return False
    try:
        body = json.loads(content)
    except ValueError:
        return False
    failed = isinstance(body, dict) and bool(body.get("errors")) and body.get("data") is None
    return failed and _single_root_field(request_body)


def _single_root_field(request_body: bytes | None) -> bool:
    try:
        request = json.loads(request_body or b"")
        document = parse(request["query"])
    except (ValueError, TypeError, KeyError, GraphQLError, RecursionError):
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return len(operations) == 1 and len(operations[0].selection_set.selections) == 1


# ---------------------------------------------------------------- data against the schema and document


def data_problems(query: str, data: Any, variables: Mapping[str, Any] | None = None) -> list[str]:
    """Problems with ``data`` as the answer to ``query``: every selected field there, and of its type.

    Null propagation means a non-null field is never null in any ``data`` (an error there nulls its nearest
    nullable parent, and every root field here is non-null, so ``data`` itself becomes null).
    """
    if data is None:
        return []
    try:
        document = parse(query)
    except GraphQLError as error:
        return [f"the server answered data to a document that does not parse: {error.message}"]
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        return []  # several operations: which one ran is the server's operationName business
    operation = operations[0]
    root = SCHEMA.get_root_type(operation.operation)
    if root is None:
        return [f"the server answered data to a {operation.operation.value}, which the schema lacks"]
    walker = _Walker(document, dict(variables or {}))
    return walker.object(root, operation.selection_set, data, "data")


class _Walker:
    def __init__(self, document: DocumentNode, variables: dict[str, Any]) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variables = variables
        self.problems: list[str] = []

    def _included(self, node: FieldNode | FragmentSpreadNode | InlineFragmentNode) -> bool | None:
        """True, False, or None when a directive's value is unknown."""
        for directive in node.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            value: Any = None
            for argument in directive.arguments or ():
                if argument.name.value == "if":
                    literal = argument.value
                    if isinstance(literal, BooleanValueNode):
                        value = literal.value
                    elif isinstance(literal, VariableNode):
                        value = self.variables.get(literal.name.value)
            if not isinstance(value, bool):
                return None
            if (name == "skip") == value:
                return False
        return True

    def _fields(
        self, parent: GraphQLObjectType, selection_set: SelectionSetNode, seen: frozenset[str]
    ) -> dict[str, tuple[list[FieldNode], bool]]:
        """Response key → (its field nodes, whether it must be present)."""
        keys: dict[str, tuple[list[FieldNode], bool]] = {}
        for selection in selection_set.selections:
            included = self._included(selection)
            if included is False:
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                nodes, required = keys.get(key, ([], False))
                keys[key] = ([*nodes, selection], required or included is True)
                continue
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                condition, inner, seen = fragment.type_condition, fragment.selection_set, seen | {name}
            else:
                condition, inner = selection.type_condition, selection.selection_set
            if condition is not None and condition.name.value != parent.name:
                continue  # no abstract types in ROQ's schema: another type's fragment never applies
            for key, (nodes, required) in self._fields(parent, inner, seen).items():
                old_nodes, old_required = keys.get(key, ([], False))
                keys[key] = ([*old_nodes, *nodes], old_required or (required and included is True))
        return keys

    def object(
        self, parent: GraphQLObjectType, selection_set: SelectionSetNode, value: Any, at: str
    ) -> list[str]:
        if not isinstance(value, dict):
            return [f"{at} should be a {parent.name} object, not {_short(value)}"]
        problems = []
        fields = self._fields(parent, selection_set, frozenset())
        for key in value.keys() - fields.keys():
            problems.append(f"{at}.{key} was not asked for")
        for key, (nodes, required) in fields.items():
            if key not in value:
                if required:
                    problems.append(f"{at}.{key} is missing")
                continue
            name = nodes[0].name.value
            if name == "__typename":
                if value[key] != parent.name:
                    problems.append(f"{at}.{key} is {value[key]!r}, not {parent.name!r}")
                continue
            definition = parent.fields.get(name)
            if definition is None:
                problems.append(f"{at}.{key}: {parent.name} has no field {name!r}")
                continue
            merged = SelectionSetNode(
                selections=tuple(
                    s for node in nodes if node.selection_set for s in node.selection_set.selections
                )
            )
            problems += self.value(definition.type, merged, value[key], f"{at}.{key}")
        return problems

    def value(
        self, type_: GraphQLOutputType, selection_set: SelectionSetNode, value: Any, at: str
    ) -> list[str]:
        if isinstance(type_, GraphQLNonNull):
            if value is None:
                return [f"{at} is null, but {type_} is non-null"]
            return self.value(type_.of_type, selection_set, value, at)
        if value is None:
            return []
        if isinstance(type_, GraphQLList):
            if not isinstance(value, list):
                return [f"{at} should be a list ({type_}), not {_short(value)}"]
            problems = []
            for index, item in enumerate(value):
                problems += self.value(type_.of_type, selection_set, item, f"{at}[{index}]")
            return problems
        if isinstance(type_, GraphQLObjectType):
            return self.object(type_, selection_set, value, at)
        if isinstance(type_, GraphQLEnumType):
            return [] if value in type_.values else [f"{at} is {value!r}, not a {type_.name} value"]
        if isinstance(type_, GraphQLScalarType):
            return [] if _scalar_ok(type_.name, value) else [f"{at} is {_short(value)}, not a {type_.name}"]
        return [f"{at}: unexpected output type {type_}"]


def _scalar_ok(name: str, value: Any) -> bool:
    if name == "Int":
        return isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31
    if name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name in ("String", "ID"):
        return isinstance(value, str)
    if name == "Boolean":
        return isinstance(value, bool)
    if name == "Date":
        return isinstance(value, str) and ISO_MILLIS.fullmatch(value) is not None
    if name == "JsonObject":
        return isinstance(value, dict)
    return True


# ---------------------------------------------------------------- helpers


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return str(status)


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def describe(method: str, url: str, headers: Mapping[str, str], content: bytes | None) -> str:
    """A request as a curl command line, to reproduce a failure by hand."""
    parts = ["curl", "-sS", "-X", _quote(method)]
    for name, value in headers.items():
        parts += ["-H", _quote(f"{name}: {value}")]
    if content:
        text = content.decode("utf-8", "backslashreplace")
        if len(text) > 3000:
            text = f"{text[:3000]}... ({len(content)} bytes in all)"
        parts += ["--data-binary", _quote(text)]
    parts.append(_quote(url))
    return " ".join(parts)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def first(items: Sequence[str], limit: int = 12) -> str:
    """The first problems, one a line."""
    shown = "\n  ".join(items[:limit])
    more = f"\n  ... and {len(items) - limit} more" if len(items) > limit else ""
    return f"  {shown}{more}"
