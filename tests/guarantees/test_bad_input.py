"""A catalogue of bad input against a real ``roqmock serve``: every case is refused, cheaply, and harmlessly.

Each case sends one bad request (through httpx, or a raw socket where httpx cannot send the bytes) and
checks that roqmock

- answers a 4xx (never a 5xx, never a hang) within :data:`QUICK` seconds,
- in ROQ's error shape: the GraphQL envelope on the two graphs, NestJS's REST object elsewhere (S3's
  XML error body on the two doors of file bytes, the upload and the download, as S3 answers there),
- with the expected ``errorCode``,
- changes nothing: the world (``GET /__roqmock/state``), sessions and faults are as before, and the
  journal gained exactly one failed call for a call on a graph (one refused before it ran as the
  ``anonymous`` caller's, with the refusal's status and code) and none for any other path,
- and is healthy afterwards.

Errors raised while a GraphQL operation executes (a filter id that is not a UUID, say) are answered as
ROQ answers them: HTTP 200 with ``data: null`` and the 400 inside ``extensions.response``. Cases that
expect that say ``execution=True``; every other case needs the 4xx on the wire.

Limits under test are roqmock's defaults (``roqmock/config.py``): bodies over 1 MiB are 413, headers over
16 KiB 431, documents that would resolve more than 500 fields (``DEFAULT_MAX_COST`` in
``roqmock/api/cost.py``: every alias counted, every fragment spread expanded) 400.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import httpx
import jwt
import pytest
from support.fuzz_checks import graph_path, graphql_envelope_problems, nest_error_problems
from support.s3_forms import FORM_DATA_BOUNDARY, error_of, multipart, now_ms, repolicy, signed_form

from roqmock import uploads
from roqmock.api.cost import DEFAULT_MAX_COST
from roqmock.api.engine import MAX_TOKENS
from roqmock.testing import RoqServer, start_server

SECRET = "roqmock-bad-input-catalogue-secret-" + "x" * 40  # >= 64 bytes: no PyJWT key-length warnings
OTHER_SECRET = "not-the-server-secret-but-long-enough-for-every-hmac-algorithm-" + "y" * 10
BODY_LIMIT = 1024 * 1024
HEADER_LIMIT = 16 * 1024
QUICK = 3.0  # seconds a refusal may take
TIMEOUT = 10.0  # seconds before the client gives up: a hang fails, it does not stall the run
RAW_TIMEOUT = 5.0

SERVER_GRAPH = "/v01/server/graphql"
CLIENT_GRAPH = "/v01/graphql"
JSON_TYPE = "application/json"

OK_QUERY = "{ users { totalCount } }"
IDS_QUERY = "query q($ids: [ID!]) { conversations(filter: {id: {valueIn: $ids}}) { totalCount } }"
CREATE_USER = "mutation c($u: UserCreateDto!) { createUser(user: $u) { id } }"


# ---------------------------------------------------------------- the server and what the cases need


@dataclass
class Ctx:
    """A running server and the credentials cases build their requests from."""

    server: RoqServer
    # One client for the harness's own calls; cases get a new connection each (no keep-alive).
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=TIMEOUT))
    cases: httpx.Client = field(
        default_factory=lambda: httpx.Client(
            timeout=TIMEOUT, limits=httpx.Limits(max_keepalive_connections=0)
        )
    )
    service_token: str = ""
    service_user_id: str = ""
    user_id: str = ""
    user_token: str = ""

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def environment_id(self) -> str:
        return self.server.environment_id

    @property
    def api_key(self) -> str:
        return self.server.api_key

    @property
    def server_header(self) -> str:
        return self.server.server_header

    def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(
            method,
            f"{self.url}/__roqmock/{path}",
            headers={"roq-platform-server-authorization": self.server_header},
            timeout=TIMEOUT,
            **kwargs,
        )

    def claims(self) -> dict[str, Any]:
        """ROQ's claims of a service-account token, valid for ten minutes."""
        now = int(time.time())
        return {
            "roqEnvironmentId": self.environment_id,
            "roqUserId": self.service_user_id,
            "iat": now,
            "exp": now + 600,
        }

    def sign(self, **overrides: Any) -> str:
        """A token signed with the server's own secret; an override of None leaves that claim out."""
        payload = {**self.claims(), **overrides}
        return jwt.encode({k: v for k, v in payload.items() if v is not None}, SECRET, algorithm="HS256")


def _launch() -> RoqServer:
    return start_server(seed=3, extra_args=["--token-secret", SECRET])


def _credentials(ctx: Ctx) -> None:
    ctx.service_token = ctx.server.token()
    ctx.service_user_id = jwt.decode(ctx.service_token, options={"verify_signature": False})["roqUserId"]
    ctx.user_id = min(ctx.server.world.users, key=lambda user: user.email).id
    ctx.user_token = ctx.server.token(ctx.user_id)


def _graphql(ctx: Ctx, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
    answer = ctx.server.as_super_admin().execute(query, variables)
    assert "errors" not in answer, answer
    data: dict[str, Any] = answer["data"]
    return data


@pytest.fixture(scope="module")
def ctx() -> Iterator[Ctx]:
    context = Ctx(_launch())
    try:
        _credentials(context)
        yield context
    finally:
        context.http.close()
        context.cases.close()
        context.server.stop()


def _healthy(ctx: Ctx, timeout: float) -> bool:
    try:
        response = ctx.http.get(f"{ctx.url}/__roqmock/health", timeout=timeout)
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and response.json().get("status") == "ok"


@pytest.fixture
def fresh(ctx: Ctx) -> Ctx:
    """The baseline world plus one write of this test's own, no sessions, an empty journal.

    The write makes the world differ from the baseline, so a reset that should not have happened shows.
    A server that a previous case killed or wedged is replaced (the token secret is fixed: tokens last).
    """
    if ctx.server.process is not None and (ctx.server.process.poll() is not None or not _healthy(ctx, 15)):
        ctx.server.stop()
        ctx.server = _launch()
    for method, path in (("POST", "reset"), ("DELETE", "sessions")):
        assert ctx.control(method, path).status_code == 200
    marker = uuid.uuid4().hex[:12]
    _graphql(ctx, CREATE_USER, {"u": {"reference": f"marker-{marker}", "email": f"{marker}@example.com"}})
    return ctx


# ---------------------------------------------------------------- requests and raw sockets


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    headers: Mapping[str, str | bytes] = field(default_factory=dict)
    content: bytes | Callable[[], Iterable[bytes]] | None = None
    raw: bytes | None = None  # the whole request, sent as is over a socket


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    content: bytes
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.content)


def _send(ctx: Ctx, req: Req) -> Answer:
    if req.raw is not None:
        return _send_raw(ctx, req.raw)
    content = req.content() if callable(req.content) else req.content
    started = time.perf_counter()
    try:
        response = ctx.cases.request(req.method, f"{ctx.url}{req.path}", headers=req.headers, content=content)
    except httpx.TimeoutException:
        pytest.fail(f"no answer within {TIMEOUT} s to {req.method} {req.path}")
    return Answer(
        response.status_code,
        response.headers.get("content-type", ""),
        response.content,
        time.perf_counter() - started,
    )


def _send_raw(ctx: Ctx, data: bytes) -> Answer:
    host, port = ctx.url.removeprefix("http://").rsplit(":", 1)
    started = time.perf_counter()
    received = b""
    with socket.create_connection((host, int(port)), timeout=RAW_TIMEOUT) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                pytest.fail(f"no answer within {RAW_TIMEOUT} s to the raw request {data[:120]!r}...")
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
            head, separator, body = received.partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
            if separator and length and len(body) >= int(length.group(1)):
                break
    elapsed = time.perf_counter() - started
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    assert status_line.startswith("HTTP/1.1 "), f"not an HTTP answer: {received[:200]!r}"
    headers = dict(line.lower().split(":", 1) for line in header_lines if ":" in line)
    return Answer(int(status_line.split()[1]), headers.get("content-type", "").strip(), body, elapsed)


