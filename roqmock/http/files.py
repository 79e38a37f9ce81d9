"""The doors of file bytes, as S3 keeps them for ROQ: the presigned POST that uploads a file and the
presigned GET that downloads it, each refusing in S3's XML error body (ROQ's UI reads
``Error.Message`` with xml2js), never in ROQ's JSON.

The upload arrives in chunks (:class:`Upload`): a streaming multipart parser reads the form's fields,
checks the signed policy when the ``file`` part begins (S3 reads the fields before it; fields after
it are ignored), and refuses as soon as the file passes the form's ``maxSize``, so no more than that
is ever held. The file is written into one buffer (:class:`_FileBuffer`) whose bytes the world keeps
as they are: an upload never holds a second copy of its file. The signed form or URL is the
permission: neither request carries ROQ's credentials.
"""

from __future__ import annotations

import io
import re
import time
import uuid
from html import escape
from typing import Any
from urllib.parse import quote

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from roqmock import uploads
from roqmock.domain.errors import Conflict, NotFound, RoqError, TooLarge
from roqmock.domain.models import File
from roqmock.http.exchange import SESSION_HEADER, Reply, Request
from roqmock.journal import ANONYMOUS
from roqmock.mock import RoqMock
from roqmock.uploads import DOWNLOAD_PATH, UPLOAD_PATH, Refused, UploadGrant

__all__ = ["FIELD_ALLOWANCE", "XML", "Upload", "download", "internal_error", "s3_error", "streams", "upload"]

XML = "application/xml"
# What a form may hold besides the file: its fields, part headers and boundaries (S3's policy document
# alone may be 20 KB).
FIELD_ALLOWANCE = 64 * 1024
# RFC 2046, section 5.1.1: a boundary is 1 to 70 characters.
_MAX_BOUNDARY = 70
_FRAMING_PER_PART = 2 * (_MAX_BOUNDARY + 8)  # a part's boundary line and CRLFs, counted as field bytes
_MALFORMED = "The body of your POST request is not well-formed multipart/form-data."
# A part's header line and header count, bounded here as python-multipart's newer releases bound them, so
# every release it admits refuses the same forms.
_MAX_PART_HEADER = 4096 + 128
_MAX_PART_HEADERS = 8
_HEADER_SAFE = re.compile(r"[\x20-\x7e]+")


