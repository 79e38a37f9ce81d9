"""Our SDL against the types ROQ's Node SDK (@roq/nodejs) generated from ROQ's live schema.

The chat surface must be ROQ's exactly, in both directions. Supporting types (users, files, roles,
tenants...) may carry a subset of ROQ's fields, but every field they have must be ROQ's, with ROQ's
type and nullability. Root fields take exactly ROQ's arguments.
"""

from __future__ import annotations

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLType,
    build_schema,
)
from support.graphql_documents import FILE_MUTATIONS
from support.sdk_types import SdkNotInstalledError, SdkTypes, TypeRef, load_sdk_types, parse_type_expr

from roqmock.sdl import load_sdl

# ROQ's SDK as npm installed it: deselected with the other SDK tests by -m "not sdk".
pytestmark = pytest.mark.sdk

SCHEMA: GraphQLSchema = build_schema(load_sdl())

# The client graph's queries ROQ's chat UI sends (issue 14): each is ROQ's exactly, as are its types.
UI_QUERIES = ("userAccess", "userProfiles", "userProfile", "translationKeys")

ROOT_FIELDS = {
    "Query": {
        "conversations",
        "messages",
        "messageFileUrl",
        "users",
        "user",
        "file",
        "files",
        "fileCategories",
        "fileCategory",
        *UI_QUERIES,
    },
    "Mutation": {
        "createConversation",
        "deleteConversation",
        "assignTagsToConversation",
        "unassignTagsFromConversation",
        "createMessage",
        "createUser",
        "assignRolesToUser",
        "unassignRolesFromUser",
        *FILE_MUTATIONS,
    },
}

# The chat surface: these must be ROQ's exactly, every field both ways.
CHAT_TYPES = [
    "ConversationModel",
    "ConversationPageModel",
    "ConversationTagModel",
    "ConversationTagPageModel",
    "ConversationUserModel",
    "ConversationUserPageModel",
    "MessageModel",
    "MessagePageModel",
    "MessageStatusModel",
    "ConversationCreateDto",
    "MessageCreateDto",
    "IdFilterArgType",
    "StringFilterArgType",
    "BooleanFilterArgType",
    "DateFilterArgType",
    "MemberIdFilterArgType",
    "ConversationFilterArgType",
    "MessageFilterArgType",
    "ConversationOrderArgType",
    "MessageOrderArgType",
    "ConversationSearchArgType",
    "MessageSearchArgType",
    "ConversationOrderSortEnum",
    "OrderEnum",
    "FileStatusEnum",
]
# The file flow (issue 13): each of these is ROQ's exactly too, every field both ways.
FILE_TYPES = [
    "FileCreateDto",
    "FileCreateUploadModel",
    "FileUpdateDto",
    "DeleteFilterArgType",
    "DeleteArgType",
    "FileAssociationCreateDto",
    "FileAssociationBulkFilterArgType",
    "IdBulkFilterArgType",
    "FileAssociationModel",
    "FileModel",
    "FileCategoryPageModel",
    "FileCategoryFilterArgType",
    "FileCategoryOrderArgType",
    "FileCategorySearchArgType",
    "FileCategoryOrderSortEnum",
    "FileCategorySearchKeyEnum",
    "NumberFilterArgType",
    "FileCategoryModel",
    "FileCategoryContentGroupPageModel",
]
# ROQ's chat UI's client graph (issue 14): each of these is ROQ's exactly too, every field both ways.
UI_TYPES = [
    "UserAccessModel",
    "UserProfileModel",
    "UserProfilePageModel",
    "UserConnectedProviderModel",
    "UserProfileOrderArgType",
    "UserProfileOrderSortEnum",
    "UserProfileSearchArgType",
    "UserSearchKeyEnum",
    "UserGroupIdFilterArgType",
    "TranslationKeyModel",
    "TranslationKeyPageModel",
    "TranslationKeyFilterArgType",
    "TranslationKeyOrderArgType",
    "TranslationKeyOrderSortEnum",
    "TranslationModel",
    "TranslationPageModel",
    "TranslationFilterArgType",
    "TranslationOrderArgType",
    "TranslationOrderSortEnum",
]
CHAT_TYPES += FILE_TYPES + UI_TYPES
CHAT_ROOT_FIELDS = [
    ("Query", "conversations"),
    ("Query", "messages"),
    ("Query", "messageFileUrl"),
    ("Mutation", "createConversation"),
    ("Mutation", "deleteConversation"),
    ("Mutation", "assignTagsToConversation"),
    ("Mutation", "unassignTagsFromConversation"),
    ("Mutation", "createMessage"),
    ("Query", "fileCategories"),
    ("Query", "fileCategory"),
    *(("Mutation", name) for name in FILE_MUTATIONS),
    *(("Query", name) for name in UI_QUERIES),
]

