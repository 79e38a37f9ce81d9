"""The HTTP surface of a real ``roqmock serve``: token endpoints, headers, both graphs, the explorer."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from conftest import RunningServer

from roqmock.api.graphql_lines import GRAPHQL_CORE_3_3

CREATE_USER = """
mutation createUser($user: UserCreateDto!) { createUser(user: $user) { id email tenantId } }
"""
CONVERSATIONS = "query { conversations { totalCount data { id } } }"


def _error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    extensions: dict[str, Any] = body["errors"][0]["extensions"]
    return extensions


def _new_user(server: RunningServer, **extra: Any) -> str:
    suffix = uuid.uuid4().hex[:10]
    response = server.graphql(
        CREATE_USER,
        {"user": {"reference": f"http-{suffix}", "email": f"http-{suffix}@example.com", **extra}},
        token=server.service_token(),
    )
    assert response.status_code == 200, response.text
    user_id: str = response.json()["data"]["createUser"]["id"]
    return user_id


def test_service_account_token_has_roq_claims(empty_server: RunningServer) -> None:
    claims = jwt.decode(empty_server.service_token(), options={"verify_signature": False})
    assert claims["roqEnvironmentId"] == empty_server.environment_id
    assert isinstance(claims["exp"], int) and claims["exp"] > claims["iat"]
    assert jwt.get_unverified_header(empty_server.service_token())["alg"] == "HS256"


@pytest.mark.parametrize(
    "body",
    [
        {"environmentId": "wrong", "apiKey": "contract-api-key"},
        {"environmentId": "0b6f6a52-3c1e-4f1a-8d8e-2f5b7c9d1e42", "apiKey": "wrong"},
        {},
    ],
    ids=["wrong-environment", "wrong-api-key", "no-credentials"],
)
def test_service_account_token_refused_on_wrong_credentials(
    empty_server: RunningServer, body: dict[str, str]
) -> None:
    response = httpx.post(f"{empty_server.url}/v01/authorize/serviceAccount", json=body)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "INVALID_API_KEY"
    assert response.json()["message"] == "Invalid environment id or api key"


def test_user_token_honours_expires_in(empty_server: RunningServer) -> None:
    user_id = _new_user(empty_server)
    claims = jwt.decode(empty_server.user_token(user_id, "120s"), options={"verify_signature": False})
    assert claims["roqUserId"] == user_id
    assert claims["exp"] - claims["iat"] == 120


def test_user_token_needs_a_service_token(empty_server: RunningServer) -> None:
    user_id = _new_user(empty_server)
    body = {"environmentId": empty_server.environment_id, "apiKey": empty_server.api_key, "userId": user_id}
    missing = httpx.post(f"{empty_server.url}/v01/authorize", json=body)
    assert missing.status_code == 401
    assert missing.json()["errorCode"] == "UNAUTHORIZED_EXCEPTION"
    with_user_token = httpx.post(
        f"{empty_server.url}/v01/authorize",
        json=body,
        headers={"roq-platform-authorization": f"Bearer {empty_server.user_token(user_id)}"},
    )
    assert with_user_token.status_code == 403


def test_user_token_for_unknown_user_is_404(empty_server: RunningServer) -> None:
    response = httpx.post(
        f"{empty_server.url}/v01/authorize",
        json={
            "environmentId": empty_server.environment_id,
            "apiKey": empty_server.api_key,
            "userId": str(uuid.uuid4()),
        },
        headers={"roq-platform-authorization": f"Bearer {empty_server.service_token()}"},
    )
    assert response.status_code == 404
    assert response.json()["errorCode"] == "USER_NOT_FOUND"


def test_bad_expires_in_is_400(empty_server: RunningServer) -> None:
    user_id = _new_user(empty_server)
    response = httpx.post(
        f"{empty_server.url}/v01/authorize",
        json={
            "environmentId": empty_server.environment_id,
            "apiKey": empty_server.api_key,
            "userId": user_id,
            "expiresIn": "soon",
        },
        headers={"roq-platform-authorization": f"Bearer {empty_server.service_token()}"},
    )
    assert response.status_code == 400
    assert "expiresIn" in response.json()["message"]


def _forge(server: RunningServer, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "roqEnvironmentId": server.environment_id,
        "roqUserId": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 60,
    }
    claims.update(overrides)
    return jwt.encode(claims, "not-the-server-secret-but-long-enough-for-hs256", algorithm="HS256")


def test_forged_token_is_refused(empty_server: RunningServer) -> None:
    response = empty_server.graphql(CONVERSATIONS, token=_forge(empty_server))
    assert response.status_code == 401
    assert _error(response)["response"]["errorCode"] == "UNAUTHORIZED_EXCEPTION"
    assert _error(response)["code"] == "UNAUTHORIZED"


def test_expired_token_is_refused(empty_server: RunningServer) -> None:
    user_id = _new_user(empty_server)
    token = empty_server.user_token(user_id, "1s")
    assert empty_server.graphql(CONVERSATIONS, token=token).status_code == 200
    time.sleep(2.1)
    response = empty_server.graphql(CONVERSATIONS, token=token)
    assert response.status_code == 401
    assert _error(response)["response"]["message"] == "The token has expired"


def test_token_of_another_environment_is_refused() -> None:
    from conftest import start_server, stop_server

    other = start_server("--empty", "--token-secret", "a-shared-secret-that-is-long-enough-for-hs256")
    try:
        token = jwt.encode(
            {"roqEnvironmentId": str(uuid.uuid4()), "roqUserId": str(uuid.uuid4()), "iat": 1, "exp": 2**31},
            "a-shared-secret-that-is-long-enough-for-hs256",
            algorithm="HS256",
        )
        response = other.graphql(CONVERSATIONS, token=token)
        assert response.status_code == 401
        assert _error(response)["response"]["message"] == "The token belongs to another environment"
    finally:
        stop_server(other)


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "MISSING_AUTH"),
        ("Bearer abc", "INVALID_AUTH_HEADER"),
        ("Basic !!!not-base64", "INVALID_AUTH_HEADER"),
        ("Basic " + "bm9jb2xvbg==", "INVALID_AUTH_HEADER"),  # "nocolon"
        ("Basic MGI2ZjZhNTItM2MxZS00ZjFhLThkOGUtMmY1YjdjOWQxZTQyOndyb25n", "INVALID_API_KEY"),  # wrong key
    ],
    ids=["missing", "not-basic", "not-base64", "no-colon", "wrong-key"],
)
def test_server_graph_needs_the_server_header(
    empty_server: RunningServer, header: str | None, code: str
) -> None:
    headers = {"roq-platform-authorization": f"Bearer {empty_server.service_token()}"}
    if header is not None:
        headers["roq-platform-server-authorization"] = header
    response = httpx.post(
        f"{empty_server.url}/v01/server/graphql", json={"query": CONVERSATIONS}, headers=headers
    )
    assert response.status_code == 401
    assert _error(response)["response"]["errorCode"] == code
    assert _error(response)["response"]["statusCode"] == 401


def test_missing_token_on_server_graph(empty_server: RunningServer) -> None:
    response = httpx.post(
        f"{empty_server.url}/v01/server/graphql",
        json={"query": CONVERSATIONS},
        headers={"roq-platform-server-authorization": empty_server.server_header},
    )
    assert response.status_code == 401
    assert _error(response)["response"]["errorCode"] == "UNAUTHORIZED_EXCEPTION"


def test_client_graph_serves_queries_to_user_tokens_only(empty_server: RunningServer) -> None:
    user_id = _new_user(empty_server)
    token = empty_server.user_token(user_id)
    url = f"{empty_server.url}/v01/graphql"
    query = httpx.post(
        url, json={"query": CONVERSATIONS}, headers={"roq-platform-authorization": f"Bearer {token}"}
    )
    assert query.status_code == 200
    assert query.json()["data"]["conversations"]["totalCount"] == 0
    mutation = httpx.post(
        url,
        json={"query": 'mutation { deleteConversation(id: "9d3c3c8e-2f36-4d0e-8a8e-6f0a4c1f5b21") }'},
        headers={"roq-platform-authorization": f"Bearer {token}"},
    )
    assert mutation.status_code == 403
    assert _error(mutation)["response"]["errorCode"] == "FORBIDDEN"
    service = httpx.post(
        url,
        json={"query": CONVERSATIONS},
        headers={"roq-platform-authorization": f"Bearer {empty_server.service_token()}"},
    )
    assert service.status_code == 401


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"{not json", "BAD_REQUEST"),
        (b"[]", "BAD_REQUEST"),
        (b'{"query": 5}', "BAD_REQUEST"),
        (b'{"query": "{ conversations { data { id } }", "variables": 3}', "BAD_REQUEST"),
        (b'{"query": "{ conversations { data { id } "}', "GRAPHQL_PARSE_FAILED"),
        (b'{"query": "{ conversations { nope } }"}', "GRAPHQL_VALIDATION_FAILED"),
    ],
    ids=["malformed", "array", "query-not-string", "variables-not-object", "parse", "validation"],
)
def test_bad_requests_are_400_in_roqs_envelope(
    empty_server: RunningServer, content: bytes, code: str
) -> None:
    response = httpx.post(
        f"{empty_server.url}/v01/server/graphql",
        content=content,
        headers={
            "content-type": "application/json",
            "roq-platform-authorization": f"Bearer {empty_server.service_token()}",
            "roq-platform-server-authorization": empty_server.server_header,
        },
    )
    assert response.status_code == 400
    extensions = _error(response)
    assert extensions["response"]["errorCode"] == code
    assert extensions["response"]["statusCode"] == 400
    assert extensions["code"] == code


def test_variables_of_the_wrong_type_are_400(empty_server: RunningServer) -> None:
    response = empty_server.graphql(
        "query q($limit: Int) { conversations(limit: $limit) { totalCount } }",
        {"limit": "ten"},
        token=empty_server.service_token(),
    )
    assert response.status_code == 400
    assert _error(response)["response"]["errorCode"] == "GRAPHQL_VALIDATION_FAILED"
    assert _error(response)["response"]["error"] == "ValidationError"
    # Worded as graphql-js words it, which ROQ runs: names in double quotes. graphql-core 3.3 words a
    # variable's coercion error as graphql-js 17 does ("has invalid value"), 3.2 as graphql-js 16.
    verb = "has" if GRAPHQL_CORE_3_3 else "got"
    assert response.json()["errors"][0]["message"].startswith(f'Variable "$limit" {verb} invalid value')


def test_depth_limit_counts_no_data_levels(empty_server: RunningServer) -> None:
    token = empty_server.service_token()
    allowed = "{ messages { data { file { createdByUser { id } } } } }"  # 4 levels
    assert empty_server.graphql(allowed, token=token).status_code == 200
    too_deep = "{ messages { data { file { createdByUser { tenant { id } } } } } }"  # 5 levels
    response = empty_server.graphql(too_deep, token=token)
    assert response.status_code == 400
    assert _error(response)["response"]["errorCode"] == "GRAPHQL_VALIDATION_FAILED"
    assert "depth 5" in response.json()["errors"][0]["message"]


def test_explorer_is_served_to_browsers(empty_server: RunningServer) -> None:
    response = httpx.get(f"{empty_server.url}/v01/server/graphql")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()
    assert "initialHeaders" in response.text


@pytest.mark.parametrize(
    ("expires_in", "seconds"),
    [("2 days", 172800), ("1 hour", 3600), ("10 minutes", 600), ("1.5h", 5400), (90, 90), ("90000", 90)],
)
def test_expires_in_reads_durations_as_roqs_jwt_library_does(
    empty_server: RunningServer, expires_in: str | int, seconds: int
) -> None:
    user_id = _new_user(empty_server)
    body = {
        "environmentId": empty_server.environment_id,
        "apiKey": empty_server.api_key,
        "userId": user_id,
        "expiresIn": expires_in,
    }
    response = httpx.post(
        f"{empty_server.url}/v01/authorize",
        json=body,
        headers={"roq-platform-authorization": f"Bearer {empty_server.service_token()}"},
    )
    claims = jwt.decode(response.json()["accessToken"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == seconds


def test_tokens_carry_roqs_claims_and_no_others(empty_server: RunningServer) -> None:
    user_id = _new_user(empty_server)
    for token in (empty_server.service_token(), empty_server.user_token(user_id)):
        claims = jwt.decode(token, options={"verify_signature": False})
        assert set(claims) <= {"roqEnvironmentId", "roqUserId", "notificationToken", "iat", "exp", "tenantId"}


def test_an_internal_error_says_only_the_generic_message(empty_server: RunningServer) -> None:
    token = empty_server.service_token()
    user_id = _new_user(empty_server)
    created = empty_server.graphql(
        "mutation c($c: ConversationCreateDto!) { createConversation(conversation: $c) { id } }",
        {"c": {"title": "t", "ownerId": user_id, "memberIds": [user_id]}},
        token=token,
    ).json()["data"]["createConversation"]["id"]
    empty_server.graphql(
        "mutation m($m: MessageCreateDto!) { createMessage(message: $m) }",
        {"m": {"authorId": user_id, "body": "b", "conversationId": created, "isSystem": False}},
        token=token,
    )
    response = empty_server.graphql(
        "query q($id: ID!) { messages(filter: {conversationId: {equalTo: $id}}) { data { id deletedAt } } }",
        {"id": created},
        token=token,
    )
    error = response.json()["errors"][0]
    assert error["message"] == "Something Went Wrong. Please Try Later"
    assert error["extensions"]["response"]["errorCode"] == "INTERNAL_ERROR"
    assert "deletedAt" in error["extensions"]["response"]["variables"]["reason"]
