"""The same world through gql, the GraphQL client many teams use (gql 4.4, on graphql-core 3.3).

roqmock installs beside it: this example's ``test`` extra asks for ``gql[httpx]>=4.4`` and roqmock together.
"""

from __future__ import annotations

import base64

import httpx
import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXTransport
from roqmock.testing import Roq, RoqServer, WorldView

CONVERSATIONS = gql("query { conversations(limit: 100) { totalCount data { id title } } }")
SEND = "mutation($message: MessageCreateDto!) { createMessage(message: $message) }"


def _headers(
    base_url: str, environment_id: str, api_key: str, user_id: str, **client: object
) -> dict[str, str]:
    """ROQ's two authorization headers for ``user_id``, fetched as ROQ's SDK fetches them."""
    credentials = {"environmentId": environment_id, "apiKey": api_key}
    with httpx.Client(base_url=base_url, **client) as http:  # type: ignore[arg-type]
        service = http.post("/v01/authorize/serviceAccount", json=credentials).json()["accessToken"]
        token = http.post(
            "/v01/authorize",
            json={**credentials, "userId": user_id},
            headers={"roq-platform-authorization": f"Bearer {service}"},
        ).json()["accessToken"]
    server = "Basic " + base64.b64encode(f"{environment_id}:{api_key}".encode()).decode()
    return {"roq-platform-authorization": f"Bearer {token}", "roq-platform-server-authorization": server}


def test_gql_in_process(roq: Roq, roq_world: WorldView) -> None:
    alice = roq_world.users[0]
    headers = _headers(roq.base_url, roq.environment_id, roq.api_key, alice.id, transport=roq.transport)
    url = f"{roq.base_url}/v01/server/graphql"
    with Client(transport=HTTPXTransport(url, headers=headers, transport=roq.transport)) as session:
        page = session.execute(CONVERSATIONS)["conversations"]
    mine = roq_world.conversations_of(alice)
    assert page["totalCount"] == len(mine)
    assert {conversation["id"] for conversation in page["data"]} == {conversation.id for conversation in mine}


@pytest.mark.roq(users=3, conversations=2)
def test_gql_over_http_gets_roqs_errors(roq_server: RoqServer, roq_world: WorldView) -> None:
    alice, bob = roq_world.users[:2]
    conversation = roq_world.conversations[0]
    headers = _headers(roq_server.url, roq_server.environment_id, roq_server.api_key, alice.id)
    message = {"authorId": bob.id, "body": "forged", "conversationId": conversation.id, "isSystem": False}
    transport = HTTPXTransport(roq_server.graphql_url, headers=headers)
    with Client(transport=transport) as session, pytest.raises(TransportQueryError) as refused:
        session.execute(GraphQLRequest(SEND, variable_values={"message": message}))
    [error] = refused.value.errors or []
    assert error["extensions"]["response"]["statusCode"] == 403
    assert error["extensions"]["code"] == "FORBIDDEN"