CONVERSATION_MODEL_FIELDS = {
    "id",
    "title",
    "ownerId",
    "isGroup",
    "archived",
    "active",
    "createdAt",
    "updatedAt",
    "tags",
    "users",
}


# --------------------------------------------------------------------------- our schema


def render(type_: GraphQLType) -> str:
    """A graphql-core type in SDL notation: ``[String!]!``."""
    if isinstance(type_, GraphQLNonNull):
        return f"{render(type_.of_type)}!"
    if isinstance(type_, GraphQLList):
        return f"[{render(type_.of_type)}]"
    assert isinstance(type_, GraphQLNamedType)
    return type_.name


def our_types() -> dict[str, GraphQLNamedType]:
    """Our named types, without introspection types and built-in scalars."""
    return {
        name: type_
        for name, type_ in SCHEMA.type_map.items()
        if not name.startswith("__")
        and not (isinstance(type_, GraphQLScalarType) and name in {"String", "Int", "Float", "Boolean", "ID"})
    }


FieldMap = dict[str, GraphQLField] | dict[str, GraphQLInputField]


def our_fields(name: str) -> FieldMap:
    type_ = SCHEMA.type_map[name]
    if isinstance(type_, GraphQLObjectType):
        object_fields: dict[str, GraphQLField] = type_.fields
        return object_fields
    assert isinstance(type_, GraphQLInputObjectType), f"{name} has no fields"
    input_fields: dict[str, GraphQLInputField] = type_.fields
    return input_fields


def our_field_types(name: str) -> dict[str, str]:
    return {field_name: render(f.type) for field_name, f in our_fields(name).items()}


def our_args(type_name: str, field_name: str) -> dict[str, str]:
    type_ = SCHEMA.type_map[type_name]
    assert isinstance(type_, GraphQLObjectType)
    return {arg: render(a.type) for arg, a in type_.fields[field_name].args.items()}


def names_of(kind: type) -> list[str]:
    return sorted(name for name, t in our_types().items() if isinstance(t, kind))


FIELD_CASES = [
    (type_name, field_name)
    for type_name in names_of(GraphQLObjectType) + names_of(GraphQLInputObjectType)
    for field_name in our_fields(type_name)
]
ROOT_FIELD_CASES = [
    (root, field_name) for root in ("Query", "Mutation") for field_name in sorted(our_fields(root))
]


def case_id(case: tuple[str, str]) -> str:
    return ".".join(case)


# --------------------------------------------------------------------------- ROQ's SDK


@pytest.fixture(scope="module")
def sdk() -> SdkTypes:
    try:
        return load_sdk_types()
    except SdkNotInstalledError as exc:
        problem = str(exc)
    pytest.fail(problem, pytrace=False)  # a missing SDK fails the check, never skips it


def sdk_field_types(sdk: SdkTypes, name: str) -> dict[str, str]:
    return {field_name: str(ref) for field_name, ref in sdk.types[name].items()}


def args_type_name(type_name: str, field_name: str) -> str:
    """Codegen's name for a field's arguments type: Query.conversations -> QueryConversationsArgs."""
    return f"{type_name}{field_name[0].upper()}{field_name[1:]}Args"


def sdk_args(sdk: SdkTypes, type_name: str, field_name: str) -> dict[str, str] | None:
    """ROQ's arguments of a field; None if codegen declared no arguments type (the field takes none)."""
    name = args_type_name(type_name, field_name)
    return sdk_field_types(sdk, name) if name in sdk.types else None


