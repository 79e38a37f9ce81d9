"""The HTTP surface of a real ``roqmock serve``: token endpoints, headers, both graphs, the explorer."""

from __future__ import annotations

import json
import re
import socket
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest
from support.servers import serve

from roqmock.api.graphql_lines import GRAPHQL_CORE_3_3
from roqmock.http.explorer import page as explorer_page
from roqmock.mock import RoqMock
from roqmock.testing import RoqServer
from roqmock.transport import RoqTransport

CREATE_USER = """
mutation createUser($user: UserCreateDto!) { createUser(user: $user) { id email tenantId } }
"""
CONVERSATIONS = "query { conversations { totalCount data { id } } }"


def _error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    extensions: dict[str, Any] = body["errors"][0]["extensions"]
    return extensions


def _new_user(server: RoqServer, **extra: Any) -> str:
    suffix = uuid.uuid4().hex[:10]
    response = server.post_graphql(
        CREATE_USER,
        {"user": {"reference": f"http-{suffix}", "email": f"http-{suffix}@example.com", **extra}},
        token=server.token(),
    )
    assert response.status_code == 200, response.text
    user_id: str = response.json()["data"]["createUser"]["id"]
    return user_id


def test_service_account_token_has_roq_claims(empty_server: RoqServer) -> None:
    claims = jwt.decode(empty_server.token(), options={"verify_signature": False})
    assert claims["roqEnvironmentId"] == empty_server.environment_id
    assert isinstance(claims["exp"], int) and claims["exp"] > claims["iat"]
    assert jwt.get_unverified_header(empty_server.token())["alg"] == "HS256"


@pytest.mark.parametrize(
    "body",
    [
        {"environmentId": "", "apiKey": "contract-api-key"},
        {"environmentId": 42, "apiKey": "contract-api-key"},
        {"environmentId": "another-environment", "apiKey": "wrong"},
        {"environmentId": "0b6f6a52-3c1e-4f1a-8d8e-2f5b7c9d1e42", "apiKey": "wrong"},
        {},
    ],
    # Another environment id with the right key is no refusal: it names a world of its own (sessions).
    ids=[
        "empty-environment",
        "environment-not-a-string",
        "other-environment",
        "wrong-api-key",
        "no-credentials",
    ],
)
def test_service_account_token_refused_on_wrong_credentials(
    empty_server: RoqServer, body: dict[str, str]
) -> None:
    response = httpx.post(f"{empty_server.url}/v01/authorize/serviceAccount", json=body)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "INVALID_API_KEY"
    assert response.json()["message"] == "Invalid environment id or api key"


def test_user_token_honours_expires_in(empty_server: RoqServer) -> None:
    user_id = _new_user(empty_server)
    claims = jwt.decode(empty_server.token(user_id, expires_in="120s"), options={"verify_signature": False})
    assert claims["roqUserId"] == user_id
    assert claims["exp"] - claims["iat"] == 120


def test_user_token_needs_a_service_token(empty_server: RoqServer) -> None:
    user_id = _new_user(empty_server)
    body = {"environmentId": empty_server.environment_id, "apiKey": empty_server.api_key, "userId": user_id}
    missing = httpx.post(f"{empty_server.url}/v01/authorize", json=body)
    assert missing.status_code == 401
    assert missing.json()["errorCode"] == "UNAUTHORIZED_EXCEPTION"
    with_user_token = httpx.post(
        f"{empty_server.url}/v01/authorize",
        json=body,
        headers={"roq-platform-authorization": f"Bearer {empty_server.token(user_id)}"},
    )
    assert with_user_token.status_code == 403


def test_user_token_for_unknown_user_is_404(empty_server: RoqServer) -> None:
    response = httpx.post(
        f"{empty_server.url}/v01/authorize",
        json={
            "environmentId": empty_server.environment_id,
            "apiKey": empty_server.api_key,
            "userId": str(uuid.uuid4()),
        },
        headers={"roq-platform-authorization": f"Bearer {empty_server.token()}"},
    )
    assert response.status_code == 404
    assert response.json()["errorCode"] == "USER_NOT_FOUND"


def test_bad_expires_in_is_400(empty_server: RoqServer) -> None:
    user_id = _new_user(empty_server)
    response = httpx.post(
        f"{empty_server.url}/v01/authorize",
        json={
            "environmentId": empty_server.environment_id,
            "apiKey": empty_server.api_key,
            "userId": user_id,
            "expiresIn": "soon",
        },
        headers={"roq-platform-authorization": f"Bearer {empty_server.token()}"},
    )
    assert response.status_code == 400
    assert "expiresIn" in response.json()["message"]