def raw_graph(
    content: bytes, headers: Mapping[str, str] | None = None, *, length: int | None = None
) -> Callable[[Ctx], Req]:
    """A POST to the server graph written byte by byte, authorised unless ``headers`` say otherwise.

    ``length`` declares a Content-Length other than the body's.
    """

    def build(c: Ctx) -> Req:
        fields = {
            "host": "127.0.0.1",
            "content-type": JSON_TYPE,
            "roq-platform-authorization": f"Bearer {c.service_token}",
            "roq-platform-server-authorization": c.server_header,
            **(headers or {}),
            "content-length": str(len(content) if length is None else length),
        }
        head = f"POST {SERVER_GRAPH} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
        return Req("POST", SERVER_GRAPH, raw=(head + "\r\n").encode("latin-1") + content)

    return build


# ---------------------------------------------------------------- building cases


def j(value: Any) -> bytes:
    return json.dumps(value).encode()


def body(query: Any = OK_QUERY, **rest: Any) -> bytes:
    return j({"query": query, **rest})


Token = str | Callable[[Ctx], str] | None


def service_bearer(c: Ctx) -> str:
    return f"Bearer {c.service_token}"


def user_bearer(c: Ctx) -> str:
    return f"Bearer {c.user_token}"


def server_basic(c: Ctx) -> str:
    return c.server_header


def _value(value: Any, c: Ctx) -> Any:
    return value(c) if callable(value) else value


def graph(
    content: bytes | Callable[[Ctx], bytes] | Callable[[], Iterable[bytes]] = b"",
    *,
    path: str = SERVER_GRAPH,
    method: str = "POST",
    token: Token = service_bearer,
    server: Token = server_basic,
    content_type: str | None = JSON_TYPE,
    extra: Mapping[str, str | bytes] | Callable[[Ctx], Mapping[str, str | bytes]] | None = None,
    streamed: bool = False,
) -> Callable[[Ctx], Req]:
    """A request to a graph (or any path), authorised as the service account unless told otherwise."""

    def build(c: Ctx) -> Req:
        headers: dict[str, str | bytes] = {}
        if content_type is not None:
            headers["content-type"] = content_type
        if token is not None:
            headers["roq-platform-authorization"] = _value(token, c)
        if server is not None and path == SERVER_GRAPH:
            headers["roq-platform-server-authorization"] = _value(server, c)
        headers.update(_value(extra, c) or {})
        payload: Any = content if streamed else _value(content, c)
        return Req(method, path, headers, payload)

    return build


def client(content: bytes, *, token: Token = user_bearer, **options: Any) -> Callable[[Ctx], Req]:
    return graph(content, path=CLIENT_GRAPH, token=token, **options)


def rest(
    path: str,
    content: bytes | Callable[[Ctx], bytes] | None = None,
    *,
    method: str = "POST",
    token: Token = None,
    content_type: str | None = JSON_TYPE,
    extra: Mapping[str, str | bytes] | Callable[[Ctx], Mapping[str, str | bytes]] | None = None,
) -> Callable[[Ctx], Req]:
    return graph(
        content if content is not None else b"",
        path=path,
        method=method,
        token=token,
        server=None,
        content_type=content_type if content is not None else None,
        extra=extra,
    )


def control(
    path: str,
    content: bytes | Callable[[Ctx], bytes] | None = None,
    *,
    method: str = "POST",
    server: Token = server_basic,
    extra: Mapping[str, str | bytes] | None = None,
) -> Callable[[Ctx], Req]:
    def headers(c: Ctx) -> dict[str, str | bytes]:
        out: dict[str, str | bytes] = {**(extra or {})}
        if server is not None:
            out["roq-platform-server-authorization"] = _value(server, c)
        return out

    return rest(f"/__roqmock/{path}", content, method=method, extra=headers)


def credentials(c: Ctx, **overrides: Any) -> bytes:
    """``POST /v01/authorize``'s body for the test's user, with overrides."""
    return j({"environmentId": c.environment_id, "apiKey": c.api_key, "userId": c.user_id, **overrides})


