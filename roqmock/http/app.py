"""The ASGI app: it wires every request to :func:`roqmock.http.routing.answer` (an upload streams into
:class:`roqmock.http.files.Upload` instead) and does nothing else.

An HTTP request goes straight to one ASGI endpoint: roqmock reads the method, path, headers and body
itself (``roqmock.http.exchange.Request``) and answers every error itself, in ROQ's envelope, so Starlette's
Request and Response objects, its error middleware and even its route matching would only be work on the
path every test request takes. Starlette's router answers the rest: the lifespan, and WebSockets on paths
that are not the two sockets'.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from starlette.routing import Route, Router

from roqmock.api.errors import INTERNAL_MESSAGE, logger
from roqmock.config import Settings
from roqmock.domain.errors import RoqError
from roqmock.http.exchange import Reply, Request
from roqmock.http.files import Upload, internal_error, streams
from roqmock.http.limits import body_too_large
from roqmock.http.routing import answer, error_reply, refusal
from roqmock.mock import RoqMock

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class Endpoint:
    """Every path, every method: roqmock answers unknown ones itself, in ROQ's envelope."""

    def __init__(self, mock: RoqMock) -> None:
        self.mock = mock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # ASGI gives header names in lower case; latin-1 as Starlette decodes them.
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        if streams(scope["method"], scope["path"]):
            await self._upload(scope, receive, send, headers)
            return
        chunks = []
        size = 0
        limit = self.mock.settings.max_body_bytes
        declared = headers.get("content-length")
        if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
            size = int(declared)  # refused before a byte of it is awaited
        while size <= limit:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        query = _query(scope)
        if size > limit:
            # Answered without reading (or holding) the rest of a body that is too big.
            request = Request(scope["method"], scope["path"], headers, b"", query)
            refused = refusal(self.mock, request, body_too_large(limit))
            cors = cors_headers(self.mock.settings, request)
            await self._send(send, refused, cors, head=request.method == "HEAD")
            return
        request = Request(scope["method"], scope["path"], headers, b"".join(chunks), query)
        cors = cors_headers(self.mock.settings, request)
        if cors and request.method == "OPTIONS":
            await self._send(send, Reply(204, "", content_type="text/plain"), cors, head=False)
            return
        reply = answer(self.mock, request)
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        try:
            content = reply.content()
        except Exception:
            # A bug in roqmock: answered in ROQ's envelope, never as the server's bare 500 page.
            logger.exception("unexpected error rendering the answer to %s %s", request.method, request.path)
            reply = error_reply(request.path, RoqError(INTERNAL_MESSAGE))
            content = reply.content()
        await self._send(send, reply, cors, head=request.method == "HEAD", content=content)

    async def _upload(self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str]) -> None:
        """An upload's body, read chunk by chunk into :class:`Upload`, which answers as soon as it can:
        a file past its form's size is refused without the rest being read or held."""
        request = Request(scope["method"], scope["path"], headers, b"", _query(scope))
        try:
            upload = Upload(self.mock, request)
            reply = upload.start()
            while reply is None:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                reply = upload.feed(message.get("body", b""), more=message.get("more_body", False))
                del message  # the chunk is not held while the next one is received
        except Exception:
            logger.exception("unexpected error answering %s %s", request.method, request.path)
            reply = internal_error()
        await self._send(send, reply, cors_headers(self.mock.settings, request), head=False)

    @staticmethod
    async def _send(
        send: Send,
        reply: Reply,
        extra: Sequence[tuple[bytes, bytes]],
        *,
        head: bool,
        content: bytes | None = None,
    ) -> None:
        # An answer is rendered once: a page of conversations is tens of KB of JSON.
        if content is None:
            content = reply.content() if reply.status != 204 else b""
        headers = [
            (b"content-type", reply.content_type.encode("latin-1")),
            # A HEAD's answer says the length of the GET's body, and has none (RFC 9110, 9.3.2).
            (b"content-length", str(len(content)).encode("latin-1")),
            *((name.encode("latin-1"), value.encode("latin-1")) for name, value in reply.headers),
            *extra,
        ]
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else content})


def _query(scope: Scope) -> dict[str, str]:
    raw_query: bytes = scope["query_string"]
    return dict(parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True)) if raw_query else {}


def cors_headers(settings: Settings, request: Request) -> list[tuple[bytes, bytes]]:
    """CORS headers for a request from an allowed origin; none when CORS is off (the default)."""
    origin = request.header("origin")
    if not settings.cors_origins or origin is None:
        return []
    if origin not in settings.cors_origins and "*" not in settings.cors_origins:
        return []
    allowed = request.header("access-control-request-headers") or ", ".join(
        (
            "content-type",
            "roq-platform-authorization",
            "roq-platform-server-authorization",
            "x-roqmock-session",
        )
    )
    return [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"vary", b"Origin"),
        (b"access-control-allow-methods", b"GET, POST, PUT, DELETE, PATCH, OPTIONS"),
        (b"access-control-allow-headers", allowed.encode("latin-1")),
        (b"access-control-max-age", b"600"),
    ]


ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


# Where the two Socket.IO servers answer (SOCKET_PATH and NOTIFICATION_PATH), as engine.io matches a path.
SOCKET_PREFIXES = ("/socket.io/", "/notification-ws/")


class Sockets:
    """``router`` behind the two Socket.IO servers, which are built on the first request to their paths.

    python-socketio imports its clients and their HTTP libraries (aiohttp, requests) with its server:
    ~0.2 s of every ``roqmock serve`` start, which a server that no socket reaches never needs to pay.
    The servers hold nothing until a socket connects, so building them late changes no answer.
    """

    def __init__(self, mock: RoqMock, router: ASGIApp, endpoint: Endpoint) -> None:
        self.mock = mock
        self.router = router
        self.endpoint = endpoint
        self._front: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind in ("http", "websocket") and _is_socket_path(scope["path"]):
            await self.front()(scope, receive, send)
        elif kind == "http":
            # Straight to the endpoint the router would pick for every path: matching its one route
            # against each request cost a fifth of a kept answer's time.
            await self.endpoint(scope, receive, send)
        else:
            await self.router(scope, receive, send)  # lifespan, and websockets on other paths

    def front(self) -> ASGIApp:
        """The message center and the notification socket in front of the router, built once."""
        if self._front is None:
            from roqmock.http.chat.notifications import NotificationSocket
            from roqmock.http.socket import MessageCenter

            self._front = NotificationSocket(self.mock).asgi(MessageCenter(self.mock).asgi(self.router))
        return self._front


def _is_socket_path(path: str) -> bool:
    return (path if path.endswith("/") else path + "/").startswith(SOCKET_PREFIXES)


def create_app(mock: RoqMock) -> ASGIApp:
    """Every path answered by :class:`Endpoint`, but ``/socket.io``: ROQ's message center (the live chat),
    and ``/notification-ws``: the notification socket ROQ's UI opens beside it."""
    endpoint = Endpoint(mock)
    router = Router(routes=[Route("/{path:path}", endpoint)])
    return Sockets(mock, router, endpoint)
