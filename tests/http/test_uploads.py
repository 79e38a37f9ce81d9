"""The doors of file bytes over real HTTP: S3's presigned POST (``/__roqmock/uploads``) as ROQ's SDK
and UI send it, and the presigned GET (``/__roqmock/files/...``) that gives the bytes back.

The server runs with a known ``--token-secret``, so a test signs forms and URLs as ``createFileUpload``
and ``messageFileUrl`` would (and forges, changes or ages them); its files are put in the world through
``PUT /__roqmock/state``.
"""

from __future__ import annotations

import contextlib
import random
import socket
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from support.s3_forms import error_of, multipart, now_ms, repolicy, signed_form
from support.servers import ENVIRONMENT_ID, serve

from roqmock import uploads
from roqmock.client import HttpSession
from roqmock.config import Settings
from roqmock.http.files import FIELD_ALLOWANCE
from roqmock.mock import RoqMock
from roqmock.testing import RoqServer
from roqmock.transport import RoqTransport

SECRET = "roqmock-upload-tests-secret-" + "u" * 40
MAX_SIZE = 1024
T = "2025-01-01T00:00:00.000Z"
BASE = "http://roqmock.test"  # the in-process transports' base URL
MULTIPART = f"multipart/form-data; boundary={'-' * 26}012345678901234567890123"


@pytest.fixture(scope="module")
def server() -> Iterator[RoqServer]:
    running = serve("--token-secret", SECRET)
    yield running
    running.stop()


def _world(server: RoqServer, *files: dict[str, Any]) -> str:
    """Put a world holding ``files`` (each a file's fields beyond the defaults) on ``server``; the
    creator's id."""
    user_id = str(uuid.uuid4())
    category_id = str(uuid.uuid4())
    state = server.state()
    state["users"] = [
        {
            "id": user_id,
            "reference": "uploader",
            "email": "uploader@example.com",
            "createdAt": T,
            "updatedAt": T,
        }
    ]
    state["fileCategories"] = [
        {"id": category_id, "key": "TEST_UPLOADS", "name": "Uploads", "createdAt": T, "updatedAt": T}
    ]
    defaults = {"name": "hello.txt", "contentType": "text/plain", "status": "upload_pending"}
    state["files"] = [
        {
            **defaults,
            **file,
            "createdByUserId": user_id,
            "fileCategoryId": category_id,
            "createdAt": T,
            "updatedAt": T,
        }
        for file in files
    ]
    server.load_state(state)
    return user_id


def _pending(server: RoqServer, **file: Any) -> str:
    file_id = str(uuid.uuid4())
    _world(server, {"id": file_id, **file})
    return file_id


def _form(base_url: str, file_id: str, **options: Any) -> dict[str, str]:
    return signed_form(SECRET, base_url=base_url, environment_id=ENVIRONMENT_ID, file_id=file_id, **options)


def _post(
    server: RoqServer, content: bytes, *, content_type: str = MULTIPART, **headers: str
) -> httpx.Response:
    return httpx.post(
        f"{server.url}{uploads.UPLOAD_PATH}",
        content=content,
        headers={"content-type": content_type, **headers},
        timeout=10,
    )


def _download_url(base_url: str, file_id: str, name: str = "hello.txt", **options: Any) -> str:
    return uploads.download_url(
        SECRET,
        base_url=base_url,
        file_id=file_id,
        environment_id=ENVIRONMENT_ID,
        name=name,
        now_ms=options.pop("at_ms", now_ms()),
        **options,
    )


