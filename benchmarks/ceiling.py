"""The ceiling: a bare ASGI app, no framework, on the same uvicorn as ``roqmock serve`` (the same
protocol class and options), answering each request with roqmock's own answer bytes for it, captured
before the load. What it serves per second is what roqmock's HTTP stack could carry if executing and
rendering cost nothing.

    python -m benchmarks.ceiling --answers answers.json [--port 0]

``answers.json`` is a list of ``{"token": ..., "body": ..., "answer": ...}``: a POST whose body and
``roq-platform-authorization`` header match gets ``answer``'s UTF-8 bytes, as ``application/json``.
The body is read whole and the header looked up, as roqmock must, before answering. The first line
printed is ``ceiling listening at http://127.0.0.1:PORT``.
"""

from __future__ import annotations

import argparse
import json
import socket
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from pathlib import Path
from typing import Any

import uvicorn

from roqmock.auth import TOKEN_HEADER
from roqmock.http.wire import CoalescingHttpToolsProtocol

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

_TOKEN = TOKEN_HEADER.lower().encode("latin-1")
_NOT_FOUND = b'{"message":"no answer captured for this request"}'


def app(answers: dict[tuple[bytes, bytes], bytes]) -> App:
    """An ASGI app answering ``answers[token header, body]``, 404 for anything else."""

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                event = (await receive())["type"]  # lifespan.startup, then lifespan.shutdown
                await send({"type": f"{event}.complete"})
                if event == "lifespan.shutdown":
                    return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        token = next((value for name, value in scope["headers"] if name == _TOKEN), b"")
        answer = answers.get((token, b"".join(chunks)))
        status, body = (200, answer) if answer is not None else (404, _NOT_FOUND)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return serve


def load_answers(path: Path) -> dict[tuple[bytes, bytes], bytes]:
    entries = json.loads(path.read_text(encoding="utf-8"))
    return {
        (entry["token"].encode("latin-1"), entry["body"].encode()): entry["answer"].encode()
        for entry in entries
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ceiling", description=__doc__)
    parser.add_argument("--answers", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    serve_on(app(load_answers(args.answers)), listening("ceiling", args.port))


def listening(name: str, port: int) -> socket.socket:
    """A loopback socket listening on ``port`` (0: any free one), announced on the first line printed as
    ``<name> listening at http://127.0.0.1:PORT``, which the benchmark reads (servers.launch)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(2048)
    print(f"{name} listening at http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    return sock


def serve_on(asgi_app: Any, sock: socket.socket) -> None:
    """Serve ``asgi_app`` on ``sock`` with roqmock serve's options (roqmock/cli.py): its protocol class, no
    access log, no proxy headers, no server header, no WebSocket compression, uvicorn's default event
    loop. The socket's ceiling (socketio/server.py) runs on it too."""
    config = uvicorn.Config(
        asgi_app,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        server_header=False,
        http=CoalescingHttpToolsProtocol,
        ws_per_message_deflate=False,
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