def _forge(server: RoqServer, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "roqEnvironmentId": server.environment_id,
        "roqUserId": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 60,
    }
    claims.update(overrides)
    return jwt.encode(claims, "not-the-server-secret-but-long-enough-for-hs256", algorithm="HS256")


def test_forged_token_is_refused(empty_server: RoqServer) -> None:
    response = empty_server.post_graphql(CONVERSATIONS, token=_forge(empty_server))
    assert response.status_code == 401
    assert _error(response)["response"]["errorCode"] == "UNAUTHORIZED_EXCEPTION"
    assert _error(response)["code"] == "UNAUTHORIZED"


def test_expired_token_is_refused(empty_server: RoqServer) -> None:
    user_id = _new_user(empty_server)
    token = empty_server.token(user_id, expires_in="3s")
    assert empty_server.post_graphql(CONVERSATIONS, token=token).status_code == 200
    # Until just past the token's own expiry, however slowly the machine got here.
    expires_at = jwt.decode(token, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, expires_at + 1.05 - time.time()))
    response = empty_server.post_graphql(CONVERSATIONS, token=token)
    assert response.status_code == 401
    assert _error(response)["response"]["message"] == "The token has expired"


def test_token_of_another_environment_is_refused() -> None:
    other = serve("--token-secret", "a-shared-secret-that-is-long-enough-for-hs256")
    try:
        token = jwt.encode(
            {"roqEnvironmentId": str(uuid.uuid4()), "roqUserId": str(uuid.uuid4()), "iat": 1, "exp": 2**31},
            "a-shared-secret-that-is-long-enough-for-hs256",
            algorithm="HS256",
        )
        response = other.post_graphql(CONVERSATIONS, token=token)
        assert response.status_code == 401
        assert _error(response)["response"]["message"] == "The token belongs to another environment"
    finally:
        other.stop()


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
def test_server_graph_needs_the_server_header(empty_server: RoqServer, header: str | None, code: str) -> None:
    headers = {"roq-platform-authorization": f"Bearer {empty_server.token()}"}
    if header is not None:
        headers["roq-platform-server-authorization"] = header
    response = httpx.post(
        f"{empty_server.url}/v01/server/graphql", json={"query": CONVERSATIONS}, headers=headers
    )
    assert response.status_code == 401
    assert _error(response)["response"]["errorCode"] == code
    assert _error(response)["response"]["statusCode"] == 401


def test_missing_token_on_server_graph(empty_server: RoqServer) -> None:
    response = httpx.post(
        f"{empty_server.url}/v01/server/graphql",
        json={"query": CONVERSATIONS},
        headers={"roq-platform-server-authorization": empty_server.server_header},
    )
    assert response.status_code == 401
    assert _error(response)["response"]["errorCode"] == "UNAUTHORIZED_EXCEPTION"


def test_client_graph_serves_queries_to_user_tokens_only(empty_server: RoqServer) -> None:
    user_id = _new_user(empty_server)
    token = empty_server.token(user_id)
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
        headers={"roq-platform-authorization": f"Bearer {empty_server.token()}"},
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
def test_bad_requests_are_400_in_roqs_envelope(empty_server: RoqServer, content: bytes, code: str) -> None:
    response = httpx.post(
        f"{empty_server.url}/v01/server/graphql",
        content=content,
        headers={
            "content-type": "application/json",
            "roq-platform-authorization": f"Bearer {empty_server.token()}",
            "roq-platform-server-authorization": empty_server.server_header,
        },
    )
    assert response.status_code == 400
    extensions = _error(response)
    assert extensions["response"]["errorCode"] == code
    assert extensions["response"]["statusCode"] == 400
    assert extensions["code"] == code


def test_variables_of_the_wrong_type_are_400(empty_server: RoqServer) -> None:
    response = empty_server.post_graphql(
        "query q($limit: Int) { conversations(limit: $limit) { totalCount } }",
        {"limit": "ten"},
        token=empty_server.token(),
    )
    assert response.status_code == 400
    assert _error(response)["response"]["errorCode"] == "GRAPHQL_VALIDATION_FAILED"
    assert _error(response)["response"]["error"] == "ValidationError"
    # Worded as graphql-js words it, which ROQ runs: names in double quotes. graphql-core 3.3 words a
    # variable's coercion error as graphql-js 17 does ("has invalid value"), 3.2 as graphql-js 16.
    verb = "has" if GRAPHQL_CORE_3_3 else "got"
    assert response.json()["errors"][0]["message"].startswith(f'Variable "$limit" {verb} invalid value')


