"""Fuzzing roqmock: schemathesis on the GraphQL schema, and Hypothesis on raw HTTP.

Part 1 runs schemathesis (its GraphQL support, over ``schema/roq.graphql``) against a real ``roqmock serve``
on loopback, as the service account and as a seeded user, and on the client graph as that user. IDs and
strings are often drawn from the server's world, so that calls reach the resolvers and not only the UUID
checks. Every answer must be free of 5xx, conform to the schema (schemathesis's response conformance check,
plus ``fuzz_checks.data_problems``: every selected field present, of its type, non-null where the schema
says so) and carry ROQ's error envelope.

Part 2 throws arbitrary bytes, JSON, GraphQL-shaped objects, token requests, header values, paths and
methods at the same server (httpx, loopback) and at the in-process transport, and wrong bodies at the
authorized control API. Every answer must come within the timeout, never be a 5xx, be in ROQ's shape for its
path (strict JSON: no NaN), and leave the server healthy; a refused request (a 4xx, or a graph's failed
operation) must leave the world exactly as it was; a saved world the server loads must serve the SDK's reads.
Bodies and headers over the limits get 413 and 431.

Schemathesis's own ``not_a_server_error`` check is not used: it takes every GraphQL error that has a
``path`` and no Apollo-style ``code`` for a server error, and ROQ answers its domain errors (404
``USER_NOT_FOUND``, 400 ``INVALID_UUID``...) exactly so, with 200 and ``data: null``. Its place is taken by
the checks on status and ``extensions.response.statusCode`` below.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import pytest
import schemathesis
from graphql import NameNode, ObjectFieldNode, ObjectValueNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.transport import Response as CheckedResponse
from schemathesis.graphql import nodes

# Its home on every schemathesis 4 release the test tools admit (later ones also export it from .checks).
from schemathesis.specs.openapi.checks import response_schema_conformance
from support import fuzz_strategies as fst
from support.fuzz_checks import (
    answer_problems,
    data_problems,
    describe,
    first,
    graph_path,
    graphql_envelope_problems,
    refused,
    strict_json,
)

from roqmock import documents
from roqmock.api.engine import CLIENT_GRAPH_MUTATIONS
from roqmock.client import HttpSession
from roqmock.sdl import sdl_path
from roqmock.seed import DEMO
from roqmock.testing import Roq, RoqServer, start_server

SEED = 20240611
TIMEOUT = 10.0  # seconds: an answer that takes longer is a failure ("always an answer within the timeout")

SERVER_HEADER = "roq-platform-server-authorization"
TOKEN_HEADER = "roq-platform-authorization"
SESSION_HEADER = "x-roqmock-session"

# Part 1: every status the graphs may answer a caller with good credentials (413: the body limit).
GRAPH_STATUSES = frozenset({200, 400, 401, 403, 404, 413})

# ---------------------------------------------------------------- the world's values, for both parts

# Filled from the running server's world by the `server` fixture; the scalar strategies below read it on
# every draw, so that schemathesis's IDs and strings name real records (users, conversations, emails, tags,
# role keys) often, beside fresh UUIDs and junk.
POOL: dict[str, list[str]] = {"ids": [], "strings": []}


def _pooled(kind: str) -> st.SearchStrategy[str]:
    def pick(index: int) -> str:
        pool = POOL[kind]
        return pool[index % len(pool)] if pool else str(uuid.UUID(int=index))

    return st.integers(min_value=0, max_value=10_000).map(pick)


_FRESH_EMAILS = st.uuids().map(lambda value: f"fuzz-{value.hex[:12]}@example.com")
_SPECIAL_STRINGS = st.sampled_from(
    [
        "",
        "ASC",
        "DESC",
        "createdAt",
        "body",
        "title",
        "email",
        "user",
        "admin",
        "%",
        "_",
        "\\",
        "%a%",
        "\u0000",
        "x" * 300,
        "00000000-0000-0000-0000-000000000000",
        "2024-01-01T00:00:00.000Z",
    ]
)
ID_VALUES = st.one_of(_pooled("ids"), st.uuids().map(str), st.text(max_size=40))
STRING_VALUES = st.one_of(_pooled("strings"), _FRESH_EMAILS, _SPECIAL_STRINGS, st.text(max_size=40))
DATE_VALUES = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
    st.dates().map(str),
    st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-02-30", "now", ""]),
    st.text(max_size=30),
)


def _json_object_node(value: dict[str, Any]) -> ObjectValueNode:
    return nodes.Object(
        [ObjectFieldNode(name=NameNode(value=key), value=node) for key, node in value.items()]
    )


_JSON_LEAVES = st.one_of(
    st.text(max_size=10).map(nodes.String),
    st.integers(-(2**31), 2**31 - 1).map(nodes.Int),
    st.booleans().map(nodes.Boolean),
    st.just(nodes.Null),
)
JSON_OBJECT_VALUES = st.one_of(
    st.dictionaries(
        st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True), _JSON_LEAVES, max_size=3
    ).map(_json_object_node),
    st.text(max_size=10).map(nodes.String),  # not an object: refused while validating
)

schemathesis.graphql.scalar("ID", ID_VALUES.map(nodes.String))
schemathesis.graphql.scalar("String", STRING_VALUES.map(nodes.String))
schemathesis.graphql.scalar("Date", DATE_VALUES.map(nodes.String))
schemathesis.graphql.scalar("JsonObject", JSON_OBJECT_VALUES)

GRAPHQL = schemathesis.graphql.from_path(sdl_path())


def _world_values(state: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Ids, and other strings worth sending (emails, references, tags, role keys), from a state dump."""
    ids: set[str] = set()
    strings: set[str] = set()
    for records in state.values():
        if not isinstance(records, list):
            continue
        for record in records:
            if not isinstance(record, dict):
                continue
            for key, value in record.items():
                if not isinstance(value, str):
                    continue
                if key == "id" or key.endswith("Id"):
                    ids.add(value)
                elif key in ("email", "reference", "tag", "key", "title", "contentType", "name"):
                    strings.add(value)
    return sorted(ids), sorted(ids | strings)


