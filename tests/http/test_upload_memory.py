"""What the doors of file bytes hold in memory, through roqmock's ASGI app in process: an accepted upload
ends as the one ``bytes`` the world keeps, never beside a second copy of it, so a file right under its
size limit never holds much more than that limit (structural: tracemalloc's peak, not a timing); a
download answers with those very bytes."""

from __future__ import annotations

import asyncio
import hashlib
import random
import tracemalloc
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit

import pytest
from support.s3_forms import now_ms

from roqmock import uploads
from roqmock.baseline import Baseline
from roqmock.http.app import create_app
from roqmock.mock import RoqMock

LIMIT = 10 * 1024 * 1024  # CHAT_FILES' maxSize
CHUNK = 16 * 1024
# The form's fields, the parser and the request's own objects, and the chunks in flight: far below a
# second copy of the file.
ALLOWANCE = 128 * 1024
BOUNDARY = "----roqmockuploadmemory"


def _chunk(index: int, size: int) -> bytes:
    return random.Random(index).randbytes(size)


def _scope(method: str, url: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    parts = urlsplit(url)
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "server": ("127.0.0.1", 4000),
        "client": ("127.0.0.1", 50000),
        "headers": [(b"host", b"roqmock.test"), *headers],
    }


def _upload(size: int, *, declared: bool) -> tuple[int, int, RoqMock, str]:
    """One presigned POST of a ``size``-byte file, its body made a chunk at a time as the app asks
    for it (the client never holds the file); the answer's status, the traced peak above what was
    held before it, the world and the file's id."""
    mock = RoqMock(baseline=Baseline(size=None))
    app = create_app(mock)
    form = mock.execute(
        "mutation($dto: FileCreateDto!) "
        "{ createFileUpload(createFileDto: $dto) { id uploadUrl formFields } }",
        {"dto": {"name": "report.pdf", "contentType": "application/pdf", "fileCategory": "CHAT_FILES"}},
    )["data"]["createFileUpload"]
    head = (
        b"".join(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in form["formFields"].items()
        )
        + (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="report.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
    )
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    sizes = [min(CHUNK, size - offset) for offset in range(0, size, CHUNK)]
    headers = [
        (b"host", b"roqmock.test"),
        (b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()),
    ]
    if declared:
        headers.append((b"content-length", str(len(head) + size + len(tail)).encode()))
    path = urlsplit(form["uploadUrl"]).path
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "server": ("127.0.0.1", 4000),
        "client": ("127.0.0.1", 50000),
        "headers": headers,
    }
    sent = [0]

    async def receive() -> dict[str, Any]:
        index = sent[0]
        sent[0] += 1
        if index == 0:
            body = head
        elif index <= len(sizes):
            body = _chunk(index, sizes[index - 1])
        else:
            body = tail
        return {"type": "http.request", "body": body, "more_body": index <= len(sizes)}

    status: list[int] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(int(message["status"]))

    loop = asyncio.new_event_loop()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        loop.run_until_complete(app(scope, receive, send))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        loop.close()
    return status[0], peak - before, mock, form["id"]


def _sent_digest(size: int) -> str:
    digest = hashlib.sha256()
    for index, offset in enumerate(range(0, size, CHUNK), start=1):
        digest.update(_chunk(index, min(CHUNK, size - offset)))
    return digest.hexdigest()


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
@pytest.mark.parametrize("size", [LIMIT - 1024, LIMIT - 5 * CHUNK // 2, LIMIT * 9 // 10])
def test_an_upload_near_its_limit_holds_about_the_limit_and_stores_its_bytes(
    size: int, declared: bool
) -> None:
    status, peak, mock, file_id = _upload(size, declared=declared)

    assert status == 204
    stored = mock.store.world.file_bytes[file_id]
    assert len(stored) == size
    assert hashlib.sha256(stored).hexdigest() == _sent_digest(size)
    assert peak <= LIMIT + ALLOWANCE, f"{peak:,} B held for a {size:,} B file under a {LIMIT:,} B limit"


def test_an_upload_with_a_declared_length_holds_about_its_own_size() -> None:
    size = 1_000_000
    status, peak, mock, file_id = _upload(size, declared=True)

    assert status == 204
    assert len(mock.store.world.file_bytes[file_id]) == size
    assert peak <= size + ALLOWANCE, f"{peak:,} B held for a {size:,} B file"


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_an_upload_past_its_limit_is_refused_holding_no_more_than_the_limit(declared: bool) -> None:
    status, peak, mock, file_id = _upload(LIMIT + CHUNK, declared=declared)

    assert status == 400
    assert file_id not in mock.store.world.file_bytes
    assert peak <= LIMIT + ALLOWANCE


def test_a_download_answers_with_the_bytes_the_world_holds_not_a_copy() -> None:
    status, _, mock, file_id = _upload(LIMIT - 1024, declared=True)
    assert status == 204
    url = uploads.download_url(
        mock.settings.token_secret,
        base_url="http://roqmock.test",
        file_id=file_id,
        environment_id=mock.settings.environment_id,
        name="report.pdf",
        now_ms=now_ms(),
    )
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    async def get() -> None:
        await create_app(mock)(_scope("GET", url, []), receive, send)

    asyncio.run(get())

    assert sent[0]["status"] == 200
    assert sent[1]["body"] is mock.store.world.file_bytes[file_id]  # 10 MB sent as held, per request
