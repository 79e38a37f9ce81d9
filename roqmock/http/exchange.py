"""A request and its reply, free of any web framework, and the JSON they carry.

The Starlette app and the in-process httpx transports both turn their requests into a :class:`Request`
and write a :class:`Reply` back, so a request answers the same over a socket and without one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from roqmock.api.rendering import json_bytes
from roqmock.auth import SERVER_HEADER, SESSION_HEADER, TOKEN_HEADER
from roqmock.domain.errors import BadRequest
from roqmock.mock import RoqMock

__all__ = [
    "HTML",
    "JSON",
    "SERVER_HEADER",
    "SESSION_HEADER",
    "TOKEN_HEADER",
    "Handler",
    "Reply",
    "Request",
    "decode_json",
    "json_bytes",
]

JSON = "application/json"
HTML = "text/html; charset=utf-8"


@dataclass(slots=True)  # one per request: a frozen one costs four times as much to make
class Request:
    """An HTTP request, as every transport reads it."""

    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""
    query: Mapping[str, str] | None = None

    @classmethod
    def of(
        cls,
        method: str,
        path: str,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        query: Iterable[tuple[str, str]] = (),
    ) -> Request:
        """A request from any framework's parts; header names are folded to lower case."""
        return cls(method, path, {name.lower(): value for name, value in headers}, body, dict(query))

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self) -> Any:
        try:
            # As JSON.parse reads: UTF-8 text only, and no NaN or Infinity.
            text = self.body.decode("utf-8")
            if text.startswith("\ufeff"):
                raise ValueError("a byte order mark is not JSON")  # as json.loads and JSON.parse refuse it
            value = decode_json(text)
            if _SURROGATE_ESCAPE.search(self.body):
                # "\ud800" alone is JSON but not Unicode: no store of ROQ's would keep it.
                json.dumps(value, ensure_ascii=False).encode()
            return value
        except (ValueError, UnicodeError, RecursionError):
            raise BadRequest("The request body is not valid JSON", error_code="BAD_REQUEST") from None

    def origin(self) -> str | None:
        """``http://host[:port]`` as the client addressed this server (its Host header), if it said."""
        host = self.header("host")
        return f"http://{host}" if host else None

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object", error_code="BAD_REQUEST")
        return body


@dataclass(slots=True)  # one per request: a frozen one costs four times as much to make
class Reply:
    """An HTTP answer, before it is rendered to bytes."""

    status: int
    body: Any
    content_type: str = JSON
    delay_s: float = 0.0  # injected latency: the transport waits this long before answering
    headers: tuple[tuple[str, str], ...] = ()  # beyond content-type and content-length

    def content(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body  # a file's bytes, as they were uploaded
        if self.content_type == JSON:
            return json_bytes(self.body)
        return str(self.body).encode("utf-8", errors="replace")


Handler = Callable[[RoqMock, Request], Reply]

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# One decoder for every request: json.loads with a hook would build a new one each time.
_STRICT_JSON = json.JSONDecoder(parse_constant=_refuse_constant)


def decode_json(text: str) -> Any:
    """JSON text as JSON.parse reads it: no NaN or Infinity (raises ``ValueError``)."""
    return _STRICT_JSON.decode(text)
