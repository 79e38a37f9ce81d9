"""A refused event's ``exception`` reaches the client before its error ack, through npm's
socket.io-client 4.8 (``ack_order.js``): a client (or a test) that awaits the ack and then looks at the
exceptions it heard finds the one about that event."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from support.sockets import create_user

from roqmock.testing import RoqServer

SCRIPT = Path(__file__).resolve().parent / "ack_order.js"
ROUNDS = 20


def _run(options: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    assert node is not None, "these tests need Node.js (node) on PATH and `npm ci --prefix tests`"
    result = subprocess.run(
        [node, str(SCRIPT), json.dumps(options)],
        cwd=SCRIPT.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    assert lines, f"ack_order.js printed nothing (status {result.returncode}):\n{result.stderr}"
    outcome: dict[str, Any] = json.loads(lines[-1])
    assert outcome["ok"], outcome.get("error")
    return outcome


def test_the_exception_arrives_before_the_error_ack(empty_server: RoqServer) -> None:
    user = create_user(empty_server, "ackorder")
    outcome = _run({"url": empty_server.url, "token": empty_server.token(user), "rounds": ROUNDS})
    assert outcome == {"ok": True, "early": 0, "rounds": ROUNDS}