def test_depth_limit_counts_no_data_levels(empty_server: RoqServer) -> None:
    token = empty_server.token()
    allowed = "{ messages { data { file { createdByUser { id } } } } }"  # 4 levels
    assert empty_server.post_graphql(allowed, token=token).status_code == 200
    too_deep = "{ messages { data { file { createdByUser { tenant { id } } } } } }"  # 5 levels
    response = empty_server.post_graphql(too_deep, token=token)
    assert response.status_code == 400
    assert _error(response)["response"]["errorCode"] == "GRAPHQL_VALIDATION_FAILED"
    assert "depth 5" in response.json()["errors"][0]["message"]


def test_explorer_is_served_to_browsers_with_every_asset_from_roqmock(empty_server: RoqServer) -> None:
    response = httpx.get(f"{empty_server.url}/v01/server/graphql")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    # Nothing from a CDN: every script and stylesheet is one of roqmock's own, stamped with its build.
    assert "://" not in response.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert {urlsplit(asset).path for asset in assets} == {
        "/__roqmock/explorer/explorer.js",
        "/__roqmock/explorer/explorer.css",
    }
    for asset in assets:
        served = httpx.get(f"{empty_server.url}{asset}")
        assert served.status_code == 200, served.text
        kind = "text/css" if asset.partition("?")[0].endswith(".css") else "text/javascript"
        assert served.headers["content-type"] == f"{kind}; charset=utf-8"
        assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    script = httpx.get(f"{empty_server.url}{assets[-1]}").text
    assert "initialHeaders" in script and "graphiql" in script.lower()
    # An unstamped (or stale) URL may change under the same name: browsers revalidate it.
    for worker in ("editor.worker.js", "json.worker.js", "graphql.worker.js"):
        served = httpx.get(f"{empty_server.url}/__roqmock/explorer/{worker}?v=old")
        assert served.status_code == 200 and served.headers["cache-control"] == "no-cache"
    assert httpx.get(f"{empty_server.url}/__roqmock/explorer/nope.js").status_code == 404


def test_explorer_without_its_bundle_says_how_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(explorer_page.BUNDLE, "folder", tmp_path)  # an install built without npm
    explorer_page.BUNDLE.forget()
    try:
        with httpx.Client(transport=RoqTransport(RoqMock()), base_url="http://roq.test") as client:
            page = client.get("/v01/server/graphql")
            asset = client.get("/__roqmock/explorer/explorer.js")
            health = client.get("/__roqmock/health")
    finally:
        explorer_page.BUNDLE.forget()
    assert page.status_code == 503
    assert page.headers["content-type"] == "text/plain; charset=utf-8"
    assert page.text.count("\n") == 1
    assert "npm ci --prefix explorer && npm run --prefix explorer build" in page.text
    assert asset.status_code == 404 and asset.json()["errorCode"] == "EXPLORER_NOT_BUILT"
    assert health.status_code == 200