def _refused(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/xml"
    got, message = error_of(response.content)
    assert got == code, response.text
    return message


def _not_stored(server: RoqServer, file_id: str) -> None:
    _refused(httpx.get(_download_url(server.url, file_id)), 404, "NoSuchKey")


# ---------------------------------------------------------------- the upload, as the clients send it


def test_an_upload_as_the_sdk_sends_it_downloads_byte_for_byte(server: RoqServer) -> None:
    """ROQ's SDK: npm form-data, every form field echoed, then a Buffer: no filename, octet-stream."""
    name = "r\u00e9sum\u00e9 \u2014 final.bin"
    file_id = _pending(server, name=name, contentType="application/pdf")
    data = bytes(range(256)) * 3 + b"\r\n--" + b"\x00" * 10  # every byte, and what looks like a boundary
    form = _form(server.url, file_id, name=name, content_type="application/pdf")

    response = _post(server, multipart(form.items(), data))

    assert response.status_code == 204 and response.content == b"", response.text
    got = httpx.get(_download_url(server.url, file_id, name))
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-length"] == str(len(data))
    assert got.headers["content-disposition"] == (
        f"attachment; filename=\"r_sum_ _ final.bin\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    assert got.headers["x-content-type-options"] == "nosniff"
    head = httpx.head(_download_url(server.url, file_id, name))
    assert (
        head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(data))
    )


def test_an_upload_as_the_browser_sends_it_with_a_filename_and_fields_in_any_order(server: RoqServer) -> None:
    """ROQ's UI: axios and a browser FormData; the file part names its file. S3 reads the fields in any
    order, as long as ``file`` comes last."""
    file_id = _pending(server)
    fields = list(_form(server.url, file_id).items())
    random.Random(file_id).shuffle(fields)

    response = _post(server, multipart(fields, b"hello", filename="hello.txt", file_type="text/plain"))

    assert response.status_code == 204, response.text
    assert httpx.get(_download_url(server.url, file_id)).content == b"hello"


def test_httpxs_own_multipart_form_is_taken_too(server: RoqServer) -> None:
    file_id = _pending(server)
    response = httpx.post(
        f"{server.url}{uploads.UPLOAD_PATH}",
        data=_form(server.url, file_id),
        files={"file": ("hello.txt", b"from httpx", "text/plain")},
    )
    assert response.status_code == 204, response.text
    assert httpx.get(_download_url(server.url, file_id)).content == b"from httpx"


def test_uploads_and_downloads_are_journaled_as_calls(server: RoqServer) -> None:
    file_id = _pending(server)
    creator = server.state()["users"][0]["id"]
    _post(server, multipart(_form(server.url, file_id).items(), b"hi"))
    _post(server, multipart({**_form(server.url, file_id), "x-amz-signature": "0" * 64}.items(), b"hi"))
    httpx.get(_download_url(server.url, file_id))

    server.assert_called(
        "upload", times=1, as_user=creator, ok=True, variables={"fileId": file_id, "size": 2}
    )
    (refused,) = server.calls("upload", ok=False)
    assert refused.caller == "anonymous" and refused.status == 403
    assert refused.error_code == "SignatureDoesNotMatch"
    server.assert_called("download", times=1, as_user=creator, variables={"fileId": file_id})


def test_a_session_header_sends_the_upload_to_that_sessions_world(server: RoqServer) -> None:
    session = server.session(f"uploads-{uuid.uuid4().hex[:8]}")
    file_id = _pending(session)
    form = _form(server.url, file_id)

    # Without the header the form acts in the server's own world, where the file is not.
    _refused(_post(server, multipart(form.items(), b"x")), 404, "NoSuchKey")
    response = _post(
        server,
        multipart(form.items(), b"in the session"),
        **{"x-roqmock-session": session.session_name or ""},
    )

    assert response.status_code == 204, response.text
    url = _download_url(server.url, file_id)
    assert (
        httpx.get(url, headers={"x-roqmock-session": session.session_name or ""}).content == b"in the session"
    )
    _refused(httpx.get(url), 404, "NoSuchKey")
    session.assert_called("upload", times=1, ok=True)


def test_the_in_process_transport_reaches_the_same_endpoint() -> None:
    mock = RoqMock(Settings(token_secret=SECRET, environment_id=ENVIRONMENT_ID))
    state = mock.dump_state()
    user_id, category_id, file_id = (str(uuid.uuid4()) for _ in range(3))
    state["users"] = [
        {"id": user_id, "reference": "u", "email": "u@example.com", "createdAt": T, "updatedAt": T}
    ]
    state["fileCategories"] = [{"id": category_id, "key": "K", "name": "K", "createdAt": T, "updatedAt": T}]
    state["files"] = [
        {
            "id": file_id,
            "name": "hello.txt",
            "contentType": "text/plain",
            "status": "upload_pending",
            "createdByUserId": user_id,
            "fileCategoryId": category_id,
            "createdAt": T,
            "updatedAt": T,
        }
    ]
    mock.load_state(state)
    big = b"y" * (Settings().max_body_bytes + 10)  # past the JSON endpoints' body limit: uploads stream
    with httpx.Client(transport=RoqTransport(mock), base_url="http://roqmock.test") as client:
        response = client.post(
            uploads.UPLOAD_PATH,
            content=multipart(_form(BASE, file_id, max_size=len(big)).items(), big),
            headers={"content-type": MULTIPART},
        )
        assert response.status_code == 204, response.text
        got = client.get(_download_url(BASE, file_id))
    assert got.status_code == 200 and got.content == big
    assert mock.service.file_content(file_id)[1] == big
    assert [call.operation for call in mock.journal.calls()] == ["upload", "download"]


# ---------------------------------------------------------------- refusals, each in S3's XML


def test_a_forged_signature_is_refused_and_stores_nothing(server: RoqServer) -> None:
    file_id = _pending(server)
    form = {**_form(server.url, file_id), "x-amz-signature": "ab" * 32}
    _refused(_post(server, multipart(form.items(), b"x")), 403, "SignatureDoesNotMatch")
    _not_stored(server, file_id)


def test_a_form_signed_with_another_secret_is_refused(server: RoqServer) -> None:
    file_id = _pending(server)
    form = signed_form(
        "another-secret-" + "z" * 40, base_url=server.url, environment_id=ENVIRONMENT_ID, file_id=file_id
    )
    _refused(_post(server, multipart(form.items(), b"x")), 403, "SignatureDoesNotMatch")
    _not_stored(server, file_id)


@pytest.mark.parametrize(
    "change",
    [{"maxSize": 10**9}, {"fileId": str(uuid.uuid4())}, {"expiresAt": 2**52}, {"contentType": "text/html"}],
    ids=["bigger-max-size", "another-file", "later-expiry", "another-content-type"],
)
def test_a_changed_policy_is_refused(server: RoqServer, change: dict[str, Any]) -> None:
    file_id = _pending(server)
    form = repolicy(_form(server.url, file_id), **change)
    _refused(_post(server, multipart(form.items(), b"x")), 403, "SignatureDoesNotMatch")
    _not_stored(server, file_id)


@pytest.mark.parametrize("missing", ["policy", "x-amz-signature"])
def test_a_form_without_its_policy_or_signature_is_refused(server: RoqServer, missing: str) -> None:
    file_id = _pending(server)
    form = {k: v for k, v in _form(server.url, file_id).items() if k != missing}
    _refused(_post(server, multipart(form.items(), b"x")), 403, "AccessDenied")
    _not_stored(server, file_id)


def test_an_expired_form_is_refused(server: RoqServer) -> None:
    file_id = _pending(server)
    form = _form(server.url, file_id, at_ms=now_ms() - 3_600_001, lifetime_s=3600)
    message = _refused(_post(server, multipart(form.items(), b"x")), 403, "AccessDenied")
    assert "expired" in message
    _not_stored(server, file_id)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("key", "elsewhere/hello.txt"),
        ("key", f"{ENVIRONMENT_ID}/{uuid.uuid4()}/hello.txt"),
        ("Content-Type", "text/html"),
    ],
    ids=["key-elsewhere", "key-of-another-file", "content-type"],
)
def test_fields_other_than_the_policys_are_refused(server: RoqServer, field: str, value: str) -> None:
    file_id = _pending(server)
    form = {**_form(server.url, file_id), field: value}
    message = _refused(_post(server, multipart(form.items(), b"x")), 403, "AccessDenied")
    assert "Policy Condition failed" in message
    _not_stored(server, file_id)