def diff(where: str, ours: dict[str, str], roqs: dict[str, str], *, exact: bool) -> list[str]:
    """Readable differences: ``ConversationModel.title: ours String!, ROQ's String``."""
    problems = []
    for name, type_ in sorted(ours.items()):
        if name not in roqs:
            problems.append(f"{where}.{name}: ours {type_}, absent from ROQ's")
        elif roqs[name] != type_:
            problems.append(f"{where}.{name}: ours {type_}, ROQ's {roqs[name]}")
    if exact:
        problems += [
            f"{where}.{name}: ROQ's {type_}, absent from ours"
            for name, type_ in sorted(roqs.items())
            if name not in ours
        ]
    return problems


# --------------------------------------------------------------------------- the parser itself


def test_sdk_parser_reads_roqs_types(sdk: SdkTypes) -> None:
    """The drift check reads real types, so it cannot pass vacuously."""
    assert set(sdk.types["ConversationModel"]) == CONVERSATION_MODEL_FIELDS
    assert str(sdk.types["MessageModel"]["deletedAt"]) == "Date!"
    assert str(sdk.types["MessageModel"]["authorId"]) == "String"
    assert str(sdk.types["ConversationCreateDto"]["memberIds"]) == "[String!]!"
    assert str(sdk.types["ConversationCreateDto"]["tags"]) == "[String!]"
    assert str(sdk.types["QueryConversationsArgs"]["filter"]) == "ConversationFilterArgType"
    assert str(sdk.types["MutationCreateMessageArgs"]["message"]) == "MessageCreateDto!"
    assert str(sdk.types["Query"]["conversations"]) == "ConversationPageModel!"
    assert "ConversationModel" in sdk.object_types
    assert "ConversationCreateDto" not in sdk.object_types
    assert sdk.enums["FileStatusEnum"] == {"cancelled", "error", "processing", "ready", "upload_pending"}
    assert {"ID", "String", "Date", "JsonObject"} <= sdk.scalars
    # ROQ's schema is far larger than the chat surface; a parser that found little is broken.
    assert len(sdk.types) > 300
    assert len(sdk.enums) > 40


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("Scalars['ID']", "ID!"),
        ("Maybe<Scalars['String']>", "String"),
        ("InputMaybe<ConversationFilterArgType>", "ConversationFilterArgType"),
        ("Array<MessageModel>", "[MessageModel!]!"),
        ("Maybe<Array<Scalars['String']>>", "[String!]"),
        ("Array<Maybe<Scalars['String']>>", "[String]!"),
        ("InputMaybe<Array<InputMaybe<Scalars['Int']>>>", "[Int]"),
        ("Array<Array<Scalars['Float']>>", "[[Float!]!]!"),
    ],
)
def test_type_expression_parsing(expr: str, expected: str) -> None:
    assert str(parse_type_expr(expr)) == expected


def test_type_ref_renders_graphql_notation() -> None:
    assert str(TypeRef(None, TypeRef("String"), non_null=False)) == "[String!]"


# --------------------------------------------------------------------------- our schema's shape


def test_root_fields_are_the_expected_set() -> None:
    assert {root: set(our_fields(root)) for root in ROOT_FIELDS} == ROOT_FIELDS
    assert SCHEMA.subscription_type is None


def test_schema_holds_only_kinds_the_drift_check_covers() -> None:
    covered = GraphQLObjectType | GraphQLInputObjectType | GraphQLEnumType | GraphQLScalarType
    uncovered = sorted(name for name, type_ in our_types().items() if not isinstance(type_, covered))
    assert not uncovered, f"extend the drift check to cover {uncovered}"


def test_chat_surface_is_in_our_schema() -> None:
    missing = [name for name in CHAT_TYPES if name not in SCHEMA.type_map]
    assert not missing, f"chat types absent from our SDL: {missing}"
    assert set(CHAT_ROOT_FIELDS) <= set(ROOT_FIELD_CASES)


# --------------------------------------------------------------------------- every type, field, enum


def test_custom_scalars_are_roqs(sdk: SdkTypes) -> None:
    ours = set(names_of(GraphQLScalarType))
    assert ours <= sdk.scalars, f"scalars ROQ's schema lacks: {sorted(ours - sdk.scalars)}"


