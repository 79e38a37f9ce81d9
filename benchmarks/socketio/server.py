"""python-socketio with trivial handlers: ``server.mjs``'s twin in Python, the socket's ceiling.

    python -m benchmarks.socketio.server --shape shape.json [--port 0]

The same shape file, namespace, path, query token, room and ``messageReceived`` payload as ``server.mjs``;
python-socketio's own ``AsyncServer`` on ``roqmock serve``'s uvicorn options, as roqmock's message center
runs. What it sends per second is what the message center's Socket.IO library could carry if
permissions, validation, the store and read state cost nothing. The first line printed is
``python-socketio listening at http://127.0.0.1:PORT``.
"""

from __future__ import annotations

import argparse
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import socketio

from benchmarks.ceiling import listening, serve_on

NAMESPACE = "/messageCenter"


def app(shape: dict[str, Any]) -> Any:
    members: dict[str, str] = shape["members"]  # token -> user id
    server = socketio.AsyncServer(async_mode="asgi", logger=False, engineio_logger=False)

    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        token = parse_qs(environ.get("QUERY_STRING", "")).get("platformtoken", [""])[0]
        user_id = members.get(token)
        if user_id is None:
            return False
        await server.save_session(sid, {"userId": user_id}, namespace=NAMESPACE)
        await server.enter_room(sid, shape["conversationId"], namespace=NAMESPACE)
        return True

    async def send_message(sid: str, payload: dict[str, Any]) -> None:
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        session = await server.get_session(sid, namespace=NAMESPACE)
        message = {
            **shape["message"],
            "id": str(uuid.uuid4()),
            "conversationId": payload["conversationId"],
            "body": payload["body"],
            "authorId": session["userId"],
            "createdAt": now,
            "updatedAt": now,
        }
        await server.emit("messageReceived", message, room=payload["conversationId"], namespace=NAMESPACE)

    server.on("connect", connect, namespace=NAMESPACE)
    server.on("sendMessage", send_message, namespace=NAMESPACE)
    return socketio.ASGIApp(server)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.socketio.server", description=__doc__)
    parser.add_argument("--shape", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    shape = json.loads(args.shape.read_text(encoding="utf-8"))
    serve_on(app(shape), listening("python-socketio", args.port))


if __name__ == "__main__":
    main()