@pytest.mark.parametrize(
    ("expires_in", "seconds"),
    [("2 days", 172800), ("1 hour", 3600), ("10 minutes", 600), ("1.5h", 5400), (90, 90), ("90000", 90)],
)
def test_expires_in_reads_durations_as_roqs_jwt_library_does(
    empty_server: RoqServer, expires_in: str | int, seconds: int
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
        headers={"roq-platform-authorization": f"Bearer {empty_server.token()}"},
    )
    claims = jwt.decode(response.json()["accessToken"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == seconds


def test_tokens_carry_roqs_claims_and_no_others(empty_server: RoqServer) -> None:
    user_id = _new_user(empty_server)
    for token in (empty_server.token(), empty_server.token(user_id)):
        claims = jwt.decode(token, options={"verify_signature": False})
        assert set(claims) <= {"roqEnvironmentId", "roqUserId", "notificationToken", "iat", "exp", "tenantId"}


def test_an_internal_error_says_only_the_generic_message(empty_server: RoqServer) -> None:
    token = empty_server.token()
    user_id = _new_user(empty_server)
    created = empty_server.post_graphql(
        "mutation c($c: ConversationCreateDto!) { createConversation(conversation: $c) { id } }",
        {"c": {"title": "t", "ownerId": user_id, "memberIds": [user_id]}},
        token=token,
    ).json()["data"]["createConversation"]["id"]
    empty_server.post_graphql(
        "mutation m($m: MessageCreateDto!) { createMessage(message: $m) }",
        {"m": {"authorId": user_id, "body": "b", "conversationId": created, "isSystem": False}},
        token=token,
    )
    response = empty_server.post_graphql(
        "query q($id: ID!) { messages(filter: {conversationId: {equalTo: $id}}) { data { id deletedAt } } }",
        {"id": created},
        token=token,
    )
    error = response.json()["errors"][0]
    assert error["message"] == "Something Went Wrong. Please Try Later"
    assert error["extensions"]["response"]["errorCode"] == "INTERNAL_ERROR"
    assert "deletedAt" in error["extensions"]["response"]["variables"]["reason"]


# ---------------------------------------------------------------- HEAD, health, GET on the graphs


def _get_routes() -> list[str]:
    from roqmock.http.routing import ALL_ROUTES

    return sorted(path for method, path in ALL_ROUTES if method == "GET")


@pytest.mark.parametrize("path", _get_routes())
def test_head_answers_every_get_route_like_get_without_a_body(empty_server: RoqServer, path: str) -> None:
    """RFC 9110: HEAD is GET without the body: the same status and headers, the GET body's length."""
    headers = {
        "roq-platform-server-authorization": empty_server.server_header,
        "roq-platform-authorization": f"Bearer {empty_server.token()}",
    }
    got = httpx.get(f"{empty_server.url}{path}", headers=headers)
    head = httpx.head(f"{empty_server.url}{path}", headers=headers)
    assert head.status_code == got.status_code == 200, (head.status_code, got.text[:200])
    assert head.headers["content-type"] == got.headers["content-type"]
    assert int(head.headers["content-length"]) == len(got.content) > 0
    assert head.content == b""


def test_head_sends_no_body_on_the_wire(empty_server: RoqServer) -> None:
    """httpx would hide body bytes after a HEAD answer: read the raw socket to the end."""
    host, port = httpx.URL(empty_server.url).host, httpx.URL(empty_server.url).port
    assert port is not None
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(b"HEAD /__roqmock/health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert b"content-length: " in head.lower() and rest == b""


@pytest.mark.parametrize("name", ["never-made-before", "has space", "x" * 65, None])
def test_health_stays_open_with_any_session_header_and_makes_no_session(
    empty_server: RoqServer, name: str | None
) -> None:
    control = {"roq-platform-server-authorization": empty_server.server_header}
    before = httpx.get(f"{empty_server.url}/__roqmock/sessions", headers=control).json()["sessions"]
    session = name if name is not None else uuid.uuid4().hex
    for method in (httpx.get, httpx.head):
        response = method(f"{empty_server.url}/__roqmock/health", headers={"x-roqmock-session": session})
        assert response.status_code == 200, response.text
    assert (
        httpx.get(f"{empty_server.url}/__roqmock/health", headers={"x-roqmock-session": session}).json()[
            "status"
        ]
        == "ok"
    )
    after = httpx.get(f"{empty_server.url}/__roqmock/sessions", headers=control).json()["sessions"]
    assert after == before


def _graph_headers(server: RoqServer, token: str | None = None) -> dict[str, str]:
    return {
        "roq-platform-server-authorization": server.server_header,
        "roq-platform-authorization": f"Bearer {token or server.token()}",
        "accept": "application/json",
    }


def _journal(server: RoqServer, session: str | None = None, **params: str) -> list[dict[str, Any]]:
    headers = {"roq-platform-server-authorization": server.server_header}
    if session is not None:
        headers["x-roqmock-session"] = session
    response = httpx.get(f"{server.url}/__roqmock/requests", headers=headers, params=params)
    assert response.status_code == 200, response.text
    calls: list[dict[str, Any]] = response.json()["calls"]
    return calls


@pytest.mark.parametrize("path", ["/v01/server/graphql", "/v01/graphql"])
@pytest.mark.parametrize(
    "headers",
    [{"accept": "application/json"}, {"accept": "application/graphql-response+json"}],
    ids=["json", "graphql-response-json"],
)
def test_a_json_get_on_a_graph_never_gets_the_explorer(
    empty_server: RoqServer, path: str, headers: dict[str, str]
) -> None:
    response = httpx.get(f"{empty_server.url}{path}", headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert _error(response)["response"]["errorCode"] == "BAD_REQUEST"
    assert "query parameter" in _error(response)["response"]["message"]


@pytest.mark.parametrize("accept", [None, "text/html,application/xhtml+xml,*/*;q=0.8", "*/*"])
def test_a_browser_get_without_a_query_gets_the_explorer(empty_server: RoqServer, accept: str | None) -> None:
    headers = {"accept": accept} if accept is not None else {}
    response = httpx.get(f"{empty_server.url}/v01/server/graphql", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


def test_a_get_with_a_query_runs_it_with_the_posts_credentials(empty_server: RoqServer) -> None:
    user_id = _new_user(empty_server)
    url = f"{empty_server.url}/v01/server/graphql"
    query = "query one($id: ID!) { user(id: $id) { id } }"
    params = {"query": query, "variables": json.dumps({"id": user_id}), "operationName": "one"}
    # A browser's Accept still gets an answer, not the explorer: the query parameter says it is a call.
    for accept in ("application/json", "text/html"):
        response = httpx.get(url, params=params, headers={**_graph_headers(empty_server), "accept": accept})
        assert response.status_code == 200, response.text
        assert response.json() == {"data": {"user": {"id": user_id}}}
    user_token = empty_server.token(user_id)
    mine = httpx.get(
        f"{empty_server.url}/v01/graphql",
        params={
            "query": "query mine($id: ID) { users(filter: {id: {equalTo: $id}}) { totalCount } }",
            "variables": json.dumps({"id": user_id}),
        },
        headers={"roq-platform-authorization": f"Bearer {user_token}", "accept": "application/json"},
    )
    assert mine.status_code == 200 and mine.json()["data"]["users"]["totalCount"] == 1, mine.text
    refused = httpx.get(url, params=params, headers={"accept": "application/json"})
    assert refused.status_code == 401
    assert _error(refused)["response"]["errorCode"] == "MISSING_AUTH"
    bad = httpx.get(url, params={**params, "variables": "{not json"}, headers=_graph_headers(empty_server))
    assert bad.status_code == 400 and _error(bad)["response"]["errorCode"] == "BAD_REQUEST"


@pytest.mark.parametrize("path", ["/v01/server/graphql", "/v01/graphql"])
def test_a_mutation_is_never_run_from_a_get(empty_server: RoqServer, path: str) -> None:
    session = f"get-mutation-{uuid.uuid4().hex[:8]}"
    reference = f"via-get-{uuid.uuid4().hex[:8]}"
    user = json.dumps(reference)
    email = json.dumps(f"{reference}@example.com")
    mutation = f"mutation make {{ createUser(user: {{reference: {user}, email: {email}}}) {{ id }} }}"
    # Credentials each graph takes: the client graph takes user tokens only.
    token = empty_server.token(_new_user(empty_server)) if path == "/v01/graphql" else None
    headers = {**_graph_headers(empty_server, token), "x-roqmock-session": session}
    for method in (httpx.get, httpx.head):
        response = method(f"{empty_server.url}{path}", params={"query": mutation}, headers=headers)
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
    response = httpx.get(f"{empty_server.url}{path}", params={"query": mutation}, headers=headers)
    assert _error(response)["response"]["errorCode"] == "METHOD_NOT_ALLOWED"
    assert response.json()["data"] is None
    state = httpx.get(f"{empty_server.url}/__roqmock/state", headers=headers).json()
    assert reference not in {user["reference"] for user in state["users"]}
    calls = _journal(empty_server, session)
    assert [(c["operation"], c["caller"], c["status"], c["ok"]) for c in calls] == [
        ("createUser", "anonymous", 405, False)
    ] * 3


@pytest.mark.parametrize("path", ["/v01/server/graphql", "/v01/graphql"])
def test_a_get_without_credentials_is_refused_before_its_document_is_read(
    empty_server: RoqServer, path: str
) -> None:
    """A stranger's GET never gets as far as the document: neither its mutation (405) nor its syntax."""
    for document in ('mutation { createUser(user: {reference: "x", email: "x@y.z"}) { id } }', "{ oops"):
        response = httpx.get(f"{empty_server.url}{path}", params={"query": document})
        assert response.status_code == 401, response.text
        # The server graph asks for its server header first, the client graph for a token.
        missing = "MISSING_AUTH" if path == "/v01/server/graphql" else "UNAUTHORIZED_EXCEPTION"
        assert _error(response)["response"]["errorCode"] == missing


def test_every_405_names_the_allowed_methods(empty_server: RoqServer) -> None:
    response = httpx.put(f"{empty_server.url}/v01/server/graphql", json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
    response = httpx.get(f"{empty_server.url}/v01/authorize")
    assert (response.status_code, response.headers["allow"]) == (405, "POST")


# ---------------------------------------------------------------- refusals are journaled


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"roq-platform-authorization": "Bearer not.a.jwt"}, 401, "UNAUTHORIZED_EXCEPTION"),
        ({}, 401, "UNAUTHORIZED_EXCEPTION"),
        ({"roq-platform-server-authorization": "Basic !!!"}, 401, "INVALID_AUTH_HEADER"),
        ({"roq-platform-server-authorization": None}, 401, "MISSING_AUTH"),
    ],
    ids=["bad-token", "no-token", "bad-server-header", "no-server-header"],
)
def test_refused_graph_calls_are_journaled_as_anonymous_in_their_session(
    empty_server: RoqServer, headers: dict[str, str | None], status: int, code: str
) -> None:
    session = f"refusals-{uuid.uuid4().hex[:8]}"
    base = {
        "roq-platform-server-authorization": empty_server.server_header,
        "x-roqmock-session": session,
    }
    sent = {name: value for name, value in {**base, **headers}.items() if value is not None}
    assert _journal(empty_server, session) == []  # the session exists from here on
    root_before = _journal(empty_server, caller="anonymous")
    response = httpx.post(
        f"{empty_server.url}/v01/server/graphql",
        json={"query": "query q { conversations { totalCount } }", "operationName": "q"},
        headers=sent,
    )
    assert response.status_code == status and _error(response)["response"]["errorCode"] == code
    unparsable = httpx.post(
        f"{empty_server.url}/v01/server/graphql",
        content=b"{nope",
        headers={**sent, "content-type": "application/json"},
    )
    assert unparsable.status_code == status
    calls = _journal(empty_server, session)
    assert [(c["operation"], c["caller"], c["status"], c["errorCode"], c["ok"]) for c in calls] == [
        ("conversations", "anonymous", status, code, False),
        ("?", "anonymous", status, code, False),
    ]
    assert _journal(empty_server, caller="anonymous") == root_before  # not in the default world


def test_refused_client_graph_calls_are_journaled_and_control_calls_are_not(
    empty_server: RoqServer,
) -> None:
    session = f"refusals-{uuid.uuid4().hex[:8]}"
    assert _journal(empty_server, session) == []
    response = httpx.post(
        f"{empty_server.url}/v01/graphql",
        json={"query": "{ users { totalCount } }"},
        headers={
            "roq-platform-authorization": f"Bearer {empty_server.token()}",
            "x-roqmock-session": session,
        },
    )
    assert response.status_code == 401
    refused = httpx.get(
        f"{empty_server.url}/__roqmock/state",
        headers={"roq-platform-server-authorization": "Basic !!!", "x-roqmock-session": session},
    )
    assert refused.status_code == 401
    calls = _journal(empty_server, session)
    assert [(c["operation"], c["caller"], c["status"]) for c in calls] == [("users", "anonymous", 401)]


def test_early_error_replies_carry_the_cors_headers() -> None:
    server = serve("--cors-origin", "https://app.example", "--max-body-bytes", "1000")
    origin = {"origin": "https://app.example"}
    try:
        url = f"{server.url}/v01/server/graphql"
        too_big = httpx.post(url, content=b"x" * 2000, headers={**origin, "content-type": "application/json"})
        not_json = httpx.post(url, content=b"{}", headers={**origin, "content-type": "text/plain"})
        huge_headers = httpx.post(url, json={}, headers={**origin, "x-filler": "y" * 20_000})
        for response, status in ((too_big, 413), (not_json, 415), (huge_headers, 431)):
            assert response.status_code == status, response.text
            assert response.headers["access-control-allow-origin"] == "https://app.example", status
            assert response.json()["errors"][0]["extensions"]["response"]["statusCode"] == status
        calls = _journal(server)
        assert [(c["caller"], c["status"]) for c in calls] == [
            ("anonymous", 413),
            ("anonymous", 415),
            ("anonymous", 431),
        ]
    finally:
        server.stop()
