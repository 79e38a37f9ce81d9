"""Hypothesis strategies that write GraphQL requests against roqmock's schema, valid ones and broken ones.

Small pieces composed, in the manner of hypothesis-graphql but written here: a :class:`Pool` of values read
off a world (ids that exist, ids that will exist, words, timestamps), and :func:`requests`, which walks the
GraphQL schema to write whole request bodies: one or more operations, random sub-selections down to the
depth limit, aliases (the same field under two aliases with different arguments, the same response key
twice), ``__typename``, named and inline fragments, ``@include``/``@skip`` with literals and variables,
arguments as literals or variables (nested inside input objects too), and, when ``wild``, documents that do
not parse or validate and variables that do not coerce.

Every draw shrinks towards the plain case: the first option of every choice is the ordinary one.
"""

from __future__ import annotations

import itertools
import json
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    get_named_type,
    is_object_type,
    parse,
    type_from_ast,
)
from graphql.pyutils import Undefined
from hypothesis import strategies as st

from roqmock import documents
from roqmock.domain.specs import role_id
from roqmock.seed import BOT_REFERENCE, TAGS

# ---------------------------------------------------------------- what a world offers

OPERATORS = frozenset(
    {
        "equalTo",
        "notEqualTo",
        "like",
        "iLike",
        "valueIn",
        "valueNotIn",
        "lessThan",
        "lessThanEqual",
        "moreThan",
        "moreThanEqual",
    }
)

# Which records an id-valued argument or input field names (an "id" takes the root field's entity).
ID_KINDS = {
    "ownerId": "user",
    "authorId": "user",
    "memberId": "user",
    "memberIds": "user",
    "userId": "user",
    "createdByUserId": "user",
    "conversationId": "conversation",
    "conversationUserId": "member",
    "messageId": "message",
    "fileId": "file",
    "tenantId": "tenant",
    "roleId": "role",
    "messageStatusId": "any",
    "entityReferences": "message",
}
ROOT_KINDS = {
    "conversations": "conversation",
    "messages": "message",
    "messageFileUrl": "message",
    "users": "user",
    "user": "user",
    "files": "file",
    "file": "file",
    "deleteConversation": "conversation",
}
SDK_DOCUMENTS = {
    name: getattr(documents, constant)
    for name, constant in (
        ("conversations", "CONVERSATIONS"),
        ("messages", "MESSAGES"),
        ("messageFileUrl", "MESSAGE_FILE_URL"),
        ("users", "USERS"),
        ("user", "USER"),
        ("files", "FILES"),
        ("file", "FILE"),
        ("createConversation", "CREATE_CONVERSATION"),
        ("deleteConversation", "DELETE_CONVERSATION"),
        ("assignTagsToConversation", "ASSIGN_TAGS"),
        ("unassignTagsFromConversation", "UNASSIGN_TAGS"),
        ("createMessage", "CREATE_MESSAGE"),
        ("createUser", "CREATE_USER"),
        ("assignRolesToUser", "ASSIGN_ROLES"),
        ("unassignRolesFromUser", "UNASSIGN_ROLES"),
    )
}
MESSAGE_SORTS = ("createdAt", "updatedAt", "body", "id", "conversationId", "authorId", "fileId")
RARE_FIELDS = frozenset({("MessageModel", "deletedAt")})  # non-null yet always null: kills the answer