def basic(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return "Basic " + base64.b64encode(raw).decode()


def b64url(data: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@dataclass(frozen=True)
class Case:
    build: Callable[[Ctx], Req]
    status: int
    codes: tuple[str, ...]
    execution: bool = False  # a GraphQL execution error: HTTP 200, data null, the 4xx in the envelope
    message: str | None = None  # a fragment the first error's message must hold
    quick: float = QUICK  # seconds the refusal may take


def case(
    id: str,
    build: Callable[[Ctx], Req],
    status: int,
    *codes: str,
    execution: bool = False,
    message: str | None = None,
    quick: float = QUICK,
) -> Any:
    return pytest.param(Case(build, status, codes, execution, message, quick), id=id)


def nested_query(levels: int) -> str:
    return "{ " + "users { data { " * levels + "id" + " } }" * levels + " }"


def fragment_fan_out(levels: int, fan_out: int) -> str:
    """``F0`` spreads ``F1`` ``fan_out`` times, ``F1`` spreads ``F2``... : fan_out**levels fields."""
    fragments = [f"fragment F{i} on Query {{ {f'...F{i + 1} ' * fan_out}}}" for i in range(levels)]
    return "query bomb { ...F0 } " + " ".join(fragments) + f" fragment F{levels} on Query {{ __typename }}"


def fragment_binary(levels: int) -> str:
    fragments = [
        f"fragment F{i} on Query {{ users {{ totalCount }} ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    ]
    return "query bomb { ...F0 } " + " ".join(fragments) + f" fragment F{levels} on Query {{ __typename }}"


def over_limit_chunks() -> Iterable[bytes]:
    for _ in range(BODY_LIMIT // 32768 + 8):
        yield b" " * 32768


# ---------------------------------------------------------------- the catalogue

CASES = [
    # ------------------------------------------------ the body is not a GraphQL request object
    case("json-malformed", graph(b"{not json"), 400, "BAD_REQUEST"),
    case("json-truncated", graph(body()[:-2]), 400, "BAD_REQUEST"),
    case("json-a-string", graph(j(OK_QUERY)), 400, "BAD_REQUEST"),
    case("json-a-number", graph(b"42"), 400, "BAD_REQUEST"),
    case("json-null", graph(b"null"), 400, "BAD_REQUEST"),
    case("json-true", graph(b"true"), 400, "BAD_REQUEST"),
    case("json-batched-array", graph(j([{"query": OK_QUERY}, {"query": OK_QUERY}])), 400, "BAD_REQUEST"),
    case("json-empty-array", graph(b"[]"), 400, "BAD_REQUEST"),
    case("body-empty", graph(b""), 400, "BAD_REQUEST"),
    case("body-whitespace-only", graph(b" \r\n\t "), 400, "BAD_REQUEST"),
    # JSON has no NaN (JSON.parse, which ROQ runs, refuses it); Python's json.loads reads it.
    case(
        "json-nan-literal",
        graph(b'{"query": "{ users { totalCount } }", "extensions": NaN}'),
        400,
        "BAD_REQUEST",
    ),
    case(
        "json-nan-stored-in-customData",
        graph(
            b'{"query": "mutation c($u: UserCreateDto!) { createUser(user: $u) { id } }", "variables": '
            b'{"u": {"reference": "nan-user", "email": "nan@example.com", "customData": {"x": NaN}}}}'
        ),
        400,
        "BAD_REQUEST",
    ),
    case(
        "json-deeply-nested",
        graph(b'{"query": "{ users { totalCount } }", "v": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
        400,
        "BAD_REQUEST",
    ),
    case(
        "json-int-of-5000-digits",
        graph(
            b'{"query": "query q($l: Int) { users(limit: $l) { totalCount } }", "variables": {"l": '
            + b"9" * 5000
            + b"}}"
        ),
        400,
        "BAD_REQUEST",
        "GRAPHQL_VALIDATION_FAILED",
    ),
    # ------------------------------------------------ bytes that are not UTF-8 JSON
    case("utf8-invalid-bytes", graph(b'{"query": "{ users { totalCount } }\xff\xfe"}'), 400, "BAD_REQUEST"),
    case(
        "utf8-overlong-encoding", graph(b'{"query": "{ users \xc0\xaf{ totalCount } }"}'), 400, "BAD_REQUEST"
    ),
    case("utf16-body", graph(body().decode().encode("utf-16")), 400, "BAD_REQUEST"),
    case("nul-raw-inside-string", graph(b'{"query": "{ users { totalCount } }\x00"}'), 400, "BAD_REQUEST"),
    case("nul-raw-after-object", graph(body() + b"\x00"), 400, "BAD_REQUEST"),
    case("nul-raw-before-object", graph(b"\x00" + body()), 400, "BAD_REQUEST"),
    # ------------------------------------------------ query, variables, operationName
    case("query-missing", graph(j({"variables": {}})), 400, "BAD_REQUEST"),
    case("query-null", graph(body(None)), 400, "BAD_REQUEST"),
    case("query-a-number", graph(body(5)), 400, "BAD_REQUEST"),
    case("query-a-list", graph(body([OK_QUERY])), 400, "BAD_REQUEST"),
    case("query-empty-string", graph(body("")), 400, "BAD_REQUEST"),
    case("query-whitespace-only", graph(body("  \n ")), 400, "BAD_REQUEST"),
    case("variables-a-string", graph(body(variables="{}")), 400, "BAD_REQUEST"),
    case("variables-a-list", graph(body(variables=[1, 2])), 400, "BAD_REQUEST"),
    case("operationName-a-number", graph(body(operationName=7)), 400, "BAD_REQUEST"),
    case("operationName-an-object", graph(body(operationName={"name": "q"})), 400, "BAD_REQUEST"),
    case("operationName-unknown", graph(body(operationName="nope")), 400, "GRAPHQL_VALIDATION_FAILED"),
    case(
        "operationName-lone-surrogate",
        graph(body(operationName="\ud800")),
        400,
        "BAD_REQUEST",
    ),
    case(
        "two-operations-without-a-name-mutation-first",
        graph(
            body(
                'mutation a { createUser(user: {reference: "two-ops", email: "two@example.com"}) { id } } '
                "query b { users { totalCount } }"
            )
        ),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case(
        "two-anonymous-operations",
        graph(body("{ users { totalCount } } { files { totalCount } }")),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case(
        "duplicate-operation-names",
        graph(body("query a { users { totalCount } } query a { files { totalCount } }", operationName="a")),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    # ------------------------------------------------ syntax
    case("syntax-unclosed-brace", graph(body("{ users { totalCount }")), 400, "GRAPHQL_PARSE_FAILED"),
    case(
        "syntax-argument-without-value",
        graph(body("{ users(limit: ) { totalCount } }")),
        400,
        "GRAPHQL_PARSE_FAILED",
    ),
    case("syntax-unterminated-string", graph(body('{ user(id: "abc) { id } }')), 400, "GRAPHQL_PARSE_FAILED"),
    case(
        "syntax-invalid-character",
        graph(body("{ users { totalCount } } \u00a7")),
        400,
        "GRAPHQL_PARSE_FAILED",
    ),
    case(
        "syntax-nul-escaped-in-query",
        graph(body("{ users\u0000 { totalCount } }")),
        400,
        "GRAPHQL_PARSE_FAILED",
    ),
    case(
        "syntax-lone-surrogate-in-query",
        graph(body("{ users { totalCount } }\ud800")),
        400,
        "BAD_REQUEST",
    ),
    case("syntax-only-a-comment", graph(body("# nothing to see")), 400, "GRAPHQL_PARSE_FAILED"),
    case(
        "syntax-nested-300-levels",
        graph(body(nested_query(300))),
        400,
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
    ),
    # graphql-core stops lexing at roqmock's token limit.
    case(
        "syntax-over-the-token-limit",
        graph(body("{ " + "a " * 150_000 + "}")),
        400,
        "GRAPHQL_PARSE_FAILED",
        message=f"more than {MAX_TOKENS} tokens",
        quick=2 * QUICK,
    ),
    # ------------------------------------------------ validation
    case("unknown-root-field", graph(body("{ nope }")), 400, "GRAPHQL_VALIDATION_FAILED"),
    case(
        "unknown-nested-field", graph(body("{ users { data { nope } } }")), 400, "GRAPHQL_VALIDATION_FAILED"
    ),
    case(
        "unknown-argument",
        graph(body("{ users(bogus: 1) { totalCount } }")),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case(
        "unknown-variable-type",
        graph(body("query q($x: Nope) { users(limit: $x) { totalCount } }")),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case("missing-required-argument", graph(body("{ user { id } }")), 400, "GRAPHQL_VALIDATION_FAILED"),
    case(
        "null-literal-for-non-null-argument",
        graph(body("{ user(id: null) { id } }")),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case(
        "wrong-literal-type",
        graph(body('{ users(limit: "ten") { totalCount } }')),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case(
        "selection-on-a-scalar",
        graph(body("{ users { totalCount { value } } }")),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case("object-without-selection", graph(body("{ users }")), 400, "GRAPHQL_VALIDATION_FAILED"),
    case("undefined-fragment", graph(body("{ ...Nope }")), 400, "GRAPHQL_VALIDATION_FAILED"),
    case(
        "fragment-on-unknown-type",
        graph(body("{ ...F } fragment F on Nope { id }")),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case(
        "fragment-cycle",
        graph(body("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }")),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case(
        "undefined-variable",
        graph(body("{ users(limit: $x) { totalCount } }")),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case(
        "unused-variable",
        graph(body("query q($x: Int) { users { totalCount } }")),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case(
        "subscription-not-in-schema",
        graph(body("subscription { users { totalCount } }")),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    # ------------------------------------------------ variables
    case(
        "variable-wrong-type",
        graph(body("query q($l: Int) { users(limit: $l) { totalCount } }", variables={"l": "ten"})),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case(
        "variable-object-for-an-id",
        graph(body("query q($id: ID!) { user(id: $id) { id } }", variables={"id": {"id": "x"}})),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case(
        "variable-missing-required",
        graph(body("query q($id: ID!) { user(id: $id) { id } }", variables={})),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case(
        "variable-null-for-non-null",
        graph(body("query q($id: ID!) { user(id: $id) { id } }", variables={"id": None})),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case(
        "variable-int-over-32-bits",
        graph(body("query q($l: Int) { users(limit: $l) { totalCount } }", variables={"l": 2**40})),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case(
        "variable-input-missing-required-field",
        graph(body(CREATE_USER, variables={"u": {"reference": "no-email"}})),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case(
        "variable-input-unknown-field",
        graph(
            body(CREATE_USER, variables={"u": {"reference": "bogus", "email": "b@example.com", "bogus": 1}})
        ),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case(
        "variable-lone-surrogate",
        graph(body("query q($l: Int) { users(limit: $l) { totalCount } }", variables={"l": "\ud800"})),
        400,
        "BAD_REQUEST",
    ),
    # A lone surrogate ("\\ud800") is JSON but not Unicode: the body is refused as a whole.
    case(
        "variable-lone-surrogate-in-a-string-field",
        graph(
            body(
                CREATE_USER,
                variables={"u": {"reference": "r", "email": "s@example.com", "firstName": "\ud800"}},
            )
        ),
        400,
        "BAD_REQUEST",
        "GRAPHQL_VALIDATION_FAILED",
    ),
    # ------------------------------------------------ depth and cost
    case(
        "depth-5",
        graph(body("{ messages { data { file { createdByUser { tenant { id } } } } } }")),
        400,
        "GRAPHQL_VALIDATION_FAILED",
        message="depth",
    ),
    case(
        "depth-5-through-a-fragment",
        graph(
            body(
                "{ messages { data { ...M } } } "
                "fragment M on MessageModel { file { createdByUser { tenant { id } } } }"
            )
        ),
        400,
        "GRAPHQL_VALIDATION_FAILED",
        message="depth",
    ),
    case(
        "alias-bomb-1000-fields",
        graph(body("{ " + " ".join(f"a{i}: users {{ totalCount }}" for i in range(1000)) + " }")),
        400,
        "GRAPHQL_VALIDATION_FAILED",
        message=f"maximum of {DEFAULT_MAX_COST}",
    ),
    case(
        "alias-bomb-3000-typenames",
        graph(body("{ " + " ".join(f"t{i}: __typename" for i in range(3000)) + " }")),
        400,
        "GRAPHQL_VALIDATION_FAILED",
        message=f"maximum of {DEFAULT_MAX_COST}",
    ),
    case(
        "alias-bomb-just-over-the-cost-limit",
        graph(body("{ " + " ".join(f"t{i}: __typename" for i in range(DEFAULT_MAX_COST + 1)) + " }")),
        400,
        "GRAPHQL_VALIDATION_FAILED",
        message=f"maximum of {DEFAULT_MAX_COST}",
    ),
    case(
        "fragment-bomb-fan-out-10x6",
        graph(body(fragment_fan_out(6, 10))),
        400,
        "GRAPHQL_VALIDATION_FAILED",
        message=f"maximum of {DEFAULT_MAX_COST}",
    ),
    case(
        "fragment-bomb-binary-2^30",
        graph(body(fragment_binary(30))),
        400,
        "GRAPHQL_VALIDATION_FAILED",
        message=f"maximum of {DEFAULT_MAX_COST}",
    ),
    # Never spread, so priced at nothing; graphql-core's overlapping-fields check is quadratic in it.
    case(
        "unused-fragment-of-1000-repeated-fields",
        graph(
            body("{ users { totalCount } } fragment F on Query { " + "users { data { id } } " * 1000 + "}")
        ),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    # ------------------------------------------------ huge, within the body limit
    case(
        "valueIn-100k-non-uuids",
        graph(body(IDS_QUERY, variables={"ids": ["x"] * 100_000})),
        400,
        "IS_UUID",
        execution=True,
    ),
    case(
        "valueIn-20k-uuids-and-one-bad",
        graph(body(IDS_QUERY, variables={"ids": [str(uuid.UUID(int=i + 1)) for i in range(10_000)] + ["x"]})),
        400,
        "IS_UUID",
        execution=True,
    ),
    case(
        "valueIn-100k-booleans",
        graph(body(IDS_QUERY, variables={"ids": [True] * 100_000})),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    case(
        "id-argument-of-900k-chars",
        graph(body("query q($id: ID!) { user(id: $id) { id } }", variables={"id": "x" * 900_000})),
        400,
        "INVALID_UUID",
        execution=True,
    ),
    case(
        "search-key-of-900k-chars",
        graph(
            body(
                'query q($k: String!) { conversations(search: {key: $k, value: "a"}) { totalCount } }',
                variables={"k": "k" * 900_000},
            )
        ),
        400,
        "IS_IN",
        execution=True,
    ),
    # ------------------------------------------------ over the limits
    case(
        "body-over-limit",
        graph(body("{ users { totalCount } }" + " " * BODY_LIMIT)),
        413,
        "PAYLOAD_TOO_LARGE",
    ),
    case("body-over-limit-chunked", graph(over_limit_chunks, streamed=True), 413, "PAYLOAD_TOO_LARGE"),
    case(
        "body-over-limit-authorize",
        rest(
            "/v01/authorize/serviceAccount",
            lambda c: j({"environmentId": c.environment_id, "apiKey": c.api_key, "pad": "p" * BODY_LIMIT}),
        ),
        413,
        "PAYLOAD_TOO_LARGE",
    ),
    case(
        "body-over-limit-control-put-state",
        control("state", b'{"version": 1' + b" " * BODY_LIMIT + b"}", method="PUT"),
        413,
        "PAYLOAD_TOO_LARGE",
    ),
    case(
        "body-declared-10MB-then-withheld",
        raw_graph(body(), length=10 * BODY_LIMIT),
        413,
        "PAYLOAD_TOO_LARGE",
    ),
    case(
        "headers-one-of-20KiB",
        graph(body(), extra={"x-padding": "p" * (HEADER_LIMIT + 1000)}),
        431,
        "REQUEST_HEADER_FIELDS_TOO_LARGE",
    ),
    case(
        "headers-400-small-ones",
        graph(body(), extra={f"x-padding-{i}": "p" * 50 for i in range(400)}),
        431,
        "REQUEST_HEADER_FIELDS_TOO_LARGE",
    ),
    case(
        "headers-token-of-20KiB",
        graph(body(), token="Bearer " + "t" * (HEADER_LIMIT + 1000)),
        431,
        "REQUEST_HEADER_FIELDS_TOO_LARGE",
    ),
    case(
        "headers-over-limit-on-authorize",
        rest("/v01/authorize/serviceAccount", b"{}", extra={"x-padding": "p" * (HEADER_LIMIT + 1000)}),
        431,
        "REQUEST_HEADER_FIELDS_TOO_LARGE",
    ),
    case(
        "headers-200KiB-raw",
        raw_graph(body(), {"x-padding": "p" * 200_000}),
        431,
        "REQUEST_HEADER_FIELDS_TOO_LARGE",
    ),
    # ------------------------------------------------ not JSON where ROQ takes JSON only
    case("content-type-missing", graph(body(), content_type=None), 415, "UNSUPPORTED_MEDIA_TYPE"),
    case("content-type-text-plain", graph(body(), content_type="text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE"),
    case(
        "content-type-form",
        graph(body(), content_type="application/x-www-form-urlencoded"),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    case(
        "content-type-multipart",
        graph(body(), content_type="multipart/form-data; boundary=x"),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    case(
        "content-type-application-graphql",
        graph(b"{ users { totalCount } }", content_type="application/graphql"),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    case(
        "content-type-json-lookalike",
        graph(body(), content_type="application/jsonx"),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    case(
        "content-type-missing-client-graph", client(body(), content_type=None), 415, "UNSUPPORTED_MEDIA_TYPE"
    ),
    case(
        "content-type-text-service-account",
        rest(
            "/v01/authorize/serviceAccount",
            lambda c: j({"environmentId": c.environment_id, "apiKey": c.api_key}),
            content_type="text/plain",
        ),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    case(
        "content-type-missing-authorize",
        rest("/v01/authorize", credentials, token=service_bearer, content_type=None),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    # ------------------------------------------------ tokens on the server graph
    case("token-missing", graph(body(), token=None), 401, "UNAUTHORIZED_EXCEPTION"),
    # httpx refuses a header value ending in a blank: sent raw.
    case(
        "token-empty-bearer-raw",
        raw_graph(body(), {"roq-platform-authorization": "Bearer "}),
        401,
        "UNAUTHORIZED_EXCEPTION",
    ),
    case("token-bearer-alone", graph(body(), token="Bearer"), 401, "UNAUTHORIZED_EXCEPTION"),
    case(
        "token-basic-scheme",
        graph(body(), token=lambda c: f"Basic {c.service_token}"),
        401,
        "UNAUTHORIZED_EXCEPTION",
    ),
    case("token-garbage", graph(body(), token="Bearer garbage"), 401, "UNAUTHORIZED_EXCEPTION"),
    case(
        "token-three-junk-parts",
        graph(body(), token="Bearer aGVsbG8.d29ybGQ.anVuaw"),
        401,
        "UNAUTHORIZED_EXCEPTION",
    ),
    case(
        "token-alg-none",
        graph(
            body(), token=lambda c: f"Bearer {b64url({'alg': 'none', 'typ': 'JWT'})}.{b64url(c.claims())}."
        ),
        401,
        "UNAUTHORIZED_EXCEPTION",
    ),
    case(
        "token-wrong-secret",
        graph(body(), token=lambda c: "Bearer " + jwt.encode(c.claims(), OTHER_SECRET, algorithm="HS256")),
        401,
        "UNAUTHORIZED_EXCEPTION",
        message="signature",
    ),
    case(
        "token-hs512-with-the-right-secret",
        graph(body(), token=lambda c: "Bearer " + jwt.encode(c.claims(), SECRET, algorithm="HS512")),
        401,
        "UNAUTHORIZED_EXCEPTION",
    ),
    case(
        "token-expired",
        graph(
            body(), token=lambda c: "Bearer " + c.sign(iat=int(time.time()) - 120, exp=int(time.time()) - 60)
        ),
        401,
        "UNAUTHORIZED_EXCEPTION",
        message="expired",
    ),
    case(
        "token-other-environment",
        graph(body(), token=lambda c: "Bearer " + c.sign(roqEnvironmentId=str(uuid.uuid4()))),
        401,
        "UNAUTHORIZED_EXCEPTION",
        message="environment",
    ),
    case(
        "token-without-user-claim",
        graph(body(), token=lambda c: "Bearer " + c.sign(roqUserId=None)),
        401,
        "UNAUTHORIZED_EXCEPTION",
    ),
    case(
        "token-without-exp",
        graph(body(), token=lambda c: "Bearer " + c.sign(exp=None)),
        401,
        "UNAUTHORIZED_EXCEPTION",
    ),
    case(
        "token-not-yet-valid",
        graph(body(), token=lambda c: "Bearer " + c.sign(nbf=int(time.time()) + 3600)),
        401,
        "UNAUTHORIZED_EXCEPTION",
    ),
    case(
        "token-of-an-unknown-user",
        graph(body(), token=lambda c: "Bearer " + c.sign(roqUserId=str(uuid.uuid4()))),
        401,
        "UNAUTHORIZED_EXCEPTION",
    ),
    # ------------------------------------------------ the token endpoints
    case(
        "authorize-with-a-user-token",
        rest("/v01/authorize", credentials, token=user_bearer),
        403,
        "FORBIDDEN",
    ),
    case("authorize-without-a-token", rest("/v01/authorize", credentials), 401, "UNAUTHORIZED_EXCEPTION"),
    case(
        "authorize-userId-a-number",
        rest("/v01/authorize", lambda c: credentials(c, userId=5), token=service_bearer),
        400,
        "BAD_REQUEST",
    ),
    case(
        "authorize-userId-not-a-uuid",
        rest("/v01/authorize", lambda c: credentials(c, userId="abc"), token=service_bearer),
        400,
        "INVALID_UUID",
    ),
    case(
        "authorize-userId-unknown",
        rest("/v01/authorize", lambda c: credentials(c, userId=str(uuid.uuid4())), token=service_bearer),
        404,
        "USER_NOT_FOUND",
    ),
    case(
        "authorize-userId-lone-surrogate",
        rest("/v01/authorize", lambda c: credentials(c, userId="\ud800"), token=service_bearer),
        400,
        "BAD_REQUEST",
    ),
    case(
        "authorize-expiresIn-garbage",
        rest("/v01/authorize", lambda c: credentials(c, expiresIn="soon"), token=service_bearer),
        400,
        "INVALID_EXPIRES_IN",
    ),
    case(
        "authorize-expiresIn-1e400",
        rest(
            "/v01/authorize",
            lambda c: credentials(c, expiresIn=0).replace(b'"expiresIn": 0', b'"expiresIn": 1e400'),
            token=service_bearer,
        ),
        400,
        "INVALID_EXPIRES_IN",
    ),
    case(
        "authorize-expiresIn-400-digit-string",
        rest("/v01/authorize", lambda c: credentials(c, expiresIn="9" * 400), token=service_bearer),
        400,
        "INVALID_EXPIRES_IN",
    ),
    case(
        "service-account-wrong-api-key",
        rest(
            "/v01/authorize/serviceAccount",
            lambda c: j({"environmentId": c.environment_id, "apiKey": "wrong"}),
        ),
        401,
        "INVALID_API_KEY",
    ),
    case("service-account-array-body", rest("/v01/authorize/serviceAccount", b"[]"), 400, "BAD_REQUEST"),
    case(
        "service-account-malformed-body",
        rest("/v01/authorize/serviceAccount", b"{'environmentId': 1}"),
        400,
        "BAD_REQUEST",
    ),
    # ------------------------------------------------ the client graph
    case("client-graph-service-token", client(body(), token=service_bearer), 401, "UNAUTHORIZED_EXCEPTION"),
    case("client-graph-no-token", client(body(), token=None), 401, "UNAUTHORIZED_EXCEPTION"),
    case(
        "client-graph-mutation",
        lambda c: client(
            body(
                "mutation m($c: ConversationCreateDto!) { createConversation(conversation: $c) { id } }",
                variables={"c": {"title": "never", "ownerId": c.user_id, "memberIds": [c.user_id]}},
            )
        )(c),
        403,
        "FORBIDDEN",
    ),
    # ------------------------------------------------ the server header
    case("server-header-missing", graph(body(), server=None), 401, "MISSING_AUTH"),
    case("server-header-not-basic", graph(body(), server="Bearer abc"), 401, "INVALID_AUTH_HEADER"),
    case("server-header-bad-base64", graph(body(), server="Basic !!!not-base64"), 401, "INVALID_AUTH_HEADER"),
    case("server-header-no-colon", graph(body(), server=basic("nocolon")), 401, "INVALID_AUTH_HEADER"),
    case("server-header-not-utf8", graph(body(), server=basic(b"\xff\xfe:\xff")), 401, "INVALID_AUTH_HEADER"),
    case(
        "server-header-wrong-api-key",
        graph(body(), server=lambda c: basic(f"{c.environment_id}:wrong")),
        401,
        "INVALID_API_KEY",
    ),
    case(
        "server-header-wrong-environment",
        graph(body(), server=lambda c: basic(f"{uuid.uuid4()}:{c.api_key}")),
        401,
        "INVALID_API_KEY",
    ),
    case(
        "server-header-basic-and-blanks-raw",
        raw_graph(body(), {"roq-platform-server-authorization": "Basic    "}),
        401,
        "INVALID_AUTH_HEADER",
    ),
    # ------------------------------------------------ methods and paths
    case("put-on-the-server-graph", graph(body(), method="PUT"), 405, "METHOD_NOT_ALLOWED"),
    case("delete-on-the-server-graph", graph(method="DELETE", content_type=None), 405, "METHOD_NOT_ALLOWED"),
    case("patch-on-the-client-graph", client(body(), method="PATCH"), 405, "METHOD_NOT_ALLOWED"),
    case("get-on-authorize", rest("/v01/authorize", method="GET"), 405, "METHOD_NOT_ALLOWED"),
    case("unknown-path", rest("/v01/nope", body()), 404, "NOT_FOUND"),
    case("unknown-api-version", rest("/v02/server/graphql", body()), 404, "NOT_FOUND"),
    case("unknown-control-path", control("nope", method="GET"), 404, "NOT_FOUND"),
    # ------------------------------------------------ the control API
    case("control-state-without-header", control("state", method="GET", server=None), 401, "MISSING_AUTH"),
    case("control-reset-without-header", control("reset", server=None), 401, "MISSING_AUTH"),
    case("control-seed-without-header", control("seed", b'{"users": 1}', server=None), 401, "MISSING_AUTH"),
    case(
        "control-faults-without-header",
        control("faults", b'{"operation": "*", "latencyMs": 1}', server=None),
        401,
        "MISSING_AUTH",
    ),
    case(
        "control-put-state-wrong-api-key",
        control("state", b"{}", method="PUT", server=lambda c: basic(f"{c.environment_id}:wrong")),
        401,
        "INVALID_API_KEY",
    ),
    case(
        "control-put-state-inconsistent",
        control("state", b'{"users": [{"id": 1}]}', method="PUT"),
        400,
        "INVALID_STATE",
    ),
    case("control-seed-negative-size", control("seed", b'{"users": -1}'), 400, "BAD_REQUEST"),
    # 100 million users: a 400 at once, not a server busy for hours
    case("control-seed-absurd-size", control("seed", b'{"users": 100000000}'), 400, "BAD_REQUEST"),
    case("control-fault-without-operation", control("faults", b'{"latencyMs": 5}'), 400, "INVALID_FAULT"),
    # ------------------------------------------------ sessions
    case(
        "session-name-with-a-space", graph(body(), extra={"x-roqmock-session": "a b"}), 400, "INVALID_SESSION"
    ),
    case(
        "session-name-of-65-chars",
        graph(body(), extra={"x-roqmock-session": "s" * 65}),
        400,
        "INVALID_SESSION",
    ),
    case(
        "session-name-with-a-slash", graph(body(), extra={"x-roqmock-session": "a/b"}), 400, "INVALID_SESSION"
    ),
    case("session-name-empty", graph(body(), extra={"x-roqmock-session": ""}), 400, "INVALID_SESSION"),
    case(
        "session-name-not-ascii",
        graph(body(), extra={"x-roqmock-session": "s\xe9ance".encode("latin-1")}),
        400,
        "INVALID_SESSION",
    ),
    case(
        "session-name-invalid-on-control-api",
        control("state", method="GET", extra={"x-roqmock-session": "a b"}),
        400,
        "INVALID_SESSION",
    ),
    case(
        "session-valid-name-without-credentials",
        graph(body(), token=None, server=None, extra={"x-roqmock-session": "made-by-nobody"}),
        401,
        "UNAUTHORIZED_EXCEPTION",
        "MISSING_AUTH",
    ),
]


# ---------------------------------------------------------------- the checks


@dataclass(frozen=True)
class Snapshot:
    state_sha256: str
    sessions: list[str]
    faults: list[Any]
    calls: list[dict[str, Any]]


def snapshot(ctx: Ctx, when: str) -> Snapshot:
    answers = {path: ctx.control("GET", path) for path in ("state", "sessions", "faults", "requests")}
    for path, response in answers.items():
        assert response.status_code == 200, (
            f"GET /__roqmock/{path} {when} answered {response.status_code}: {response.text[:300]}"
        )
    return Snapshot(
        hashlib.sha256(answers["state"].content).hexdigest(),
        answers["sessions"].json()["sessions"],
        answers["faults"].json()["faults"],
        answers["requests"].json()["calls"],
    )


# Beyond fuzz_checks' shape of ROQ's errors: exactly its keys, and the status and phrase this case expects.
ENVELOPE_KEYS = {"statusCode", "message", "error", "errorCode", "variables"}


def check_graphql_envelope(answer: Answer, expected: Case) -> dict[str, Any]:
    payload = answer.json()
    problems = graphql_envelope_problems(answer.status, payload)
    assert not problems, (problems, payload)
    assert payload.get("errors") and payload.get("data") is None, payload
    for error in payload["errors"]:
        assert error["message"], error
        response = error["extensions"]["response"]
        assert set(response) == ENVELOPE_KEYS, response
        assert response["statusCode"] == expected.status, response
        assert response["error"] in (HTTPStatus(expected.status).phrase, "ValidationError"), response
    first: dict[str, Any] = payload["errors"][0]
    if expected.execution:
        assert first.get("path"), f"HTTP 200 for an error that is not an execution error: {first}"
    return first


def check_rest_shape(answer: Answer, expected: Case) -> dict[str, Any]:
    payload = answer.json()
    problems = nest_error_problems(payload, http_status=answer.status)
    assert not problems, (problems, payload)
    assert set(payload) == ENVELOPE_KEYS, payload
    assert payload["statusCode"] == expected.status, payload
    assert payload["error"] == HTTPStatus(expected.status).phrase, payload
    assert isinstance(payload["variables"], dict), payload
    return {"message": payload["message"], "extensions": {"response": payload}}


@pytest.mark.parametrize("expected", CASES)
def test_bad_input_is_refused_harmlessly(fresh: Ctx, expected: Case) -> None:
    ctx = fresh
    req = expected.build(ctx)
    before = snapshot(ctx, "before the request")

    answer = _send(ctx, req)

    shown = answer.content[:400]
    assert answer.status < 500, f"{answer.status} (a server error) for {req.method} {req.path}: {shown!r}"
    wire_status = 200 if expected.execution else expected.status
    assert answer.status == wire_status, f"expected {wire_status}, got {answer.status}: {shown!r}"
    assert answer.content_type.startswith(JSON_TYPE), f"content-type {answer.content_type!r}: {shown!r}"
    if graph_path(req.path):
        error = check_graphql_envelope(answer, expected)
    else:
        error = check_rest_shape(answer, expected)
    assert error["extensions"]["response"]["errorCode"] in expected.codes, error
    if expected.message is not None:
        assert expected.message in error["message"], error["message"]
    assert answer.elapsed < expected.quick, f"answered in {answer.elapsed:.2f} s, over {expected.quick} s"

    after = snapshot(ctx, "after the request")
    assert after.state_sha256 == before.state_sha256, "the world changed"
    assert after.sessions == before.sessions, f"sessions changed: {before.sessions} -> {after.sessions}"
    assert after.faults == before.faults, f"faults changed: {before.faults} -> {after.faults}"
    new_calls = after.calls[len(before.calls) :]
    assert after.calls[: len(before.calls)] == before.calls, "the journal's earlier calls changed"
    code = error["extensions"]["response"]["errorCode"]
    session = _header(req, "x-roqmock-session")
    if not graph_path(req.path) or (session is not None and session not in before.sessions):
        # Only calls on a graph are journaled, and only in a world that exists: none is made for them.
        assert new_calls == [], f"a call on {req.path} was journaled: {new_calls}"
    else:
        (call,) = new_calls  # every call on a graph is journaled, refused or not
        assert not call["ok"] and call["errorCode"] == code, call
        assert call["status"] == answer.status, call
        # Refused before it ran: the anonymous caller's; refused by the graph: its token's.
        assert call["caller"] in {"anonymous", *_token_callers(req)}, call
    assert _healthy(ctx, 5), "the server is not healthy after the request"


def _header(req: Req, name: str) -> str | None:
    for key, value in req.headers.items():
        if key.lower() == name:
            return value.decode("latin-1") if isinstance(value, bytes) else value
    return None


def _token_callers(req: Req) -> set[str]:
    """Who the request's bearer token says it is (unverified): its user, or the super admin."""
    bearer = _header(req, "roq-platform-authorization") or ""
    try:
        claims = jwt.decode(bearer.partition(" ")[2].strip(), options={"verify_signature": False})
    except jwt.PyJWTError:
        return set()
    return {str(claims.get("roqUserId")), "super-admin"}


def test_a_mutation_in_a_get_on_the_graph_never_runs(fresh: Ctx) -> None:
    """A GET may run a query, never a mutation (GraphQL over HTTP): 405, ``Allow: POST``, journaled."""
    before = snapshot(fresh, "before the request")
    mutation = 'mutation { createUser(user: {reference: "via-get", email: "get@example.com"}) { id } }'
    response = fresh.cases.get(
        f"{fresh.url}{SERVER_GRAPH}",
        params={"query": mutation},
        headers={
            "roq-platform-authorization": service_bearer(fresh),
            "roq-platform-server-authorization": fresh.server_header,
            "accept": JSON_TYPE,
        },
    )
    assert (response.status_code, response.headers["allow"]) == (405, "POST")
    assert response.json()["errors"][0]["extensions"]["response"]["errorCode"] == "METHOD_NOT_ALLOWED"
    after = snapshot(fresh, "after the request")
    assert after.state_sha256 == before.state_sha256
    assert after.calls[: len(before.calls)] == before.calls
    (call,) = after.calls[len(before.calls) :]
    assert (call["operation"], call["caller"], call["status"], call["ok"]) == (
        "createUser",
        "anonymous",
        405,
        False,
    )


# ---------------------------------------------------------------- the doors of file bytes: S3's XML
# The upload and download endpoints take no ROQ credentials (the signed form or URL is the permission)
# and refuse as S3 does: its XML error body, a 4xx, nothing changed. Every POST of a form, and every
# GET of a file, is journaled in the world it names (``upload``, ``download``: anonymous when refused).

UPLOAD = uploads.UPLOAD_PATH
UPLOAD_TYPE = f"multipart/form-data; boundary={FORM_DATA_BOUNDARY}"
NO_SUCH_FILE = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"


@dataclass(frozen=True)
class S3Case:
    build: Callable[[Ctx], Req]
    status: int
    code: str
    journal: str | None  # the operation journaled, if any


def s3_case(id: str, build: Callable[[Ctx], Req], status: int, code: str, journal: str | None) -> Any:
    return pytest.param(S3Case(build, status, code, journal), id=id)


def form(c: Ctx, file_id: str = NO_SUCH_FILE, **options: Any) -> dict[str, str]:
    return signed_form(SECRET, base_url=c.url, environment_id=c.environment_id, file_id=file_id, **options)


def ready_file(c: Ctx) -> str:
    return next(file.id for file in c.server.world.files if file.status == "ready")


def pending_file(c: Ctx) -> str:
    """A file whose bytes never came (seeded files have theirs)."""
    client = c.server.as_super_admin()
    return str(client.create_file_upload("pending.txt", "text/plain", "CHAT_FILES")["createFileUpload"]["id"])


def post_form(
    content: Callable[[Ctx], bytes] | bytes,
    *,
    content_type: str | None = UPLOAD_TYPE,
    path: str = UPLOAD,
    method: str = "POST",
    extra: Mapping[str, str | bytes] | None = None,
) -> Callable[[Ctx], Req]:
    def build(c: Ctx) -> Req:
        headers: dict[str, str | bytes] = {} if content_type is None else {"content-type": content_type}
        return Req(method, path, {**headers, **(extra or {})}, _value(content, c))

    return build


def raw_upload(length: int, content: bytes = b"") -> Callable[[Ctx], Req]:
    head = f"POST {UPLOAD} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: {UPLOAD_TYPE}\r\n"
    head += f"content-length: {length}\r\n"
    return lambda c: Req("POST", UPLOAD, raw=(head + "\r\n").encode() + content)


def part(headers: str, value: bytes = b"v") -> bytes:
    return f"--{FORM_DATA_BOUNDARY}\r\n{headers}\r\n\r\n".encode() + value + b"\r\n"


def with_fields(c: Ctx, raw: bytes) -> bytes:
    """A valid form's fields, then ``raw`` parts, then a file."""
    fields = multipart(form(c).items(), None, closed=False)
    return fields + raw + multipart([], b"x")


def file_url(
    file: Callable[[Ctx], str] = ready_file, *, damage: Callable[[str], str] = lambda url: url, **options: Any
) -> Callable[[Ctx], str]:
    def build(c: Ctx) -> str:
        url = uploads.download_url(
            SECRET,
            base_url=c.url,
            file_id=file(c),
            environment_id=c.environment_id,
            name="a.txt",
            now_ms=options.get("at_ms", now_ms()),
            lifetime_s=options.get("lifetime_s", 60),
        )
        return damage(url.removeprefix(c.url))

    return build


def get_file(url: Callable[[Ctx], str], *, method: str = "GET") -> Callable[[Ctx], Req]:
    return lambda c: Req(method, url(c))


def _signed_garbage_policy(c: Ctx) -> bytes:
    signature = hmac.new(SECRET.encode(), b"!!not-base64!!", hashlib.sha256).hexdigest()
    fields = {**form(c), "policy": "!!not-base64!!", "x-amz-signature": signature}
    return multipart(fields.items(), b"x")


def _streamed_over_max(c: Ctx) -> Callable[[], Iterable[bytes]]:
    head = multipart(form(c, max_size=1024).items(), b"", closed=False)[: -len(b"\r\n")]

    def chunks() -> Iterable[bytes]:
        yield head
        for _ in range(64):  # 2 MiB for a form of 1 KiB
            yield b"z" * 32768

    return chunks


S3_CASES = [
    # ------------------------------------------------ the signed policy
    s3_case(
        "upload-forged-signature",
        post_form(lambda c: multipart({**form(c), "x-amz-signature": "ab" * 32}.items(), b"x")),
        403,
        "SignatureDoesNotMatch",
        "upload",
    ),
    s3_case(
        "upload-signed-with-another-secret",
        post_form(
            lambda c: multipart(
                signed_form(
                    OTHER_SECRET, base_url=c.url, environment_id=c.environment_id, file_id=NO_SUCH_FILE
                ).items(),
                b"x",
            )
        ),
        403,
        "SignatureDoesNotMatch",
        "upload",
    ),
    s3_case(
        "upload-policy-changed",
        post_form(lambda c: multipart(repolicy(form(c), maxSize=10**12).items(), b"x")),
        403,
        "SignatureDoesNotMatch",
        "upload",
    ),
    s3_case(
        "upload-without-policy",
        post_form(lambda c: multipart([(k, v) for k, v in form(c).items() if k != "policy"], b"x")),
        403,
        "AccessDenied",
        "upload",
    ),
    s3_case(
        "upload-without-signature",
        post_form(lambda c: multipart([(k, v) for k, v in form(c).items() if k != "x-amz-signature"], b"x")),
        403,
        "AccessDenied",
        "upload",
    ),
    s3_case(
        "upload-policy-signed-garbage",
        post_form(_signed_garbage_policy),
        400,
        "InvalidPolicyDocument",
        "upload",
    ),
    s3_case(
        "upload-expired",
        post_form(lambda c: multipart(form(c, at_ms=now_ms() - 120_000, lifetime_s=60).items(), b"x")),
        403,
        "AccessDenied",
        "upload",
    ),
    s3_case(
        "upload-key-elsewhere",
        post_form(lambda c: multipart({**form(c), "key": "elsewhere/a.txt"}.items(), b"x")),
        403,
        "AccessDenied",
        "upload",
    ),
    s3_case(
        "upload-without-key",
        post_form(lambda c: multipart([(k, v) for k, v in form(c).items() if k != "key"], b"x")),
        400,
        "InvalidArgument",
        "upload",
    ),
    s3_case(
        "upload-content-type-other-than-the-policys",
        post_form(lambda c: multipart({**form(c), "Content-Type": "text/html"}.items(), b"<script>")),
        403,
        "AccessDenied",
        "upload",
    ),
    # ------------------------------------------------ sizes
    s3_case(
        "upload-one-byte-over-max-size",
        post_form(lambda c: multipart(form(c, max_size=8).items(), b"123456789")),
        400,
        "EntityTooLarge",
        "upload",
    ),
    s3_case(
        "upload-2-mib-streamed-to-a-1-kib-form",
        lambda c: Req("POST", UPLOAD, {"content-type": UPLOAD_TYPE}, _streamed_over_max(c)),
        400,
        "EntityTooLarge",
        "upload",
    ),
    s3_case("upload-announcing-10-tib", raw_upload(10 * 1024**4), 400, "EntityTooLarge", "upload"),
    s3_case(
        "upload-fields-over-their-allowance",
        post_form(lambda c: multipart({**form(c), "x-ignore": "p" * 70_000}.items(), b"x")),
        400,
        "MaxPostPreDataLengthExceeded",
        "upload",
    ),
    s3_case(
        "upload-ten-thousand-empty-fields",
        post_form(
            lambda c: b"".join(
                part(f'Content-Disposition: form-data; name="f{i}"', b"") for i in range(10_000)
            )
        ),
        400,
        "MaxPostPreDataLengthExceeded",
        "upload",
    ),
    s3_case(
        "upload-headers-over-16-kib",
        post_form(lambda c: multipart(form(c).items(), b"x"), extra={"x-padding": "h" * HEADER_LIMIT}),
        400,
        "RequestHeaderSectionTooLarge",
        "upload",
    ),
    # ------------------------------------------------ the body is not a form with a file
    s3_case("upload-empty-body", post_form(b""), 400, "MalformedPOSTRequest", "upload"),
    s3_case(
        "upload-json",
        post_form(b'{"file": "x"}', content_type=JSON_TYPE),
        400,
        "MalformedPOSTRequest",
        "upload",
    ),
    s3_case(
        "upload-no-content-type", post_form(b"x", content_type=None), 400, "MalformedPOSTRequest", "upload"
    ),
    s3_case(
        "upload-multipart-without-boundary",
        post_form(b"x", content_type="multipart/form-data"),
        400,
        "MalformedPOSTRequest",
        "upload",
    ),
    s3_case(
        "upload-boundary-of-300-chars",
        post_form(b"x", content_type="multipart/form-data; boundary=" + "b" * 300),
        400,
        "MalformedPOSTRequest",
        "upload",
    ),
    s3_case("upload-garbage", post_form(b"\x00\xff" * 100), 400, "MalformedPOSTRequest", "upload"),
    s3_case(
        "upload-part-without-a-name",
        post_form(lambda c: with_fields(c, part("Content-Disposition: form-data"))),
        400,
        "MalformedPOSTRequest",
        "upload",
    ),
    s3_case(
        "upload-part-without-a-disposition",
        post_form(lambda c: with_fields(c, part("Content-Type: text/plain"))),
        400,
        "MalformedPOSTRequest",
        "upload",
    ),
    s3_case(
        "upload-part-with-50-headers",
        post_form(lambda c: with_fields(c, part("\r\n".join(f"X-H{i}: v" for i in range(50))))),
        400,
        "MalformedPOSTRequest",
        "upload",
    ),
    s3_case(
        "upload-part-header-of-8-kib",
        post_form(lambda c: with_fields(c, part(f'Content-Disposition: form-data; name="{"n" * 8192}"'))),
        400,
        "MalformedPOSTRequest",
        "upload",
    ),
    s3_case(
        "upload-part-with-nine-headers",
        post_form(
            lambda c: with_fields(
                c,
                part(
                    "\r\n".join(
                        ['Content-Disposition: form-data; name="n"', *(f"X-{i}: v" for i in range(8))]
                    )
                ),
            )
        ),
        400,
        "MalformedPOSTRequest",
        "upload",
    ),
    s3_case(
        "upload-a-field-twice",
        post_form(lambda c: multipart([*form(c).items(), ("key", "again")], b"x")),
        400,
        "InvalidArgument",
        "upload",
    ),
    s3_case(
        "upload-without-a-file",
        post_form(lambda c: multipart(form(c).items(), None)),
        400,
        "InvalidArgument",
        "upload",
    ),
    s3_case(
        "upload-cut-inside-the-file",
        post_form(lambda c: multipart(form(c).items(), b"half", closed=False)[:-2]),
        400,
        "IncompleteBody",
        "upload",
    ),
    s3_case(
        # Once the file's part ended, what follows is not awaited (S3 ignores it): the answer comes at once.
        "upload-announcing-more-than-the-form-it-sends",
        lambda c: raw_upload(10_000, multipart(form(c).items(), b"x"))(c),
        404,
        "NoSuchKey",
        "upload",
    ),
    # ------------------------------------------------ the file and the world
    s3_case(
        "upload-for-no-such-file",
        post_form(lambda c: multipart(form(c).items(), b"x")),
        404,
        "NoSuchKey",
        "upload",
    ),
    s3_case(
        "upload-for-a-ready-file",
        post_form(lambda c: multipart(form(c, ready_file(c)).items(), b"x")),
        403,
        "InvalidObjectState",
        "upload",
    ),
    s3_case(
        "upload-in-a-session-that-does-not-exist",
        post_form(lambda c: multipart(form(c).items(), b"x"), extra={"x-roqmock-session": "never-made"}),
        404,
        "NoSuchKey",
        None,
    ),
    s3_case(
        "upload-in-a-session-of-a-bad-name",
        post_form(lambda c: multipart(form(c).items(), b"x"), extra={"x-roqmock-session": "a b/c"}),
        404,
        "NoSuchKey",
        None,
    ),
    s3_case("upload-get", post_form(b"", method="GET", content_type=None), 405, "MethodNotAllowed", None),
    s3_case(
        "upload-put",
        post_form(lambda c: multipart(form(c).items(), b"x"), method="PUT"),
        405,
        "MethodNotAllowed",
        None,
    ),
    s3_case("upload-under-the-path", post_form(b"", path=UPLOAD + "/x"), 404, "NoSuchKey", None),
    # ------------------------------------------------ downloads
    s3_case(
        "download-forged",
        get_file(file_url(damage=lambda u: u.replace("signature=", "signature=0"))),
        403,
        "SignatureDoesNotMatch",
        "download",
    ),
    s3_case(
        "download-of-another-file",
        get_file(file_url(damage=lambda u: u.replace(u.split("/")[3], NO_SUCH_FILE))),
        403,
        "SignatureDoesNotMatch",
        "download",
    ),
    s3_case(
        "download-expired",
        get_file(file_url(at_ms=now_ms() - 120_000, lifetime_s=60)),
        403,
        "AccessDenied",
        "download",
    ),
    s3_case(
        "download-unsigned",
        get_file(lambda c: f"{uploads.DOWNLOAD_PATH}/{ready_file(c)}/a.txt"),
        403,
        "AccessDenied",
        "download",
    ),
    s3_case(
        "download-expiry-not-a-number",
        get_file(file_url(damage=lambda u: re.sub(r"expires=\d+", "expires=soon", u))),
        403,
        "SignatureDoesNotMatch",
        "download",
    ),
    s3_case(
        "download-of-no-such-file", get_file(file_url(lambda c: NO_SUCH_FILE)), 404, "NoSuchKey", "download"
    ),
    s3_case(
        "download-of-a-file-without-bytes", get_file(file_url(pending_file)), 404, "NoSuchKey", "download"
    ),
    s3_case(
        "download-without-a-name",
        get_file(lambda c: f"{uploads.DOWNLOAD_PATH}/{NO_SUCH_FILE}"),
        404,
        "NoSuchKey",
        "download",
    ),
    s3_case(
        "download-deleted",
        get_file(file_url(), method="DELETE"),
        405,
        "MethodNotAllowed",
        None,
    ),
]


@pytest.mark.parametrize("expected", S3_CASES)
def test_bad_file_bytes_are_refused_in_s3s_xml_harmlessly(fresh: Ctx, expected: S3Case) -> None:
    ctx = fresh
    req = expected.build(ctx)
    before = snapshot(ctx, "before the request")

    answer = _send(ctx, req)

    shown = answer.content[:400]
    assert answer.status == expected.status, f"expected {expected.status}, got {answer.status}: {shown!r}"
    assert answer.content_type == "application/xml", f"content-type {answer.content_type!r}: {shown!r}"
    code, message = error_of(answer.content)  # what ROQ's UI reads with xml2js: Error.Message
    assert code == expected.code and message, shown
    assert answer.elapsed < QUICK, f"answered in {answer.elapsed:.2f} s, over {QUICK} s"

    after = snapshot(ctx, "after the request")
    assert after.state_sha256 == before.state_sha256, "the world changed"
    assert after.sessions == before.sessions, f"sessions changed: {before.sessions} -> {after.sessions}"
    assert after.calls[: len(before.calls)] == before.calls, "the journal's earlier calls changed"
    new_calls = after.calls[len(before.calls) :]
    if expected.journal is None:
        assert new_calls == [], new_calls
    else:
        (call,) = new_calls
        assert (call["operation"], call["caller"], call["status"], call["errorCode"], call["ok"]) == (
            expected.journal,
            "anonymous",
            answer.status,
            code,
            False,
        )
    assert _healthy(ctx, 5), "the server is not healthy after the request"
