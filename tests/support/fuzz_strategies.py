"""Hypothesis strategies for ``test_fuzz.py``: what a careless, hostile or broken client sends to roqmock.

Everything here is data: bodies (bytes, JSON, GraphQL-shaped, token requests, parser bombs), header values,
paths, methods, and the control API's bodies (saved worlds with a field changed, faults, filters). Header
values are bytes that HTTP allows on the wire (h11 refuses to send anything else), so every request drawn
reaches the server.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import httpx
from hypothesis import strategies as st

from support import graphql_documents


class Body(bytes):
    """A request body whose repr stays short in Hypothesis's reports (some are half a megabyte)."""

    def __repr__(self) -> str:
        text = bytes.__repr__(bytes(self))
        return text if len(text) <= 300 else f"{text[:300]}... ({len(self)} bytes)"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


ROQ_JSON_PATHS = ("/v01/server/graphql", "/v01/graphql", "/v01/authorize", "/v01/authorize/serviceAccount")
CONTROL_PATHS = (
    "/__roqmock/health",
    "/__roqmock/reset",
    "/__roqmock/seed",
    "/__roqmock/state",
    "/__roqmock/requests",
    "/__roqmock/requests/verify",
    "/__roqmock/faults",
    "/__roqmock/sessions",
    "/__roqmock/coverage",
    "/__roqmock/sandbox/config",
    "/__roqmock/sandbox/app.js",
)
KNOWN_PATHS = (*ROQ_JSON_PATHS, *CONTROL_PATHS, "/", "/v01", "/v01/server", "/__roqmock")
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")
# Other methods uvicorn's parser (llhttp, as Node's) reads; one it does not know it refuses itself, with
# a plain-text 400 "Invalid HTTP request received." before roqmock sees anything (as Node's servers do).
PARSED_METHODS = (
    "TRACE",
    "PROPFIND",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "SEARCH",
    "PURGE",
    "REPORT",
    "M-SEARCH",
    "NOTIFY",
    "LINK",
    "QUERY",
)

SDK_DOCUMENTS: tuple[str, ...] = tuple(graphql_documents.SDK_DOCUMENTS.values())
VARIABLE_NAMES: tuple[str, ...] = tuple(
    sorted({name for doc in SDK_DOCUMENTS for name in re.findall(r"\$(\w+)", doc)})
)

# ---------------------------------------------------------------- JSON

# Non-finite and huge numbers: Python's json reads NaN, Infinity and 1e400 (as inf) though JSON has none.
_NUMBERS = st.one_of(
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 2**31, 2**31 - 1, -(2**31) - 1, 2**53 + 1, 2**64, 10**400, 1e308, -0.0]),
)
JSON_SCALARS = st.one_of(st.none(), st.booleans(), _NUMBERS, st.text(max_size=40))


def json_values(leaves: st.SearchStrategy[Any] = JSON_SCALARS) -> st.SearchStrategy[Any]:
    """Any JSON value (and Python's non-standard NaN and Infinity), nested a few levels."""
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)
        ),
        max_leaves=12,
    )


def dumps(value: Any) -> bytes:
    """JSON as Python writes it: NaN and Infinity bare, as a lenient client would send them."""
    return json.dumps(value, allow_nan=True).encode()