# ---------------------------------------------------------------- the server, reset after each test


@pytest.fixture(scope="module")
def server() -> Iterator[RoqServer]:
    running = start_server(seed=SEED)
    try:
        POOL["ids"], POOL["strings"] = _world_values(running.state())
        yield running
    finally:
        POOL["ids"], POOL["strings"] = [], []
        running.stop()


@pytest.fixture(autouse=True)
def _fresh_world(request: pytest.FixtureRequest, server: RoqServer) -> Iterator[None]:
    """Every test starts on the baseline world and ends with a healthy server; sessions never pile up.

    A test of the in-process target does not touch the server: _fresh_target looks after its world."""
    if "target" in request.fixturenames and request.getfixturevalue("target").name == "in-process":
        yield
        return
    server.reset()
    server.end_sessions()
    yield
    health = httpx.get(f"{server.url}/__roqmock/health", timeout=TIMEOUT)
    assert health.status_code == 200, f"the server is not healthy after the test: {health.text}"
    # The service account sees every conversation: the page counts the world's, and holds the first one.
    page = server.as_super_admin().conversations(limit=1)["conversations"]
    assert page["totalCount"] == len(server.world.conversations), page
    assert len(page["data"]) == min(1, page["totalCount"]), page
    server.reset()
    server.end_sessions()


Callers = dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def callers(server: RoqServer) -> Callers:
    """The headers of each caller part 1 fuzzes as: the service account, a seeded user, on each graph."""
    user_id = server.world.users[0].id
    service, user = server.token(), server.token(user_id)
    return {
        "service account": {SERVER_HEADER: server.server_header, TOKEN_HEADER: f"Bearer {service}"},
        "user": {SERVER_HEADER: server.server_header, TOKEN_HEADER: f"Bearer {user}"},
        "user on the client graph": {TOKEN_HEADER: f"Bearer {user}"},
    }


# ================================================================ part 1: schemathesis