def s3_error(refused: Refused, *, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """S3's error body: ``<Error><Code/><Message/><RequestId/></Error>``."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        # XML character data (& < >, quotes left), as xml.sax.saxutils.escape writes it, whose import brings
        # urllib.request; html is loaded already, for the seeded avatars.
        f"<Error><Code>{escape(refused.code, quote=False)}</Code>"
        f"<Message>{escape(refused.message, quote=False)}</Message>"
        f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>"
    )
    return Reply(refused.status, body, content_type=XML, headers=headers)


def internal_error() -> Reply:
    """A bug in roqmock, on a door of file bytes: S3's InternalError, never a bare 500 page."""
    return s3_error(Refused("InternalError", "We encountered an internal error. Please try again.", 500))


def streams(method: str, path: str) -> bool:
    """Whether this request is an upload, whose body the server streams into :class:`Upload`."""
    return method == "POST" and (path.rstrip("/") or "/") == UPLOAD_PATH


def _now_ms() -> int:
    return int(time.time() * 1000)


def _refusal_of(error: RoqError) -> Refused:
    """A domain refusal, as S3 would word it."""
    if isinstance(error, NotFound):
        return Refused("NoSuchKey", f"The specified key does not exist. ({error.message})", 404)
    if isinstance(error, TooLarge):
        return Refused(
            "EntityTooLarge", f"Your proposed upload exceeds the maximum allowed size. ({error.message})", 400
        )
    if isinstance(error, Conflict):
        return Refused("InvalidObjectState", error.message, 403)
    if error.status < 500:
        return Refused("InvalidRequest", error.message, 400)
    raise error


def _world(mock: RoqMock, request: Request, environment_id: str) -> RoqMock | None:
    """The world a signed form or URL acts in: the session the header names, else the one its
    environment names (the server's own: the default world). Never makes a session."""
    root = mock.root
    name = request.header(SESSION_HEADER)
    if name is None:
        if environment_id == root.settings.environment_id:
            return root
        name = environment_id
    return root.existing_session(name)


def _journal(
    world: RoqMock,
    operation: str,
    *,
    file: File | None,
    variables: dict[str, Any],
    status: int,
    code: str | None,
) -> None:
    with world.store.lock:
        world.journal.record(
            operation=operation,
            fields=(operation,),
            caller=file.created_by_user_id if file is not None else ANONYMOUS,
            variables=variables,
            status=status,
            error_code=code,
            duration_ms=0.0,
            timestamp=time.time(),
        )


def _headers_too_large(mock: RoqMock, request: Request) -> Refused | None:
    limit = mock.settings.max_header_bytes
    if sum(map(len, request.headers)) + sum(map(len, request.headers.values())) > limit:
        return Refused(
            "RequestHeaderSectionTooLarge", f"Your request header section exceeds {limit} bytes.", 400
        )
    return None


# ---------------------------------------------------------------------------------------- upload


class _FileRead(Exception):
    """The file part has ended: what follows it S3 ignores, so the parser stops there."""


class _FileBuffer:
    """A file's bytes as they stream in, ending as one ``bytes`` and never two copies of them.

    CPython's ``BytesIO`` keeps its content in a ``bytes`` object that ``getvalue()`` hands over without
    copying while nothing else holds it (a ``b"".join`` of chunks would hold the file twice at its end).
    Its room is reserved here rather than grown by ``BytesIO``, which over-allocates by an eighth: the
    room is the body's declared remaining length when there is one (never more than the limit), else
    it doubles, up to the limit. A reservation more than an eighth above the room it replaces is
    allocated exactly (``BytesIO``'s rule for a large growth), and the last step to the limit is kept so:
    room never exceeds the limit (tests/http/test_upload_memory.py holds this against CPython).
    """

    _FIRST_ROOM = 64 * 1024

    def __init__(self, limit: int, expected: int | None) -> None:
        self._buffer = io.BytesIO()
        self._limit = limit
        self._room = 0
        self.size = 0
        if expected is not None:
            self._reserve(min(limit, expected))

    def write(self, data: memoryview) -> None:
        """Appends ``data``; the caller has checked that the file stays within the limit."""
        needed = self.size + len(data)
        if needed > self._room:
            room = min(self._limit, max(needed, 2 * self._room, self._FIRST_ROOM))
            if room * 5 // 4 >= self._limit:
                room = max(room, self._limit)  # never a growth of under an eighth up to the limit
            self._reserve(room)
        self._buffer.write(data)
        self.size = needed

    def _reserve(self, room: int) -> None:
        if room <= self._room:
            return
        # Writing the last byte of the room makes BytesIO allocate it in one step (filled with zeros).
        self._buffer.seek(room - 1)
        self._buffer.write(b"\0")
        self._buffer.seek(self.size)
        self._room = room

    def value(self) -> bytes:
        """The file, the buffer's own bytes (shrunk to the file's size in place): the buffer is spent."""
        buffer = self._buffer
        buffer.truncate(self.size)
        data = buffer.getvalue()
        buffer.close()  # the bytes outlive it, uncopied
        return data


class Upload:
    """One presigned POST as its body arrives: :meth:`start`, then :meth:`feed` each chunk until one
    of them answers. Holds the form's fields and at most ``maxSize`` bytes of the file."""

    def __init__(self, mock: RoqMock, request: Request) -> None:
        self.mock = mock
        self.request = request
        self.fields: dict[str, str] = {}  # by lower-case name: S3 reads form field names so
        self.grant: UploadGrant | None = None
        self._parser: MultipartParser | None = None
        self._limit = mock.settings.max_file_bytes  # until the policy names the form's own
        self._field_bytes = 0
        self._part_headers: list[tuple[bytes, bytes]] = []
        self._header_name = b""
        self._header_value = b""
        self._part_name: str | None = None
        self._part_value: list[bytes] = []
        self._in_file = False
        self._file: _FileBuffer | None = None
        self._declared: int | None = None  # the body's Content-Length, when it has one
        self._received = 0  # the body's bytes fed before the chunk being parsed
        self._ended = False

    # ------------------------------------------------------------ the wire

    def start(self) -> Reply | None:
        """The answer before a byte of the body is read, if the request's head already decides it."""
        try:
            too_large = _headers_too_large(self.mock, self.request)
            if too_large is not None:
                raise too_large
            media_type, options = parse_options_header(self.request.header("content-type") or "")
            boundary = options.get(b"boundary", b"")
            if media_type != b"multipart/form-data" or not 0 < len(boundary) <= _MAX_BOUNDARY:
                raise Refused("MalformedPOSTRequest", _MALFORMED, 400)
            declared = self.request.header("content-length")
            ceiling = self.mock.settings.max_file_bytes + FIELD_ALLOWANCE
            # No form can allow more than a world may hold: refused before a byte of it is read.
            if declared is not None and declared.isascii() and declared.isdigit():
                self._declared = int(declared)
                if self._declared > ceiling:
                    raise Refused(
                        "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.", 400
                    )
            self._parser = MultipartParser(boundary, self._callbacks())
        except Refused as refused:
            return self._refuse(refused)
        return None

    def feed(self, chunk: bytes, *, more: bool) -> Reply | None:
        """The answer once this chunk decides it (the last one always does)."""
        try:
            assert self._parser is not None, "start() answered, or was not called"
            if chunk:
                self._parser.write(chunk)
                self._received += len(chunk)
            if not more:
                return self._refuse(self._incomplete())
        except _FileRead:
            return self._store()
        except Refused as refused:
            return self._refuse(refused)
        except FormParserError:
            return self._refuse(Refused("MalformedPOSTRequest", _MALFORMED, 400))
        return None

    def _incomplete(self) -> Refused:
        if self._in_file:
            return Refused("IncompleteBody", "The request body ended inside the file.", 400)
        if not self._ended:
            return Refused("MalformedPOSTRequest", _MALFORMED, 400)
        self._check_policy()  # a forged form is refused as such, with or without a file
        return Refused("InvalidArgument", "POST requires exactly one file upload per request.", 400)

    # ------------------------------------------------------------ the parser's callbacks

    def _callbacks(self) -> Any:
        return {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_end": self._on_end,
        }

    def _count(self, size: int) -> None:
        self._field_bytes += size
        if self._field_bytes > FIELD_ALLOWANCE:
            raise Refused(
                "MaxPostPreDataLengthExceeded",
                "Your POST request fields preceding the upload file were too large "
                f"(over {FIELD_ALLOWANCE} bytes).",
                400,
            )

    def _on_part_begin(self) -> None:
        self._count(_FRAMING_PER_PART)
        self._part_headers = []
        self._part_name = None
        self._part_value = []

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._count(end - start)
        self._header_name += data[start:end]
        self._bound_header()

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._count(end - start)
        self._header_value += data[start:end]
        self._bound_header()

    def _bound_header(self) -> None:
        if len(self._header_name) + len(self._header_value) > _MAX_PART_HEADER:
            raise Refused("MalformedPOSTRequest", _MALFORMED, 400)

    def _on_header_end(self) -> None:
        if len(self._part_headers) >= _MAX_PART_HEADERS:
            raise Refused("MalformedPOSTRequest", _MALFORMED, 400)
        self._part_headers.append((self._header_name.lower(), self._header_value))
        self._header_name = self._header_value = b""

    def _on_headers_finished(self) -> None:
        disposition = next(
            (value for name, value in self._part_headers if name == b"content-disposition"), b""
        )
        kind, options = parse_options_header(disposition)
        name = options.get(b"name")
        if kind != b"form-data" or name is None:
            raise Refused("MalformedPOSTRequest", _MALFORMED, 400)
        self._part_name = name.decode("utf-8", errors="replace")
        if self._part_name.lower() == "file":
            # The policy is read now, from the fields before the file, as S3 reads it.
            self.grant = self._check_policy()
            self._limit = min(self.grant.max_size, self.mock.settings.max_file_bytes)
            self._in_file = True
            # The file is at most what the body has left of its Content-Length (uvicorn reads no more).
            expected = None if self._declared is None else max(0, self._declared - self._received)
            self._file = _FileBuffer(self._limit, expected)

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._in_file:
            self._count(end - start)
            self._part_value.append(data[start:end])
            return
        assert self._file is not None
        if self._file.size + (end - start) > self._limit:
            raise Refused(
                "EntityTooLarge",
                f"Your proposed upload exceeds the maximum allowed size of {self._limit} bytes.",
                400,
            )
        self._file.write(memoryview(data)[start:end])

    def _on_part_end(self) -> None:
        if self._in_file:
            raise _FileRead
        assert self._part_name is not None
        key = self._part_name.lower()
        if key in self.fields:
            raise Refused("InvalidArgument", f"The form field {self._part_name} appears more than once.", 400)
        self.fields[key] = b"".join(self._part_value).decode("utf-8", errors="replace")

    def _on_end(self) -> None:
        self._ended = True

    # ------------------------------------------------------------ the policy and the world

    def _check_policy(self) -> UploadGrant:
        """The form's grant, if its signature, expiry and conditions hold (S3's checks of a POST policy)."""
        grant = uploads.verify_upload(self.mock.settings.token_secret, self.fields, now_ms=_now_ms())
        key = self.fields.get("key")
        if key is None:
            raise Refused("InvalidArgument", "Bucket POST must contain a field named 'key'.", 400)
        prefix = f"{grant.environment_id}/{grant.file_id}/"
        if not key.startswith(prefix) or key == prefix:
            raise Refused(
                "AccessDenied",
                f'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "{prefix}"]',
            )
        if self.fields.get("content-type") != grant.content_type:
            raise Refused(
                "AccessDenied",
                "Invalid according to Policy: Policy Condition failed: "
                f'["eq", "$Content-Type", "{grant.content_type}"]',
            )
        return grant

    def _store(self) -> Reply:
        grant = self.grant
        assert grant is not None
        world = _world(self.mock, self.request, grant.environment_id)
        if world is None:
            return self._refuse(
                Refused("NoSuchKey", "The specified key does not exist. (no such session)", 404)
            )
        assert self._file is not None
        data = self._file.value()
        self._file = None
        with world.store.lock:
            try:
                file = world.service.store_upload(grant.file_id, data)
            except RoqError as error:
                return self._refuse(_refusal_of(error), world)
            _journal(
                world,
                "upload",
                file=file,
                variables={"fileId": file.id, "size": len(data)},
                status=204,
                code=None,
            )
        return Reply(204, "", content_type=XML)

    def _refuse(self, refused: Refused, world: RoqMock | None = None) -> Reply:
        """S3's refusal, journaled in the world the form names (else the request's)."""
        if world is None:
            environment = (
                self.grant.environment_id if self.grant is not None else self.mock.settings.environment_id
            )
            world = _world(self.mock, self.request, environment)
        if world is not None:
            variables = {"fileId": self.grant.file_id} if self.grant is not None else {}
            _journal(
                world, "upload", file=None, variables=variables, status=refused.status, code=refused.code
            )
        return s3_error(refused)


def upload(mock: RoqMock, request: Request) -> Reply:
    """A presigned POST whose whole body is already in memory (the in-process transports)."""
    if (request.path.rstrip("/") or "/") != UPLOAD_PATH:
        return s3_error(Refused("NoSuchKey", "The specified key does not exist.", 404))
    if request.method != "POST":
        return _wrong_method(request, allow="POST")
    attempt = Upload(mock, request)
    reply = attempt.start() or attempt.feed(request.body, more=False)
    assert reply is not None, "the last chunk always answers"
    return reply


# ---------------------------------------------------------------------------------------- download


def download(mock: RoqMock, request: Request) -> Reply:
    """A presigned GET (or HEAD) of ``/__roqmock/files/{fileId}/{name}``: the exact bytes, with the
    file's content type and name."""
    if request.method not in ("GET", "HEAD"):
        return _wrong_method(request, allow="GET, HEAD")
    too_large = _headers_too_large(mock, request)
    if too_large is not None:
        return s3_error(too_large)
    file_id, _, name = request.path[len(DOWNLOAD_PATH) + 1 :].partition("/")
    world: RoqMock | None = mock.root
    try:
        if not file_id or not name.strip("/"):
            raise Refused("NoSuchKey", "The specified key does not exist.", 404)
        environment = uploads.verify_download(
            mock.settings.token_secret, file_id, request.query or {}, now_ms=_now_ms()
        )
        world = _world(mock, request, environment)
        if world is None:
            raise Refused("NoSuchKey", "The specified key does not exist. (no such session)", 404)
        with world.store.lock:
            try:
                file, data = world.service.file_content(file_id)
            except RoqError as error:
                raise _refusal_of(error) from None
            _journal(world, "download", file=file, variables={"fileId": file.id}, status=200, code=None)
    except Refused as refused:
        if world is not None:
            _journal(
                world,
                "download",
                file=None,
                variables={"fileId": file_id},
                status=refused.status,
                code=refused.code,
            )
        return s3_error(refused)
    return Reply(
        200, data, content_type=_content_type(file.content_type), headers=_download_headers(file.name)
    )


def _content_type(content_type: str) -> str:
    return content_type if _HEADER_SAFE.fullmatch(content_type) else "application/octet-stream"


def _download_headers(name: str) -> tuple[tuple[str, str], ...]:
    # RFC 6266, section 4.3: an ASCII filename for old clients, then filename* (RFC 8187) with the real one.
    fallback = (
        "".join(c if c.isascii() and c.isprintable() and c not in '"\\%' else "_" for c in name) or "file"
    )
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    return (
        ("content-disposition", disposition),
        # Uploaded bytes never run as a page of roqmock's origin (which serves the sandbox).
        ("x-content-type-options", "nosniff"),
        ("content-security-policy", "sandbox"),
        ("cache-control", "private, max-age=0"),
    )


def _wrong_method(request: Request, *, allow: str) -> Reply:
    refused = Refused(
        "MethodNotAllowed",
        f"The specified method ({request.method}) is not allowed against this resource.",
        405,
    )
    return s3_error(refused, headers=(("allow", allow),))