# Bodies that stress parsers rather than logic: deep nesting, huge numbers, odd encodings.
PATHOLOGICAL: tuple[bytes, ...] = (
    b"",
    b" ",
    b"null",
    b"{}",
    b"[]",
    b'""',
    b"\xff\xfe{\x00}\x00",
    b"\xef\xbb\xbf{}",
    b'{"query": "{ conversations { totalCount } }"}\x00',
    b'{"query": NaN}',
    b'{"query": "{ conversations { totalCount } }", "variables": {"limit": 1e400}}',
    b'{"query": "{ conversations { totalCount } }", "variables": {"limit": NaN}}',
    b'{"query": "query q($l: Int) { users(limit: $l) { totalCount } }", "variables": {"l": 1e400}}',
    b'{"query": "query q($l: Float) { conversations { totalCount } }", "variables": {"l": Infinity}}',
    b'{"a": 1, "a": 2}',
    b'{"query": "\\ud800"}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    b'{"query": "' + b"{" * 50_000 + b'"}',
    b'{"query": "' + b"{ conversations { totalCount } } " * 2000 + b'"}',
    b'{"query": "{ ' + b"a: conversations { totalCount } " * 3000 + b'}"}',
    b'{"query": "' + b"(" * 10_000 + b'"}',
    b'{"query": "{ conversations(limit: ' + b"[" * 10_000 + b']) { totalCount } }"}',
    b'{"query": "query q' + b"($a: [" * 2000 + b'"}',
    b'{"query": "query q($l: String) { conversations { totalCount } }", "variables": {"l": [NaN]}}',
    b'{"environmentId": NaN, "apiKey": Infinity, "userId": -Infinity, "expiresIn": NaN}',
)
PATHOLOGICAL_BODIES = st.sampled_from(PATHOLOGICAL).map(Body)


def graphql_texts() -> st.SearchStrategy[str]:
    """Documents: arbitrary text, token soup, and the SDK's own documents cut, spliced and garbled."""
    vocabulary = st.sampled_from(
        [
            "{",
            "}",
            "(",
            ")",
            "[",
            "]",
            ":",
            "...",
            "$",
            "!",
            "=",
            "@",
            "query",
            "mutation",
            "subscription",
            "fragment",
            "on",
            "conversations",
            "messages",
            "users",
            "user",
            "files",
            "data",
            "id",
            "totalCount",
            "__typename",
            "__schema",
            "__type",
            "createMessage",
            "deleteConversation",
            "limit",
            "filter",
            "Int",
            "ID!",
            "String",
            "ConversationModel",
            "Query",
            "@skip(if: true)",
            "@include(if: $x)",
            '"s"',
            '"""block"""',
            "1",
            "-1",
            "1.5e400",
            "2147483648",
            "null",
            "true",
            "#",
            "\n",
            "\u0000",
            ",",
        ]
    )
    soup = st.lists(vocabulary, max_size=40).map(" ".join)

    @st.composite
    def garbled(draw: st.DrawFn) -> str:
        text = draw(st.sampled_from(SDK_DOCUMENTS))
        for _ in range(draw(st.integers(0, 3))):
            start = draw(st.integers(0, len(text)))
            end = draw(st.integers(start, min(len(text), start + 20)))
            text = text[:start] + draw(st.one_of(st.just(""), st.text(max_size=5), vocabulary)) + text[end:]
        return text

    return st.one_of(st.text(max_size=200), soup, garbled(), st.sampled_from(SDK_DOCUMENTS))


def graphql_bodies(world_values: Sequence[Any]) -> st.SearchStrategy[Any]:
    """JSON objects shaped like a GraphQL request: ``query``, ``variables``, ``operationName``, junk."""
    values = json_values(st.one_of(JSON_SCALARS, st.sampled_from(list(world_values) or [None])))
    variables = st.one_of(
        json_values(),
        st.dictionaries(st.one_of(st.sampled_from(VARIABLE_NAMES), st.text(max_size=8)), values, max_size=6),
    )
    operation_names = st.one_of(
        st.none(),
        st.sampled_from(["conversations", "messages", "createMessage", "", "nope"]),
        st.text(max_size=12),
        JSON_SCALARS,
    )
    return st.fixed_dictionaries(
        {"query": st.one_of(graphql_texts(), JSON_SCALARS)},
        optional={
            "variables": variables,
            "operationName": operation_names,
            "extensions": json_values(),
            "id": st.text(max_size=10),
        },
    )


def token_bodies(
    environment_id: str, api_key: str, user_ids: Sequence[str], world_values: Sequence[str]
) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies for ``/v01/authorize*``: mostly the right credentials and a real user, so that what follows
    (``userId``, ``expiresIn``, ``scope``, ``keepLoggedIn``) is reached, with any value there."""
    values = st.one_of(JSON_SCALARS, st.sampled_from(list(world_values)), json_values())

    def mostly(good: Any, other: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.integers(0, 5).flatmap(lambda roll: other if roll == 0 else st.just(good))

    durations = st.one_of(
        st.sampled_from(["3600", "1.5h", "2 days", "-1s", ".5s", "1e3", "9" * 400 + " days", "1" * 310]),
        st.from_regex(r"\d{1,30}(\.\d{1,3})? ?(ms|s|m|h|d|w|y|years)?", fullmatch=True),
    )
    return st.fixed_dictionaries(
        {
            "environmentId": mostly(environment_id, values),
            "apiKey": mostly(api_key, values),
            "userId": st.integers(0, 5).flatmap(
                lambda roll: values if roll == 0 else st.sampled_from(list(user_ids))
            ),
        },
        optional={
            "expiresIn": st.one_of(values, durations),
            "scope": values,
            "keepLoggedIn": st.one_of(st.booleans(), values),
            "email": values,
        },
    )


# ---------------------------------------------------------------- headers, paths, methods

# What h11 lets a header value be: visible ASCII, obs-text, and spaces or tabs inside.
_FIELD_BYTES = st.sampled_from([*range(0x21, 0x7F), *range(0x80, 0x100), 0x20, 0x09])


def header_values(max_size: int = 60) -> st.SearchStrategy[bytes]:
    return st.lists(_FIELD_BYTES, max_size=max_size).map(bytes).map(sendable)


def sendable(value: bytes) -> bytes:
    """A header value as HTTP carries it: no leading or trailing whitespace (h11 refuses to send it)."""
    return value.strip(b" \t")


def bearer_values(valid_tokens: Sequence[str]) -> st.SearchStrategy[bytes]:
    """``roq-platform-authorization`` values: valid tokens, broken ones, other schemes, junk."""
    tokens = st.sampled_from(list(valid_tokens))
    broken = st.tuples(tokens, st.integers(0, 400), header_values(4)).map(
        lambda parts: (parts[0][: parts[1]] + parts[2].decode("latin-1")).encode("latin-1")
    )
    return st.one_of(
        tokens.map(lambda token: f"Bearer {token}".encode()),
        tokens.map(lambda token: f"bearer   {token}  ".strip().encode()),
        broken.map(lambda token: b"Bearer " + token),
        tokens.map(lambda token: b"Basic " + token.encode()),
        st.sampled_from([b"Bearer", b"Bearer ", b"Bearer a.b.c", b"Bearer ..", b"Bearer e30.e30.", b""]),
        header_values(),
    )


def server_header_values(valid: str, environment_id: str, api_key: str) -> st.SearchStrategy[bytes]:
    """``roq-platform-server-authorization`` values: the valid one, near misses, junk."""

    def basic(text: str) -> bytes:
        return b"Basic " + base64.b64encode(text.encode())

    near = st.sampled_from(
        [
            basic(f"{environment_id}:{api_key}x"),
            basic(f"{environment_id}x:{api_key}"),
            basic(f"{environment_id}{api_key}"),
            basic(":"),
            basic(f"{environment_id}:{api_key}:"),
            b"Basic " + base64.b64encode(b"\xff\xfe:\x00"),
            valid.encode().lower(),
            valid.encode() + b"=",
            valid.encode()[:-2],
            b"Basic",
            b"Basic ",
            b"Bearer " + valid.encode()[6:],
        ]
    )
    return st.one_of(st.just(valid.encode()), near, st.text(max_size=20).map(basic), header_values())


def session_values() -> st.SearchStrategy[bytes]:
    """``x-roqmock-session`` values: a few good names (sessions are bounded), and bad ones."""
    return st.one_of(
        st.sampled_from([b"fuzz-a", b"fuzz.b", b"fuzz_c"]),
        st.sampled_from([b"", b" ", b"a" * 65, b"a/b", b"..", b"\xff"]),
        header_values(8),
    )


def content_types() -> st.SearchStrategy[bytes | None]:
    return st.one_of(
        st.just(b"application/json"),
        st.sampled_from(
            [
                b"application/json; charset=utf-8",
                b"Application/JSON",
                b"application/json;",
                b"application/graphql",
                b"application/x-www-form-urlencoded",
                b"multipart/form-data; boundary=x",
                b"text/plain",
                b"application/jsonx",
                b"",
            ]
        ),
        header_values(30),
        st.none(),
    )


def big_header_values() -> st.SearchStrategy[bytes]:
    """Values around the 16 KiB header limit (431 above it)."""
    return st.sampled_from([15_000, 16_500, 40_000]).map(lambda size: b"x" * size)


def _parses(path: str) -> bool:
    try:
        httpx.URL("http://127.0.0.1" + path)
    except httpx.InvalidURL:
        return False
    return True


def paths() -> st.SearchStrategy[str]:
    """Paths roqmock knows, their near misses (case, trailing slash, encoding), and arbitrary ones."""
    segment = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="?#"), min_size=0, max_size=12)
    arbitrary = st.lists(segment, min_size=0, max_size=5).map(lambda parts: "/" + "/".join(parts))
    known = st.sampled_from(KNOWN_PATHS)
    variants = st.tuples(
        known, st.sampled_from(["", "/", "//", "%2F", ".", "/.", "/..", "?x=1", "?baseline=yes"])
    )
    return st.one_of(
        known,
        variants.map("".join),
        known.map(str.upper),
        known.map(lambda path: path.replace("_", "%5F")),
        arbitrary.filter(_parses),
    )


def methods(*, any_token: bool) -> st.SearchStrategy[str]:
    """HTTP methods; with ``any_token`` every token HTTP allows (for the in-process transport, no parser)."""
    known = st.sampled_from(METHODS + PARSED_METHODS)
    if not any_token:
        return known
    token = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ-_!#$%&'*+.^`|~0123456789", min_size=1, max_size=10)
    return st.one_of(known, token)


# ---------------------------------------------------------------- the control API's bodies

_SMALL_JSON = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 40), st.floats(-3, 40), st.text(max_size=12)
)
_LOCALES = st.sampled_from(["en_US", "de_DE", "ja_JP", "xx_XX", "", "en_us"])
_DATES = st.sampled_from(
    [
        "2024-01-01T00:00:00.000Z",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "2024-13-01",
        "",
        5,
    ]
)


Edit = tuple[Any, ...]


def state_edits(state: dict[str, Any], world_values: Sequence[str]) -> st.SearchStrategy[list[Edit]]:
    """One to three changes to a saved world (``GET /__roqmock/state``): a field, a record, a whole list.

    Drawn as small edits and applied by :func:`apply_edits`, so that a failure names what was changed.
    """
    values = st.one_of(json_values(), st.sampled_from(list(world_values)), _DATES)
    collections = sorted(key for key, records in state.items() if isinstance(records, list) and records)

    @st.composite
    def edit(draw: st.DrawFn) -> Edit:
        kind = draw(st.sampled_from(["set", "set", "drop", "duplicate", "whole"]))
        if kind == "whole":
            return ("whole", draw(st.sampled_from([*sorted(state), "extra"])), draw(values))
        name = draw(st.sampled_from(collections))
        index = draw(st.integers(0, len(state[name]) - 1))
        if kind == "duplicate":
            return ("duplicate", name, index)
        field = draw(st.sampled_from([*sorted(state[name][index]), "bogus"]))
        return ("drop", name, index, field) if kind == "drop" else ("set", name, index, field, draw(values))

    return st.lists(edit(), min_size=1, max_size=3)


def apply_edits(state: dict[str, Any], edits: Sequence[Edit]) -> dict[str, Any]:
    """``state`` with ``edits`` made in order; one that an earlier edit made moot is skipped."""
    data = copy.deepcopy(state)
    for kind, name, *rest in edits:
        if kind == "whole":
            data[name] = copy.deepcopy(rest[0])
            continue
        records = data.get(name)
        if not isinstance(records, list) or rest[0] >= len(records):
            continue
        if kind == "duplicate":
            records.append(copy.deepcopy(records[rest[0]]))
        elif isinstance(records[rest[0]], dict) and kind == "drop":
            records[rest[0]].pop(rest[1], None)
        elif isinstance(records[rest[0]], dict):
            records[rest[0]][rest[1]] = copy.deepcopy(rest[2])
    return data


def control_requests(
    state: dict[str, Any], world_values: Sequence[str]
) -> st.SearchStrategy[tuple[str, str, bytes | list[Edit] | None]]:
    """Authorized calls of the control API, with bodies and query strings that are mostly wrong.

    A ``PUT /__roqmock/state`` comes with edits to ``state`` (see :func:`apply_edits`), not a body.
    """
    text = st.text(max_size=12)
    fault = st.fixed_dictionaries(
        {},
        optional={
            "operation": st.one_of(st.sampled_from(["*", "createMessage", "conversations"]), JSON_SCALARS),
            "latencyMs": JSON_SCALARS,
            "error": st.one_of(
                json_values(),
                st.fixed_dictionaries(
                    {},
                    optional={"statusCode": JSON_SCALARS, "errorCode": JSON_SCALARS, "message": JSON_SCALARS},
                ),
            ),
            "probability": JSON_SCALARS,
            "count": JSON_SCALARS,
            "extra": JSON_SCALARS,
        },
    )
    verify = st.fixed_dictionaries(
        {},
        optional={
            "operation": st.one_of(st.just("conversations"), JSON_SCALARS),
            "times": JSON_SCALARS,
            "asUser": st.one_of(st.sampled_from(list(world_values)), JSON_SCALARS),
            "variables": json_values(),
            "ok": JSON_SCALARS,
        },
    )
    seed = st.fixed_dictionaries(
        {},
        optional={
            "seed": st.one_of(st.integers(), _SMALL_JSON),
            **{name: _SMALL_JSON for name in ("users", "conversations", "messages", "files", "tenants")},
            "locale": st.one_of(_LOCALES, _SMALL_JSON),
            "empty": _SMALL_JSON,
            "extra": _SMALL_JSON,
        },
    )
    flag = st.one_of(st.sampled_from(["true", "false", "", "TRUE", "1"]), text)
    return st.one_of(
        st.tuples(
            st.just("PUT"),
            st.sampled_from(["/__roqmock/state", "/__roqmock/state?baseline=false"]),
            state_edits(state, world_values),
        ),
        st.tuples(st.just("PUT"), st.just("/__roqmock/state"), json_values().map(dumps)),
        st.tuples(st.just("POST"), st.just("/__roqmock/faults"), st.one_of(fault, json_values()).map(dumps)),
        st.tuples(
            st.just("POST"),
            st.just("/__roqmock/requests/verify"),
            st.one_of(verify, json_values()).map(dumps),
        ),
        st.tuples(
            st.just("POST"), st.just("/__roqmock/reset"), st.one_of(st.just({}), json_values()).map(dumps)
        ),
        st.tuples(st.just("POST"), st.just("/__roqmock/seed"), seed.map(dumps)),
        st.tuples(
            st.just("GET"),
            st.tuples(text, text, flag).map(
                lambda q: "/__roqmock/requests?" + urlencode({"operation": q[0], "caller": q[1], "ok": q[2]})
            ),
            st.none(),
        ),
        st.tuples(
            st.just("DELETE"), text.map(lambda v: "/__roqmock/faults?" + urlencode({"id": v})), st.none()
        ),
        st.tuples(
            st.just("DELETE"), text.map(lambda v: "/__roqmock/sessions?" + urlencode({"name": v})), st.none()
        ),
    )
