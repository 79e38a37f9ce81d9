"""Running the suite's Node scripts (ROQ's SDK, socket.io-client): where node is, and a script's verdict."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any


def node() -> str:
    """The ``node`` executable; the tests that need it fail with how to get it when it is missing."""
    found = shutil.which("node")
    if found is None:
        raise RuntimeError("these tests need Node.js 20 or later (node) on PATH and `npm ci --prefix tests`")
    return found


def run_script(script: Path, options: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
    """Run ``script`` with ``options`` as JSON; its last line of output is its verdict, which must be ok."""
    result = subprocess.run(
        [node(), str(script), json.dumps(options)],
        cwd=script.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    assert lines, f"{script.name} printed nothing (status {result.returncode}):\n{result.stderr}"
    outcome: dict[str, Any] = json.loads(lines[-1])
    assert outcome["ok"], outcome.get("error")
    return outcome