GRAPH_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def _check_graph_case(case: Any, url: str, headers: Mapping[str, str]) -> Any:
    """Send a schemathesis case and check its answer; the answer's JSON."""
    # Sent by httpx rather than case.call: schemathesis 4.10 (the oldest line's) joins the schema file's
    # path onto the URL. The check reads the answer the same way on every 4.x release.
    sent = httpx.post(url, json={"query": case.body}, headers=dict(headers), timeout=TIMEOUT)
    response = CheckedResponse.from_any(sent)
    # schemathesis's GraphQL response checks: a JSON object, no non-null field answered null.
    case.validate_response(response, checks=[response_schema_conformance])
    reproduce = describe(
        "POST",
        url,
        {**headers, "content-type": "application/json"},
        json.dumps({"query": case.body}).encode(),
    )
    assert response.status_code in GRAPH_STATUSES, (
        f"status {response.status_code}: {response.text[:500]}\n{reproduce}"
    )
    content_type = ", ".join(response.headers.get("content-type", []))
    problems = answer_problems(
        "POST", urlsplit(url).path, response.status_code, content_type, response.content
    )
    body = response.json()
    if response.status_code == 200 and isinstance(body, dict):
        problems += data_problems(case.body, body.get("data"))
    assert not problems, f"{first(problems)}\nanswer: {response.text[:800]}\n{reproduce}"
    return body


@GRAPHQL.parametrize()
@GRAPH_SETTINGS
def test_server_graph_as_the_service_account(case: Any, server: RoqServer, callers: Callers) -> None:
    _check_graph_case(case, server.graphql_url, callers["service account"])


@GRAPHQL.parametrize()
@GRAPH_SETTINGS
def test_server_graph_as_a_seeded_user(case: Any, server: RoqServer, callers: Callers) -> None:
    _check_graph_case(case, server.graphql_url, callers["user"])


@GRAPHQL.parametrize()
@GRAPH_SETTINGS
def test_client_graph_as_a_seeded_user(case: Any, server: RoqServer, callers: Callers) -> None:
    """The client graph serves queries to user tokens, and refuses every mutation but the file ones
    ROQ's UI sends it."""
    body = _check_graph_case(case, f"{server.url}/v01/graphql", callers["user on the client graph"])
    label = case.operation.label
    if label.startswith("Mutation.") and label.removeprefix("Mutation.") not in CLIENT_GRAPH_MUTATIONS:
        assert body.get("data") is None and body.get("errors"), f"the client graph ran a mutation: {body}"


# ================================================================ part 2: Hypothesis on raw HTTP

VALID_SESSION = re.compile(rb"[A-Za-z0-9._-]{1,64}")

HTTP_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


@dataclass(repr=False)
class Target:
    """Where part 2 sends its requests: a real server over loopback, or the in-process transport."""

    name: str
    client: httpx.Client
    base_url: str
    server_header: str
    environment_id: str
    api_key: str
    tokens: list[str]
    world_values: list[str]
    reset: Callable[[], None]
    baseline: dict[str, Any]  # the baseline world, as GET /__roqmock/state gives it
    sent: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<{self.name} target>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # Short: Hypothesis prints the test's arguments (a dataclass field by field), and warns over a
        # long repr, which filterwarnings=error turns into a failure of its own.
        printer.text(repr(self))

    def send(
        self, method: str, path: str, headers: Mapping[str, bytes], content: bytes | None
    ) -> httpx.Response:
        self.sent.append(describe(method, self.base_url + path, _printable(headers), content))
        try:
            return self.client.request(method, self.base_url + path, headers=dict(headers), content=content)
        except httpx.TimeoutException:
            # AssertionError, not pytest.fail: Hypothesis shrinks only Exceptions, and pytest's is not one.
            raise AssertionError(f"no answer within {TIMEOUT} s\n{self.sent[-1]}") from None
        except httpx.TransportError as error:
            raise AssertionError(f"no answer ({type(error).__name__}: {error})\n{self.sent[-1]}") from None

    def state(self, session: bytes | None = None) -> Any:
        """The whole world (of ``session``, when it is a good name), strictly parsed."""
        headers = {SERVER_HEADER: self.server_header}
        if session is not None:
            headers[SESSION_HEADER] = session.decode("latin-1")
        response = self.client.get(f"{self.base_url}/__roqmock/state", headers=headers)
        assert response.status_code == 200, (
            f"GET /__roqmock/state: {response.status_code} {response.text[:300]}"
        )
        return strict_json(response.content)

    def assert_healthy(self) -> None:
        response = self.client.get(f"{self.base_url}/__roqmock/health")
        assert response.status_code == 200, f"unhealthy after\n{self.sent[-1]}\n{response.text[:300]}"

    def clear_journal(self) -> None:
        response = self.client.delete(
            f"{self.base_url}/__roqmock/requests", headers={SERVER_HEADER: self.server_header}
        )
        assert response.status_code == 200, response.text[:300]

    def assert_journal_is_json(self) -> None:
        response = self.client.get(
            f"{self.base_url}/__roqmock/requests", headers={SERVER_HEADER: self.server_header}
        )
        assert response.status_code == 200, response.text[:300]
        try:
            strict_json(response.content)
        except ValueError as error:
            raise AssertionError(
                f"GET /__roqmock/requests is not JSON ({error}) after\n{self.sent[-1]}"
            ) from None


