"""A refused event's ``exception`` reaches the client before its error ack, through npm's
socket.io-client 4.8 (``ack_order.js``): a client (or a test) that awaits the ack and then looks at the
exceptions it heard finds the one about that event."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.node import run_script
from support.sockets import create_user

from roqmock.testing import RoqServer

SCRIPT = Path(__file__).resolve().parent / "ack_order.js"
ROUNDS = 20


def _run(options: dict[str, Any]) -> dict[str, Any]:
    return run_script(SCRIPT, options)


def test_the_exception_arrives_before_the_error_ack(empty_server: RoqServer) -> None:
    user = create_user(empty_server, "ackorder")
    outcome = _run({"url": empty_server.url, "token": empty_server.token(user), "rounds": ROUNDS})
    assert outcome == {"ok": True, "early": 0, "rounds": ROUNDS}
