"""The GraphQL calls ROQ's chat UI (``@roq/ui-react@1.0.13``) makes, over both graphs of a real server.

The documents below are the UI's own, verbatim apart from whitespace (its dist: ``lib/graphql/hooks/
generated.js``, ``features/locale/hooks/use-platform-translations.hook.js``, ``features/chat/hooks/
use-chat-fetch-recipients.hook.js``, ``lib/graphql/files/mutations.js``). The UI sends them to the client
graph (``/v01/graphql``) with the user's token; the server graph answers the same queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from graphql import build_schema, parse, validate

from roqmock.documents import CREATE_USER
from roqmock.sdl import load_sdl
from roqmock.testing import RoqServer

USER_ACCESS = "query UserAccess { userAccess { platform project __typename } }"
GET_TRANSLATION = """
query getTranslation($locales: [String!]) {
  translationKeys(searchTerm: "roq-ui.") {
    data { key translations(filter: { locale: { valueIn: $locales } }) { data { value locale } } }
    totalCount
  }
}
"""
GET_RECIPIENTS = """
query getRecipients($limit: Int!, $offset: Int!, $ids: [ID!], $excludeIds: [ID!], $search: String!,
  $userGroupId: UserGroupIdFilterArgType, $order: UserProfileOrderArgType) {
  userProfiles(limit: $limit offset: $offset
    filter: { id: { valueIn: $ids, valueNotIn: $excludeIds }, search: $search, userGroupId: $userGroupId }
    order: $order) {
    data { id reference firstName lastName }
    totalCount
  }
}
"""
CREATE_FILE_UPLOAD = """
mutation CreateFileUpload($createFileDto: FileCreateDto!){
  createFileUpload(createFileDto: $createFileDto){ id name formFields uploadUrl contentType }
}
"""
UPDATE_FILE_STATUS = """
mutation UpdateFileStatus($id: ID!, $status: FileStatusEnum!) {
  updateFileStatus(id: $id, status: $status) { id name url createdAt }
}
"""
MESSAGE_FILE_URL = "query MessageFileUrl($id:ID!, $fileId: ID!){ messageFileUrl(id:$id, fileId: $fileId) }"
UI_DOCUMENTS = {
    "UserAccess": USER_ACCESS,
    "getTranslation": GET_TRANSLATION,
    "getRecipients": GET_RECIPIENTS,
    "CreateFileUpload": CREATE_FILE_UPLOAD,
    "UpdateFileStatus": UPDATE_FILE_STATUS,
    "MessageFileUrl": MESSAGE_FILE_URL,
}

PROFILE = (
    "query one($id: ID!) { userProfile(id: $id) { id reference email firstName connectedProviders { id } } }"
)
Graph = Callable[[str, dict[str, Any], str], dict[str, Any]]


@pytest.mark.parametrize("name", sorted(UI_DOCUMENTS))
def test_the_uis_document_validates_against_our_schema(name: str) -> None:
    errors = validate(build_schema(load_sdl()), parse(UI_DOCUMENTS[name]))
    assert not errors, f"{name}: " + "; ".join(error.message for error in errors)


# ---------------------------------------------------------------- both graphs


def _client_graph(server: RoqServer) -> Graph:
    def call(query: str, variables: dict[str, Any], user_id: str) -> dict[str, Any]:
        response = httpx.post(
            f"{server.url}/v01/graphql",
            json={"query": query, "variables": variables},
            headers={"roq-platform-authorization": f"Bearer {server.token(user_id)}"},
        )
        answer: dict[str, Any] = response.json()
        return {"status": response.status_code, **answer}

    return call


def _server_graph(server: RoqServer) -> Graph:
    def call(query: str, variables: dict[str, Any], user_id: str) -> dict[str, Any]:
        response = server.post_graphql(query, variables, token=server.token(user_id))
        answer: dict[str, Any] = response.json()
        return {"status": response.status_code, **answer}

    return call


@pytest.fixture(params=["client graph", "server graph"])
def graph(request: pytest.FixtureRequest, empty_server: RoqServer) -> Graph:
    return _client_graph(empty_server) if request.param == "client graph" else _server_graph(empty_server)


@pytest.fixture
def team(empty_server: RoqServer) -> dict[str, str]:
    """Four users in a tenant of their own (the default role reads its tenant's users) and one outside."""
    tenant = str(uuid.uuid4())
    made = {}
    for first, tenant_id in (
        ("Carol", tenant),
        ("alice", tenant),
        ("Bob", tenant),
        ("Dora", tenant),
        ("Out", None),
    ):
        suffix = uuid.uuid4().hex[:10]
        user = {"reference": f"ui-{suffix}", "email": f"ui-{suffix}@example.com", "firstName": first}
        if tenant_id is not None:
            user["tenantId"] = tenant_id
        response = empty_server.post_graphql(CREATE_USER, {"user": user}, token=empty_server.token())
        assert response.status_code == 200, response.text
        made[first.lower()] = response.json()["data"]["createUser"]["id"]
    return made


def test_user_access_answers_what_the_ui_reads(graph: Graph, team: dict[str, str]) -> None:
    answer = graph(USER_ACCESS, {}, team["alice"])
    assert answer["status"] == 200, answer
    access = answer["data"]["userAccess"]
    assert access["__typename"] == "UserAccessModel"
    assert access["project"] == {}
    # ROQ's UI connects its socket only with conversation.read; the recipient picker needs userProfile.read.
    assert access["platform"]["conversation"] == {
        "read": True,
        "create": True,
        "update": True,
        "delete": True,
    }
    assert access["platform"]["userProfile"]["read"] is True
    full = graph("{ userAccess { access } }", {}, team["alice"])["data"]["userAccess"]["access"]
    assert full["roles"] == ["user"] and "User:read:tenant" in full["permissions"]


def test_user_access_without_roles_closes_the_chat(
    graph: Graph, team: dict[str, str], empty_server: RoqServer
) -> None:
    taken = empty_server.execute(
        'mutation take($id: ID!) { unassignRolesFromUser(roleKeys: ["user"], userId: $id) }',
        {"id": team["bob"]},
    )
    assert taken == {"data": {"unassignRolesFromUser": True}}
    platform = graph(USER_ACCESS, {}, team["bob"])["data"]["userAccess"]["platform"]
    assert not any(allowed for operations in platform.values() for allowed in operations.values())


@pytest.mark.parametrize(("locale", "wanted"), [("en-US", "Messages"), ("de-DE", "Mitteilungen")])
def test_translations_answer_the_uis_keys_in_its_locale(
    graph: Graph, team: dict[str, str], locale: str, wanted: str
) -> None:
    answer = graph(GET_TRANSLATION, {"locales": [locale]}, team["alice"])
    assert answer["status"] == 200, answer
    keys = answer["data"]["translationKeys"]
    assert keys["totalCount"] == len(keys["data"]) >= 1
    values = {}
    for key in keys["data"]:
        assert key["key"].startswith("roq-ui.")
        # Each key has a translation in the asked locale: the UI caches it and stops asking.
        assert [t["locale"] for t in key["translations"]["data"]] == [locale]
        values[key["key"]] = key["translations"]["data"][0]["value"]
    assert values["roq-ui.chat.conversation-list-sidebar.title"] == wanted


def test_translation_keys_take_roqs_arguments(graph: Graph, team: dict[str, str]) -> None:
    query = """
    query keys($order: TranslationKeyOrderArgType) {
      translationKeys(searchTerm: "HEADER", order: $order, limit: 1, offset: 1,
                      filter: {translated: {equalTo: true}}) {
        data { id key createdAt updatedAt translations(order: {order: DESC, sort: value}) {
          data { id key locale value } totalCount } }
        totalCount
      }
    }
    """
    answer = graph(query, {"order": {"order": "ASC", "sort": "key"}}, team["alice"])
    assert answer["status"] == 200, answer
    keys = answer["data"]["translationKeys"]
    assert keys["totalCount"] == 2
    [online] = keys["data"]
    assert online["key"] == "roq-ui.chat.conversation-header.online"
    assert [t["value"] for t in online["translations"]["data"]] == ["Jetzt aktiv", "Active now"]
    assert {t["key"] for t in online["translations"]["data"]} == {online["key"]}


def _recipients(**more: Any) -> dict[str, Any]:
    return {"limit": 10, "offset": 0, "order": {"sort": "firstName", "order": "ASC"}, "search": "", **more}


def test_recipients_are_the_callers_readable_users_as_the_picker_asks(
    graph: Graph, team: dict[str, str]
) -> None:
    answer = graph(GET_RECIPIENTS, _recipients(excludeIds=[team["alice"]]), team["alice"])
    assert answer["status"] == 200, answer
    page = answer["data"]["userProfiles"]
    # Code point order, as PostgreSQL's "C" collation: capitals first. "Out" is in no tenant of hers.
    assert [row["firstName"] for row in page["data"]] == ["Bob", "Carol", "Dora"]
    assert page["totalCount"] == 3
    assert set(page["data"][0]) == {"id", "reference", "firstName", "lastName"}
    second = graph(GET_RECIPIENTS, _recipients(excludeIds=[team["alice"]], limit=2, offset=2), team["alice"])
    assert [row["firstName"] for row in second["data"]["userProfiles"]["data"]] == ["Dora"]
    searched = graph(GET_RECIPIENTS, _recipients(search="car"), team["alice"])
    assert [row["id"] for row in searched["data"]["userProfiles"]["data"]] == [team["carol"]]
    chosen = graph(GET_RECIPIENTS, _recipients(ids=[team["bob"], team["out"]]), team["alice"])
    assert [row["id"] for row in chosen["data"]["userProfiles"]["data"]] == [team["bob"]]


def test_recipients_in_a_user_group_are_none(graph: Graph, team: dict[str, str]) -> None:
    group = {"valueIn": [str(uuid.uuid4())]}
    answer = graph(GET_RECIPIENTS, _recipients(userGroupId=group), team["alice"])
    assert answer["status"] == 200, answer
    assert answer["data"]["userProfiles"] == {"data": [], "totalCount": 0}
    bad = graph(GET_RECIPIENTS, _recipients(userGroupId={"valueIn": ["not-a-uuid"]}), team["alice"])
    # Refused while it runs, as ROQ refuses a bad id: an error in a 200 answer, with no data.
    assert bad["data"] is None
    assert bad["errors"][0]["extensions"]["response"]["errorCode"] == "IS_UUID"


def test_user_profiles_refuse_a_sort_roq_does_not_offer(graph: Graph, team: dict[str, str]) -> None:
    answer = graph(GET_RECIPIENTS, _recipients(order={"sort": "email", "order": "ASC"}), team["alice"])
    assert answer["status"] == 400
    assert answer["errors"][0]["extensions"]["response"]["errorCode"] == "GRAPHQL_VALIDATION_FAILED"


def test_user_profile_follows_the_user_read_rule(graph: Graph, team: dict[str, str]) -> None:
    mine = graph(PROFILE, {"id": team["bob"]}, team["alice"])
    assert mine["status"] == 200, mine
    assert mine["data"]["userProfile"]["id"] == team["bob"]
    assert mine["data"]["userProfile"]["connectedProviders"] == []
    hidden = graph(PROFILE, {"id": team["out"]}, team["alice"])
    assert hidden["data"] is None
    assert hidden["errors"][0]["extensions"]["response"]["errorCode"] == "USER_NOT_FOUND"