@dataclass(frozen=True)
class Pool:
    """Values read off one world: what generated arguments draw from."""

    ids: Mapping[str, tuple[str, ...]]  # kind -> ids that exist ("any": every id of the world)
    next_ids: tuple[str, ...]  # the ids the world's next creations will get
    people: tuple[str, ...]  # user ids, the bot apart
    bot: str | None
    loner: str | None  # the person in the fewest conversations
    conversations_of: Mapping[str, tuple[str, ...]]
    message_files: tuple[tuple[str, str], ...]  # (message id, file id) of attachments
    words: Mapping[str, tuple[str, ...]]  # field name -> the values the world holds
    moments: tuple[str, ...]
    role_keys: tuple[str, ...]

    @classmethod
    def from_state(cls, state: Mapping[str, Any], *, next_ids: Sequence[str]) -> Pool:
        def rows(name: str) -> list[Mapping[str, Any]]:
            return list(state.get(name) or ())

        users = rows("users")
        bot = next((u["id"] for u in users if u["reference"] == BOT_REFERENCE), None)
        people = tuple(u["id"] for u in users if u["id"] != bot)
        members = rows("conversationUsers")
        conversations_of: dict[str, list[str]] = {user: [] for user in people}
        for member in members:
            conversations_of.setdefault(member["userId"], []).append(member["conversationId"])
        loner = min(people, key=lambda user: (len(conversations_of.get(user, ())), user), default=None)
        role_keys = tuple(role["key"] for role in rows("roles"))
        ids = {
            "user": people + ((bot,) if bot else ()),
            "conversation": tuple(c["id"] for c in rows("conversations")),
            "message": tuple(m["id"] for m in rows("messages")),
            "file": tuple(f["id"] for f in rows("files")),
            "tenant": tuple(t["id"] for t in rows("tenants")),
            "member": tuple(m["id"] for m in members),
            "role": tuple(role_id(key) for key in role_keys),
        }
        ids["any"] = tuple(itertools.chain.from_iterable(ids.values()))
        words: dict[str, set[str]] = {}

        def note(name: str, value: Any) -> None:
            if isinstance(value, str) and value:
                words.setdefault(name, set()).add(value)

        for user in users:
            for name in ("email", "firstName", "lastName", "locale", "phone", "reference", "timezone"):
                note(name, user.get(name))
            note("search", user.get("firstName"))
        for conversation in rows("conversations"):
            note("title", conversation["title"])
            note("value", conversation["title"][:4])
        for message in rows("messages"):
            note("body", message["body"])
            note("value", message["body"][2:7])
        for file in rows("files"):
            note("name", file["name"])
            note("contentType", file["contentType"])
            note("value", file["name"][:3])
        for category in rows("fileCategories"):
            note("fileCategory", category["key"])
        for tag in rows("conversationTags"):
            note("tag", tag["tag"])
        moments = sorted(
            {row["createdAt"] for name in ("users", "files", "conversations") for row in rows(name)}
            | {u["optedInAt"] for u in users if u.get("optedInAt")}
        )
        return cls(
            ids={kind: tuple(values) for kind, values in ids.items()},
            next_ids=tuple(next_ids),
            people=people,
            bot=bot,
            loner=loner,
            conversations_of={user: tuple(values) for user, values in conversations_of.items()},
            message_files=tuple((m["id"], m["fileId"]) for m in rows("messages") if m.get("fileId")),
            words={name: tuple(sorted(values)) for name, values in words.items()},
            moments=tuple(moments),
            role_keys=role_keys,
        )


# ---------------------------------------------------------------- the request


@dataclass(frozen=True)
class EnumValue:
    """An enum value: bare in a literal, a string in variables."""

    name: str


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Request:
    query: str
    variables: Any  # for the first run
    variables_again: Any  # for a second run of the same document (its cached plan)
    operation_name: Any
    has_mutation: bool
    shape: int = 0  # how the body is written: 0 all keys, 1 no variables key, 2 explicit nulls

    def body(self, *, again: bool = False) -> dict[str, Any]:
        variables = self.variables_again if again else self.variables
        body: dict[str, Any] = {"query": self.query}
        if self.shape == 0:
            body["variables"] = variables
            if self.operation_name is not None:
                body["operationName"] = self.operation_name
        elif self.shape == 1:
            if variables:
                body["variables"] = variables
            if self.operation_name is not None:
                body["operationName"] = self.operation_name
        else:
            body["variables"] = variables or None
            body["operationName"] = self.operation_name
        return body


def literal(value: Any) -> str:
    """``value`` written as a GraphQL literal."""
    if isinstance(value, Var):
        return f"${value.name}"
    if isinstance(value, EnumValue):
        return value.name
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {literal(item)}" for key, item in value.items()) + "}"
    raise TypeError(value)


def as_json(value: Any) -> Any:
    """``value`` as a variable's JSON value."""
    if isinstance(value, EnumValue):
        return value.name
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    return value


_BAD_UUIDS = st.one_of(
    st.uuids().map(lambda value: str(value)[:-1]),
    st.uuids().map(lambda value: str(value).replace("-", "")),
    st.uuids().map(lambda value: "{" + str(value) + "}"),
    st.sampled_from(["", "not-a-uuid", "00000000-0000-0000-0000-00000000000g", " "]),
)
_TEXT = st.text(
    alphabet=st.sampled_from(string.ascii_letters + string.digits + " -_%\\\"'\n\t" + "éß漢😀\u2028"),
    max_size=10,
)