def test_a_file_of_exactly_max_size_is_taken_and_one_byte_more_is_refused(server: RoqServer) -> None:
    file_id = _pending(server)
    form = _form(server.url, file_id, max_size=MAX_SIZE)
    message = _refused(_post(server, multipart(form.items(), b"z" * (MAX_SIZE + 1))), 400, "EntityTooLarge")
    assert str(MAX_SIZE) in message
    _not_stored(server, file_id)
    assert _post(server, multipart(form.items(), b"z" * MAX_SIZE)).status_code == 204
    assert httpx.get(_download_url(server.url, file_id)).content == b"z" * MAX_SIZE


def _host_port(server: RoqServer) -> tuple[str, int]:
    parts = urlsplit(server.url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def _answer_of(sock: socket.socket) -> bytes:
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while b"</Error>" not in received and (chunk := sock.recv(65536)):
            received += chunk
    return received


def test_an_oversize_file_is_refused_before_the_rest_of_the_body_is_sent(server: RoqServer) -> None:
    """The server answers once the file passes ``maxSize``, while the client has sent a sliver of the
    body it announced: it neither waits for nor holds the rest (a server that read it all would never
    answer, and the socket's timeout would fail the test)."""
    file_id = _pending(server)
    head = multipart(_form(server.url, file_id, max_size=MAX_SIZE).items(), b"", closed=False)[
        : -len(b"\r\n")
    ]
    announced = 200 * 1024 * 1024  # 200 MB promised, under the world's bound; about 2 KB sent
    request = (
        f"POST {uploads.UPLOAD_PATH} HTTP/1.1\r\nhost: x\r\ncontent-type: {MULTIPART}\r\n"
        f"content-length: {announced}\r\n\r\n"
    ).encode()
    with socket.create_connection(_host_port(server), timeout=10) as sock:
        sock.sendall(request + head + b"z" * (MAX_SIZE + 1))
        answer = _answer_of(sock)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:300]
    assert b"<Code>EntityTooLarge</Code>" in answer
    _not_stored(server, file_id)