def _printable(headers: Mapping[str, bytes]) -> dict[str, str]:
    return {name: value.decode("latin-1") for name, value in headers.items()}


@pytest.fixture(scope="module")
def in_process() -> Iterator[Roq]:
    yield Roq.create(seed=SEED)


@pytest.fixture(scope="module", params=["server", "in-process"])
def target(request: pytest.FixtureRequest, server: RoqServer) -> Iterator[Target]:
    if request.param == "server":
        client = httpx.Client(timeout=TIMEOUT)
        base_url, environment_id, api_key = server.url, server.environment_id, server.api_key
        people = server.world.users

        def reset() -> None:
            server.reset()
            server.end_sessions()

    else:
        roq: Roq = request.getfixturevalue("in_process")
        client = roq.http_client()
        base_url, environment_id, api_key = roq.base_url, roq.environment_id, roq.api_key
        people = roq.world.users

        def reset() -> None:
            roq.reset()
            roq.mock.drop_sessions()

    reset()
    session = HttpSession(base_url, environment_id=environment_id, api_key=api_key, http=client)
    tokens = [session.token(None), session.token(people[0].id), session.token(people[1].id)]
    baseline = _state_of(client, base_url, session.server_header)
    _, strings = _world_values(baseline)
    yield Target(
        name=request.param,
        client=client,
        base_url=base_url,
        server_header=session.server_header,
        environment_id=environment_id,
        api_key=api_key,
        tokens=tokens,
        world_values=strings,
        reset=reset,
        baseline=baseline,
    )
    reset()
    client.close()


@pytest.fixture(autouse=True)
def _fresh_target(request: pytest.FixtureRequest) -> Iterator[None]:
    """Part 2's tests start on the baseline world of their target, and leave it there."""
    if "target" not in request.fixturenames:
        yield
        return
    fuzzed: Target = request.getfixturevalue("target")
    fuzzed.reset()
    yield
    fuzzed.assert_healthy()
    fuzzed.reset()


def _state_of(client: httpx.Client, base_url: str, server_header: str) -> Any:
    response = client.get(f"{base_url}/__roqmock/state", headers={SERVER_HEADER: server_header})
    response.raise_for_status()
    return response.json()


def _decoded_path(response: httpx.Response) -> str:
    return unquote(response.request.url.raw_path.decode("ascii").partition("?")[0])


def _exchange(
    target: Target, method: str, path: str, headers: Mapping[str, bytes], content: bytes | None
) -> httpx.Response:
    """Send one request and check everything that must hold of any answer."""
    session = headers.get(SESSION_HEADER)
    session = session if session is not None and VALID_SESSION.fullmatch(session) else None
    before = (target.state(), target.state(session) if session else None)
    response = target.send(method, path, headers, content)
    request_path = _decoded_path(response)
    content_type = response.headers.get("content-type", "")
    reproduce = target.sent[-1]
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}\n{reproduce}"
    if method != "HEAD":
        problems = answer_problems(method, request_path, response.status_code, content_type, response.content)
        assert not problems, (
            f"{first(problems)}\nanswer {response.status_code}: {response.text[:500]}\n{reproduce}"
        )
    if refused(response.status_code, response.content, request_path, content):
        after = (target.state(), target.state(session) if session else None)
        assert after == before, (
            f"a refused request ({response.status_code}) changed the world: {_difference(before, after)}\n"
            f"answer: {response.text[:300]}\n{reproduce}"
        )
    target.assert_healthy()
    return response