@dataclass
class _Operation:
    kind: str  # "query" or "mutation"
    variable_definitions: list[str] = field(default_factory=list)
    unaliased: set[str] = field(default_factory=set)  # fields with arguments used without an alias
    fragments: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # type -> [(name, depth)]


class _Writer:
    """Writes one request from many small draws; ``wild`` lets it break the rules now and then."""

    def __init__(
        self,
        draw: Any,
        schema: GraphQLSchema,
        pool: Pool,
        caller: str | None,
        *,
        wild: bool,
        lenient: bool,
        max_depth: int,
        introspection: bool,
    ) -> None:
        self.draw = draw
        self.schema = schema
        self.pool = pool
        self.caller = caller
        self.wild = wild
        self.lenient = lenient  # values that fail at run time (bad uuids, negative pages)
        self.max_depth = max_depth
        self.introspection = introspection
        self.counter = itertools.count(1)
        self.fragments: list[str] = []
        self.variables: list[dict[str, Any]] = [{}, {}]  # per run

    # -- choices that shrink towards the ordinary case

    def pick(self, *weights: int) -> int:
        roll = self.draw(st.integers(0, sum(weights) - 1))
        for index, weight in enumerate(weights):
            if roll < weight:
                return index
            roll -= weight
        raise AssertionError

    def chance(self, percent: int) -> bool:
        return percent > 0 and self.draw(st.integers(0, 99)) >= 100 - percent

    def fault(self, percent: int) -> bool:
        return self.wild and self.chance(percent)

    def one(self, values: Sequence[Any]) -> Any:
        return self.draw(st.sampled_from(list(values)))

    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter)}"

    # -- the document

    def sdk_request(self, kinds: Sequence[str]) -> Request:
        """One of the documents ROQ's SDK sends (the same text every time: its plan is reused), with
        variables written for its variable definitions."""
        names = [name for name, text in SDK_DOCUMENTS.items() if text.lstrip().split(None, 1)[0] in kinds]
        name = self.one(names)
        operation = parse(SDK_DOCUMENTS[name]).definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        root = operation.selection_set.selections[0]
        assert isinstance(root, FieldNode)
        for variables in self.variables:
            for definition in operation.variable_definitions:
                type_ = type_from_ast(self.schema, definition.type)
                assert type_ is not None
                key = definition.variable.name.value
                if not isinstance(type_, GraphQLNonNull) and not self.chance(55):
                    continue
                if key.startswith("with") and not self.lenient:
                    variables[key] = self.draw(st.booleans())  # read by @include: null fails at run time
                    continue
                variables[key] = as_json(self.value(type_, (root.name.value, key)))
        return Request(
            query=SDK_DOCUMENTS[name],
            variables=dict(self.variables[0]),
            variables_again=dict(self.variables[1]),
            operation_name=name if self.chance(50) else None,
            has_mutation=operation.operation is OperationType.MUTATION,
            shape=self.pick(70, 20, 10),
        )

    def request(self, kinds: Sequence[str]) -> Request:
        count = 1 + self.pick(80, 15, 5)
        names = [self.fresh("Op") for _ in range(count)]
        if self.fault(5) and count > 1:
            names[1] = names[0]  # two operations of one name
        anonymous = count == 1 and self.chance(50)
        if self.fault(4) and count > 1:
            anonymous = True  # an anonymous operation among others
        operations = []
        kinds_used = []
        for index, name in enumerate(names):
            kind = self.one(kinds)
            kinds_used.append(kind)
            operations.append(self.operation(kind, None if anonymous and index == 0 else name))
        if self.fault(3):
            self.fragments.append("fragment Unused on UserModel { id }")
        definitions = operations + self.fragments
        if self.fragments and self.chance(30):
            definitions = self.fragments + operations
        query = "\n".join(definitions)
        if self.wild and self.chance(8):
            query = self.damage(query)
        operation_name: Any = None
        if count == 1:
            choice = self.pick(65, 30, 3, 2) if not anonymous else self.pick(95, 0, 3, 2)
            if choice == 1:
                operation_name = names[0]
            elif choice >= 2 and self.wild:
                operation_name = "Nope" if choice == 2 else ""
        else:
            choice = self.pick(85, 10, 5)
            operation_name = self.one(names)
            if choice and self.wild:
                operation_name = None if choice == 1 else "Nope"
        if self.fault(2):
            operation_name = self.one([7, ["Op1"], True])  # not a string: a 400 before anything
        for variables in self.variables:
            if self.chance(8):
                variables["extraVariable"] = self.one([1, "x", None, {"a": [1]}])  # defined by no operation
        variables_out: list[Any] = [dict(v) for v in self.variables]
        if self.fault(2):
            variables_out[0] = self.one([[1, 2], "x", 3])  # not an object
        chosen = [
            kind
            for kind, name in zip(kinds_used, names, strict=True)
            if operation_name is None or operation_name == name
        ]
        return Request(
            query=query,
            variables=variables_out[0],
            variables_again=variables_out[1],
            operation_name=operation_name,
            has_mutation="mutation" in (chosen or kinds_used),
            shape=self.pick(70, 20, 10),
        )

    def damage(self, query: str) -> str:
        """Text that does not parse (or, by luck, still does)."""
        how = self.pick(40, 40, 20)
        at = self.draw(st.integers(0, max(0, len(query) - 1)))
        if how == 0:
            return query[:at]
        if how == 1:
            return (
                query[:at]
                + self.one(["{", "}", "(", ")", "$", ":", "@", "!", '"', "...", "query"])
                + query[at:]
            )
        return self.one(["", "   ", "{", "query", "mutation { }", "{ conversations }", "# only a comment"])

    def operation(self, kind: str, name: str | None) -> str:
        operation = _Operation(kind)
        root = self.schema.mutation_type if kind == "mutation" else self.schema.query_type
        assert root is not None
        selection = self.selection_set(operation, root, 0, root_level=True)
        directives = " @include(if: true)" if self.fault(2) else ""
        definitions = operation.variable_definitions
        if self.fault(3):
            definitions = [*definitions, "$unusedVariable: Int"]
        if self.fault(2):
            selection = selection[:-1] + " undefinedVariable: user(id: $undefinedVariable) { id } }"
        if name is None and not definitions and kind == "query" and not directives and self.chance(60):
            return selection  # the shorthand
        head = kind + (f" {name}" if name else "")
        if definitions:
            head += "(" + ", ".join(definitions) + ")"
        return f"{head}{directives} {selection}"

    # -- selections

    def selection_set(
        self, operation: _Operation, parent: GraphQLObjectType, depth: int, *, root_level: bool = False
    ) -> str:
        """A selection set on ``parent``, whose owner sits ``depth`` counted fields deep."""
        items: list[str] = []
        repeatable: list[tuple[str, GraphQLObjectType | None, int]] = []
        count = 1 + (self.pick(35, 35, 20, 10) if not root_level else self.pick(55, 30, 15))
        for _ in range(count):
            kind = self.pick(76, 8, 8, 8)
            if kind == 0:
                head, inner_type, inner_depth, directives = self.field(operation, parent, depth)
                body = (
                    " " + self.selection_set(operation, inner_type, inner_depth)
                    if inner_type is not None
                    else ""
                )
                items.append(head + directives + body)
                repeatable.append((head, inner_type, inner_depth))
            elif kind == 1:
                items.append(self.inline_fragment(operation, parent, depth))
            elif kind == 2:
                items.append(self.fragment_spread(operation, parent, depth))
            else:
                alias = f"{self.fresh('t')}: " if self.chance(30) else ""
                items.append(f"{alias}__typename{self.directives(operation)}")
        if root_level and parent.name == "Query" and self.introspection and self.chance(4):
            # Introspection: graphql-core answers it (plans do not), in the same answer as the rest.
            items.append(
                self.one(
                    [
                        "__schema { queryType { name } mutationType { name } }",
                        '__type(name: "ConversationModel") { name kind fields { name } }',
                        'a0: __type(name: "Nope") { name }',
                    ]
                )
            )
        if repeatable and self.chance(15):
            # The same response key twice: the two selections merge.
            head, inner_type, inner_depth = self.one(repeatable)
            body = (
                " " + self.selection_set(operation, inner_type, inner_depth) if inner_type is not None else ""
            )
            items.append(head + self.directives(operation) + body)
        if self.fault(3):
            items.append(self.one(["nope", "id { id }", "__typename { x }", "data"]))
        if len(items) > 1 and self.chance(20):
            items = self.draw(st.permutations(items))
        separator = self.one([" ", ", ", "\n  "]) if self.chance(20) else " "
        return "{ " + separator.join(items) + " }"

    def field(
        self, operation: _Operation, parent: GraphQLObjectType, depth: int
    ) -> tuple[str, GraphQLObjectType | None, int, str]:
        """``(alias: name(arguments), the type to select on or None, its depth, directives)``."""
        candidates = []
        for name, definition in parent.fields.items():
            named = get_named_type(definition.type)
            counted = 0 if name == "data" else 1
            if is_object_type(named) and depth + counted + 1 > self.max_depth:
                continue
            if (parent.name, name) in RARE_FIELDS and not self.chance(4):
                continue
            candidates.append(name)
        name = self.one(candidates)
        definition = parent.fields[name]
        arguments = self.arguments(operation, name, definition) if definition.args else ""
        alias = ""
        if definition.args:
            if name in operation.unaliased or self.chance(50):
                alias = self.fresh("a")
            else:
                operation.unaliased.add(name)
        elif self.chance(15):
            alias = self.fresh("a")
        if self.fault(2):
            alias = self.one(list(parent.fields))  # an alias that is another field's name
        head = (f"{alias}: " if alias else "") + name + arguments
        named = get_named_type(definition.type)
        directives = self.directives(operation)
        if isinstance(named, GraphQLObjectType):
            return head, named, depth + (0 if name == "data" else 1), directives
        return head, None, depth, directives

    def inline_fragment(self, operation: _Operation, parent: GraphQLObjectType, depth: int) -> str:
        condition = self.pick(50, 50)
        type_condition = f" on {parent.name}" if condition == 0 else ""
        if self.fault(5):
            type_condition = " on " + self.one(["UserModel", "TenantModel", "Nope", "Date"])
        return (
            f"...{type_condition}{self.directives(operation)} {self.selection_set(operation, parent, depth)}"
        )

    def fragment_spread(self, operation: _Operation, parent: GraphQLObjectType, depth: int) -> str:
        known = [name for name, at in operation.fragments.get(parent.name, []) if at >= depth]
        if known and self.chance(30):
            name = self.one(known)
        elif self.fault(4):
            name = self.one(["Missing", "Self"])
            if name == "Self":
                self.fragments.append(f"fragment Self on {parent.name} {{ id ...Self }}")
        else:
            name = self.fresh("F")
            type_name = parent.name
            if self.fault(4):
                type_name = self.one(["ConversationModel", "FileModel", "Query"])
            body = self.selection_set(operation, parent, depth)
            self.fragments.append(f"fragment {name} on {type_name} {body}")
            operation.fragments.setdefault(parent.name, []).append((name, depth))
        return f"...{name}{self.directives(operation)}"

    def directives(self, operation: _Operation) -> str:
        if not self.chance(15):
            return ""
        names = [self.one(["include", "skip"])]
        if self.chance(10):
            names = ["include", "skip"]
        if self.fault(3):
            names.append(self.one(["include", "nope", "deprecated"]))  # repeated, unknown, misplaced
        return "".join(f" @{name}(if: {self.condition(operation)})" for name in names)

    def condition(self, operation: _Operation) -> str:
        """A directive's ``if``: a literal, or a Boolean variable given, defaulted, omitted or null."""
        shape = self.pick(40, 30, 20, 10)
        if shape == 0:
            return self.one(["true", "false"])
        if self.fault(4):
            return self.one(['"true"', "1", "null", "$missingVariable"])
        name = self.fresh("b")
        if shape == 1:  # Boolean!: given; when wild, missing or null too
            operation.variable_definitions.append(f"${name}: Boolean!")
            for variables in self.variables:
                how = self.pick(90, 5, 5) if self.wild else 0
                if how == 0:
                    variables[name] = self.draw(st.booleans())
                elif how == 2:
                    variables[name] = None
        elif shape == 2:  # Boolean = default: given, omitted, or null (which fails at run time)
            default = self.one(["true", "false"])
            operation.variable_definitions.append(f"${name}: Boolean = {default}")
            for variables in self.variables:
                how = self.pick(50, 40, 10 if self.lenient else 0)  # null: a run-time error
                if how == 0:
                    variables[name] = self.draw(st.booleans())
                elif how == 2:
                    variables[name] = None
        else:  # a nullable Boolean without a default: refused in a Boolean! position (when wild)
            type_text = "Boolean" if self.wild else "Boolean!"
            operation.variable_definitions.append(f"${name}: {type_text}")
            for variables in self.variables:
                variables[name] = self.one([True, False, "yes"] if self.wild else [True, False])
        return f"${name}"

    # -- arguments

    def arguments(self, operation: _Operation, field_name: str, definition: GraphQLField) -> str:
        parts = []
        pair = (
            self.one(self.pool.message_files)
            if field_name == "messageFileUrl" and (self.pool.message_files and self.chance(50))
            else None
        )
        for name, argument in definition.args.items():
            required = isinstance(argument.type, GraphQLNonNull)
            if required and self.fault(4):
                continue  # a missing required argument
            if not required and not self.chance(45):
                continue
            path = (field_name, name)
            if pair is not None:
                value: Any = pair[0] if name == "id" else pair[1]
            else:
                value = self.value(argument.type, path)
            parts.append(f"{name}: {literal(self.place(operation, argument.type, value, path))}")
        if self.fault(3):
            parts.append(self.one(["bogus: 1", "limit: 1, limit: 2"]))
        if len(parts) > 1 and self.chance(30):
            parts = self.draw(st.permutations(parts))
        return "(" + ", ".join(parts) + ")" if parts else ""

    def place(self, operation: _Operation, type_: GraphQLInputType, value: Any, path: tuple[str, ...]) -> Any:
        """``value`` at a position of ``type_``: as it is, or through a variable, here or deeper in."""
        if self.chance(25):
            return self.variable(operation, type_, value, path)
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(inner, GraphQLInputObjectType) and isinstance(value, dict):
            return {
                key: self.place(operation, inner.fields[key].type, item, (*path, key))
                if key in inner.fields
                else item
                for key, item in value.items()
            }
        if isinstance(inner, GraphQLList) and isinstance(value, list):
            return [self.place(operation, inner.of_type, item, path) for item in value]
        return value

    def variable(
        self, operation: _Operation, type_: GraphQLInputType, value: Any, path: tuple[str, ...]
    ) -> Var:
        name = self.fresh("v")
        type_text = str(type_)
        nullable = not isinstance(type_, GraphQLNonNull)
        default = None
        shape = self.pick(80, 12, 5, 3)
        if shape == 1 and nullable:
            default = literal(self.value(type_, path))
        elif shape == 2 and not nullable:
            # A nullable variable with a default may stand where a non-null value is expected.
            fallback = self.value(type_.of_type, path)
            if fallback is not None or self.wild:
                type_text, default = str(type_.of_type), literal(fallback)
        elif shape == 3 and self.wild:
            type_text = self.one(["String", "Int", "ID!", "[String]", "Boolean", "Nope"])
        operation.variable_definitions.append(f"${name}: {type_text}" + (f" = {default}" if default else ""))
        may_omit = not type_text.endswith("!") or default is not None
        for run, variables in enumerate(self.variables):
            how = self.pick(85, 10, 5)
            if how == 1 and (may_omit or self.wild):
                continue  # omitted: the default, or absent
            if how == 2 and (not type_text.endswith("!") or self.wild):
                variables[name] = None
                continue
            given = as_json(value if run == 0 else self.value(type_, path))
            if type(given) is int and self.chance(10):
                given = float(given)  # 2.0 where an Int goes: JSON has no integers, graphql-core takes it
            elif get_named_type(type_).name == "ID" and isinstance(given, str) and self.chance(4):
                given = self.one([7, 12345678])  # an ID may come as an integer: it becomes a string
            variables[name] = self.wrong(given) if self.fault(6) else given
        return Var(name)

    def wrong(self, value: Any) -> Any:
        """A variable's value of the wrong shape: refused while coercing variables."""
        if isinstance(value, dict):
            return {**value, "bogus": 1} if self.chance(50) else [value]
        return self.one([True, 1.5, "x", {"a": 1}, [[1]], 2**40])

    def value(self, type_: GraphQLInputType, path: tuple[str, ...]) -> Any:
        if isinstance(type_, GraphQLNonNull):
            return None if self.fault(3) else self.present_value(type_.of_type, path)
        return None if self.chance(6) else self.present_value(type_, path)

    def present_value(self, type_: GraphQLInputType, path: tuple[str, ...]) -> Any:
        if isinstance(type_, GraphQLList):
            if self.chance(8):
                return self.value(type_.of_type, path)  # one value where a list goes: coerced to a list
            return [self.value(type_.of_type, path) for _ in range(self.pick(20, 35, 30, 15))]
        if isinstance(type_, GraphQLInputObjectType):
            return self.input_object(type_, path)
        if isinstance(type_, GraphQLEnumType):
            return self.enum(type_)
        assert isinstance(type_, GraphQLScalarType)
        return self.scalar(type_.name, path)

    def input_object(self, type_: GraphQLInputObjectType, path: tuple[str, ...]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        optional = [
            name
            for name, spec in type_.fields.items()
            if not (isinstance(spec.type, GraphQLNonNull) and spec.default_value is Undefined)
        ]
        percent = max(8, min(50, 120 // max(1, len(optional))))
        for name, spec in type_.fields.items():
            if name in optional:
                if not self.chance(percent):
                    continue
            elif self.fault(4):
                continue  # a required field left out
            result[name] = self.value(spec.type, (*path, name))
        if self.fault(4):
            result["bogus"] = 1
        return result

    def enum(self, type_: GraphQLEnumType) -> Any:
        names = list(type_.values)
        if self.fault(5):
            return self.one(["nope", names[0].upper() if names[0] != names[0].upper() else names[0].lower()])
        if self.fault(3):
            return names[0]  # a string where an enum value goes: fine in variables, refused in a literal
        return EnumValue(self.one(names))

    def scalar(self, name: str, path: tuple[str, ...]) -> Any:
        if self.fault(4):
            return self.one([True, 1.5, "x", 2**40, {"a": 1}])
        field_name = next((part for part in reversed(path) if part not in OPERATORS), path[-1])
        operator = path[-1] if path[-1] in OPERATORS else None
        if name == "ID":
            return self.uuid(self.id_kind(path))
        if name == "Int":
            return self.integer()
        if name == "Boolean":
            return self.draw(st.booleans())
        if name == "Date":
            return self.date()
        if name == "JsonObject":
            return self.one(
                [{"plan": "pro"}, {"a": [1, True, None], "b": {"c": "d"}}, {}, {"n": 2.0, "m": [1.5, 3.0]}]
            )
        if name == "Float":
            return self.one([0.5, 3])
        if field_name in ID_KINDS:
            return self.uuid(ID_KINDS[field_name])  # ids typed String in the create DTOs
        return self.string(field_name, operator, path)

    def integer(self) -> Any:
        choice = self.pick(70, 10, 10, 10)
        if choice == 0:
            return self.one([0, 1, 2, 3, 5])
        if choice == 1:
            return self.one([1000, 1001, 2**31 - 1])
        if choice == 2 and self.lenient:
            return self.one([-1, -5])
        return 1

    def date(self) -> Any:
        choice = self.pick(55, 15, 10, 10, 10)
        moment = self.one(self.pool.moments) if self.pool.moments else "2024-03-01T09:00:00.000Z"
        if choice == 0:
            return moment
        if choice == 1:
            return moment[:10]
        if choice == 2:
            return moment.replace("Z", "+02:00")
        if choice == 3:
            return self.one(["2024-03-01T09:00:00", "2030-01-01T00:00:00.000Z", "1999-12-31"])
        return self.one(["yesterday", "2024-13-01", "2024-03-01T25:00:00Z"]) if self.lenient else moment

    def id_kind(self, path: tuple[str, ...]) -> str:
        for part in reversed(path):
            if part in OPERATORS:
                continue
            if part in ID_KINDS:
                return ID_KINDS[part]
            if part == "id":
                return ROOT_KINDS.get(path[0], "any")
            break
        return "any"

    def uuid(self, kind: str) -> str:
        pool = self.pool
        existing = pool.ids.get(kind) or pool.ids["any"]
        mine: tuple[str, ...] = ()
        if self.caller is not None:
            if kind == "user":
                mine = (self.caller,)
            elif kind == "conversation":
                mine = pool.conversations_of.get(self.caller, ())
        choice = self.pick(35, 35, 5, 7, 8, 5, 5)
        if choice == 0 and mine:
            return str(self.one(mine))
        if choice <= 1 and existing:
            return str(self.one(existing))
        if choice == 2 and existing:
            return str(self.one(existing)).upper()
        if choice == 3 and pool.next_ids:
            return str(self.one(pool.next_ids))
        if choice == 5 and self.lenient:
            return str(self.draw(_BAD_UUIDS))
        if choice == 6 and pool.ids["any"]:
            return str(self.one(pool.ids["any"]))
        return str(self.draw(st.uuids()))

    def string(self, field_name: str, operator: str | None, path: tuple[str, ...]) -> str:
        vocabulary = self.pool.words.get(field_name, ())
        root = path[0]
        if field_name == "key":  # a search key, a plain string for conversations and messages
            right = "title" if root == "conversations" else "body"
            return right if self.chance(85) or not self.lenient else self.one(["title", "body", "nope"])
        if root == "messages" and field_name == "order":
            return self.one(["ASC", "DESC"]) if self.chance(85) or not self.lenient else "asc"
        if root == "messages" and field_name == "sort":
            return self.one(MESSAGE_SORTS) if self.chance(85) or not self.lenient else "deletedAt"
        if field_name in ("roleKeys", "roles", "roleKey"):
            return self.one([*self.pool.role_keys, "nope"]) if self.chance(85) else "user"
        if field_name in ("tags", "tag"):
            return self.one(TAGS) if self.chance(85) else self.draw(_TEXT)
        if field_name == "email" and root == "createUser":
            choice = self.pick(70, 15, 15)
            if choice == 0:
                return f"{self.fresh('new')}@example.com"
            if choice == 1 and vocabulary:
                return self.one(vocabulary).upper()  # taken, whatever its case
            return "not-an-email"
        if field_name == "reference" and root == "createUser":
            return self.fresh("ref-") if self.chance(80) or not vocabulary else self.one(vocabulary)
        if operator in ("like", "iLike"):
            return self.pattern(vocabulary)
        choice = self.pick(60, 15, 15, 10)
        if choice == 0 and vocabulary:
            return str(self.one(vocabulary))
        if choice == 1 and vocabulary:
            word = str(self.one(vocabulary))
            return word.swapcase()
        if choice == 2:
            return self.one(["", "a", "%", "Roadmap"])
        return str(self.draw(_TEXT))

    def pattern(self, vocabulary: Sequence[str]) -> str:
        word = str(self.one(vocabulary)) if vocabulary else "a"
        start = self.draw(st.integers(0, max(0, len(word) - 1)))
        piece = word[start : start + self.draw(st.integers(0, 4))]
        shape = self.pick(40, 20, 15, 10, 10, 5)
        if shape == 0:
            return f"%{piece}%"
        if shape == 1:
            return piece.swapcase() + "%"
        if shape == 2:
            return "_" + piece[1:] + "%"
        if shape == 3:
            return word
        if shape == 4:
            return "%\\%%" if self.chance(50) else "%\\_%"
        return "%\\" if self.lenient else "%"  # ends with the escape character: refused at run time


# ---------------------------------------------------------------- strategies


@st.composite
def requests(
    draw: Any,
    schema: GraphQLSchema,
    pool: Pool,
    *,
    caller: str | None = None,
    kinds: Sequence[str] = ("query",),
    wild: bool = False,
    lenient: bool = True,
    introspection: bool = True,
    sdk_share: int = 0,
) -> Request:
    """A request body: documents valid against ``schema`` unless ``wild``; values that fail at run time
    (bad uuids, negative pages, bad sort keys, a null ``@include(if:)``) only when ``lenient``;
    introspection fields now and then when ``introspection``; one of the SDK's own documents
    ``sdk_share`` percent of the time."""
    max_depth = 4
    if wild and draw(st.integers(0, 99)) >= 90:
        max_depth = 6  # deeper than roqmock allows
    writer = _Writer(
        draw,
        schema,
        pool,
        caller,
        wild=wild,
        lenient=lenient,
        max_depth=max_depth,
        introspection=introspection,
    )
    if writer.chance(sdk_share):
        return writer.sdk_request(kinds)
    return writer.request(kinds)


UNKNOWN_USER = "4f2b1c7e-0000-4000-8000-00000000dead"


def callers(pool: Pool) -> st.SearchStrategy[str | None]:
    """The super admin (``None``), a person, the one in the fewest conversations, the bot, or nobody."""
    weighted: list[tuple[int, st.SearchStrategy[str | None]]] = [
        (30, st.none()),
        (45, st.sampled_from(pool.people)),
        (12, st.just(pool.loner)),
        (8, st.just(pool.bot)),
        (5, st.just(UNKNOWN_USER)),
    ]
    return st.integers(0, 99).flatmap(lambda roll: _weighted(weighted, roll))


def _weighted(options: Sequence[tuple[int, st.SearchStrategy[Any]]], roll: int) -> st.SearchStrategy[Any]:
    for weight, strategy in options:
        if roll < weight:
            return strategy
        roll -= weight
    return options[-1][1]


# Every mutation of ROQ's file flow (issue 13): the SDK's uploadFile and file management.
FILE_MUTATIONS = (
    "createFileUpload",
    "updateFileStatus",
    "updateFile",
    "makeFilePublic",
    "makeFilePrivate",
    "deleteFiles",
    "createFileAssociation",
    "deleteFileAssociations",
)
