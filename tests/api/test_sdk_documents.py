"""Every GraphQL document ROQ's Node SDK sends for our root fields validates against our schema."""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema, build_schema, parse, validate
from support.sdk_types import SdkNotInstalledError, load_sdk_documents

from roqmock.sdl import load_sdl

# ROQ's SDK as npm installed it: deselected with the other SDK tests by -m "not sdk".
pytestmark = pytest.mark.sdk

SCHEMA: GraphQLSchema = build_schema(load_sdl())

# The documents @roq/nodejs sends for the root fields roqmock serves.
DOCUMENTS = [
    "ConversationsDocument",
    "MessagesDocument",
    "CreateConversationDocument",
    "AssignTagsToConversationDocument",
    "UnassignTagsFromConversationDocument",
    "DeleteConversationDocument",
    "CreateMessageDocument",
    "UsersDocument",
    "UserDocument",
    "CreateUserDocument",
    "AssignRolesToUserDocument",
    "UnassignRolesFromUserDocument",
    "FilesDocument",
    "FileDocument",
    "CreateFileUploadDocument",
    "UpdateFileStatusDocument",
    "UpdateFileDocument",
    "MakeFilePublicDocument",
    "MakeFilePrivateDocument",
    "DeleteFilesDocument",
    "CreateFileAssociationDocument",
    "DeleteFileAssociationsDocument",
    "FileCategoriesDocument",
    "FileCategoryDocument",
    "UserProfilesDocument",
    "UserProfileDocument",
    "TranslationKeysDocument",
]


@pytest.fixture(scope="module")
def documents() -> dict[str, str]:
    try:
        return load_sdk_documents()
    except SdkNotInstalledError as exc:
        problem = str(exc)
    pytest.fail(problem, pytrace=False)  # a missing SDK fails the check, never skips it


def test_parser_finds_every_document(documents: dict[str, str]) -> None:
    missing = sorted(set(DOCUMENTS) - set(documents))
    assert not missing, f"sdk.js holds no {missing}"
    assert len(DOCUMENTS) == len(set(DOCUMENTS)) == 27


def test_fragments_are_resolved(documents: dict[str, str]) -> None:
    text = documents["FilesDocument"]
    assert "${" not in text
    for fragment in ("File", "FileCategory", "User", "FileAssociation"):
        assert text.count(f"fragment {fragment} on ") == 1, fragment


@pytest.mark.parametrize("name", DOCUMENTS)
def test_document_validates_against_our_schema(documents: dict[str, str], name: str) -> None:
    assert name in documents, f"sdk.js holds no {name}"
    errors = validate(SCHEMA, parse(documents[name]))
    assert not errors, f"{name}:\n" + "\n".join(f"  {error.message}" for error in errors)
