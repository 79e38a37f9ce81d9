"""ROQ's notification socket, at ``/notification-ws``: accepted, and silent.

ROQ's UI (``SocketProvider``) opens it beside the message center on every page, with the user's token in the
``token`` query parameter; only ROQ's notification bell listens on it (``unseen_count_changed``), and roqmock
has no notifications. Served so that a page of ROQ's chat UI on roqmock keeps a clean console: without it the
browser logs a failed handshake again and again. ROQ's UI aims it at the page's port only when the host name
contains ``localhost`` (else ``wss://<host>`` on port 443), so open the page as ``http://localhost:<port>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

import socketio

from roqmock.domain.errors import RoqError
from roqmock.http.callers import check_user_token
from roqmock.http.socket import socket_origins
from roqmock.mock import RoqMock

__all__ = ["NOTIFICATION_PATH", "NotificationSocket"]

NOTIFICATION_PATH = "notification-ws"


class NotificationSocket:
    """The Socket.IO server at ``/notification-ws``: a user's valid token connects, and nothing is sent."""

    def __init__(self, mock: RoqMock) -> None:
        self.mock = mock
        self.server = socketio.AsyncServer(
            async_mode="asgi",
            cors_allowed_origins=socket_origins(mock),  # as the message center's
            logger=False,
            engineio_logger=False,
        )
        self.server.on("connect", self._connect)

    def asgi(self, other: Any) -> socketio.ASGIApp:
        """``other`` with the notification socket in front of it on ``/notification-ws``."""
        return socketio.ASGIApp(self.server, other_asgi_app=other, socketio_path=NOTIFICATION_PATH)

    async def _connect(self, sid: str, environ: Mapping[str, Any], auth: Any = None) -> None:
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        try:
            self._check(query.get("token"))
        except RoqError as error:
            raise socketio.exceptions.ConnectionRefusedError(
                error.message, {"errorCode": error.error_code}
            ) from None

    def _check(self, token: str | None) -> None:
        check_user_token(self.mock, token, missing="Missing token: connect with ?token=<a user's token>")