def test_a_body_announced_past_the_worlds_bound_is_refused_unread(server: RoqServer) -> None:
    request = (
        f"POST {uploads.UPLOAD_PATH} HTTP/1.1\r\nhost: x\r\ncontent-type: {MULTIPART}\r\n"
        f"content-length: {10 * 1024**4}\r\n\r\n"
    ).encode()
    with socket.create_connection(_host_port(server), timeout=10) as sock:
        sock.sendall(request)  # not one byte of the body
        answer = _answer_of(sock)
    assert answer.startswith(b"HTTP/1.1 400 ") and b"<Code>EntityTooLarge</Code>" in answer, answer[:300]


def test_a_field_sent_twice_is_refused_by_its_name_escaped_in_the_xml(server: RoqServer) -> None:
    file_id = _pending(server)
    name = "x-amz-meta-<b>&amp</b>"
    form = [*_form(server.url, file_id).items(), (name, "1"), (name, "2")]
    message = _refused(_post(server, multipart(form, b"x")), 400, "InvalidArgument")
    assert message == f"The form field {name} appears more than once."
    _not_stored(server, file_id)


def test_fields_past_their_allowance_are_refused(server: RoqServer) -> None:
    file_id = _pending(server)
    form = {**_form(server.url, file_id), "x-ignore-padding": "p" * FIELD_ALLOWANCE}
    _refused(_post(server, multipart(form.items(), b"x")), 400, "MaxPostPreDataLengthExceeded")
    _not_stored(server, file_id)


def test_a_form_without_a_file_is_refused(server: RoqServer) -> None:
    file_id = _pending(server)
    message = _refused(
        _post(server, multipart(_form(server.url, file_id).items(), None)), 400, "InvalidArgument"
    )
    assert "file" in message


def test_a_body_that_ends_inside_the_file_is_refused(server: RoqServer) -> None:
    file_id = _pending(server)
    body = multipart(_form(server.url, file_id).items(), b"half a file", closed=False)[: -len(b"\r\n")]
    _refused(_post(server, body), 400, "IncompleteBody")
    _not_stored(server, file_id)


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("application/json", b'{"file": "x"}'),
        ("application/x-www-form-urlencoded", b"file=x"),
        ("multipart/form-data", b"no boundary"),
        ("multipart/form-data; boundary=" + "b" * 71, b"a boundary too long"),
        (MULTIPART, b"not multipart at all"),
    ],
    ids=["json", "urlencoded", "no-boundary", "long-boundary", "garbage"],
)
def test_a_body_that_is_not_multipart_is_refused(
    server: RoqServer, content_type: str, content: bytes
) -> None:
    _refused(_post(server, content, content_type=content_type), 400, "MalformedPOSTRequest")


@pytest.mark.parametrize("status", ["ready", "cancelled", "error"])
def test_a_file_not_awaiting_its_bytes_is_refused(server: RoqServer, status: str) -> None:
    file_id = _pending(server, status=status)
    _refused(_post(server, multipart(_form(server.url, file_id).items(), b"late")), 403, "InvalidObjectState")
    _not_stored(server, file_id)