def _difference(before: Any, after: Any) -> str:
    for index, (old, new) in enumerate(zip(before, after, strict=True)):
        if old == new:
            continue
        if not isinstance(old, dict) or not isinstance(new, dict):
            return f"world {index}: {old!r:.200} -> {new!r:.200}"
        changed = sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))
        return f"{'session' if index else 'root'} world, {changed}: " + "; ".join(
            f"{key}: {len(old.get(key) or [])} -> {len(new.get(key) or [])} records" for key in changed
        )
    return "nothing"


def _good_headers(target: Target, token: int = 0) -> dict[str, bytes]:
    return {
        "content-type": b"application/json",
        SERVER_HEADER: target.server_header.encode(),
        TOKEN_HEADER: f"Bearer {target.tokens[token]}".encode(),
    }


@st.composite
def _bodies(draw: st.DrawFn, world_values: Sequence[str]) -> bytes:
    kind = draw(st.sampled_from(["bytes", "json", "graphql", "pathological"]))
    if kind == "bytes":
        return fst.Body(draw(st.binary(max_size=300)))
    if kind == "json":
        return fst.Body(fst.dumps(draw(fst.json_values())))
    if kind == "graphql":
        return fst.Body(fst.dumps(draw(fst.graphql_bodies(world_values))))
    return draw(fst.PATHOLOGICAL_BODIES)


@HTTP_SETTINGS
@given(data=st.data())
def test_arbitrary_bodies_on_roqs_endpoints(target: Target, data: st.DataObject) -> None:
    """Bytes, JSON, GraphQL-shaped objects and parser bombs, POSTed with good credentials to ROQ's paths."""
    path = data.draw(st.sampled_from(fst.ROQ_JSON_PATHS), label="path")
    token = 0 if path != "/v01/graphql" else data.draw(st.sampled_from([1, 2]), label="token")
    body = data.draw(_bodies(target.world_values), label="body")
    target.clear_journal()
    response = _exchange(target, "POST", path, _good_headers(target, token), body)
    if graph_path(path) and response.status_code == 200:
        answer = response.json()
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        if isinstance(request, dict) and isinstance(request.get("query"), str):
            variables = request.get("variables") if isinstance(request.get("variables"), dict) else {}
            problems = data_problems(request["query"], answer.get("data"), variables)
            assert not problems, f"{first(problems)}\n{target.sent[-1]}"
    target.assert_journal_is_json()


@HTTP_SETTINGS
@given(data=st.data())
def test_arbitrary_token_requests(target: Target, data: st.DataObject) -> None:
    """The token endpoints with near-valid bodies: credentials right or wrong, any userId, any expiresIn."""
    path = data.draw(st.sampled_from(["/v01/authorize", "/v01/authorize/serviceAccount"]), label="path")
    user_ids = [user["id"] for user in target.baseline["users"]]
    body = data.draw(
        fst.token_bodies(target.environment_id, target.api_key, user_ids, target.world_values), label="body"
    )
    _exchange(target, "POST", path, _good_headers(target), fst.dumps(body))


# expiresIn values at the edges of numbers, as raw JSON (1e400 reads as inf in Python, and has no JSON form).
EDGE_EXPIRES_IN = {
    "1e400": "1e400",
    "-1e400": "-1e400",
    "10**400": "1" + "0" * 400,
    "1e308": "1e308",
    "2**53+1": "9007199254740993",
    "-0.0": "-0.0",
    "0.5": "0.5",
    "400 nines days": '"' + "9" * 400 + ' days"',
    "320 ones ms": '"' + "1" * 320 + '"',
    "1e400s": '"1e400s"',
    "NaN string": '"NaN"',
}