@pytest.mark.parametrize("name", names_of(GraphQLObjectType) + names_of(GraphQLInputObjectType))
def test_type_is_roqs(sdk: SdkTypes, name: str) -> None:
    assert name in sdk.types, f"{name}: absent from ROQ's schema"
    ours_is_object = isinstance(SCHEMA.type_map[name], GraphQLObjectType)
    roqs_is_object = name in sdk.object_types
    kind = {True: "an object type", False: "an input type"}
    assert ours_is_object == roqs_is_object, (
        f"{name}: ours is {kind[ours_is_object]}, ROQ's {kind[roqs_is_object]}"
    )


@pytest.mark.parametrize(("type_name", "field_name"), FIELD_CASES, ids=[case_id(c) for c in FIELD_CASES])
def test_field_matches_roqs(sdk: SdkTypes, type_name: str, field_name: str) -> None:
    if type_name not in sdk.types:
        pytest.fail(f"{type_name}: absent from ROQ's schema", pytrace=False)
    ours = {field_name: our_field_types(type_name)[field_name]}
    problems = diff(type_name, ours, sdk_field_types(sdk, type_name), exact=False)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", names_of(GraphQLEnumType))
def test_enum_matches_roqs(sdk: SdkTypes, name: str) -> None:
    assert name in sdk.enums, f"{name}: absent from ROQ's schema"
    enum = SCHEMA.type_map[name]
    assert isinstance(enum, GraphQLEnumType)
    ours, roqs = set(enum.values), set(sdk.enums[name])
    assert ours == roqs, f"{name}: ours lacks {sorted(roqs - ours)}, ROQ's lacks {sorted(ours - roqs)}"


@pytest.mark.parametrize("name", CHAT_TYPES)
def test_chat_type_is_exactly_roqs(sdk: SdkTypes, name: str) -> None:
    type_ = SCHEMA.type_map.get(name)
    assert type_ is not None, f"{name}: absent from our SDL"
    if isinstance(type_, GraphQLEnumType):
        assert name in sdk.enums, f"{name}: absent from ROQ's schema"
        assert set(type_.values) == sdk.enums[name], (
            f"{name}: ours {sorted(type_.values)}, ROQ's {sorted(sdk.enums[name])}"
        )
        return
    assert name in sdk.types, f"{name}: absent from ROQ's schema"
    problems = diff(name, our_field_types(name), sdk_field_types(sdk, name), exact=True)
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(("root", "field_name"), ROOT_FIELD_CASES, ids=[case_id(c) for c in ROOT_FIELD_CASES])
def test_root_field_args_are_exactly_roqs(sdk: SdkTypes, root: str, field_name: str) -> None:
    where = f"{root}.{field_name}"
    ours = our_args(root, field_name)
    roqs = sdk_args(sdk, root, field_name)
    if roqs is None:
        assert not ours, f"{where}: ours takes {sorted(ours)}, ROQ's takes no arguments"
        return
    problems = diff(f"{where}({args_type_name(root, field_name)})", ours, roqs, exact=True)
    assert not problems, "\n".join(problems)


def test_ui_filter_on_user_groups_is_roqs(sdk: SdkTypes) -> None:
    """``UserFilterArgType`` is a supporting type (a subset of ROQ's) that holds the UI's ``userGroupId``."""
    assert our_field_types("UserFilterArgType")["userGroupId"] == "UserGroupIdFilterArgType"
    assert str(sdk.types["UserFilterArgType"]["userGroupId"]) == "UserGroupIdFilterArgType"


def test_translations_field_args_are_exactly_roqs(sdk: SdkTypes) -> None:
    ours = our_args("TranslationKeyModel", "translations")
    roqs = sdk_args(sdk, "TranslationKeyModel", "translations") or {}
    problems = diff("TranslationKeyModel.translations", ours, roqs, exact=True)
    assert not problems, "\n".join(problems)


def test_other_field_args_are_roqs(sdk: SdkTypes) -> None:
    """Non-root fields may leave out ROQ's arguments, but any they take must be ROQ's."""
    problems = []
    for type_name in names_of(GraphQLObjectType):
        if type_name in ROOT_FIELDS:
            continue
        for field_name in our_fields(type_name):
            ours = our_args(type_name, field_name)
            if not ours:
                continue
            roqs = sdk_args(sdk, type_name, field_name) or {}
            problems += diff(f"{type_name}.{field_name}", ours, roqs, exact=False)
    assert not problems, "\n".join(problems)
