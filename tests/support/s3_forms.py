"""S3's presigned POST as ROQ's clients send it, byte for byte, and S3's XML error body read back."""

from __future__ import annotations

import base64
import json
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping

from roqmock import uploads

__all__ = ["FORM_DATA_BOUNDARY", "error_of", "multipart", "now_ms", "repolicy", "signed_form"]

# npm form-data's boundary: 26 dashes and 24 digits.
FORM_DATA_BOUNDARY = "--------------------------" + "012345678901234567890123"


def now_ms() -> int:
    return int(time.time() * 1000)


def signed_form(
    secret: str,
    *,
    base_url: str,
    environment_id: str,
    file_id: str,
    name: str = "hello.txt",
    content_type: str = "text/plain",
    max_size: int = 1024,
    at_ms: int | None = None,
    lifetime_s: int = 3600,
) -> dict[str, str]:
    """The form fields ``createFileUpload`` answers, signed with ``secret`` (a server's --token-secret)."""
    _, fields = uploads.upload_form(
        secret,
        base_url=base_url,
        file_id=file_id,
        environment_id=environment_id,
        name=name,
        content_type=content_type,
        max_size=max_size,
        now_ms=now_ms() if at_ms is None else at_ms,
        lifetime_s=lifetime_s,
    )
    return fields


def repolicy(fields: Mapping[str, str], **changes: object) -> dict[str, str]:
    """The form with its policy document changed (and the old signature kept): a tampered form."""
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy.update(changes)
    encoded = base64.b64encode(json.dumps(policy, sort_keys=True).encode()).decode()
    return {**fields, "policy": encoded}


def multipart(
    fields: Iterable[tuple[str, str]],
    file: bytes | None,
    *,
    filename: str | None = None,
    file_type: str = "application/octet-stream",
    boundary: str = FORM_DATA_BOUNDARY,
    closed: bool = True,
) -> bytes:
    """``multipart/form-data`` as npm form-data writes it: each field, then ``file`` (a Buffer: no
    filename; a browser's File: a filename), then the closing boundary (unless ``closed`` is False)."""
    out = bytearray()
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    if file is not None:
        disposition = 'form-data; name="file"' + (f'; filename="{filename}"' if filename is not None else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        out += f"Content-Type: {file_type}\r\n\r\n".encode()
        out += file + b"\r\n"
    if closed:
        out += f"--{boundary}--\r\n".encode()
    return bytes(out)


def error_of(content: bytes) -> tuple[str, str]:
    """S3's ``<Error>``: its Code and Message (ROQ's UI reads ``Error.Message``)."""
    root = ElementTree.fromstring(content)
    assert root.tag == "Error", content
    code, message = root.findtext("Code"), root.findtext("Message")
    assert code and message and root.findtext("RequestId"), content
    return code, message