@pytest.mark.parametrize("expires_in", EDGE_EXPIRES_IN.values(), ids=EDGE_EXPIRES_IN.keys())
def test_edge_expires_in(target: Target, expires_in: str) -> None:
    """A user token with each edge expiresIn: a token or a 400 INVALID_EXPIRES_IN, in strict JSON."""
    user_id = target.baseline["users"][0]["id"]
    body = (
        f'{{"environmentId": "{target.environment_id}", "apiKey": "{target.api_key}", '
        f'"userId": "{user_id}", "expiresIn": {expires_in}}}'
    ).encode()
    response = _exchange(target, "POST", "/v01/authorize", _good_headers(target), body)
    assert response.status_code in (200, 400), response.text[:300]


@HTTP_SETTINGS
@given(data=st.data())
def test_arbitrary_header_values(target: Target, data: st.DataObject) -> None:
    """Any value, or none, in the auth, session and content-type headers, on a small good query."""
    path = data.draw(st.sampled_from(fst.ROQ_JSON_PATHS), label="path")
    headers: dict[str, bytes] = {}
    optional = {
        SERVER_HEADER: fst.server_header_values(target.server_header, target.environment_id, target.api_key),
        TOKEN_HEADER: fst.bearer_values(target.tokens),
        SESSION_HEADER: fst.session_values(),
        "content-type": fst.content_types(),
        "x-padding": fst.big_header_values(),
    }
    for name, values in optional.items():
        value = data.draw(st.one_of(st.none(), values), label=name)
        if value is not None:
            headers[name] = fst.sendable(value)
    credentials = {"environmentId": target.environment_id, "apiKey": target.api_key}
    body = data.draw(
        st.sampled_from(
            [
                {"query": "{ conversations(limit: 2) { totalCount data { id title } } }"},
                {"query": 'mutation { deleteConversation(id: "00000000-0000-0000-0000-000000000000") }'},
                credentials,
                {**credentials, "userId": target.world_values[0]},
            ]
        ),
        label="body",
    )
    _exchange(target, "POST", path, headers, fst.dumps(body))


@HTTP_SETTINGS
@given(data=st.data())
def test_arbitrary_requests(target: Target, data: st.DataObject) -> None:
    """Any method on any path, with any of the headers and bodies above.

    Authorized writes to the control API (reset, seed, state, faults...) are left out: they change the
    world or make later answers fail on purpose. Their bodies have a test of their own below.
    """
    method = data.draw(fst.methods(any_token=target.name == "in-process"), label="method")
    path = data.draw(fst.paths(), label="path")
    headers: dict[str, bytes] = {}
    if data.draw(st.booleans(), label="good credentials"):
        headers.update(_good_headers(target))
    for name, values in {
        SERVER_HEADER: fst.server_header_values(target.server_header, target.environment_id, target.api_key),
        TOKEN_HEADER: fst.bearer_values(target.tokens),
        SESSION_HEADER: fst.session_values(),
        "content-type": fst.content_types(),
    }.items():
        value = data.draw(st.one_of(st.none(), values), label=name)
        if value is not None:
            headers[name] = fst.sendable(value)
    body = data.draw(st.one_of(st.none(), _bodies(target.world_values)), label="body")
    decoded = unquote(httpx.URL(target.base_url + path).path)
    if (
        decoded.startswith("/__roqmock")
        and method != "GET"
        and headers.get(SERVER_HEADER) == target.server_header.encode()
    ):
        del headers[SERVER_HEADER]
    _exchange(target, method, path, headers, body)


# The SDK's reads, every relation selected: a world that loads must serve them without an INTERNAL_ERROR.
SDK_READS = (
    (documents.CONVERSATIONS, {"withUsers": True, "withTags": True}),
    (documents.MESSAGES, {"withFile": True}),
    (documents.USERS, {"withTenant": True, "withRoles": True}),
    (documents.FILES, {}),
)


def _assert_world_serves(target: Target, context: str) -> None:
    for query, variables in SDK_READS:
        response = target.client.post(
            f"{target.base_url}/v01/server/graphql",
            json={"query": query, "variables": variables},
            headers={SERVER_HEADER: target.server_header, TOKEN_HEADER: f"Bearer {target.tokens[0]}"},
        )
        problems = graphql_envelope_problems(response.status_code, strict_json(response.content))
        assert response.status_code == 200 and not problems, (
            f"{query.split('(')[0].strip()} fails {context}:\n{first(problems)}\n{response.text[:500]}"
        )