def test_a_form_for_no_file_is_refused(server: RoqServer) -> None:
    _pending(server)
    _refused(_post(server, multipart(_form(server.url, str(uuid.uuid4())).items(), b"x")), 404, "NoSuchKey")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_on_the_upload_path_are_refused(server: RoqServer, method: str) -> None:
    response = httpx.request(method, f"{server.url}{uploads.UPLOAD_PATH}")
    _refused(response, 405, "MethodNotAllowed")
    assert response.headers["allow"] == "POST"


def test_an_upload_from_an_allowed_origin_carries_the_cors_headers() -> None:
    cors = serve("--token-secret", SECRET, "--cors-origin", "https://app.example")
    try:
        file_id = _pending(cors)
        origin = {"origin": "https://app.example"}
        preflight = httpx.options(
            f"{cors.url}{uploads.UPLOAD_PATH}", headers={**origin, "access-control-request-method": "POST"}
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "https://app.example"
        response = _post(cors, multipart(_form(cors.url, file_id).items(), b"x"), **origin)
        assert response.status_code == 204
        assert response.headers["access-control-allow-origin"] == "https://app.example"
        refused = _post(cors, b"garbage", **origin)
        assert refused.status_code == 400
        assert refused.headers["access-control-allow-origin"] == "https://app.example"
    finally:
        cors.stop()


# ---------------------------------------------------------------- downloads


def _uploaded(server: RoqServer, data: bytes = b"the bytes") -> str:
    file_id = _pending(server)
    assert _post(server, multipart(_form(server.url, file_id).items(), data)).status_code == 204
    return file_id


def test_an_expired_download_url_is_refused(server: RoqServer) -> None:
    file_id = _uploaded(server)
    url = _download_url(server.url, file_id, at_ms=now_ms() - 61_000, lifetime_s=60)
    assert "expired" in _refused(httpx.get(url), 403, "AccessDenied")


@pytest.mark.parametrize(
    "damage",
    [
        lambda url, other: url.replace("signature=", "signature=0"),
        lambda url, other: url.replace("expires=", "expires=9"),
        lambda url, other: url.replace(f"environment={ENVIRONMENT_ID}", f"environment={uuid.uuid4()}"),
        lambda url, other: url.replace(url.split("/")[5], other),
    ],
    ids=["signature", "expiry", "environment", "another-file"],
)
def test_a_changed_download_url_is_refused(server: RoqServer, damage: Any) -> None:
    file_id = _uploaded(server)
    url = damage(_download_url(server.url, file_id), str(uuid.uuid4()))
    _refused(httpx.get(url), 403, "SignatureDoesNotMatch")


@pytest.mark.parametrize("query", ["", "?expires=1", "?environment=x&expires=1"])
def test_a_download_url_without_its_signature_is_refused(server: RoqServer, query: str) -> None:
    file_id = _uploaded(server)
    _refused(
        httpx.get(f"{server.url}{uploads.DOWNLOAD_PATH}/{file_id}/hello.txt{query}"), 403, "AccessDenied"
    )


def test_a_download_of_no_file_or_no_bytes_is_not_found(server: RoqServer) -> None:
    file_id = _pending(server)  # no bytes yet
    _refused(httpx.get(_download_url(server.url, file_id)), 404, "NoSuchKey")
    _refused(httpx.get(_download_url(server.url, str(uuid.uuid4()))), 404, "NoSuchKey")
    _refused(httpx.get(f"{server.url}{uploads.DOWNLOAD_PATH}/{file_id}"), 404, "NoSuchKey")


def test_other_methods_on_a_download_are_refused(server: RoqServer) -> None:
    file_id = _uploaded(server)
    response = httpx.delete(_download_url(server.url, file_id))
    _refused(response, 405, "MethodNotAllowed")
    assert response.headers["allow"] == "GET, HEAD"
    assert httpx.get(_download_url(server.url, file_id)).content == b"the bytes"


# ---------------------------------------------------------------- the flow through createFileUpload

CREATE_USER = "mutation c($u: UserCreateDto!) { createUser(user: $u) { id } }"


def _new_user(kit: RoqServer | HttpSession) -> str:
    suffix = uuid.uuid4().hex[:10]
    answer = kit.as_super_admin().create_user(
        {"reference": f"up-{suffix}", "email": f"up-{suffix}@example.com"}
    )
    user_id: str = answer["createUser"]["id"]
    return user_id


def test_a_form_from_create_file_upload_uploads_and_its_file_downloads(empty_server: RoqServer) -> None:
    user = _new_user(empty_server)
    upload = empty_server.as_user(user).create_file_upload("notes.txt", "text/plain", "CHAT_FILES")
    created = upload["createFileUpload"]
    assert created["uploadUrl"] == f"{empty_server.url}{uploads.UPLOAD_PATH}"
    fields = {key: str(value) for key, value in created["formFields"].items()}

    response = _post_to(created["uploadUrl"], multipart(fields.items(), b"the notes"))

    assert response.status_code == 204, response.text
    ready = empty_server.as_user(user).update_file_status(created["id"], "ready")["updateFileStatus"]
    got = httpx.get(ready["url"])
    assert got.status_code == 200 and got.content == b"the notes"
    assert got.headers["content-disposition"].startswith('attachment; filename="notes.txt"')
    empty_server.assert_called("upload", times=1, as_user=user, variables={"fileId": created["id"]})
    empty_server.assert_called("download", times=1, as_user=user, variables={"fileId": created["id"]})


def _post_to(url: str, content: bytes, **headers: str) -> httpx.Response:
    return httpx.post(url, content=content, headers={"content-type": MULTIPART, **headers}, timeout=10)


@pytest.mark.parametrize("by", ["header", "environment-id"])
def test_a_sessions_form_and_url_act_in_that_session_without_a_header(
    empty_server: RoqServer, by: str
) -> None:
    """A session named by ``x-roqmock-session``, or by an environment id of its own (the SDK's way): its
    form and its download URL name it, so a client that posts them as they are (no header) reaches it."""
    name = f"files-{uuid.uuid4().hex[:8]}"
    if by == "header":
        _session_round_trip(empty_server, empty_server.session(name))
    else:
        with contextlib.closing(
            HttpSession(empty_server.url, environment_id=name, api_key=empty_server.api_key)
        ) as kit:
            _session_round_trip(empty_server, kit)


def _session_round_trip(server: RoqServer, kit: RoqServer | HttpSession) -> None:
    user = _new_user(kit)
    created = kit.as_user(user).create_file_upload("s.txt", "text/plain", "CHAT_FILES")["createFileUpload"]
    fields = {key: str(value) for key, value in created["formFields"].items()}

    response = _post_to(created["uploadUrl"], multipart(fields.items(), b"session bytes"))

    assert response.status_code == 204, response.text
    url = kit.as_user(user).update_file_status(created["id"], "ready")["updateFileStatus"]["url"]
    assert httpx.get(url).content == b"session bytes"
    assert server.calls("upload", as_user=user) == []  # not in the server's own world


def test_upload_lifetime_zero_expires_every_form_and_public_url_names_the_links() -> None:
    server = serve("--upload-lifetime", "0", "--public-url", "http://files.example:8080/")
    try:
        user = _new_user(server)
        created = server.as_user(user).create_file_upload("a.txt", "text/plain", "CHAT_FILES")[
            "createFileUpload"
        ]
        assert created["uploadUrl"] == f"http://files.example:8080{uploads.UPLOAD_PATH}"
        assert created["formFields"]["expiryTime"] in (0, "0")
        fields = {key: str(value) for key, value in created["formFields"].items()}
        response = _post_to(f"{server.url}{uploads.UPLOAD_PATH}", multipart(fields.items(), b"late"))
        assert "expired" in _refused(response, 403, "AccessDenied")
    finally:
        server.stop()


def test_max_file_bytes_bounds_what_a_world_holds() -> None:
    server = serve("--max-file-bytes", "10")
    try:
        user = _new_user(server)
        client = server.as_user(user)
        client.upload_file("six.txt", "text/plain", b"123456")
        created = client.create_file_upload("five.txt", "text/plain", "CHAT_FILES")["createFileUpload"]
        fields = {key: str(value) for key, value in created["formFields"].items()}
        response = _post_to(created["uploadUrl"], multipart(fields.items(), b"12345"))
        _refused(response, 400, "EntityTooLarge")
        assert _post_to(created["uploadUrl"], multipart(fields.items(), b"1234")).status_code == 204
    finally:
        server.stop()