@pytest.mark.parametrize("index", range(len(fst.PATHOLOGICAL)))
def test_pathological_bodies(target: Target, index: int) -> None:
    """Each parser bomb and odd encoding, on each of ROQ's JSON endpoints: always, not only when drawn."""
    for path in fst.ROQ_JSON_PATHS:
        token = 1 if path == "/v01/graphql" else 0
        target.clear_journal()
        _exchange(target, "POST", path, _good_headers(target, token), fst.PATHOLOGICAL[index])
        target.assert_journal_is_json()


CONTROL_SETTINGS = settings(HTTP_SETTINGS, max_examples=50)


@CONTROL_SETTINGS
@given(data=st.data())
def test_control_api_with_arbitrary_bodies(target: Target, data: st.DataObject) -> None:
    """The control API, authorized, with wrong bodies: saved worlds with a field changed, faults, filters.

    After each call the target goes back to its baseline (a fault added on purpose would fail later calls).
    """
    method, path, drawn = data.draw(
        fst.control_requests(target.baseline, target.world_values), label="request"
    )
    body = fst.dumps(fst.apply_edits(target.baseline, drawn)) if isinstance(drawn, list) else drawn
    headers = {SERVER_HEADER: target.server_header.encode(), "content-type": b"application/json"}
    try:
        response = _exchange(target, method, path, headers, body)
        if method == "PUT" and response.status_code == 200:
            _assert_world_serves(
                target, f"after PUT /__roqmock/state with the baseline world edited by {drawn!r}"
            )
    finally:
        restore = target.client.post(
            f"{target.base_url}/__roqmock/seed",
            json={"seed": SEED, **dataclasses.asdict(DEMO)},
            headers={SERVER_HEADER: target.server_header},
        )
        assert restore.status_code == 200, restore.text
        target.client.delete(
            f"{target.base_url}/__roqmock/faults", headers={SERVER_HEADER: target.server_header}
        )


MIB = 1024 * 1024


def _chunks(size: int) -> Iterator[bytes]:
    """A body sent chunked (no Content-Length), so that the server finds its size only by reading it."""
    yield b'{"query": "'
    for _ in range(size // 65536):
        yield b"a" * 65536
    yield b'"}'


@pytest.mark.parametrize(
    ("size", "chunked"),
    [(MIB - 100, False), (MIB + 1, False), (8 * MIB, False), (4 * MIB, True)],
    ids=["under", "over", "far-over", "chunked-over"],
)
def test_bodies_over_the_limit_are_413(target: Target, size: int, chunked: bool) -> None:
    """1 MiB bodies and over, on every JSON endpoint: 413 PAYLOAD_TOO_LARGE over it, in the path's shape."""
    for path in fst.ROQ_JSON_PATHS:
        content = b'{"query": "' + b"a" * (size - 13) + b'"}'
        if chunked:
            response = target.client.post(
                target.base_url + path,
                content=_chunks(size),
                headers=_good_headers(target, 1 if path == "/v01/graphql" else 0),
            )
        else:
            response = _exchange(
                target, "POST", path, _good_headers(target, 1 if path == "/v01/graphql" else 0), content
            )
        over = size > MIB
        assert (response.status_code == 413) == over, (
            f"{path}, {size} bytes: {response.status_code} {response.text[:200]}"
        )
        problems = answer_problems(
            "POST", path, response.status_code, response.headers["content-type"], response.content
        )
        assert not problems, first(problems)
        if over:
            body = response.json()
            response_body = body["errors"][0]["extensions"]["response"] if graph_path(path) else body
            assert response_body["errorCode"] == "PAYLOAD_TOO_LARGE", body
    target.assert_healthy()


@pytest.mark.parametrize("size", [8_000, 20_000, 100_000])
def test_headers_over_the_limit_are_431(target: Target, size: int) -> None:
    for path in (*fst.ROQ_JSON_PATHS, "/__roqmock/health", "/nowhere"):
        headers = {**_good_headers(target), "x-padding": b"p" * size}
        response = _exchange(target, "POST", path, headers, b'{"query": "{ conversations { totalCount } }"}')
        assert (response.status_code == 431) == (size > 16 * 1024), (
            f"{path}: {response.status_code} {response.text[:200]}"
        )
